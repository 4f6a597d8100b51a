"""Renaming a filter: a person's name is pinned on it and shown instead of the computed one."""

from __future__ import annotations

from drive_tagger.adapters.postgres.store import PostgresStore
from drive_tagger.core.types import Filter
from drive_tagger.errors import InvalidInput, UnknownFilter

MAX_NAME = 200


def rename_filter(
    store: PostgresStore, workspace_slug: str, category_id: int, name: str | None, *, pinned: bool = True
) -> Filter:
    """Pins `name` (or the current name) on an active filter, or with pinned=False drops the pin."""
    workspace = store.workspace(workspace_slug)
    current = next((f for f in store.filters(workspace.id) if f.category_id == category_id), None)
    if current is None:
        raise UnknownFilter(f"no filter {category_id} in workspace {workspace_slug!r}")
    if not pinned:
        store.unpin_category_name(workspace.id, category_id)
    else:
        name = (name if name is not None else current.name).strip()
        if not 1 <= len(name) <= MAX_NAME:
            raise InvalidInput(f"a filter name must have 1..{MAX_NAME} characters")
        if not store.pin_category_name(workspace.id, category_id, name):
            raise UnknownFilter(f"no filter {category_id} in workspace {workspace_slug!r}")
    return next(f for f in store.filters(workspace.id) if f.category_id == category_id)
