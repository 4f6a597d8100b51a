"""Sync under faults, through the real command line: Postgres killed while a sync stores what it
reads ends in one `error:` line, never a hang, and a later sync finishes the work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg

from tests.workers import wait_for

DRIVE_TAGGER = Path(sys.executable).parent / "drive-tagger"
APP_TABLE = """
    create table public.app_files (
        id bigint primary key, workspace text, title text, body text, updated_at timestamptz default now()
    );
    insert into app_files (id, workspace, body)
    select i, 'acme', 'note number ' || i || ' about the shipping schedule' from generate_series(1, 600) i;
"""
# Our own store stalls on its first write, so the kill lands while the source's COPY is open.
SLOW_STORE = """
    create function slow_store() returns trigger language plpgsql as $$
    begin perform pg_sleep(60); return null; end $$;
    create trigger slow_store before insert on drive_tagger.documents for each statement execute function slow_store();
"""


def _sync(url: str, tmp_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DRIVE_TAGGER_DATABASE_URL": url,
        "DRIVE_TAGGER_DATA_DIR": str(tmp_path / "data"),
        "DRIVE_TAGGER_SYNC_TABLE": "public.app_files",
        "DRIVE_TAGGER_SYNC_TEXT_COLUMN": "body",
    }
    return subprocess.Popen(
        [str(DRIVE_TAGGER), "sync", "--background"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_postgres_killed_mid_sync_is_one_error_line_and_the_next_sync_completes(own_server, tmp_path):
    with psycopg.connect(own_server.url, autocommit=True) as conn:
        conn.execute(APP_TABLE)
        conn.execute(SLOW_STORE)
        sync = _sync(own_server.url, tmp_path)

        def sleeping() -> bool:
            assert sync.poll() is None, sync.communicate()
            return bool(conn.execute("select 1 from pg_stat_activity where wait_event = 'PgSleep'").fetchone())

        wait_for(sleeping, timeout=120, what="the sync to reach its first write")
    own_server.kill()
    _, stderr = sync.communicate(timeout=60)  # before the fix: waited for ever on its own lock
    assert sync.returncode == 1 and "Traceback" not in stderr, stderr
    assert len(stderr.splitlines()) == 1 and stderr.startswith("error: lost the "), stderr
    own_server.start()
    with psycopg.connect(own_server.url, autocommit=True) as conn:
        conn.execute("drop trigger slow_store on drive_tagger.documents")
    again = _sync(own_server.url, tmp_path)
    stdout, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr
    assert "acme: read 600 changed row(s) (600 new" in stdout


REFUSING_STORE = """
    create function refuse_store() returns trigger language plpgsql as $$
    begin raise exception 'the store refuses writes today'; end $$;
    create trigger refuse_store before insert on drive_tagger.documents
        for each statement execute function refuse_store();
"""


def test_a_write_refused_mid_sync_is_one_error_line_and_leaves_no_transaction_open(db, database_url, tmp_path):
    db.conn.execute(APP_TABLE)
    db.conn.execute(REFUSING_STORE)
    sync = _sync(database_url, tmp_path)
    _, stderr = sync.communicate(timeout=60)  # before the fix: the rollback waited behind the open COPY
    assert sync.returncode == 1 and stderr == "error: database error: the store refuses writes today\n", stderr
    open_transactions = db.conn.execute(
        "select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() "
        "and xact_start is not null"
    ).fetchone()[0]
    assert open_transactions == 0  # an open source transaction would hold back every later watermark
