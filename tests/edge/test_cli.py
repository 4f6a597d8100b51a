"""The command line end to end, in-process (typer's runner) against this test's database."""

import json
import shutil

import pytest
from typer.testing import CliRunner

from drive_tagger.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def small_drive(tmp_path, samples_dir):
    """Three kinds of the sample drive (28 documents), to keep CLI runs quick."""
    drive = tmp_path / "drive"
    for kind in ("contracts", "travel", "engineering"):
        shutil.copytree(samples_dir / kind, drive / kind)
    return drive


@pytest.fixture
def ingested(env, small_drive):
    result = run("ingest", "--workspace", "acme", small_drive)
    assert result.exit_code == 0, result.output
    return "acme"


def test_ingest_prints_embedded_skipped_failed(ingested, small_drive):
    result = run("ingest", "--workspace", "acme", small_drive)
    assert result.exit_code == 0
    assert "read 28 (0 new, 0 changed), embedded 0, skipped 28, failed 0" in result.output


def test_ingest_json_reports_counts(env, samples_dir):
    result = run("ingest", "--workspace", "acme", samples_dir / "travel", "--json")
    assert json.loads(result.stdout)["read"] == 10  # nine files and a saved mail


def test_ingest_with_a_bad_file_exits_1_names_it_and_keeps_the_rest(env, tmp_path):
    (tmp_path / "good.md").write_text("# Invoice 7\nAmount due: 120 EUR.")
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9 broken")
    result = run("ingest", "--workspace", "acme", tmp_path, tmp_path / "missing.pdf")
    assert result.exit_code == 1
    assert "bad.txt: not UTF-8 text" in result.stderr and "missing.pdf: no such file" in result.stderr
    assert "read 1" in result.stdout


def test_refresh_then_filters_docs_and_tags_as_json(ingested):
    assert run("refresh", "--workspace", "acme").exit_code == 0
    filters = json.loads(run("filters", "--workspace", "acme", "--json").stdout)
    assert filters and {"category_id", "name", "keywords", "size", "documents"} <= set(filters[0])
    page = json.loads(
        run("docs", "--workspace", "acme", "--filter", filters[0]["name"], "--limit", "2", "--json").stdout
    )
    assert len(page["documents"]) == 2
    tags = json.loads(run("tags", "--workspace", "acme", page["documents"][0]["external_id"], "--json").stdout)
    assert tags["tags"][0]["category_id"] == filters[0]["category_id"]


def test_refresh_says_when_it_remade_filters_an_earlier_version_made(ingested, db):
    assert run("refresh", "--workspace", "acme").exit_code == 0
    active = db.documents.workspace("acme").active_refresh_id
    db.conn.execute("update refresh_runs set parameters = parameters - 'rules' where id = %s", (active,))
    remade, again = run("refresh", "--workspace", "acme"), run("refresh", "--workspace", "acme")
    assert "clustered and named afresh" in remade.stderr and "afresh" not in again.stderr


def test_filters_text_output_shows_names_and_counts(ingested):
    run("refresh", "--workspace", "acme")
    result = run("filters", "--workspace", "acme")
    assert result.exit_code == 0 and "docs)" in result.output


def test_unknown_workspace_is_one_clear_error(env):
    result = run("filters", "--workspace", "ghost")
    assert result.exit_code == 1 and result.stderr.startswith("error: unknown workspace 'ghost'")


def test_unknown_filter_is_one_clear_error(ingested):
    run("refresh", "--workspace", "acme")
    result = run("docs", "--workspace", "acme", "--filter", "Nope")
    assert result.exit_code == 1 and "no filter 'Nope'" in result.stderr


def test_unreachable_database_is_named_without_its_password(monkeypatch, tmp_path):
    monkeypatch.setenv("DRIVE_TAGGER_DATABASE_URL", "postgresql://app:s3cret@127.0.0.1:1/drive")
    result = run("filters", "--workspace", "acme")
    assert result.exit_code == 1
    assert "cannot connect to the database at postgresql://app:***@127.0.0.1:1/drive" in result.stderr
    assert "s3cret" not in result.output


def test_configured_database_with_pending_migrations_is_refused(monkeypatch, empty_database_url):
    monkeypatch.setenv("DRIVE_TAGGER_DATABASE_URL", empty_database_url)
    result = run("filters", "--workspace", "acme")
    assert result.exit_code == 1 and "run `drive-tagger db migrate`" in result.stderr


def test_db_migrate_applies_then_is_a_no_op(monkeypatch, empty_database_url):
    monkeypatch.setenv("DRIVE_TAGGER_DATABASE_URL", empty_database_url)
    assert "applied 20261121100000_core_schema" in run("db", "migrate").output
    assert "schema is up to date" in run("db", "migrate").output


def test_runs_shows_refresh_history(ingested):
    run("refresh", "--workspace", "acme")
    result = run("runs", "--workspace", "acme")
    assert "succeeded" in result.output


def test_ingest_leaves_long_texts_further_windows_to_the_refresh_which_completes_them(ingested, db):
    workspace = db.documents.workspace("acme")
    pending = db.documents.hashes_with_further_windows(workspace.id, workspace.embedding_model)
    assert pending  # the sample contracts run past one window
    refreshed = run("refresh", "--workspace", "acme", "--json")
    assert refreshed.exit_code == 0, refreshed.output
    assert json.loads(refreshed.output)["seconds"]["further_windows"] > 0
    assert db.documents.hashes_with_further_windows(workspace.id, workspace.embedding_model) == []


def test_ingest_all_windows_leaves_nothing_for_later(env, small_drive, db):
    result = run("ingest", "--workspace", "acme", small_drive, "--all-windows")
    assert result.exit_code == 0 and "first window" not in result.output
    workspace = db.documents.workspace("acme")
    assert db.documents.hashes_with_further_windows(workspace.id, workspace.embedding_model) == []
