"""Opening psycopg connections with pgvector types and a clear error when the database is away."""

from __future__ import annotations

import re

import psycopg
from pgvector.psycopg import register_vector

from drive_tagger.errors import DatabaseUnavailable

# pgvector may live in the `extensions` schema (Supabase's layout, and ours).
SEARCH_PATH_OPTION = "-c search_path=public,extensions"


def redact_url(url: str) -> str:
    """The URL with any password replaced, safe to print or log."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def connect(url: str, *, autocommit: bool = False, register_types: bool = True) -> psycopg.Connection:
    """Connects with our search_path and (once the extension exists) the vector type."""
    try:
        conn = psycopg.connect(url, autocommit=autocommit, options=SEARCH_PATH_OPTION, connect_timeout=10)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(f"cannot connect to the database at {redact_url(url)}: {reason}") from None
    if register_types:
        register_vector_type(conn)
    return conn


def register_vector_type(conn: psycopg.Connection) -> None:
    """Loads pgvector values as arrays; before the first migration the type does not exist yet."""
    try:
        register_vector(conn)
    except psycopg.ProgrammingError:
        conn.rollback()
