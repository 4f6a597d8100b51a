"""The form a document is written in, and the filters a form sets apart (pure): e-mail,
transcript, meeting notes, résumé or letter, told by its structure (headers, speaker turns,
section headings, salutation), not its topic.

A drive mixes two kinds of grouping: by what documents are about and by what they are. Where a
filter's documents share a form that the rest of the drive does not, the form says at a glance
what the filter holds ("Emails", "Meeting Notes"), so the offline namer offers it first, the
drive's other documents of that form join it, and its documents of no such form leave it for the
nearest filter of their topic that admits them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from drive_tagger.core.merging import nearest

# Characters of a document's head its form is read from.
HEAD_CHARS = 3000
# Documents leaving form filters are placed this many at a time (a million-document drive).
BLOCK_ROWS = 65_536
# A first line this long or shorter may be a title ("All-Hands Meeting Notes – January 2026").
TITLE_CHARS = 100
# A filter is of a form when at least half its documents are, and at most half that share of
# the rest of the drive is: a form every filter shares sets none of them apart.
FORM_SHARE = 0.5
MIN_FORM_DOCUMENTS = 3

# What may stand before a line's first word: indentation, quoting, bullets, Markdown emphasis.
LINE_MARKUP = r"[ \t>*_#•-]*"
_HEADER = re.compile(LINE_MARKUP + r"(from|to|subject|sent|date|cc)[*_]*[ \t]*:[*_]*[ \t]*\S", re.I)
_ATTENDEES = re.compile(LINE_MARKUP + r"(?:[\w-]+ )?(attendees|present|participants|in attendance)[*_]*[ \t]*:", re.I)
_MEETING_HEADINGS = frozenset({"agenda", "action items", "actions", "decisions"})
_RESUME_HEADINGS = frozenset(
    {"work experience", "professional experience", "experience", "employment history", "employment", "education"}
    | {"skills", "technical skills", "key skills", "professional summary", "summary", "career objective"}
    | {"objective", "profile", "certifications", "qualifications"}
)
# One pattern for both kinds of heading: a short line is matched once (code has many).
_HEADING = re.compile(
    LINE_MARKUP
    + "("
    + "|".join(sorted(_MEETING_HEADINGS | _RESUME_HEADINGS, key=len, reverse=True))
    + r")[*_:]*[ \t]*$",
    re.I,
)
_MEETING_TITLE = re.compile(
    r"\bmeeting (?:notes|minutes)\b|^\W*minutes of\b.*\bmeeting\b"
    r"|(?:\b1:1|\bone-on-one|\b1-on-1) (?:meeting )?notes\b",
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
    "Letters"), or None when its structure shows none. It is stored with the document
    (documents.form): a change to these rules needs a migration that sets that column to null,
    so that the next refresh reads every form again."""
    lines = [line for line in body[:HEAD_CHARS].splitlines() if line.strip()]
    # Line by line, and only lines that can match, each test only where enough such lines are:
    # every stored document is read (a million-document ingest).
    labelled = [line for line in lines if ":" in line]
    if len(labelled) >= 2:  # From: and one more header
        headers = {m.group(1).lower() for line in labelled[:15] if (m := _HEADER.match(line))}
        if "from" in headers and headers & {"to", "subject", "sent"}:
            return "Emails"
    if len(labelled) >= _SPEAKER_TURNS:
        speakers = Counter(m.group(1) for line in labelled if (m := _SPEAKER_TURN.match(line)))
        turns = sum(speakers.values())
        # Turns make most of a transcript's lines; a few "Datasheet: ..." records in prose do not.
        if turns >= _SPEAKER_TURNS and turns >= len(lines) / 2 and sum(1 for n in speakers.values() if n >= 2) >= 2:
            return "Transcripts"
    short = [line for line in lines if len(line) <= _HEADING_CHARS]
    if any(_ATTENDEES.match(line) for line in labelled):
        return "Meeting Notes"
    if len(short) >= 2:  # two headings at least, for meeting notes or a résumé
        headings = {m.group(1).lower() for line in short if (m := _HEADING.match(line))}
        if len(headings & _MEETING_HEADINGS) >= 2:
            return "Meeting Notes"
        if "education" in headings and len(headings & _RESUME_HEADINGS) >= 2:
            return "Resumes"
    if lines and len(lines[0]) <= TITLE_CHARS and _MEETING_TITLE.search(lines[0]):  # prose under such a title
        return "Meeting Notes"
    if any(_SALUTATION.match(line) for line in lines[:8]):
        return "Letters"
    return None


