"""The deployment commands in-process: keys, --background ingest and refresh, jobs."""

import hashlib

from typer.testing import CliRunner

from drive_tagger.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_keys_create_prints_a_token_once_and_stores_only_its_hash(env, db):
    result = run("keys", "create", "--workspace", "acme")
    token = result.stdout.strip()
    assert result.exit_code == 0 and token.startswith("dt_") and "not shown again" in result.stderr
    stored = db.conn.execute("select token_hash from api_keys").fetchone()[0]
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored


def test_keys_create_needs_a_workspace_or_admin(env):
    result = run("keys", "create")
    assert result.exit_code == 1 and result.stderr.startswith("error: a key is either")


def test_ingest_background_stores_documents_and_queues_embedding(env, db, samples_dir):
    result = run("ingest", "--workspace", "acme", samples_dir / "travel", "--background")
    assert result.exit_code == 0 and "embedding queued as job" in result.stdout
    workspace = db.documents.workspace("acme")
    assert db.documents.workspace_counts(workspace.id).documents == 10 and workspace.embedding_model is None
    assert "embed_pending(acme) todo" in run("jobs").stdout


def test_refresh_background_queues_one_refresh(env, db):
    db.documents.ensure_workspace("acme")
    assert "refresh queued as job" in run("refresh", "--workspace", "acme", "--background").stdout
    assert "refresh already waiting as job" in run("refresh", "--workspace", "acme", "--background").stdout


def test_refresh_background_of_an_unknown_workspace_is_an_error(env):
    result = run("refresh", "--workspace", "ghost", "--background")
    assert result.exit_code == 1 and "unknown workspace 'ghost'" in result.stderr


def _job_counts(db, task):
    return db.conn.execute(
        "select count(*) from procrastinate_jobs where task_name = %s and status = 'todo'", (task.value,)
    ).fetchone()[0]


def test_an_embedding_pass_leaves_the_refresh_to_a_later_pass_already_waiting(
    db, database_url, sample_embedder, samples_dir, namer
):
    from drive_tagger.adapters.postgres.connection import connect
    from drive_tagger.adapters.postgres.database import Database
    from drive_tagger.adapters.readers import read_sources
    from drive_tagger.core.params import RefreshParams
    from drive_tagger.core.types import Task
    from drive_tagger.jobs import worker_tasks
    from drive_tagger.services.ingest import store_documents

    store_documents(db.documents, "acme", read_sources([samples_dir / "travel"]))
    waiting, _ = db.jobs.defer(Task.EMBED_PENDING, "acme")  # a later pass of the burst
    tasks, _ = worker_tasks(
        lambda: Database(connect(database_url, autocommit=True)),
        lambda: sample_embedder,
        RefreshParams(),
        make_namer=lambda: namer,
    )
    assert tasks[Task.EMBED_PENDING](None, workspace="acme")["refresh_job"] is None
    assert _job_counts(db, Task.REFRESH) == 0

    db.conn.execute("delete from procrastinate_jobs where id = %s", (waiting,))  # that pass ran
    assert tasks[Task.EMBED_PENDING](None, workspace="acme")["refresh_job"] is not None
    assert _job_counts(db, Task.REFRESH) == 1
