"""Background jobs with real worker processes on the real Postgres: the burst-to-one-refresh
pipeline, the concurrency cap, retries, failed jobs kept with their error, stalled-job recovery."""

import shutil
import signal
import subprocess
import time

import psycopg
import pytest
from typer.testing import CliRunner

from drive_tagger.adapters.readers import read_sources
from drive_tagger.cli import app
from drive_tagger.core.types import Task
from drive_tagger.services.background import request_refresh, submit_documents
from drive_tagger.services.refresh import refresh_workspace
from tests.workers import WorkerProcess, wait_for

pytestmark = pytest.mark.xdist_group("workers")  # worker processes are heavy; keep them on one runner


@pytest.fixture
def workers(env, tmp_path):
    started: list[WorkerProcess] = []

    def start(**settings: str) -> WorkerProcess:
        worker = WorkerProcess(env, tmp_path / f"worker{len(started)}.log", **settings)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def _job(db, job_id):
    return db.jobs.jobs(job_id=job_id, limit=1)[0]


def _finished(db, job_id):
    job = _job(db, job_id)
    return job if job.status in ("succeeded", "failed") else None


def _wait_until_the_refresh_blocks(db) -> None:
    """Waits until a refresh waits on a lock (the workspace row a test holds)."""
    wait_for(
        lambda: db.conn.execute(
            "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'"
        ).fetchone()[0],
        what="the refresh to block",
        timeout=120,
    )


def _copy_workspace(db, source: str, target: str) -> None:
    """A workspace with the same documents; vectors are shared by content hash, so no embedding."""
    db.conn.execute(
        "insert into workspaces (slug, embedding_model) select %s, embedding_model from workspaces where slug = %s",
        (target, source),
    )
    db.conn.execute(
        """insert into documents (workspace_id, external_id, title, body, content_hash, source)
           select (select id from workspaces where slug = %s), external_id, title, body, content_hash, source
           from documents where workspace_id = (select id from workspaces where slug = %s)""",
        (target, source),
    )


def test_a_burst_of_ingests_is_embedded_then_refreshed_once(db, workers, samples_dir, tmp_path):
    drive = tmp_path / "drive"
    for kind in ("contracts", "travel", "engineering"):
        shutil.copytree(samples_dir / kind, drive / kind)
    files = sorted(p for p in drive.rglob("*") if p.is_file())
    job_ids = {submit_documents(db.documents, db.jobs, "acme", read_sources([drive]))[1] for _ in range(3)}
    job_ids |= {submit_documents(db.documents, db.jobs, "acme", read_sources([f]))[1] for f in files[:5]}
    assert len(job_ids) == 1  # one embedding job waits for the whole burst

    worker = workers()
    (embed_id,) = job_ids
    embed = wait_for(lambda: _finished(db, embed_id), what="embedding job")
    assert embed.status == "succeeded", worker.output()
    refreshes = db.jobs.jobs(workspace="acme", limit=10)
    refresh_jobs = [j for j in refreshes if j.task_name == Task.REFRESH.value]
    assert len(refresh_jobs) == 1
    done = wait_for(lambda: _finished(db, refresh_jobs[0].id), what="refresh job")
    assert done.status == "succeeded", worker.output()
    assert db.refreshes.filters(db.documents.workspace("acme").id)
    assert (
        db.documents.count_documents_missing_vectors(
            db.documents.workspace("acme").id, db.documents.workspace("acme").embedding_model
        )
        == 0
    )


def test_a_worker_runs_at_most_its_concurrency_at_once(db, sample_workspace, workers):
    slugs = [f"copy{i}" for i in range(6)]
    for slug in slugs:
        _copy_workspace(db, sample_workspace, slug)
    db.conn.execute("""
        create function slow_start() returns trigger language plpgsql as $$
        begin perform pg_sleep(1.5); return new; end $$;
        create trigger slow_start before insert on refresh_runs for each row execute function slow_start();
    """)
    job_ids = [request_refresh(db.jobs, slug)[0] for slug in slugs]
    # A busy test machine may delay a heartbeat past the fast 2 s; this test is about the cap.
    worker = workers(DRIVE_TAGGER_JOB_CONCURRENCY="2", DRIVE_TAGGER_WORKER_STALLED_SECONDS="60")
    for job_id in job_ids:
        finished = wait_for(lambda job_id=job_id: _finished(db, job_id), what="refresh jobs")
        assert finished.status == "succeeded", worker.output()
    spans = db.conn.execute(
        # One span per attempt: a job retried after an outside failure runs twice, not at once.
        """select s.at, (select min(e.at) from procrastinate_events e
                         where e.job_id = s.job_id and e.id > s.id
                           and e.type in ('succeeded', 'failed', 'deferred_for_retry'))
           from procrastinate_events s where s.job_id = any(%s) and s.type = 'started'""",
        (job_ids,),
    ).fetchall()
    most = max(sum(1 for s, e in spans if s <= start < e) for start, _ in spans)
    assert most == 2


