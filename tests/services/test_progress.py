"""How far a job has come: a refresh tells each stage as it begins with the documents it counts,
an embedding pass tells each batch, the queue keeps a running job's stage and shows it only while
the job runs, and the API lists a workspace's jobs with it."""

import pytest
from fastapi.testclient import TestClient

from drive_tagger.api.app import create_app
from drive_tagger.core.types import SourceDocument, Task
from drive_tagger.services.embedding import embed_pending
from drive_tagger.services.keys import create_key
from drive_tagger.services.refresh import refresh_workspace


def test_a_refresh_tells_each_stage_as_it_begins_with_the_documents_it_counts(db, sample_workspace, namer):
    told: list[tuple[str, int | None, int | None]] = []
    report = refresh_workspace(
        db.documents, db.refreshes, sample_workspace, namer=namer, on_progress=lambda *p: told.append(p)
    )
    stages = ["loading", "clustering", "assigning", "keywords", "naming", "mapping", "writing"]
    assert [stage for stage, _, _ in told] == stages
    assert told[0] == ("loading", None, None)
    assert all(total == report.documents for _, _, total in told[1:])


def test_an_embedding_pass_tells_each_batch_up_to_the_whole(db, sample_embedder):
    db.documents.create_workspace("acme")
    workspace = db.documents.workspace("acme")
    texts = [SourceDocument(f"d{i}.txt", "", f"Note {i} on the budget, line {i}.", "test") for i in range(40)]
    db.documents.upsert_documents(workspace.id, texts)
    told: list[tuple[int, int]] = []
    embedded, _ = embed_pending(
        db.documents, sample_embedder, workspace, batch_size=16, progress=False, on_batch=lambda *p: told.append(p)
    )
    assert embedded == 40 and told == [(16, 40), (32, 40), (40, 40)]


def _job(db, job_id):
    return db.jobs.jobs(job_id=job_id, limit=1)[0]


def test_a_jobs_progress_shows_while_it_runs_and_not_after(db, sample_workspace):
    job_id, _ = db.jobs.defer(Task.REFRESH, sample_workspace)
    db.jobs.record_job_progress(job_id, "loading")
    assert _job(db, job_id).stage is None, "a job waiting in the queue has not begun"
    db.conn.execute("update procrastinate_jobs set status = 'doing' where id = %s", (job_id,))
    db.jobs.record_job_progress(job_id, "clustering", None, 75)
    running = _job(db, job_id)
    assert (running.stage, running.done, running.total) == ("clustering", None, 75)
    db.conn.execute("update procrastinate_jobs set status = 'succeeded' where id = %s", (job_id,))
    assert _job(db, job_id).stage is None


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings), raise_server_exceptions=False) as opened:
        yield opened


def test_the_api_lists_a_workspaces_jobs_newest_first_with_their_stage(client, db, sample_workspace):
    key = {"Authorization": f"Bearer {create_key(db.access, workspace=sample_workspace)}"}
    embed_job, _ = db.jobs.defer(Task.EMBED_PENDING, sample_workspace)
    refresh_job, _ = db.jobs.defer(Task.REFRESH, sample_workspace)
    db.conn.execute("update procrastinate_jobs set status = 'doing' where id = %s", (refresh_job,))
    db.jobs.record_job_progress(refresh_job, "naming", None, 75)
    listed = client.get(f"/v1/workspaces/{sample_workspace}/jobs", headers=key).json()["jobs"]
    assert [j["id"] for j in listed] == [refresh_job, embed_job]
    assert (listed[0]["stage"], listed[0]["total"]) == ("naming", 75) and listed[1]["stage"] is None
    waiting = client.get(f"/v1/workspaces/{sample_workspace}/jobs?status=todo", headers=key).json()["jobs"]
    assert [j["id"] for j in waiting] == [embed_job]
    refused = client.get(f"/v1/workspaces/{sample_workspace}/jobs?status=sleeping", headers=key)
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["query", "status"]
