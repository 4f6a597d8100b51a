"""SourceTable: an app's own documents table (in our database or another one), read for sync: the
workspaces it names, rows changed since a watermark, the ids still live, in one snapshot. Whatever
fails while it reads, the snapshot's streams and transaction are closed before the error leaves."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg import sql

from drive_tagger.adapters.postgres.connection import connect
from drive_tagger.adapters.postgres.sql import query
from drive_tagger.errors import InvalidInput, SourceUnavailable


@dataclass(frozen=True)
class SourceColumns:
    table: str  # "schema.table", or "table" for one in public (the app's schema, not ours)
    id: str
    workspace: str
    text: str
    updated_at: str
    title: str | None = None
    deleted: str | None = None  # a soft-delete flag; a row with it set counts as gone

    @property
    def name(self) -> str:
        return self.table


@dataclass(frozen=True)
class SourceRow:
    external_id: str | None  # None where the table's id column is NULL
    title: str
    text: str | None
    live: bool
    changed: bool = True  # changed since the watermark (else read because unstamped or unheld)


class SourceTable:
    def __init__(self, url: str, columns: SourceColumns):
        self.url = url
        self.columns = columns
        parts = columns.table.split(".")
        if not 1 <= len(parts) <= 2 or not all(parts):
            raise InvalidInput(f"DRIVE_TAGGER_SYNC_TABLE must be 'table' or 'schema.table', got {columns.table!r}")
        # A bare name is the app's table in public: our own `documents` is first on our search_path.
        parts = ["public", *parts] if len(parts) == 1 else parts
        c = columns
        self._parts = {
            "table": sql.Identifier(*parts),
            "id": sql.Identifier(c.id),
            "workspace": sql.Identifier(c.workspace),
            "text": sql.Identifier(c.text),
            "updated_at": sql.Identifier(c.updated_at),
            "title": sql.SQL("coalesce({}::text, '')").format(sql.Identifier(c.title)) if c.title else sql.SQL("''"),
            "live": sql.SQL("not coalesce({}, false)").format(sql.Identifier(c.deleted))
            if c.deleted
            else sql.SQL("true"),
        }

    def _sql(self, name: str) -> sql.Composed:
        return sql.SQL(query(name)).format(**self._parts)

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """Reads that all see one moment of the table (a repeatable-read transaction). On any
        failure, the streams still open are closed first (a COPY left open holds the connection,
        and a rollback behind it would wait for ever), then the transaction and connection."""
        try:
            conn = connect(self.url)
        except psycopg.Error as exc:
            raise InvalidInput(f"cannot reach the sync source: {exc}") from None
        opened = Snapshot(self, conn)
        lost = False  # a connection failed: end the source's without talking to it
        try:
            conn.execute("set transaction isolation level repeatable read, read only")
            yield opened
        except psycopg.errors.UndefinedTable as exc:
            raise InvalidInput(f"the sync source table {self.columns.table!r} does not exist ({exc})") from None
        except psycopg.errors.UndefinedColumn as exc:
            raise InvalidInput(
                f"the sync source table {self.columns.table!r} lacks a configured column: {str(exc).splitlines()[0]}"
            ) from None
        except psycopg.OperationalError as exc:
            lost = True
            if not (conn.broken or conn.closed):
                raise  # our own database, not the source
            raise SourceUnavailable(
                f"lost the sync source while reading {self.columns.table!r}: {_first_line(exc)}"
            ) from None
        finally:
            opened.close(abandon=lost)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class Snapshot:
    def __init__(self, table: SourceTable, conn: psycopg.Connection):
        self.table = table
        self.conn = conn
        self._streams: list[Generator] = []

    def next_watermark(self) -> datetime:
        row = self.conn.execute(query("source_snapshot_watermark")).fetchone()
        assert row is not None  # a select without from: always one row
        return row[0]

    def workspaces(self) -> list[str]:
        return [r[0] for r in self.conn.execute(self.table._sql("source_workspaces"))]

    def changed_rows(self, workspace: str, since: datetime | None, unseen: list[str]) -> Iterator[SourceRow]:
        """Rows updated at or after since, rows with no updated_at, and the rows named in unseen
        (live ids the workspace does not hold: a row restored with an old stamp), oldest
        first, so of two rows with one id the later one is read last."""
        stream = self._changed_rows(workspace, since, unseen)
        self._streams.append(stream)
        return stream

    def _changed_rows(self, workspace: str, since: datetime | None, unseen: list[str]) -> Generator[SourceRow]:
        params = {"workspace": workspace, "since": since, "unseen": unseen}
        with self.conn.cursor() as cur, cur.copy(self.table._sql("source_changed_rows"), params) as copy:
            copy.set_types(["text", "text", "text", "bool", "bool"])
            for external_id, title, text, live, changed in copy.rows():
                yield SourceRow(external_id, title or "", text, bool(live), bool(changed))

    def live_ids(self, workspace: str) -> set[str]:
        """The ids of the workspace's live rows (a NULL id is no id)."""
        with self.conn.cursor() as cur, cur.copy(self.table._sql("source_live_ids"), {"workspace": workspace}) as copy:
            copy.set_types(["text"])
            return {row[0] for row in copy.rows() if row[0] is not None}

    def close(self, *, abandon: bool = False) -> None:
        """Ends what is still open: each unfinished COPY (cancelled and drained by psycopg),
        the transaction, the connection. A broken connection, or one abandoned after a failed
        connection, is closed first, so its streams end without reaching for a server."""
        if abandon or self.conn.broken:
            self.conn.close()
        for stream in self._streams:
            with suppress(psycopg.Error):
                stream.close()
        self._streams.clear()
        if not self.conn.closed:
            with suppress(psycopg.Error):
                self.conn.rollback()
        self.conn.close()