def _fail_refresh_runs(db, times: int | None) -> None:
    """Fault injection in the database: inserting a refresh run raises `times` times (None: always).
    A sequence counts the attempts because it is not rolled back with the failing transaction."""
    limit = "true" if times is None else f"nextval('refresh_failures') <= {times}"
    db.conn.execute(f"""
        create sequence refresh_failures;
        create function flaky() returns trigger language plpgsql as $$
        begin if {limit} then raise exception 'embedding provider unavailable (injected)'; end if;
              return new; end $$;
        create trigger flaky before insert on refresh_runs for each row execute function flaky();
    """)


def test_a_job_failing_twice_then_succeeding_is_retried(db, sample_workspace, workers):
    _fail_refresh_runs(db, times=2)
    job_id, _ = request_refresh(db.jobs, sample_workspace)
    worker = workers()
    job = wait_for(lambda: _finished(db, job_id), what="the retried job")
    assert (job.status, job.attempts) == ("succeeded", 3), worker.output()  # attempts counts runs
    errors = db.conn.execute(
        "select attempt, error from job_errors where job_id = %s order by attempt", (job_id,)
    ).fetchall()
    assert [a for a, _ in errors] == [0, 1] and "injected" in errors[0][1]
    assert db.refreshes.filters(db.documents.workspace(sample_workspace).id)


def test_a_job_that_exhausts_its_retries_is_kept_failed_with_its_error(db, sample_workspace, workers, env):
    _fail_refresh_runs(db, times=None)
    job_id, _ = request_refresh(db.jobs, sample_workspace)
    workers(DRIVE_TAGGER_JOB_RETRIES="1")
    job = wait_for(lambda: _finished(db, job_id), what="the failing job")
    assert (job.status, job.attempts) == ("failed", 2)
    listed = CliRunner().invoke(app, ["jobs", "--workspace", sample_workspace], catch_exceptions=False)
    assert f"#{job_id} refresh({sample_workspace}) failed attempts 2" in listed.output
    assert "embedding provider unavailable (injected)" in listed.output


def test_a_permanent_error_is_not_retried(db, workers):
    db.documents.ensure_workspace("empty")
    job_id, _ = request_refresh(db.jobs, "empty")
    workers()
    job = wait_for(lambda: _finished(db, job_id), what="the job")
    assert (job.status, job.attempts) == ("failed", 1) and "NothingToRefresh" in job.error


def test_a_worker_killed_mid_refresh_keeps_the_filters_and_another_worker_retries(
    db, sample_workspace, workers, database_url, namer
):
    refresh_workspace(db.documents, db.refreshes, sample_workspace, namer=namer)
    workspace = db.documents.workspace(sample_workspace)
    before = db.refreshes.filters(workspace.id)
    # Hold the workspace row so the refresh stops at its final commit step, mid-refresh.
    with psycopg.connect(database_url) as blocker:
        blocker.execute("select 1 from drive_tagger.workspaces where id = %s for no key update", (workspace.id,))
        job_id, _ = request_refresh(db.jobs, sample_workspace)
        first = workers()
        _wait_until_the_refresh_blocks(db)
        first.kill()
        assert _job(db, job_id).status == "doing"
    # The killed worker's transaction is rolled back: the previous filters are still active.
    assert db.documents.workspace(sample_workspace).active_refresh_id == workspace.active_refresh_id
    assert db.refreshes.filters(workspace.id) == before

    second = workers()
    job = wait_for(lambda: _finished(db, job_id), what="the stalled job to be retried")
    assert job.status == "succeeded", second.output()
    assert (
        job.attempts == 2
        and "stopped beating"
        in db.conn.execute("select error from job_errors where job_id = %s", (job_id,)).fetchone()[0]
    )
    assert db.documents.workspace(sample_workspace).active_refresh_id != workspace.active_refresh_id
    # The killed run is never left 'running': a look at the runs finds it abandoned once the
    # killed worker's database session has ended.
    wait_for(
        lambda: [r.status for r in db.refreshes.refresh_runs(workspace.id)] == ["succeeded", "abandoned", "succeeded"],
        timeout=30,
        what="the killed run to be found abandoned",
    )


def test_sigterm_stops_a_worker_within_its_grace_period_and_the_job_is_done_by_another(
    db, sample_workspace, workers, database_url
):
    workspace = db.documents.workspace(sample_workspace)
    with psycopg.connect(database_url) as blocker:
        blocker.execute("select 1 from drive_tagger.workspaces where id = %s for no key update", (workspace.id,))
        job_id, _ = request_refresh(db.jobs, sample_workspace)
        first = workers(DRIVE_TAGGER_WORKER_GRACE_SECONDS="1")
        _wait_until_the_refresh_blocks(db)
        started = time.monotonic()
        first.process.send_signal(signal.SIGTERM)
        try:
            first.process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # before: it waited for the blocked job for ever
            first.kill()
        assert time.monotonic() - started < 10, first.output()
        assert "grace period" in first.output()
    second = workers()
    job = wait_for(lambda: _finished(db, job_id), what="the job to be retried")
    assert job.status == "succeeded", second.output()
