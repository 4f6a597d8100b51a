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

_LINE_START = r"^[ \t>*_#•-]*"
_HEADER = re.compile(_LINE_START + r"(from|to|subject|sent|date|cc)[*_]*[ \t]*:[*_]*[ \t]*\S", re.I | re.M)
_ATTENDEES = re.compile(
    _LINE_START + r"(?:[\w-]+ )?(attendees|present|participants|in attendance)[*_]*[ \t]*:", re.I | re.M
)
_MEETING_HEADINGS = re.compile(_LINE_START + r"(agenda|action items|actions|decisions)[*_:]*[ \t]*$", re.I | re.M)
_RESUME_HEADINGS = re.compile(
    _LINE_START + r"(work experience|professional experience|experience|employment history|employment|education|"
    r"skills|technical skills|key skills|professional summary|summary|career objective|objective|profile|"
    r"certifications|qualifications)[*_:]*[ \t]*$",
    re.I | re.M,
)
_SALUTATION = re.compile(_LINE_START + r"dear[ \t]+\S", re.I | re.M)
# "ALICE: ...", "Dr. Ray: ...", "[00:01:12] Jo: ..." at the start of a line.
_SPEAKER_TURN = re.compile(
    r"^[ \t]*(?:\[?\(?\d{1,2}:\d{2}(?::\d{2})?\]?\)?[ \t]*)?([A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2})[ \t]*:[ \t]+\S", re.M
)
_SPEAKER_TURNS = 6  # turns in the head for a transcript, by at least two speakers who speak twice


def document_form(title: str, body: str) -> str | None:
    """The form of one document ("Emails", "Transcripts", "Meeting Notes", "Resumes",
    "Letters"), or None when its structure shows none."""
    head = body[:HEAD_CHARS]
    first_lines = "\n".join(head.splitlines()[:15])
    headers = {m.group(1).lower() for m in _HEADER.finditer(first_lines)}
    if "from" in headers and headers & {"to", "subject", "sent"}:
        return "Emails"
    speakers = Counter(m.group(1) for m in _SPEAKER_TURN.finditer(head))
    turns = sum(speakers.values())
    lines = sum(1 for line in head.splitlines() if line.strip())
    # Turns make most of a transcript's lines; a few "Datasheet: ..." records in prose do not.
    if turns >= _SPEAKER_TURNS and turns >= lines / 2 and sum(1 for n in speakers.values() if n >= 2) >= 2:
        return "Transcripts"
    if _ATTENDEES.search(head) or len({m.group(1).lower() for m in _MEETING_HEADINGS.finditer(head)}) >= 2:
        return "Meeting Notes"
    sections = {m.group(1).lower() for m in _RESUME_HEADINGS.finditer(head)}
    if "education" in sections and len(sections) >= 2:
        return "Resumes"
    if _SALUTATION.search("\n".join(head.splitlines()[:8])):
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
