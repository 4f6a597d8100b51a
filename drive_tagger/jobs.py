"""The worker's tasks: embed_pending(workspace), which then queues refresh(workspace); each failed
attempt's error is kept in job_errors so `drive-tagger jobs` can show it, and a running job's
stage and counts in job_progress so the page and `GET .../jobs/{id}` can."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from drive_tagger.adapters.postgres.database import Database
from drive_tagger.adapters.postgres.source import SourceTable
from drive_tagger.core.naming import Namer
from drive_tagger.core.params import INGEST_BATCH_SIZE, SUGGEST_REFRESH_SHARE, RefreshParams
from drive_tagger.core.ports import Embedder
from drive_tagger.core.types import Task
from drive_tagger.services.embedding import embed_pending
from drive_tagger.services.refresh import Progress, refresh_workspace

log = logging.getLogger(__name__)


def worker_tasks(
    open_database: Callable[[], Database],
    embedder: Callable[[], Embedder],  # called per embedding job; builds the model once
    params: RefreshParams,
    *,
    make_namer: Callable[[], Namer],  # called per refresh job
    make_source: Callable[[], SourceTable] | None = None,  # the app's documents table, if one is synced
    batch_size: int = INGEST_BATCH_SIZE,
    suggest_refresh_share: float = SUGGEST_REFRESH_SHARE,
) -> tuple[dict[Task, Callable], dict[str, Callable]]:
    """({task: function(context, workspace)}, {periodic task: function(context, timestamp)}) for
    queue.run_worker."""

    def embed_pending_task(context, workspace: str) -> dict:
        with _error_recorded(context, open_database), open_database() as db, _progress(context, open_database) as told:
            embedded, refused = embed_pending(
                db.documents,
                embedder(),
                db.documents.workspace(workspace),
                batch_size=batch_size,
                progress=False,
                on_batch=lambda done, total: told("embedding", done, total),
            )
            result = {"embedded": embedded, "refused": [str(f) for f in refused[:20]], "refresh_job": None}
            # During a burst of ingests another embedding pass already waits: it will queue the
            # refresh when it has run, so the burst ends in one refresh instead of one per pass.
            if db.jobs.waiting_job(Task.EMBED_PENDING, workspace) is None:
                result["refresh_job"], _ = db.jobs.defer(Task.REFRESH, workspace)
        return result

    def sync_task(context, workspace: str) -> dict:
        with _error_recorded(context, open_database), open_database() as db:
            return _sync(db, workspace)

    def refresh_task(context, workspace: str) -> dict:
        with _error_recorded(context, open_database), open_database() as db, _progress(context, open_database) as told:
            report = refresh_workspace(
                db.documents,
                db.refreshes,
                workspace,
                params,
                namer=make_namer(),
                complete_with=embedder,
                on_progress=told,
            )
        return {"refresh_id": report.refresh_id, "categories": report.categories, "documents": report.documents}

    def _sync(db: Database, workspace: str | None) -> dict:
        from drive_tagger.services.sync import sync_and_tag

        assert make_source is not None  # the sync tasks that call this exist only when there is a source
        reports = sync_and_tag(
            db.documents,
            db.refreshes,
            db.jobs,
            embedder(),
            make_source(),
            workspace,
            batch_size=batch_size,
            suggest_refresh_share=suggest_refresh_share,
        )
        return {"workspaces": [r.as_dict() for r in reports]}

    def sync_all(context, timestamp: int) -> dict:
        """The periodic sync of every workspace the source table names."""
        with open_database() as db:
            return _sync(db, None)

    tasks = {Task.EMBED_PENDING: embed_pending_task, Task.REFRESH: refresh_task}
    if make_source is not None:
        tasks[Task.SYNC] = sync_task
    return tasks, ({"sync_all": sync_all} if make_source is not None else {})


def record_error(open_database: Callable[[], Database], job_id: int, attempt: int, error: str) -> None:
    try:
        with open_database() as db:
            db.jobs.record_job_error(job_id, attempt, error)
    except Exception as exc:  # the database may be what failed; the job outcome still stands
        log.warning("could not record the error of job %s: %s", job_id, exc)


@contextmanager
def _progress(context, open_database: Callable[[], Database]) -> Iterator[Progress]:
    """A function recording the job's stage and counts on a connection of its own (the job's may be
    inside a transaction that would hide them until it ends). A failure to record is logged and
    never fails the job."""
    opened: list[Database] = []
    job_id = getattr(getattr(context, "job", None), "id", None)  # None: called outside a worker

    def told(stage: str, done: int | None = None, total: int | None = None) -> None:
        if job_id is None:
            return
        try:
            if not opened:
                opened.append(open_database())
            opened[0].jobs.record_job_progress(job_id, stage, done, total)
        except Exception as exc:
            log.warning("could not record the progress of job %s: %s", job_id, exc)

    try:
        yield told
    finally:
        for db in opened:
            db.close()


@contextmanager
def _error_recorded(context, open_database):
    try:
        yield
    except Exception as exc:
        record_error(open_database, context.job.id, context.job.attempts, f"{type(exc).__name__}: {exc}")
        raise
