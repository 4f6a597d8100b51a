"""Reading the active filters: list them, page through one, show a document's tags."""

from __future__ import annotations

from drive_tagger.core.ports import FilterReader
from drive_tagger.core.types import DocumentTag, Filter, FilterDocument
from drive_tagger.errors import InvalidInput, UnknownDocument, UnknownFilter

MAX_PAGE = 1000


def list_filters(refreshes: FilterReader, workspace_slug: str) -> list[Filter]:
    """The active filters in tree order: each top-level filter, then its sub-filters, each level in
    the order of its counts (by_counts)."""
    return in_tree_order(by_counts(_active_filters(refreshes, workspace_slug)))


def by_counts(filters: list[Filter]) -> list[Filter]:
    """Filters in the order of the counts people see: first-choice documents, then all, then name.
    The counts follow moves and arrivals between refreshes, so the order does too."""
    return sorted(filters, key=lambda f: (-f.first_documents, -f.documents, f.name.casefold()))


def _active_filters(refreshes: FilterReader, workspace_slug: str) -> list[Filter]:
    """One query for the filters (the API's most frequent read); only when there are none is the
    workspace looked up, so that an unknown one is named."""
    found = refreshes.filters_by_slug(workspace_slug)
    if not found:
        refreshes.workspace(workspace_slug)
    return found


def in_tree_order(filters: list[Filter]) -> list[Filter]:
    children: dict[int, list[Filter]] = {}
    for f in filters:
        if f.parent_category_id is not None:
            children.setdefault(f.parent_category_id, []).append(f)
    ordered = []
    for f in filters:
        if f.parent_category_id is None:
            ordered += [f, *children.pop(f.category_id, [])]
    return ordered + [f for orphans in children.values() for f in orphans]


def resolve_filter(filters: list[Filter], reference: str, workspace_slug: str) -> Filter:
    """A filter by its id, or by its name (case-insensitive)."""
    reference = reference.strip()
    for f in filters:
        if reference.isdigit() and f.category_id == int(reference):
            return f
    for f in filters:
        if f.name.casefold() == reference.casefold():
            return f
    if not filters:
        raise UnknownFilter(f"workspace {workspace_slug!r} has no filters yet; run `drive-tagger refresh`")
    known = ", ".join(f"{f.category_id} {f.name!r}" for f in filters[:20])
    raise UnknownFilter(f"no filter {reference!r} in workspace {workspace_slug!r}; filters: {known}")


def filter_documents(
    refreshes: FilterReader, workspace_slug: str, reference: str, *, limit: int = 50, offset: int = 0
) -> tuple[Filter, list[FilterDocument]]:
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInput(f"page size must be 1..{MAX_PAGE} and offset >= 0 (got {limit}, {offset})")
    chosen = resolve_filter(_active_filters(refreshes, workspace_slug), reference, workspace_slug)
    return chosen, refreshes.filter_page_by_slug(workspace_slug, chosen.category_id, limit, offset)


def document_tags(refreshes: FilterReader, workspace_slug: str, external_id: str) -> tuple[str, list[DocumentTag]]:
    """(the document's title, its tags best first) for the document's external id."""
    found_tags = refreshes.document_tags_by_slug(workspace_slug, external_id)
    if found_tags is not None:
        return found_tags
    refreshes.workspace(workspace_slug)  # an unknown workspace says so
    raise UnknownDocument(f"no document {external_id!r} in workspace {workspace_slug!r}")
