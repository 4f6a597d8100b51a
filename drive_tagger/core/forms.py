"""The form a document is written in (pure): e-mail, transcript, meeting notes, résumé or letter,
told by its structure (headers, speaker turns, section headings, salutation), not its topic.

A drive mixes two kinds of grouping: by what documents are about and by what they are. Where a
filter's documents share a form that the rest of the drive does not, the form says at a glance
what the filter holds ("Emails", "Meeting Notes"), so the offline namer offers it first."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

# Characters of a document's head its form is read from.
HEAD_CHARS = 3000
# A filter is of a form when at least half its read documents are, and at most half that share
# of the rest of the drive is: a form every filter shares sets none of them apart.
FORM_SHARE = 0.5

# What may stand before a line's first word: indentation, quoting, bullets, Markdown emphasis.
LINE_MARKUP = r"[ \t>*_#•-]*"
_HEADER = re.compile(LINE_MARKUP + r"(from|to|subject|sent|date|cc)[*_]*[ \t]*:[*_]*[ \t]*\S", re.I)
_ATTENDEES = re.compile(LINE_MARKUP + r"(?:[\w-]+ )?(attendees|present|participants|in attendance)[*_]*[ \t]*:", re.I)
_MEETING_HEADING = re.compile(LINE_MARKUP + r"(agenda|action items|actions|decisions)[*_:]*[ \t]*$", re.I)
_RESUME_HEADING = re.compile(
    LINE_MARKUP + r"(work experience|professional experience|experience|employment history|employment|education|"
    r"skills|technical skills|key skills|professional summary|summary|career objective|objective|profile|"
    r"certifications|qualifications)[*_:]*[ \t]*$",
    re.I,
)
_SALUTATION = re.compile(LINE_MARKUP + r"dear[ \t]+\S", re.I)
# "ALICE: ...", "Dr. Ray: ...", "[00:01:12] Jo: ..." at the start of a line.
_SPEAKER_TURN = re.compile(
    r"[ \t]*(?:\[?\(?\d{1,2}:\d{2}(?::\d{2})?\]?\)?[ \t]*)?([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2})[ \t]*:[ \t]+\S"
)
_SPEAKER_TURNS = 6  # turns in the head for a transcript, by at least two speakers who speak twice
_HEADING_CHARS = 40  # a line this short may be a section heading


def document_form(body: str) -> str | None:
    """The form of one document ("Emails", "Transcripts", "Meeting Notes", "Resumes",
    "Letters"), or None when its structure shows none."""
    lines = [line for line in body[:HEAD_CHARS].splitlines() if line.strip()]
    # Line by line, and only lines that can match: a refresh reads thousands of documents.
    labelled = [line for line in lines if ":" in line]
    headers = {m.group(1).lower() for line in labelled[:15] if (m := _HEADER.match(line))}
    if "from" in headers and headers & {"to", "subject", "sent"}:
        return "Emails"
    speakers = Counter(m.group(1) for line in labelled if (m := _SPEAKER_TURN.match(line)))
    turns = sum(speakers.values())
    # Turns make most of a transcript's lines; a few "Datasheet: ..." records in prose do not.
    if turns >= _SPEAKER_TURNS and turns >= len(lines) / 2 and sum(1 for n in speakers.values() if n >= 2) >= 2:
        return "Transcripts"
    short = [line for line in lines if len(line) <= _HEADING_CHARS]
    meeting_headings = {m.group(1).lower() for line in short if (m := _MEETING_HEADING.match(line))}
    if any(_ATTENDEES.match(line) for line in labelled) or len(meeting_headings) >= 2:
        return "Meeting Notes"
    sections = {m.group(1).lower() for line in short if (m := _RESUME_HEADING.match(line))}
    if "education" in sections and len(sections) >= 2:
        return "Resumes"
    if any(_SALUTATION.match(line) for line in lines[:8]):
        return "Letters"
    return None


def shared_form(inside: Sequence[str | None], outside: Sequence[str | None]) -> str | None:
    """The form at least FORM_SHARE of a filter's documents (`inside`) share while at most half
    that share of the rest of the drive (`outside`) does, or None."""
    if not inside:
        return None
    shared = Counter(f for f in inside if f is not None).most_common(1)
    if not shared or shared[0][1] / len(inside) < FORM_SHARE:
        return None
    form, count = shared[0]
    elsewhere = sum(1 for f in outside if f == form) / len(outside) if outside else 0.0
    return form if elsewhere <= count / len(inside) / 2 else None
