"""Why a document sits in each of its filters (the filter's keywords its text shares, its nearest
neighbours there), and what the active refresh changed, told in the filters' names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from drive_tagger.core.changes import CorrectionNote
from drive_tagger.core.ports import BrowseStore
from drive_tagger.core.rows import Neighbour
from drive_tagger.core.types import DocumentTag
from drive_tagger.errors import UnknownDocument

# Keywords come from the head of each document (services/refresh.py reads 4,000 characters);
# a little more is searched here so a keyword near that edge is still found.
EXPLAIN_TEXT_CHARS = 8000
SHOWN_TEXT_CHARS = 1200
NEIGHBOURS = 3
_WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True)
class Membership:
    """One of a document's filters and the evidence for it."""

    tag: DocumentTag
    keywords: tuple[str, ...]  # the filter's keywords the document's text contains
    neighbours: tuple[Neighbour, ...]  # the filter's documents nearest this one
    placed: str | None = None  # a person put it here (a move, or picking it for a new filter): how


@dataclass(frozen=True)
class DocumentExplanation:
    external_id: str
    title: str
    text: str  # the head of the document's text
    memberships: tuple[Membership, ...]


def shared_keywords(keywords: Sequence[str], text: str) -> tuple[str, ...]:
    """The keywords whose every word appears in the text (keywords are lowercase words of three
    or more letters, a bigram's words once stop words are dropped, so they are matched word by
    word rather than as a phrase)."""
    words = set(_WORD.findall(text.casefold()))
    return tuple(k for k in keywords if k.split() and all(w in words for w in k.casefold().split()))


def explain_document(
    browse: BrowseStore, workspace_slug: str, external_id: str, *, neighbours: int = NEIGHBOURS
) -> DocumentExplanation:
    """The document's filters, best first, each with the keywords it shares with the filter, its
    nearest neighbours among the filter's documents, and whether a person placed it there."""
    workspace = browse.workspace(workspace_slug)
    document = browse.document_text(workspace.id, external_id, EXPLAIN_TEXT_CHARS)
    if document is None:
        raise UnknownDocument(f"no document {external_id!r} in workspace {workspace_slug!r}")
    filters = browse.filters(workspace.id)
    keywords = {f.category_id: f.keywords for f in filters}
    parents = {f.category_id: f.parent_category_id for f in filters}
    placed = _placed_by_person(browse.corrections(workspace.id), document.id, parents)
    searched = f"{document.title}\n{document.text}"
    memberships = tuple(
        Membership(
            tag,
            shared_keywords(keywords.get(tag.category_id, ()), searched),
            tuple(browse.filter_neighbours(workspace.id, document.id, tag.category_id, neighbours)),
            placed.get(tag.category_id),
        )
        for tag in browse.document_tags(workspace.id, document.id)
    )
    return DocumentExplanation(document.external_id, document.title, document.text[:SHOWN_TEXT_CHARS], memberships)


def _placed_by_person(corrections, document_id: int, parents: dict[int, int | None]) -> dict[int, str]:
    """{filter id: how a person placed the document there}: the latest standing correction that
    places it (a move, or picking it for a new filter), its filter, and for a sub-filter its
    top-level filter; a filter a standing merge made of the one it named."""
    placing = [
        c
        for c in corrections
        if not c.undone and c.kind.value in ("move", "learned") and document_id in set(c.document_ids.tolist())
    ]
    if not placing or placing[-1].category_id is None:
        return {}
    latest = placing[-1]
    merged_into = {c.other: c.category_id for c in corrections if not c.undone and c.kind.value == "merge"}
    target, seen = latest.category_id, set()
    while target not in parents and target in merged_into and target not in seen:
        seen.add(target)
        target = merged_into[target]
    when = f", {latest.made_at:%d %b %Y}" if latest.made_at else ""
    how = (
        f"A person moved it here (correction #{latest.id}{when}); refreshes keep it here."
        if latest.kind.value == "move"
        else f"A person picked it for this filter (correction #{latest.id}{when}); refreshes keep it here."
    )
    return {c: how for c in (target, parents.get(target)) if c is not None}


