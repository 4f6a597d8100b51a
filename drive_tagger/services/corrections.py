"""Corrections people make to their filters: move documents, merge two filters, split one into
its sub-filters, make a filter from picked documents. Each is recorded so every later refresh
applies it (core/corrections.py); a move shows at once, the others at the next refresh."""

from __future__ import annotations

from collections.abc import Sequence

from drive_tagger.core.corrections import Kind
from drive_tagger.core.ports import RefreshStore
from drive_tagger.errors import InvalidInput, UnknownDocument
from drive_tagger.services.query import resolve_filter


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


def merge_filters(refreshes: RefreshStore, workspace_slug: str, keep: str, absorb: str) -> int:
    """Makes two top-level filters one, under the first one's id and name."""
    workspace = refreshes.workspace(workspace_slug)
    filters = refreshes.filters(workspace.id)
    kept, absorbed = resolve_filter(filters, keep, workspace_slug), resolve_filter(filters, absorb, workspace_slug)
    return refreshes.record_correction(workspace.id, Kind.MERGE, kept.category_id, [], other=absorbed.category_id)


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