def forms_setting_apart(
    labels: np.ndarray, forms: np.ndarray, before: dict[int, str | None] | None = None
) -> dict[int, str]:
    """{cluster: form} for each cluster (labels >= 0) of at least MIN_FORM_DOCUMENTS whose
    documents share a form (`forms`: one per document, None when it has none): at least
    FORM_SHARE of them while at most half that share of the rest of the drive.

    `before` holds, for a cluster that continues a filter of the previous refresh, the form that
    set that filter apart (None: none). Such a cluster keeps the previous decision unless its
    share is more than two standard errors (of a share near one half over its documents:
    1/sqrt(n), at most FORM_SHARE / 2) past FORM_SHARE, so that a filter half of whose
    documents are e-mails does not gain and lose them from one refresh to the next as
    documents arrive."""
    named = sorted({f for f in forms if f is not None})
    clusters = np.unique(labels[labels >= 0])
    if not named or not len(clusters):
        return {}
    code = np.zeros(len(forms), dtype=np.int64)  # 0: no form
    for i, form in enumerate(named, start=1):
        code[forms == form] = i
    in_cluster = labels >= 0
    cluster_of = np.searchsorted(clusters, labels[in_cluster])
    counts = np.bincount(cluster_of * (len(named) + 1) + code[in_cluster], minlength=len(clusters) * (len(named) + 1))
    counts = counts.reshape(len(clusters), len(named) + 1)
    totals = np.bincount(code, minlength=len(named) + 1)
    set_apart = {}
    for k, row in enumerate(counts):
        size, best, cluster = int(row.sum()), int(row[1:].argmax()) + 1, int(clusters[k])
        share = row[best] / size
        rest = len(forms) - size
        elsewhere = (totals[best] - row[best]) / rest if rest else 0.0
        needed = FORM_SHARE
        if before is not None and cluster in before:
            # Capped: a filter of 4 would otherwise keep its form with no document of it left.
            margin = min(1 / np.sqrt(size), FORM_SHARE / 2)
            needed += -margin if before[cluster] == named[best - 1] else margin
        if size >= MIN_FORM_DOCUMENTS and share >= needed and elsewhere <= share / 2:
            set_apart[cluster] = named[best - 1]
    return set_apart


def continued_forms(
    labels: np.ndarray,
    vectors: np.ndarray,
    known: np.ndarray,
    previous: Sequence[tuple[str | None, np.ndarray]],
) -> dict[int, str | None]:
    """{cluster: the form that set apart the previous top-level filter it continues (None:
    none)}, for the clusters holding `known` documents (a mask of rows: those the active filters
    hold); `previous` holds each previous filter's form and centroid. A cluster continues the
    filter whose centroid is nearest to most of its known documents: the previous refresh's
    clustering placed them by those centroids, before forms moved any of them in or out."""
    if not previous or not known.any():
        return {}
    centroids = np.stack([np.asarray(c, dtype=vectors.dtype) for _, c in previous])
    placed_by = np.where(known, nearest(vectors, centroids), -1)  # in blocks: no n x d copy
    continued = {}
    for k in np.unique(labels[(labels >= 0) & known]):
        continued[int(k)] = previous[int(np.bincount(placed_by[(labels == k) & known]).argmax())][0]
    return continued


def rows_of(document_ids: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the rows of document_ids that hold ids, the positions in ids of those found); ids that
    are not there (a document deleted or without a vector) are skipped."""
    order = np.argsort(document_ids, kind="stable")
    at = np.searchsorted(document_ids, ids, sorter=order)
    present = np.flatnonzero(at < len(order))
    rows = order[at[present]]
    found = document_ids[rows] == ids[present]
    return rows[found], present[found]


def join_form_filters(
    labels: np.ndarray,
    forms: np.ndarray,
    vectors: np.ndarray,
    centroids: np.ndarray,
    fences: np.ndarray,
    before: dict[int, str | None] | None = None,
) -> tuple[np.ndarray, dict[int, str]]:
    """(labels, {cluster: form}): each document of a form that sets some cluster apart sits in
    the nearest of those clusters (by cosine to `centroids`, indexed by label), wherever its
    topic put it, untagged included; a document of another form in such a cluster moves to the
    nearest cluster no form sets apart when that cluster's fence (`fences`, the similarity below
    which it leaves a document untagged) admits it, and stays otherwise. A filter named
    "Meeting Notes" holds the drive's meeting notes, and a budget statement that sat among them
    by topic goes where its topic is. `before`: as for forms_setting_apart."""
    set_apart = forms_setting_apart(labels, forms, before)
    joined = labels.copy()
    if not set_apart:
        return joined, set_apart
    for form in sorted(set(set_apart.values())):
        homes = np.array(sorted(k for k, f in set_apart.items() if f == form), dtype=labels.dtype)
        rows = np.flatnonzero((forms == form) & ~np.isin(labels, homes))
        if len(rows):
            joined[rows] = homes[np.argmax(vectors[rows] @ centroids[homes].T, axis=1)]
    homes = np.array(sorted(set_apart), dtype=labels.dtype)
    # Only clusters that still hold documents of their own: one every document of which joined
    # a form's filter has a centroid and fence fitted to documents no longer there.
    topics = np.setdiff1d(np.unique(joined[joined >= 0]), homes)
    rows = np.flatnonzero(np.isin(joined, homes))
    rows = rows[forms[rows] != np.array([set_apart[int(k)] for k in joined[rows]], dtype=object)]
    for start in range(0, len(rows) if len(topics) else 0, BLOCK_ROWS):
        block = rows[start : start + BLOCK_ROWS]
        choice = admitting_topic(vectors[block] @ centroids[topics].T, fences[topics])
        joined[block[choice >= 0]] = topics[choice[choice >= 0]]
    return joined, set_apart


def admitting_topic(similarity: np.ndarray, fences: np.ndarray) -> np.ndarray:
    """Per row of `similarity` (documents x the filters no form sets apart), the filter a
    document of another form leaving a form's filter goes to: the nearest, when its fence admits
    the document; -1 (it stays) otherwise. A refresh and arrivals between refreshes use it."""
    choice = np.argmax(similarity, axis=1)
    admitted = similarity[np.arange(len(similarity)), choice] >= fences[choice]
    return np.where(admitted, choice, -1)
