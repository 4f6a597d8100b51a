"""Renaming a filter: a person's name is pinned on it and shown instead of the computed one."""

from __future__ import annotations

from drive_tagger.core.ports import RefreshStore
from drive_tagger.core.types import Filter
from drive_tagger.errors import UnknownFilter
from drive_tagger.services.query import resolve_filter


def rename_filter(
    refreshes: RefreshStore, workspace_slug: str, reference: str, name: str | None, *, pinned: bool = True
) -> Filter:
    """Pins `name` (or the current name) on an active filter chosen by id or name, or with
    pinned=False drops the pin. Later refreshes keep a pin for as long as they keep the id.

    The database stores the name normalised and refuses, as InvalidInput, one that breaks the
    rules of a filter name (core/filter_names.py) or is another filter's name already."""
    workspace = refreshes.workspace(workspace_slug)
    current = resolve_filter(refreshes.filters(workspace.id), str(reference), workspace_slug)
    if not pinned:
        refreshes.unpin_category_name(workspace.id, current.category_id)
    elif not refreshes.pin_category_name(workspace.id, current.category_id, name if name is not None else current.name):
        raise UnknownFilter(f"no filter {reference} in workspace {workspace_slug!r}")
    return next(f for f in refreshes.filters(workspace.id) if f.category_id == current.category_id)
