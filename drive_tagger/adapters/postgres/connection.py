"""Opening psycopg connections with pgvector types and a clear error when the database is away."""

from __future__ import annotations

import re
import weakref

import psycopg

from drive_tagger.errors import DatabaseUnavailable

# pgvector may live in the `extensions` schema (Supabase's layout, and ours).
SEARCH_PATH_OPTION = "-c search_path=public,extensions"


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
        conn = psycopg.connect(url, autocommit=autocommit, options=SEARCH_PATH_OPTION, connect_timeout=10)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(f"cannot connect to the database at {redact_url(url)}: {reason}") from None
    return conn
