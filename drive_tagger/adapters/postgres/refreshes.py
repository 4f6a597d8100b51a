"""PostgresRefreshes: refresh runs, the categories and links they make active, and reads; what people
decided (corrections, pinned names) comes from PostgresCorrections."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from psycopg.rows import class_row, dict_row, kwargs_row
from psycopg.types.json import Jsonb

from drive_tagger.adapters.postgres.connection import connection_memo
from drive_tagger.adapters.postgres.corrections import PostgresCorrections
from drive_tagger.adapters.postgres.sql import query
from drive_tagger.adapters.postgres.workspaces import LockKind
from drive_tagger.core.changes import GenerationFilter, RefreshChanges, RefreshRun
from drive_tagger.core.rows import DocumentFilter, MapLayout, MapMembers
from drive_tagger.core.types import (
    ArrivalState,
    Assignments,
    Category,
    DocumentTag,
    Filter,
    FilterDocument,
    NamedBy,
    PreviousGeneration,
    Workspace,
)
from drive_tagger.errors import RefreshConflict, UnknownWorkspace

if TYPE_CHECKING:
    import numpy as np


MATCHING_REFRESHES_KEPT = 4  # refreshes whose categories a connection keeps for matching arrivals


def _category(*, keywords, centroid, named_by, **fields) -> Category:
    from drive_tagger.adapters.postgres.vectors import as_array

    return Category(keywords=tuple(keywords), centroid=as_array(centroid), named_by=NamedBy(named_by), **fields)


def _links_per_category(assignments: Assignments, *, first_only: bool = False) -> dict[int, int]:
    """{category id: links to it} (only the links of rank 1 with first_only): the counts a
    category carries for readers of filters."""
    import numpy as np

    category_ids = np.asarray(assignments.category_id, dtype=np.int64)
    if first_only:
        category_ids = category_ids[np.asarray(assignments.rank) == 1]
    ids, counts = np.unique(category_ids, return_counts=True)
    return dict(zip(ids.tolist(), counts.tolist(), strict=True))


def _filter(*, keywords, **fields) -> Filter:
    return Filter(keywords=tuple(keywords), **fields)


class PostgresRefreshes(PostgresCorrections):
    """A refresh writes its generation under its own run id and points the workspace at it in
    one transaction; readers follow workspaces.active_refresh_id."""

    # -- runs --

    def refresh_lock(self, workspace_id: int) -> AbstractContextManager[bool]:
        """Held for a whole refresh of the workspace; yields False when another refresh holds it."""
        return self._workspace_lock(LockKind.REFRESH, workspace_id, wait=False)

    def mark_abandoned_runs(self, workspace_id: int) -> int:
        """Marks the workspace's runs that are 'running' without a live process as abandoned."""
        with self.conn.transaction():
            params = {"workspace_id": workspace_id, "kind": int(LockKind.REFRESH), "key": workspace_id}
            return self.conn.execute(query("mark_abandoned_runs"), params).rowcount

    def running_refresh(self, workspace_id: int) -> RefreshRun | None:
        """The run that holds the workspace now, if any."""
        rows = self._all("running_refresh", {"workspace_id": workspace_id}, row_factory=dict_row)
        return RefreshRun.from_row(rows[0]) if rows else None

    def start_refresh_run(self, workspace_id: int, parameters: dict) -> int:
        with self.conn.transaction():
            row = self.conn.execute(
                query("start_refresh_run"), {"workspace_id": workspace_id, "parameters": Jsonb(parameters)}
            ).fetchone()
            assert row is not None  # insert ... values ... returning: always one row
            return row[0]

    def fail_refresh_run(self, refresh_id: int, error: str) -> None:
        with self.conn.transaction():
            self.conn.execute(query("fail_refresh_run"), {"refresh_id": refresh_id, "error": error})

    def refresh_runs(self, workspace_id: int, limit: int = 20) -> list[RefreshRun]:
        self.mark_abandoned_runs(workspace_id)
        rows = self._all("refresh_runs", {"workspace_id": workspace_id, "limit": limit}, row_factory=dict_row)
        return [RefreshRun.from_row(row) for row in rows]

    def commit_refresh(
        self,
        workspace: Workspace,
        refresh_id: int,
        categories: Sequence[Category],
        assignments: Assignments,
        document_ids: np.ndarray,
        *,
        untagged: int,
        seconds: dict[str, float],
        next_category_id: int | None = None,
        changes: RefreshChanges | None = None,
        layout: np.ndarray | None = None,
        leaves: np.ndarray | None = None,
    ) -> None:
        """Writes the new filters, and the map's layout (n x 2, a row per document_ids entry,
        with each document's leaf filter) when given, and makes them active in one transaction:
        readers see the old filters or the new ones, never a mix. Fails if another refresh
        became active meanwhile."""
        # Writers load numpy and the vector type here, not at import: readers of filters need neither.
        import numpy as np

        from drive_tagger.adapters.postgres.vectors import use_vectors

        use_vectors(self.conn)
        with self.conn.transaction():
            current = self.lock_workspace(workspace.id)
            if current is None:
                raise UnknownWorkspace(f"workspace {workspace.slug!r} was deleted while this refresh worked")
            if current.active_refresh_id != workspace.active_refresh_id:
                raise RefreshConflict(
                    f"workspace {workspace.slug!r} was refreshed by another run while this one worked; "
                    "its filters are the other run's"
                )
            next_id = max([workspace.next_category_id, next_category_id or 0] + [c.category_id + 1 for c in categories])
            links = _links_per_category(assignments)
            firsts = _links_per_category(assignments, first_only=True)
            with self.conn.cursor() as cur:
                cur.executemany(
                    query("insert_categories"),
                    [
                        {
                            "refresh_id": refresh_id,
                            "workspace_id": workspace.id,
                            "category_id": c.category_id,
                            "parent_category_id": c.parent_category_id,
                            "name": c.name,
                            "description": c.description,
                            "keywords": list(c.keywords),
                            "size": c.size,
                            "centroid": np.asarray(c.centroid, dtype=np.float32),
                            "named_by": NamedBy(c.named_by).value,
                            "fence": c.fence,
                            "form": c.form,
                            "documents": links.get(c.category_id, 0),
                            "first_documents": firsts.get(c.category_id, 0),
                        }
                        for c in categories
                    ],
                )
            self._copy_links(refresh_id, assignments, document_ids)
            if layout is not None and leaves is not None:
                self.conn.execute(
                    query("insert_refresh_map"),
                    {
                        "refresh_id": refresh_id,
                        "documents": len(document_ids),
                        "document_ids": np.ascontiguousarray(document_ids, dtype="<i8").tobytes(),
                        "xy": np.ascontiguousarray(layout, dtype="<f4").tobytes(),
                        "leaves": np.ascontiguousarray(leaves, dtype="<i4").tobytes(),
                    },
                )
                self.conn.execute(query("prune_old_maps"), {"workspace_id": workspace.id, "refresh_id": refresh_id})
            self.conn.execute(
                query("activate_refresh"),
                {"workspace_id": workspace.id, "refresh_id": refresh_id, "next_category_id": next_id},
            )
            self.conn.execute(
                query("finish_refresh_run"),
                {
                    "refresh_id": refresh_id,
                    "documents": len(document_ids),
                    "categories": len(categories),
                    "untagged": untagged,
                    "seconds": Jsonb(seconds),
                    "changes": Jsonb(changes.to_json() if changes else {}),
                },
            )
            self.conn.execute(query("drop_old_links"), {"workspace_id": workspace.id})
            self.conn.execute(query("prune_old_generations"), {"workspace_id": workspace.id})

    def _copy_links(self, refresh_id: int, assignments: Assignments, document_ids: np.ndarray) -> None:
        """The links into a partition of their own, indexed in bulk and attached (see the migration
        ..._links_per_refresh.sql)."""
        from psycopg import sql

        partition = self._one("new_links_partition", {"refresh_id": refresh_id})[0]
        statement = sql.SQL(query("copy_links_partition")).format(partition=sql.Identifier(partition))
        with self.conn.cursor() as cur, cur.copy(statement) as copy:
            copy.write(_link_rows(refresh_id, assignments, document_ids))
        self.conn.execute(query("attach_links_partition"), {"refresh_id": refresh_id})

    # -- the active generation, for the next refresh and for arrivals --

    def active_categories(self, workspace_id: int) -> list[Category]:
        from drive_tagger.adapters.postgres.vectors import use_vectors

        use_vectors(self.conn)
        return self._all(
            "active_categories", {"workspace_id": workspace_id}, row_factory=kwargs_row(_category), binary=True
        )

    def matching_categories(self, workspace: Workspace) -> list[Category]:
        """The categories of the workspace's active refresh as computed, for matching arrivals:
        centroids and fences never change within a refresh, so they are read once per connection
        and refresh (one document arriving does not parse every centroid again). Names may be
        pinned since; read them from active_categories."""
        from drive_tagger.adapters.postgres.vectors import use_vectors

        if workspace.active_refresh_id is None:
            return []
        cached = connection_memo(self.conn, "matching categories")
        key = (workspace.id, workspace.active_refresh_id)
        if key not in cached:
            use_vectors(self.conn)
            rows = self._all(
                "refresh_categories", {"refresh_id": key[1]}, row_factory=kwargs_row(_category), binary=True
            )
            if len(cached) >= MATCHING_REFRESHES_KEPT:
                cached.pop(next(iter(cached)))
            cached[key] = rows
        return cached[key]

    def previous_generation(self, workspace_id: int) -> PreviousGeneration | None:
        """The active categories, their members and the rules version they were made under, or
        None before the first refresh."""
        import numpy as np

        categories = self.active_categories(workspace_id)
        if not categories:
            return None
        members: dict[int, list[int]] = {}
        for category_id, document_id in self._all("active_memberships", {"workspace_id": workspace_id}):
            members.setdefault(category_id, []).append(document_id)
        rules = self._one("active_rules", {"workspace_id": workspace_id})
        return PreviousGeneration(
            tuple(categories),
            {k: np.asarray(v, dtype=np.int64) for k, v in members.items()},
            rules=int(rules[0]) if rules and rules[0] and rules[0].isdigit() else None,
        )

    def link_arrivals(
        self,
        workspace: Workspace,
        assignments: Assignments,
        document_ids: np.ndarray,
        *,
        poorly_matched: int,
        min_arrivals: int,
        suggest_share: float,
    ) -> ArrivalState | None:
        """Replaces the active links of newly arrived or changed documents and counts them;
        returns the arrivals counted since the refresh (None when there is no active refresh)."""
        import numpy as np

        with self.conn.transaction():
            current = self.lock_workspace(workspace.id)
            if current.active_refresh_id is None:
                return None
            self.conn.execute(
                query("unlink_documents"), {"workspace_id": workspace.id, "document_ids": document_ids.tolist()}
            )
            self.conn.execute(
                query("link_arrivals"),
                {
                    "refresh_id": current.active_refresh_id,
                    "document_ids": document_ids[assignments.document_index].tolist(),
                    "category_ids": np.asarray(assignments.category_id).tolist(),
                    "scores": np.asarray(assignments.score, dtype=np.float64).tolist(),
                    "ranks": np.asarray(assignments.rank).tolist(),
                },
            )
            return self._one(
                "record_arrivals",
                {
                    "workspace_id": workspace.id,
                    "arrivals": len(document_ids),
                    "poorly_matched": poorly_matched,
                    "min_arrivals": min_arrivals,
                    "suggest_share": suggest_share,
                },
                ArrivalState,
            )

    def arrival_state(self, workspace_id: int) -> ArrivalState:
        return self._one("arrival_state", {"workspace_id": workspace_id}, ArrivalState)

    # -- reading filters --

    def filters(self, workspace_id: int) -> list[Filter]:
        return self._all("list_filters", {"workspace_id": workspace_id}, row_factory=kwargs_row(_filter))

    def filters_by_slug(self, slug: str) -> list[Filter]:
        """The active filters of the workspace named slug (none when it has none, or no such workspace)."""
        return self._all("list_filters_by_slug", {"slug": slug}, row_factory=kwargs_row(_filter))

    def filter_page_by_slug(self, slug: str, category_id: int, limit: int, offset: int) -> list[FilterDocument]:
        return self._all(
            "filter_page_by_slug",
            {"slug": slug, "category_id": category_id, "limit": limit, "offset": offset},
            row_factory=class_row(FilterDocument),
        )

    def filter_documents(self, workspace_id: int, category_id: int, limit: int, offset: int) -> list[FilterDocument]:
        return self._all(
            "filter_documents",
            {"workspace_id": workspace_id, "category_id": category_id, "limit": limit, "offset": offset},
            row_factory=class_row(FilterDocument),
        )

    def document_tags(self, workspace_id: int, document_id: int) -> list[DocumentTag]:
        return self._all(
            "document_tags",
            {"workspace_id": workspace_id, "document_id": document_id},
            row_factory=class_row(DocumentTag),
        )

    def document_tags_by_slug(self, slug: str, external_id: str) -> tuple[str, list[DocumentTag]] | None:
        """(title, tags best first) of the workspace's document, in one statement; None when the
        workspace has no such document (or there is no such workspace)."""
        rows = self._all("document_tags_by_slug", {"slug": slug, "external_id": external_id})
        if not rows:
            return None
        tags = [DocumentTag(*row[1:]) for row in rows if row[1] is not None]
        return rows[0][0], tags

    def primary_top_level_tags(self, workspace_id: int) -> dict[str, int | None]:
        """{external id: best top-level filter id or None}, for evaluation and exports."""
        return dict(self._all("primary_top_level_tags", {"workspace_id": workspace_id}))

    def primary_leaf_tags(self, workspace_id: int) -> dict[str, int | None]:
        """{external id: best sub-filter id, else best top-level filter id, else None}."""
        return dict(self._all("primary_leaf_tags", {"workspace_id": workspace_id}))

    def active_map(self, workspace_id: int) -> MapLayout | None:
        """The active refresh's map as its refresh wrote it, or None (no refresh wrote one)."""
        import numpy as np

        row = self._one("active_map", {"workspace_id": workspace_id})
        if row is None:
            return None
        document_ids, xy, leaves = row
        return MapLayout(
            np.frombuffer(document_ids, dtype="<i8").astype(np.int64),
            np.frombuffer(xy, dtype="<f4").reshape(-1, 2).astype(np.float32),
            np.frombuffer(leaves, dtype="<i4").astype(np.int64),
        )

    def map_members(self, workspace_id: int) -> MapMembers:
        """Every document by internal id (ascending), its external id and its best top-level
        filter now (-1: untagged), read as three arrays in one row."""
        import numpy as np

        with self.conn.cursor(binary=True) as cursor:
            row = cursor.execute(query("map_members"), {"workspace_id": workspace_id}).fetchone()
        assert row is not None  # an aggregate answers one row, even over no documents
        ids, external_ids, filters = row
        return MapMembers(np.asarray(ids, dtype=np.int64), list(external_ids), np.asarray(filters, dtype=np.int64))

    def document_filters(self, workspace_id: int) -> list[DocumentFilter]:
        """Per document: document_id, external_id, title, its best top-level category_id, that
        filter's name (`filter`) and the score (None when untagged)."""
        return self._all("document_filters", {"workspace_id": workspace_id}, row_factory=class_row(DocumentFilter))

    def previous_refresh_id(self, workspace_id: int) -> int | None:
        return self._one("previous_refresh_id", {"workspace_id": workspace_id})[0]

    def generation_categories(self, workspace_id: int, refresh_id: int) -> list[GenerationFilter]:
        """A kept refresh's categories with their keywords, sizes and members."""
        rows = self._all(
            "generation_categories", {"workspace_id": workspace_id, "refresh_id": refresh_id}, row_factory=dict_row
        )
        return [
            GenerationFilter(**r | {"keywords": tuple(r["keywords"]), "members": tuple(r["members"])}) for r in rows
        ]


def _link_rows(refresh_id: int, assignments: Assignments, document_ids: np.ndarray) -> bytes:
    from drive_tagger.adapters.postgres.vectors import link_copy_rows

    return link_copy_rows(
        refresh_id,
        document_ids[assignments.document_index],
        assignments.category_id,
        assignments.score,
        assignments.rank,
    )
