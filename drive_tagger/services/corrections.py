"""Corrections people make to their filters: move documents, merge two filters, split one into
its sub-filters, make a filter from picked documents; the corrections listed, and one undone. Each
is recorded so every later refresh applies it (core/corrections.py) until it is undone; a move and
its undo show at once, the others at the next refresh."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from drive_tagger.core.corrections import Kind
from drive_tagger.core.ports import RefreshStore
from drive_tagger.core.rows import CorrectionRow
from drive_tagger.errors import InvalidInput, UnknownCorrection, UnknownDocument
from drive_tagger.services.query import resolve_filter

SHOWN_DOCUMENTS = 5  # documents a listing names per correction (it counts them all)


@dataclass(frozen=True)
class Merged:
    """A merge recorded: the correction, the filters' names, and the absorbed filter's pinned name
    (kept with the correction; undoing it gives the name back)."""

    correction: int
    kept: str
    absorbed: str
    absorbed_pin: str | None


@dataclass(frozen=True)
class CorrectionView:
    """A correction as people read it: what it did to which filters (by name), when, to which
    documents, and whether it was undone."""

    id: int
    kind: str
    made_at: datetime
    undone_at: datetime | None
    filters: dict[str, dict]  # role (target, kept, absorbed, split, new) -> {"id": ..., "name": ...}
    documents: int  # how many documents it names (a merge: both filters' members when merged)
    shown: tuple[str, ...]  # the ids of the first few, while they are still in the workspace
    absorbed_pin: str | None  # a merge: the absorbed filter's pinned name, given back by an undo

    @property
    def summary(self) -> str:
        """One line: what was decided, in filter names."""
        f = {role: f"“{v['name']}”" for role, v in self.filters.items()}
        if self.kind == "move":
            where = f"to {f['target']}" if "target" in f else "out of every filter"
            return f"moved {self.documents} document(s) {where}"
        if self.kind == "merge":
            pin = f" (its pinned name “{self.absorbed_pin}” kept for an undo)" if self.absorbed_pin else ""
            return f"merged {f.get('absorbed', 'another filter')} into {f.get('kept', '?')}{pin}"
        if self.kind == "split":
            return f"split {f.get('split', '?')} into its sub-filters"
        return f"made filter {f.get('new', '?')} from {self.documents} picked document(s)"

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "made_at": self.made_at.isoformat(),
            "undone_at": self.undone_at.isoformat() if self.undone_at else None,
            "filters": self.filters,
            "documents": self.documents,
            "document_ids": list(self.shown),
            "absorbed_pin": self.absorbed_pin,
            "summary": self.summary,
        }


def move_documents(
    refreshes: RefreshStore, workspace_slug: str, external_ids: Sequence[str], target: str | None
) -> int:
    """Places the documents in the filter (id or name), or out of every filter when target is
    None; later refreshes keep them there while that filter exists."""
    workspace = refreshes.workspace(workspace_slug)
    category = resolve_filter(refreshes.filters(workspace.id), target, workspace_slug).category_id if target else None
    return refreshes.record_correction(
        workspace.id, Kind.MOVE, category, _document_ids(refreshes, workspace, external_ids)
    )


def merge_filters(refreshes: RefreshStore, workspace_slug: str, keep: str, absorb: str) -> Merged:
    """Makes two top-level filters one, under the first one's id and name (pinned or not, it
    stays). The second one's pinned name, if it had one, is kept with the correction: undoing the
    merge gives it back."""
    workspace = refreshes.workspace(workspace_slug)
    filters = refreshes.filters(workspace.id)
    kept, absorbed = resolve_filter(filters, keep, workspace_slug), resolve_filter(filters, absorb, workspace_slug)
    made = refreshes.record_correction(workspace.id, Kind.MERGE, kept.category_id, [], other=absorbed.category_id)
    pin = next((c.absorbed_pin for c in refreshes.corrections(workspace.id) if c.id == made), None)
    return Merged(made, kept.name, absorbed.name, pin)


def split_filter(refreshes: RefreshStore, workspace_slug: str, reference: str) -> int:
    """Makes each sub-filter of a top-level filter a top-level filter of its own."""
    workspace = refreshes.workspace(workspace_slug)
    chosen = resolve_filter(refreshes.filters(workspace.id), reference, workspace_slug)
    return refreshes.record_correction(workspace.id, Kind.SPLIT, chosen.category_id, [])


def create_filter(refreshes: RefreshStore, workspace_slug: str, name: str, external_ids: Sequence[str]) -> int:
    """A filter named by a person from documents they picked; documents like them join it. The
    database stores the name normalised and refuses, as InvalidInput, one that breaks the rules of
    a filter name (core/filter_names.py) or is another filter's name already."""
    workspace = refreshes.workspace(workspace_slug)
    ids = _document_ids(refreshes, workspace, external_ids)
    return refreshes.record_correction(workspace.id, Kind.LEARNED, None, ids, name=name)


