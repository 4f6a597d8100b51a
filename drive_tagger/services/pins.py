"""Renaming a filter: a person's name is pinned on it and shown instead of the computed one."""

from __future__ import annotations

import re

from drive_tagger.core.ports import RefreshStore
from drive_tagger.core.types import Filter
from drive_tagger.errors import InvalidInput, UnknownFilter
from drive_tagger.services.query import resolve_filter

MAX_NAME = 80
# A person may name a filter freely (unlike generated names, no 4-word limit), but a name is
# shown in menus and chips: one line, no markup, no control characters.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>`]")


def check_filter_name(name: str, filters: list[Filter], *, renaming: int | None = None) -> str:
    """A person's filter name on one line, or InvalidInput saying what is wrong with it: too long,
    markup or control characters, or another filter's name already (names are unique)."""
    name = " ".join(str(name).split())
    if not 1 <= len(name) <= MAX_NAME or _UNSAFE.search(name):
        raise InvalidInput(
            f"{name!r} is not a usable filter name: 1..{MAX_NAME} characters on one line, "
            "without markup or control characters"
        )
    clash = next((f for f in filters if f.name.casefold() == name.casefold() and f.category_id != renaming), None)
    if clash is not None:
        raise InvalidInput(f"filter {clash.category_id} is already called {clash.name!r}; names are unique")
    return name


def rename_filter(
    refreshes: RefreshStore, workspace_slug: str, reference: str, name: str | None, *, pinned: bool = True
) -> Filter:
    """Pins `name` (or the current name) on an active filter chosen by id or name, or with
    pinned=False drops the pin. Later refreshes keep a pin for as long as they keep the id."""
    workspace = refreshes.workspace(workspace_slug)
    filters = refreshes.filters(workspace.id)
    current = resolve_filter(filters, str(reference), workspace_slug)
    if not pinned:
        refreshes.unpin_category_name(workspace.id, current.category_id)
    else:
        name = check_filter_name(name if name is not None else current.name, filters, renaming=current.category_id)
        if not refreshes.pin_category_name(workspace.id, current.category_id, name):
            raise UnknownFilter(f"no filter {reference} in workspace {workspace_slug!r}")
    return next(f for f in refreshes.filters(workspace.id) if f.category_id == current.category_id)
