"""PostgresBrowse: what the web page reads besides the filters: pages of documents with the head
of their text, untagged documents, semantic search through match_documents, a document's
neighbours in a filter, and the active refresh's changes with the names of the filters it
compared."""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
from psycopg.rows import class_row, dict_row, kwargs_row

from drive_tagger.adapters.postgres.refreshes import PostgresRefreshes
from drive_tagger.core.changes import GenerationFilter, RefreshRun
from drive_tagger.core.rows import ListedDocument, Neighbour, StoredText
from drive_tagger.core.types import Filter
from drive_tagger.errors import InvalidInput

if TYPE_CHECKING:
    import numpy as np

# match_documents returns at most this many; a search within one filter picks from them.
SEARCH_CANDIDATES = 200


def _filter_row(*, keywords, **fields) -> Filter:
    return Filter(keywords=tuple(keywords), **fields)


class PostgresBrowse(PostgresRefreshes):
    """Reads only; each is one statement on the shared connection. Rows come back as dicts."""

    def document_count(self, workspace_id: int) -> int:
        return self._one("document_count", {"workspace_id": workspace_id})[0]

    def active_filter(self, workspace_id: int, category_id: int) -> Filter | None:
        """One active filter with its document counts."""
        params = {"workspace_id": workspace_id, "category_id": category_id}
        rows = self._all("active_filter", params, row_factory=kwargs_row(_filter_row))
        return rows[0] if rows else None

    def filter_page(
        self, workspace_id: int, category_id: int, limit: int, offset: int, snippet_chars: int
    ) -> list[ListedDocument]:
        params = {
            "workspace_id": workspace_id,
            "category_id": category_id,
            "limit": limit,
            "offset": offset,
            "snippet_chars": snippet_chars,
        }
        return self._all("filter_page", params, row_factory=class_row(ListedDocument))

    def untagged_count(self, workspace_id: int) -> int:
        return self._one("untagged_count", {"workspace_id": workspace_id})[0]

    def untagged_page(self, workspace_id: int, limit: int, offset: int, snippet_chars: int) -> list[ListedDocument]:
        params = {"workspace_id": workspace_id, "limit": limit, "offset": offset, "snippet_chars": snippet_chars}
        return self._all("untagged_page", params, row_factory=class_row(ListedDocument))

    def nearest_documents(
        self, workspace_slug: str, query: np.ndarray, category_id: int | None, limit: int, snippet_chars: int
    ) -> list[ListedDocument]:
        """The documents nearest the query vector, best first (score: cosine similarity), through
        match_documents; with category_id, only those the filter holds."""
        from drive_tagger.adapters.postgres.vectors import use_vectors

        use_vectors(self.conn)
        params = {
            "query": query,
            "workspace": workspace_slug,
            "candidates": SEARCH_CANDIDATES if category_id is not None else limit,
            "category_id": category_id,
            "limit": limit,
            "snippet_chars": snippet_chars,
        }
        try:
            return self._all("search_documents", params, row_factory=class_row(ListedDocument))
        except psycopg.errors.InvalidParameterValue as exc:  # a query vector of another length
            raise InvalidInput(exc.diag.message_primary) from None

    def document_text(self, workspace_id: int, external_id: str, max_chars: int) -> StoredText | None:
        """id, external_id, title and the first max_chars of the text, or None."""
        params = {"workspace_id": workspace_id, "external_id": external_id, "max_chars": max_chars}
        rows = self._all("document_text", params, row_factory=class_row(StoredText))
        return rows[0] if rows else None

    def filter_neighbours(self, workspace_id: int, document_id: int, category_id: int, limit: int) -> list[Neighbour]:
        """The filter's documents nearest this one: external_id, title, similarity."""
        params = {"workspace_id": workspace_id, "document_id": document_id, "category_id": category_id, "limit": limit}
        return self._all("filter_neighbours", params, row_factory=class_row(Neighbour))

    def active_refresh_run(self, workspace_id: int) -> RefreshRun | None:
        rows = self._all("active_refresh_run", {"workspace_id": workspace_id}, row_factory=dict_row)
        return RefreshRun.from_row(rows[0]) if rows else None

    def generation_names(self, workspace_id: int, refresh_id: int) -> list[GenerationFilter]:
        """A kept refresh's filters by name as readers saw them (a pinned name wins)."""
        return self._all(
            "generation_names",
            {"workspace_id": workspace_id, "refresh_id": refresh_id},
            row_factory=class_row(GenerationFilter),
        )