def list_corrections(refreshes: RefreshStore, workspace_slug: str) -> list[CorrectionView]:
    """The workspace's corrections, oldest first, each with its filters' names (as shown now, or
    as when it was made for a filter that is gone), its date and its documents."""
    workspace = refreshes.workspace(workspace_slug)
    now = {f.category_id: f.name for f in refreshes.filters(workspace.id)}
    return [_view(row, now) for row in refreshes.correction_listing(workspace.id, SHOWN_DOCUMENTS)]


def undo_correction(refreshes: RefreshStore, workspace_slug: str, correction_id: int) -> CorrectionView:
    """Undoes a correction: refreshes stop applying it. An undone move re-places its documents at
    once (where an earlier correction still puts them, else where their meaning does); the refresh
    after the undo of a merge or a split gives back the filters it made one or parted, with their
    ids, and a pinned name the merge had set aside. Returns the correction as it stands now."""
    workspace = refreshes.workspace(workspace_slug)
    if not 0 < correction_id < 2**63:
        raise UnknownCorrection(f"no correction {correction_id} in workspace {workspace_slug!r}")
    try:
        refreshes.undo_correction(workspace.id, correction_id)
    except UnknownCorrection:
        raise UnknownCorrection(f"no correction {correction_id} in workspace {workspace_slug!r}") from None
    return next(c for c in list_corrections(refreshes, workspace_slug) if c.id == correction_id)


def _view(row: CorrectionRow, now: dict[int, str]) -> CorrectionView:
    recorded = {int(k): v for k, v in row.names.items()}

    def named(category_id: int | None) -> dict:
        known = (now.get(category_id) or recorded.get(category_id)) if category_id is not None else None
        name = known or f"filter {category_id}"
        return {"id": category_id, "name": name, "active": category_id in now}

    kind, category = row.kind, row.category_id
    if kind == "move":
        filters = {"target": named(category)} if category is not None else {}
    elif kind == "merge":
        filters = {"kept": named(category)}
        if row.other_category_id is not None:
            filters["absorbed"] = named(row.other_category_id)
    elif kind == "split":
        filters = {"split": named(category)}
    else:
        new = now.get(category) if category is not None else None
        filters = {"new": {"id": category, "name": new or row.name, "active": category in now}}
    return CorrectionView(
        row.id, kind, row.created_at, row.undone_at, filters, row.documents, tuple(row.shown), row.absorbed_pin
    )


def _document_ids(refreshes: RefreshStore, workspace, external_ids: Sequence[str]) -> list[int]:
    """The documents' ids, each once, or UnknownDocument naming the ids the workspace lacks (as the
    SQL functions' workspace_document_ids does)."""
    if not external_ids:
        raise InvalidInput("name at least one document")
    external_ids = list(dict.fromkeys(external_ids))
    found = refreshes.document_ids(workspace.id, external_ids)
    missing = [i for i in external_ids if i not in found]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise UnknownDocument(f"no document {shown} in workspace {workspace.slug!r}")
    return [found[i] for i in external_ids]
