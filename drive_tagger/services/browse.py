"""What the web page shows of a workspace: its filter tree with document counts and the untagged
count, pages of a filter's (or the untagged) documents with a snippet of each, and semantic
search in the workspace or in one filter."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drive_tagger.core.ports import BrowseStore
from drive_tagger.core.rows import ListedDocument
from drive_tagger.core.types import Filter, Workspace
from drive_tagger.errors import InvalidInput, ModelMismatch, UnknownFilter
from drive_tagger.services.query import MAX_PAGE, by_counts

if TYPE_CHECKING:
    import numpy as np

SNIPPET_CHARS = 240
# A little more is read than shown, so that the cut can fall between two words.
SNIPPET_READ_CHARS = SNIPPET_CHARS + 80
MAX_SEARCH_RESULTS = 50
MAX_QUERY_CHARS = 500
_MARKUP = re.compile(r"\*\*|__|^\s*[-*] \[[ xX]\]")  # markdown emphasis and check boxes, not worth a snippet's room


@dataclass(frozen=True)
class DocumentRow:
    external_id: str
    title: str
    snippet: str
    score: float | None  # similarity to the filter's centroid or to the query; None when untagged
    rank: int = 1  # 2 on a filter's page: the document carries the filter as a second tag
    filter: str | None = None  # in search results: the filter it is in (None: untagged)


@dataclass(frozen=True)
class FilterBranch:
    """A top-level filter with its sub-filters."""

    filter: Filter
    children: tuple[Filter, ...]


@dataclass(frozen=True)
class Overview:
    branches: tuple[FilterBranch, ...]
    untagged: int

    @property
    def filters(self) -> list[Filter]:
        return [f for b in self.branches for f in (b.filter, *b.children)]


@dataclass(frozen=True)
class Page:
    rows: tuple[DocumentRow, ...]
    offset: int
    limit: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.rows) < self.total


def snippet(title: str, text: str, chars: int = SNIPPET_CHARS) -> str:
    """The start of a text on one line, without a first line that repeats the title or markdown
    heading marks, cut between words with an ellipsis when it goes on."""
    lines = [_MARKUP.sub("", line).strip().lstrip("#").strip() for line in text.strip().splitlines()]
    if lines and title and lines[0].casefold() == title.strip().casefold():
        lines = lines[1:]
    flat = " ".join(" ".join(lines).split())
    if len(flat) <= chars:
        return flat
    cut = flat[:chars].rsplit(" ", 1)[0] if " " in flat[:chars] else flat[:chars]
    return cut.rstrip(" ,;:.-") + "…"


def branches(filters: Sequence[Filter]) -> tuple[FilterBranch, ...]:
    """Top-level filters in the given order, each with its sub-filters (a sub-filter whose
    parent is missing is shown at the top level)."""
    tops = [f for f in filters if f.parent_category_id is None]
    top_ids = {f.category_id for f in tops}
    orphans = [f for f in filters if f.parent_category_id is not None and f.parent_category_id not in top_ids]
    return tuple(
        FilterBranch(top, tuple(f for f in filters if f.parent_category_id == top.category_id))
        for top in [*tops, *orphans]
    )


def overview(browse: BrowseStore, workspace_slug: str) -> Overview:
    """The sidebar: filters in the order of the counts it shows (query.by_counts), each top-level
    filter with its sub-filters, and how many documents no filter holds."""
    workspace = browse.workspace(workspace_slug)
    filters = browse.filters(workspace.id)
    # A tagged document has exactly one top-level first choice: these add up to the tagged.
    tagged = sum(f.first_documents for f in filters if f.parent_category_id is None)
    return Overview(branches(by_counts(filters)), browse.document_count(workspace.id) - tagged)


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInput(f"page size must be 1..{MAX_PAGE} and offset >= 0 (got {limit}, {offset})")


def _rows(found: list[ListedDocument]) -> tuple[DocumentRow, ...]:
    return tuple(
        DocumentRow(
            r.external_id,
            r.title,
            snippet(r.title, r.snippet),
            None if r.score is None else float(r.score),
            int(r.rank or 1),
            r.filter,
        )
        for r in found
    )


def _active_filter(browse: BrowseStore, workspace_id: int, category_id: int, workspace_slug: str) -> Filter:
    found = browse.active_filter(workspace_id, category_id)
    if found is None:
        raise UnknownFilter(f"no filter {category_id} in workspace {workspace_slug!r}")
    return found


def filter_page(
    browse: BrowseStore, workspace_slug: str, category_id: int, *, limit: int = 25, offset: int = 0
) -> tuple[Filter, Page]:
    """An active filter and one page of its documents: first tags first, each best match first."""
    _check_page(limit, offset)
    workspace = browse.workspace(workspace_slug)
    chosen = _active_filter(browse, workspace.id, category_id, workspace_slug)
    found = browse.filter_page(workspace.id, category_id, limit, offset, SNIPPET_READ_CHARS)
    return chosen, Page(_rows(found), offset, limit, chosen.documents)


def untagged_page(browse: BrowseStore, workspace_slug: str, *, limit: int = 25, offset: int = 0) -> Page:
    """One page of the documents no filter holds, by id."""
    _check_page(limit, offset)
    workspace = browse.workspace(workspace_slug)
    found = browse.untagged_page(workspace.id, limit, offset, SNIPPET_READ_CHARS)
    return Page(_rows(found), offset, limit, browse.untagged_count(workspace.id))


def search(
    browse: BrowseStore,
    workspace_slug: str,
    query: np.ndarray,
    *,
    category_id: int | None = None,
    limit: int = 20,
) -> tuple[Filter | None, tuple[DocumentRow, ...]]:
    """The documents nearest a query embedding (the workspace's model), best first; with a
    category_id, only those the filter holds. Returns the filter searched in, if any."""
    if not 1 <= limit <= MAX_SEARCH_RESULTS:
        raise InvalidInput(f"at most {MAX_SEARCH_RESULTS} search results are shown (asked for {limit})")
    workspace = browse.workspace(workspace_slug)
    within = None if category_id is None else _active_filter(browse, workspace.id, category_id, workspace_slug)
    found = browse.nearest_documents(workspace.slug, query, category_id, limit, SNIPPET_READ_CHARS)
    return within, _rows(found)


def check_query_model(workspace: Workspace, model: str) -> None:
    """ModelMismatch unless a query vector of `model` may be compared with the workspace's vectors:
    two models' vectors, even of one length, never meet in one search."""
    if workspace.embedding_model is not None and workspace.embedding_model != model:
        raise ModelMismatch(
            f"workspace {workspace.slug!r} embeds with {workspace.embedding_model}, and this server's queries "
            f"with {model}: run the server with DRIVE_TAGGER_EMBEDDER set to the workspace's model"
        )


def clean_query(text: str) -> str:
    """A search text on one line, or InvalidInput saying why it cannot be searched for: nothing
    left to search for, or longer than MAX_QUERY_CHARS (never cut silently)."""
    flat = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", text).split())
    if not flat:
        raise InvalidInput("type something to search for")
    if len(flat) > MAX_QUERY_CHARS:
        raise InvalidInput(
            f"a search is at most {MAX_QUERY_CHARS} characters and this one is {len(flat):,}: "
            "a few words in your own words find more than a pasted page"
        )
    return flat


def split_close(rows: tuple[DocumentRow, ...], floor: float) -> tuple[tuple[DocumentRow, ...], tuple[DocumentRow, ...]]:
    """(the results at least `floor` similar to the query, the rest): below the floor a result is
    no closer than unrelated searches come (core/params.SEARCH_FLOOR)."""
    count = sum(1 for r in rows if r.score is not None and r.score >= floor)  # rows come best first
    return rows[:count], rows[count:]
