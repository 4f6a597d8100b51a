"""The installed `drive-tagger` command on the embedded default database (no URL set)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "drive-tagger"


@pytest.fixture
def embedded_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIVE_TAGGER_")}
    env["DRIVE_TAGGER_DATA_DIR"] = str(tmp_path / "data")
    yield env
    subprocess.run([BIN, "db", "stop"], env=env, capture_output=True, timeout=60)


def test_demo_starts_the_embedded_server_and_prints_named_filters(embedded_env, tmp_path, samples_dir):
    result = subprocess.run([BIN, "demo"], env=embedded_env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "ingested" in result.stdout and "docs)" in result.stdout
    assert (tmp_path / "data" / "postgres" / "PG_VERSION").exists()


def test_a_second_command_reuses_the_running_server(embedded_env):
    subprocess.run([BIN, "db", "migrate"], env=embedded_env, capture_output=True, timeout=120, check=True)
    result = subprocess.run([BIN, "db", "status"], env=embedded_env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "0 pending" in result.stdout and "?host=" in result.stdout


def test_a_process_that_stopped_the_server_starts_it_again_when_it_next_connects(tmp_path):
    import psycopg

    from drive_tagger.adapters.postgres.embedded import embedded_server_url, stop_embedded_server

    pgdata = tmp_path / "postgres"
    try:
        with psycopg.connect(embedded_server_url(pgdata)) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
        assert stop_embedded_server(pgdata)
        with psycopg.connect(embedded_server_url(pgdata)) as conn:  # not the stopped server's handle
            assert conn.execute("select 1").fetchone() == (1,)
    finally:
        stop_embedded_server(pgdata)
