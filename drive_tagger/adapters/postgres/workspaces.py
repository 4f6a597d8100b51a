"""WorkspaceQueries: the workspace reads and writes every Postgres store shares, on one connection."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from enum import IntEnum

import psycopg
from psycopg.rows import class_row

from drive_tagger.adapters.postgres.sql import query
from drive_tagger.core.types import StoredDocument, Workspace, WorkspaceCounts, WorkspaceSummary
from drive_tagger.errors import UnknownWorkspace


class LockKind(IntEnum):
    """What a session lock on a workspace guards (the first key of a two-key advisory lock)."""

    EMBEDDING = 1  # one embedding pass per workspace: a second waits, then finds nothing to do
    REFRESH = 2  # one refresh per workspace; a 'running' run whose lock nobody holds is dead
    # 3: taken (per transaction) by the database's filter-name triggers, so that two writers of one
    # workspace's names cannot both take the same one (migration 20261127090000_filter_name_rules)


class WorkspaceQueries:
    """Wraps one autocommit connection: a read is one statement, a write that spans several
    statements runs in an explicit transaction."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def transaction(self) -> AbstractContextManager:
        return self.conn.transaction()

    def _one(self, name: str, params: dict | None = None, row_type=None):
        cursor = self.conn.cursor(row_factory=class_row(row_type)) if row_type else self.conn.cursor()
        return cursor.execute(query(name), params).fetchone()

    def _all(self, name: str, params: dict | None = None, row_factory=None, *, binary: bool = False) -> list:
        """All rows of a named query; binary for rows of vectors (text vectors parse 10x slower)."""
        cursor = (
            self.conn.cursor(row_factory=row_factory, binary=binary) if row_factory else self.conn.cursor(binary=binary)
        )
        return cursor.execute(query(name), params).fetchall()

    def ensure_workspace(self, slug: str, model: str | None = None) -> Workspace:
        """The workspace, created if needed with the embedding model given (None: the model of
        its first embedding); an existing workspace keeps its own model. One statement when it
        exists (the common case: every document posted asks)."""
        found = self._one("get_workspace", {"slug": slug}, Workspace)
        if found is not None:
            return found
        self.create_workspace(slug, model)
        return self.workspace(slug)

    def create_workspace(self, slug: str, model: str | None = None) -> bool:
        """Creates the workspace with its embedding model; False (and nothing changed) when it exists."""
        with self.conn.transaction():
            return self._one("create_workspace", {"slug": slug, "model": model}) is not None

    def filters_model(self, workspace_id: int) -> str | None:
        """The model whose vectors the active filters were made from (None: no filters, or not known)."""
        row = self._one("filters_model", {"workspace_id": workspace_id})
        return row[0] if row else None

    def workspace(self, slug: str) -> Workspace:
        found = self._one("get_workspace", {"slug": slug}, Workspace)
        if found is None:
            known = [w.slug for w in self.list_workspaces()]
            hint = f" (known: {', '.join(known[:20])})" if known else " (there are none yet; ingest first)"
            raise UnknownWorkspace(f"unknown workspace {slug!r}{hint}")
        return found

    def lock_workspace(self, workspace_id: int) -> Workspace:
        """The workspace row, locked until the surrounding transaction ends."""
        return self._one("lock_workspace", {"workspace_id": workspace_id}, Workspace)

    def list_workspaces(self) -> list[WorkspaceSummary]:
        return self._all("list_workspaces", row_factory=class_row(WorkspaceSummary))

    def delete_workspace(self, workspace_id: int, *, keep_vectors: bool = False) -> None:
        """Deletes the workspace with everything it holds, and every vector no other document
        carries (kept with keep_vectors: eval's throwaway workspaces leave them for the next run)."""
        with self.conn.transaction():
            self.conn.execute(query("drop_workspace_links"), {"workspace_id": workspace_id})
            hashes = [r[0] for r in self.conn.execute(query("delete_workspace"), {"workspace_id": workspace_id})]
            if hashes and not keep_vectors:
                self.conn.execute(query("forget_unused_vectors"), {"hashes": hashes})

    @contextmanager
    def _workspace_lock(self, kind: LockKind, workspace_id: int, *, wait: bool) -> Iterator[bool]:
        """A session-level advisory lock: held until released here or the connection ends (a
        killed process's locks go with it). Yields whether it was acquired."""
        key = {"kind": int(kind), "key": workspace_id}
        acquired = self._one("advisory_lock" if wait else "advisory_try_lock", key)[0] is not False
        try:
            yield acquired
        finally:
            if acquired and not self.conn.closed:
                with contextlib.suppress(psycopg.OperationalError):  # the connection is gone, and the lock with it
                    self.conn.execute(query("advisory_unlock"), key)

    def find_document(self, workspace_id: int, external_id: str) -> StoredDocument | None:
        return self._one("find_document", {"workspace_id": workspace_id, "external_id": external_id}, StoredDocument)

    def document_ids(self, workspace_id: int, external_ids: list[str]) -> dict[str, int]:
        """{external id: document id} for those of the ids the workspace holds."""
        return dict(self._all("document_ids_by_external", {"workspace_id": workspace_id, "external_ids": external_ids}))

    def workspace_counts(self, workspace_id: int) -> WorkspaceCounts:
        return self._one("workspace_counts", {"workspace_id": workspace_id}, WorkspaceCounts)