@dataclass(frozen=True)
class RefreshSummary:
    """The active refresh's RefreshChanges (core/changes.py) in filter names, for people."""

    refresh_id: int
    finished_at: datetime | None
    documents: int | None
    filters: int | None  # categories: top-level filters and sub-filters
    untagged: int | None
    first: bool  # no earlier refresh to compare with
    new: tuple[str, ...]
    renamed: tuple[tuple[str, str], ...]  # (before, after)
    merged: tuple[tuple[tuple[str, ...], str], ...]  # (the filters before, the one they became)
    split: tuple[tuple[str, tuple[str, ...]], ...]  # (the filter before, the ones it became)
    gone: tuple[str, ...]
    kept: int
    corrections: tuple[str, ...]


def _correction_text(correction, name) -> str:
    """What a person decided, in a few words: a Correction and a function naming filter ids."""
    kind = correction.kind.value
    if kind == "move":
        where = f"to “{name(correction.category_id)}”" if correction.category_id is not None else "out of every filter"
        return f"Move of {len(correction.document_ids)} document(s) {where}"
    if kind == "merge":
        return f"Merge into “{name(correction.category_id)}”"
    if kind == "split":
        return f"Split of “{name(correction.category_id)}” into its sub-filters"
    return f"New filter “{correction.name}” from {len(correction.document_ids)} picked document(s)"


def _corrections(notes: Sequence[CorrectionNote], made: dict, name) -> tuple[str, ...]:
    """One line per correction the refresh applied (its notes), with what the correction was."""
    lines = []
    for note in notes:
        correction = made.get(note.correction)
        what = _correction_text(correction, name) if correction else f"Correction {note.correction}"
        if note.undone:
            lines.append(f"Undone: {what}: {'reversed' if note.applied else 'nothing left to reverse'}")
        else:
            lines.append(f"{what}: {'applied' if note.applied else 'nothing left to change'}")
    return tuple(lines)


def last_refresh_changes(browse: BrowseStore, workspace_slug: str) -> RefreshSummary | None:
    """What the refresh whose filters are active changed (its RefreshChanges: kept, new and retired
    ids, splits, merges, corrections applied), with names for the ids: a filter that is gone by its
    name before, the others by their name now. None before the first refresh."""
    workspace = browse.workspace(workspace_slug)
    run = browse.active_refresh_run(workspace.id)
    if run is None:
        return None
    changes = run.changes
    now = {r.category_id: r.name for r in browse.generation_names(workspace.id, run.id)}
    previous_id = browse.previous_refresh_id(workspace.id)
    before = (
        {r.category_id: r.name for r in browse.generation_names(workspace.id, previous_id)}
        if previous_id is not None
        else {}
    )

    def name(names: dict[int, str], category_id: int) -> str:
        return names.get(category_id) or before.get(category_id) or f"filter {category_id}"

    made, unmade = changes.made, changes.unmade
    return RefreshSummary(
        refresh_id=run.id,
        finished_at=run.finished_at,
        documents=run.documents,
        filters=run.categories,
        untagged=run.untagged,
        first=previous_id is None,
        new=tuple(name(now, i) for i in changes.new if i not in made),
        renamed=tuple(
            (before[i], now[i])
            for i in changes.kept
            if i in before and i in now and before[i] != now[i] and i not in made
        ),
        merged=tuple((tuple(name(before, o) for o in old), name(now, new)) for new, old in changes.merges.items()),
        split=tuple((name(before, old), tuple(name(now, n) for n in new)) for old, new in changes.splits.items()),
        gone=tuple(name(before, i) for i in changes.retired if i not in unmade),
        kept=len(changes.kept),
        corrections=_corrections(
            changes.corrections,
            {c.id: c for c in browse.corrections(workspace.id)} if changes.corrections else {},
            lambda category_id: name(now, category_id),
        ),
    )
