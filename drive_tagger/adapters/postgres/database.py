"""Database: one connection and the stores over it (documents, refreshes, browse, access, jobs)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import cached_property
from typing import TYPE_CHECKING

import psycopg

from drive_tagger.adapters.postgres.workspaces import WorkspaceQueries

if TYPE_CHECKING:
    from drive_tagger.adapters.postgres.access import PostgresAccess
    from drive_tagger.adapters.postgres.browse import PostgresBrowse
    from drive_tagger.adapters.postgres.documents import PostgresDocuments
    from drive_tagger.adapters.postgres.jobs import PostgresJobs
    from drive_tagger.adapters.postgres.refreshes import PostgresRefreshes


class Database:
    """The stores share the connection, so a write spanning two of them (store documents and
    queue their embedding) is one transaction: `with db.transaction(): ...`. Each store is built
    on first use, so a command that only reads filters never loads the vector code (numpy)."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    @cached_property
    def workspaces(self) -> WorkspaceQueries:
        return WorkspaceQueries(self.conn)

    @cached_property
    def documents(self) -> PostgresDocuments:
        from drive_tagger.adapters.postgres.documents import PostgresDocuments

        return PostgresDocuments(self.conn)

    @cached_property
    def refreshes(self) -> PostgresRefreshes:
        from drive_tagger.adapters.postgres.refreshes import PostgresRefreshes

        return PostgresRefreshes(self.conn)

    @cached_property
    def browse(self) -> PostgresBrowse:
        from drive_tagger.adapters.postgres.browse import PostgresBrowse

        return PostgresBrowse(self.conn)

    @cached_property
    def access(self) -> PostgresAccess:
        from drive_tagger.adapters.postgres.access import PostgresAccess

        return PostgresAccess(self.conn)

    @cached_property
    def jobs(self) -> PostgresJobs:
        from drive_tagger.adapters.postgres.jobs import PostgresJobs

        return PostgresJobs(self.conn)

    def transaction(self) -> AbstractContextManager:
        return self.conn.transaction()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
