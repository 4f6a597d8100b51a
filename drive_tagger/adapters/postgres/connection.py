"""Opening psycopg connections with pgvector types and a clear error when the database is away,
and the API's pool of them, which gets over a restart of its server."""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from drive_tagger.errors import DatabaseUnavailable

# Our objects live in the `drive_tagger` schema (beside an app's own tables in `public`), pgvector in
# `extensions` (Supabase's layout, and ours).
SEARCH_PATH_OPTION = "-c search_path=drive_tagger,extensions,public"
# How long opening a connection may take (libpq's own default is to wait for ever).
CONNECT_TIMEOUT_SECONDS = 10
# How long the pool keeps retrying a connection its server refuses before it gives that slot up.
# psycopg_pool's default (5 minutes of doubling waits) left a server back from a restart unused
# until a retry came due, seconds later; Pool.connection covers the gap with connections of its own.
RECONNECT_SECONDS = 2.0
# A pooled connection back for longer than this is checked (one round trip) before a request
# uses it; one used just now answered then, and a busy server skips the check's round trip. A
# restart within that moment costs the one request that meets a dead connection a 503 (the pool
# is drained with it), where a check would have sent it to a connection of its own.
CHECK_IDLE_SECONDS = 0.25


# What a connection has learnt about its database (types registered, a model's index and
# dimensions, a refresh's categories), gone with the connection.
_MEMOS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def connection_memo(conn: psycopg.Connection, kind: str) -> dict:
    """The connection's memo of one kind: a dict that lives as long as the connection."""
    return _MEMOS.setdefault(conn, {}).setdefault(kind, {})


def redact_url(url: str) -> str:
    """The URL with any password replaced, safe to print or log."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    """Connects with our search_path (the vector type is registered where vectors are used)."""
    try:
        conn = psycopg.connect(
            url, autocommit=autocommit, options=SEARCH_PATH_OPTION, connect_timeout=CONNECT_TIMEOUT_SECONDS
        )
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(f"cannot connect to the database at {redact_url(url)}: {reason}") from None
    return conn


class Pool:
    """The API's connections: a psycopg pool of autocommit connections with the vector type, each
    checked (one round trip) as it is handed out unless it was in use a moment ago
    (CHECK_IDLE_SECONDS). A connection that fails the check, or breaks under a request, means its
    server went away (a restart), and with it every connection made before: the pool is drained
    at once (idle ones closed now, busy ones as they come back) rather than each request finding
    the next dead one, which cost the first request after a restart 10 s and a 503. Until the pool
    has a connection again, each request opens one of its own: it works as soon as the server is
    back, and fails at once (503) while it is not, instead of waiting out the pool's retries."""

    def __init__(self, url: str, *, size: int, wait_seconds: float, name: str = "drive_tagger_api"):
        from psycopg_pool import ConnectionPool

        from drive_tagger.adapters.postgres.vectors import use_vectors

        self._url = url
        # psycopg.connect's keyword arguments, typed as ConnectionPool types its `kwargs`
        self._kwargs: dict[str, Any] = {
            "autocommit": True,
            "options": SEARCH_PATH_OPTION,
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        }
        self._configure = use_vectors
        self._lost = False  # a connection failed its check, and the pool has had none since
        self._returned: weakref.WeakKeyDictionary[psycopg.Connection, float] = weakref.WeakKeyDictionary()
        self.pool = ConnectionPool(
            url,
            kwargs=self._kwargs,
            configure=use_vectors,
            min_size=max(1, size // 2),
            max_size=size,
            timeout=wait_seconds,
            reconnect_timeout=RECONNECT_SECONDS,
            open=False,
            name=name,
        )

    def open(self) -> None:
        self.pool.open(wait=True)

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A connection that answered just now, for one request's work."""
        conn = self._pooled()
        if conn is None:
            with self._own() as own:
                yield own
            return
        try:
            yield conn
        except psycopg.OperationalError:
            if conn.broken:  # its server went away under this request: so did the others'
                self._lose()
            raise
        finally:
            self._returned[conn] = time.monotonic()
            self.pool.putconn(conn)

    def _lose(self) -> None:
        self._lost = True
        self.pool.drain()

    def _pooled(self) -> psycopg.Connection | None:
        """A pooled connection that answers, or None while the pool has none since its server went away."""
        if self._lost and not self.pool.get_stats()["pool_available"]:
            return None
        conn = self.pool.getconn()
        if time.monotonic() - self._returned.get(conn, float("-inf")) <= CHECK_IDLE_SECONDS:
            return conn
        try:
            conn.execute("")
        except psycopg.Error:
            self.pool.putconn(conn)  # broken: the pool replaces it
            self._lose()
            return None
        self._lost = False
        return conn

    @contextmanager
    def _own(self) -> Iterator[psycopg.Connection]:
        conn = psycopg.connect(self._url, **self._kwargs)  # OperationalError (503) while the server is away
        self.pool.check()  # the server is back: the pool grows again if it gave its connections up
        try:
            self._configure(conn)
            yield conn
        finally:
            conn.close()
