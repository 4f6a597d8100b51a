"""Faults: Postgres killed mid-refresh, two refreshes of one workspace at once, the API across a
Postgres restart, many writers at once, and requests too large to fit one batch. Afterwards the
previous filters are intact, no run stays 'running', and every CLI failure is one `error:` line."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from drive_tagger.adapters.postgres.connection import connect
from drive_tagger.adapters.postgres.database import Database
from drive_tagger.adapters.readers import read_sources
from drive_tagger.api.app import create_app
from drive_tagger.cli import app
from drive_tagger.core.types import SourceDocument
from drive_tagger.services.background import submit_documents
from drive_tagger.services.ingest import ingest
from drive_tagger.services.keys import create_key
from drive_tagger.services.refresh import refresh_workspace
from drive_tagger.settings import Settings
from tests.workers import wait_for

DRIVE_TAGGER = Path(sys.executable).parent / "drive-tagger"
SLOW_COMMIT = """
    create function slow_commit() returns trigger language plpgsql as $$
    begin perform pg_sleep({seconds}); return new; end $$;
    create trigger slow_commit before insert on categories for each statement execute function slow_commit();
"""


def _refreshed_workspace(url: str, embedder, samples_dir, namer) -> Database:
    db = Database(connect(url, autocommit=True))
    ingest(db.documents, db.refreshes, embedder, "acme", read_sources([samples_dir]), progress=False)
    refresh_workspace(db.documents, db.refreshes, "acme", namer=namer)
    return db


def _cli_refresh(url: str, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DRIVE_TAGGER_DATABASE_URL": url, "DRIVE_TAGGER_DATA_DIR": str(tmp_path / "data")}
    return subprocess.Popen(
        [str(DRIVE_TAGGER), "refresh", "-w", "acme"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _sleeping(db: Database) -> bool:
    return bool(db.conn.execute("select 1 from pg_stat_activity where wait_event = 'PgSleep'").fetchone())


def _filters(db: Database) -> list:
    return db.refreshes.filters(db.documents.workspace("acme").id)


def test_postgres_killed_mid_refresh_leaves_the_filters_and_the_run_abandoned(
    own_server, sample_embedder, samples_dir, tmp_path, namer
):
    db = _refreshed_workspace(own_server.url, sample_embedder, samples_dir, namer)
    before = _filters(db)
    db.conn.execute(SLOW_COMMIT.format(seconds=60))
    refresh = _cli_refresh(own_server.url, tmp_path)
    wait_for(lambda: _sleeping(db), timeout=120, what="the refresh to reach its commit")
    db.close()
    own_server.kill()
    _, stderr = refresh.communicate(timeout=60)
    # Stage lines may come first (a refresh past two seconds says each stage); one error line ends it.
    errors = [line for line in stderr.splitlines() if not line.startswith("refresh acme: ")]
    assert refresh.returncode == 1 and len(errors) == 1 and errors[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    own_server.start()
    with Database(connect(own_server.url, autocommit=True)) as after:
        runs = after.refreshes.refresh_runs(after.documents.workspace("acme").id)
        assert [r.status for r in runs] == ["abandoned", "succeeded"]
        assert _filters(after) == before


def test_two_refreshes_of_one_workspace_at_once_refuse_the_second_clearly(
    db, database_url, sample_embedder, samples_dir, tmp_path, env, namer
):
    _refreshed_workspace(database_url, sample_embedder, samples_dir, namer).close()
    db.conn.execute(SLOW_COMMIT.format(seconds=3))
    first = _cli_refresh(database_url, tmp_path)
    wait_for(lambda: _sleeping(db), timeout=120, what="the first refresh to reach its commit")
    second = CliRunner().invoke(app, ["refresh", "-w", "acme"])
    assert second.exit_code == 1 and second.stderr.startswith("error: workspace 'acme' is being refreshed")
    assert "Traceback" not in second.stderr
    assert first.wait(timeout=120) == 0, first.stderr.read()
    statuses = [r.status for r in db.refreshes.refresh_runs(db.documents.workspace("acme").id)]
    assert statuses == ["succeeded", "succeeded"]


def test_the_api_replaces_pooled_connections_after_postgres_restarts(own_server, tmp_path):
    settings = Settings(database_url=own_server.url, data_dir=tmp_path / "data", auto_migrate=False)
    with Database(connect(own_server.url, autocommit=True)) as db:
        key = create_key(db.access, workspace="acme")
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/v1/workspaces/acme/filters", headers=headers).status_code == 200
        own_server.kill()
        down = client.get("/v1/workspaces/acme/filters", headers=headers)
        assert down.status_code == 503 and down.headers["retry-after"]
        own_server.start()
        answers = [client.get("/v1/workspaces/acme/filters", headers=headers).status_code for _ in range(15)]
        assert answers == [200] * 15


def test_connections_cut_right_after_a_request_cost_at_most_one_failed_request(db, settings):
    # A connection used a moment ago is handed out unchecked (no round trip on a busy server):
    # the first request on a cut one fails, and the pool is drained with it, not one by one.
    key = create_key(db.access, workspace="acme")
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        # Every pooled connection used just now (the pool hands them out in turn).
        assert {client.get("/v1/workspaces", headers=headers).status_code for _ in range(12)} == {200}
        db.conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity"
            " where datname = current_database() and pid <> pg_backend_pid()"
        )
        answers = [client.get("/v1/workspaces", headers=headers).status_code for _ in range(12)]
    assert answers.count(200) >= 11 and set(answers) <= {200, 503}, answers


def test_a_post_of_1000_documents_is_stored_whole_with_one_embedding_job(db, settings):
    key = create_key(db.access, workspace="acme")
    documents = [
        {"id": f"doc-{i:04d}", "title": f"Note {i}", "text": f"note number {i} about shipping"} for i in range(1000)
    ]
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.post(
            "/v1/workspaces/acme/documents", json={"documents": documents}, headers={"Authorization": f"Bearer {key}"}
        )
    assert response.status_code == 202 and response.json()["inserted"] == 1000
    assert db.documents.workspace_counts(db.documents.workspace("acme").id).documents == 1000


def test_background_ingest_of_thousands_of_rows_stores_them_all(env, db, tmp_path):
    table = tmp_path / "many.jsonl"
    table.write_text("".join(f'{{"id": "r{i}", "text": "row {i} of a big table"}}\n' for i in range(3000)))
    result = CliRunner().invoke(app, ["ingest", "-w", "bulk", str(table), "--background"])
    assert result.exit_code == 0, result.stderr
    assert db.documents.workspace_counts(db.documents.workspace("bulk").id).documents == 3000


def test_a_request_that_fails_half_way_stores_nothing(db):
    db.conn.execute("""
        create function refuse_late() returns trigger language plpgsql as $$
        begin if new.external_id = 'd0700' then raise exception 'refused'; end if; return new; end $$;
        create trigger refuse_late before insert on documents for each row execute function refuse_late();
    """)
    docs = [SourceDocument(f"d{i:04d}", "", f"text {i}", "test") for i in range(1000)]
    with pytest.raises(Exception, match="refused"):
        submit_documents(db.documents, db.jobs, "acme", docs)
    assert db.conn.execute("select count(*) from documents").fetchone()[0] == 0
    assert db.conn.execute("select count(*) from procrastinate_jobs").fetchone()[0] == 0


def test_twenty_concurrent_writers_of_overlapping_ids_never_deadlock(db, database_url):
    db.documents.ensure_workspace("acme")
    ids = [f"shared-{i:03d}" for i in range(100)]
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        order = np.random.default_rng(seed).permutation(ids)[:50]
        docs = [SourceDocument(i, "", f"version {seed} of {i}", "test") for i in order]
        try:
            with Database(connect(database_url, autocommit=True)) as own:
                submit_documents(own.documents, own.jobs, "acme", docs)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(20)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and time.monotonic() - started < 120
    assert db.documents.workspace_counts(db.documents.workspace("acme").id).documents <= 100
