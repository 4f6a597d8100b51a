"""The job queue: procrastinate on our own database. Deferring with per-workspace locks, retries
with exponential backoff, and workers that give stalled jobs back to the queue."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import procrastinate
import psycopg
from procrastinate import exceptions as pexc
from procrastinate.job_context import AbortReason
from procrastinate.jobs import Job, Status
from procrastinate.retry import BaseRetryStrategy, RetryDecision

from drive_tagger.adapters.postgres.connection import SEARCH_PATH_OPTION
from drive_tagger.adapters.postgres.sql import query
from drive_tagger.core.types import MAINTENANCE_QUEUE, Task
from drive_tagger.errors import InvalidInput, NothingToRefresh, UnknownWorkspace

# Failures that another attempt cannot fix; everything else (embedding provider, network,
# database) is an outside failure and is retried.
PERMANENT_ERRORS = (UnknownWorkspace, NothingToRefresh, InvalidInput)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueOptions:
    """How a worker runs its jobs (wiring.queue_options builds them from the settings, the one home
    of their defaults)."""

    concurrency: int
    retries: int
    backoff_seconds: float
    heartbeat_seconds: float
    stalled_seconds: float
    poll_seconds: float
    grace_seconds: float  # after SIGTERM, how long running jobs may finish


class BackoffRetry(BaseRetryStrategy):
    """Up to `retries` more attempts after outside failures, waiting backoff * 2**attempt seconds."""

    def __init__(self, retries: int, backoff_seconds: float):
        self.retries = retries
        self.backoff_seconds = backoff_seconds

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if job.attempts >= self.retries or isinstance(exception, PERMANENT_ERRORS):
            return None
        return RetryDecision(retry_in={"seconds": self.backoff_seconds * 2**job.attempts})


def job_lock(task: Task, workspace: str) -> str:
    return f"{Task(task).value}:{workspace}"


@functools.cache
def _deferrer() -> procrastinate.App:
    """An app that only defers, always on a connection it is given, so it never opens a pool."""
    return procrastinate.App(connector=procrastinate.SyncPsycopgConnector())


def defer(conn: psycopg.Connection, task: Task, workspace: str) -> tuple[int, bool]:
    """Enqueues task(workspace) inside conn's current transaction (a savepoint if one is open).

    At most one job per task and workspace waits (queueing lock) and one runs (lock): when one
    already waits, nothing is added and its id is returned. Returns (job id, newly queued).
    """
    key = job_lock(task, workspace)
    # A job already waiting is the common case on a busy drive (a post per document): found by
    # one select, not by an insert that fails on the queueing lock inside a savepoint.
    waiting = waiting_job(conn, task, workspace)
    if waiting is not None:
        return waiting, False
    try:
        with conn.transaction():
            deferrer = _deferrer().configure_task(Task(task).value, lock=key, queueing_lock=key, connection=conn)
            return deferrer.defer(workspace=workspace), True
    except pexc.AlreadyEnqueued:
        waiting = waiting_job(conn, task, workspace)
        if waiting is None:  # it started in between; queue again
            return defer(conn, task, workspace)
        return waiting, False


def waiting_job(conn: psycopg.Connection, task: Task, workspace: str) -> int | None:
    """The id of the job of task(workspace) waiting to start, if one is."""
    row = conn.execute(query("waiting_job"), {"queueing_lock": job_lock(task, workspace)}).fetchone()
    return row[0] if row else None


RETRY_STALLED = "retry_stalled_jobs"


def run_worker(
    url: str,
    tasks: dict[Task, Callable],
    options: QueueOptions,
    *,
    periodic: dict[str, tuple[str, Callable]] | None = None,
    on_stalled: Callable[[int, int, str], None] | None = None,
    wait: bool = True,
    name: str | None = None,
) -> None:
    """Runs a worker until SIGINT/SIGTERM (or, with wait=False, until the queue is empty).

    Each task is called as func(context, **args) in a thread; at most `concurrency` at once.
    procrastinate 3 notices workers whose heartbeat stopped but leaves their jobs in `doing`;
    its documented remedy, a periodic task that retries stalled jobs, runs on every worker
    (the periodic deferrer queues it once per tick whatever the number of workers).
    """
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=url, min_size=2, max_size=options.concurrency + 4, kwargs={"options": SEARCH_PATH_OPTION}
        )
    )
    strategy = BackoffRetry(options.retries, options.backoff_seconds)
    for task, func in tasks.items():
        app.task(name=Task(task).value, pass_context=True, retry=strategy)(func)
    for periodic_name, (cron, func) in (periodic or {}).items():  # `name` is the worker's
        app.periodic(cron=cron, periodic_id=periodic_name)(
            app.task(name=periodic_name, queueing_lock=periodic_name, pass_context=True)(func)
        )

    @app.periodic(cron=_every(options.stalled_seconds / 3), periodic_id=RETRY_STALLED)
    @app.task(name=RETRY_STALLED, queue=MAINTENANCE_QUEUE, queueing_lock=RETRY_STALLED, pass_context=True)
    async def retry_stalled_jobs(context, timestamp: int) -> None:
        for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=options.stalled_seconds):
            assert job.id is not None  # a job read from the database has its id (None only before it is deferred)
            message = f"worker stopped beating for {options.stalled_seconds:g}s; job given back to the queue"
            try:
                await app.job_manager.retry_job(job)
            except pexc.UniqueViolation:
                # The same workspace's job already waits; it does this work.
                message = "worker stopped beating; an equal job was already waiting"
                await app.job_manager.finish_job_by_id_async(job.id, Status.FAILED, delete_job=False)
            log.warning("job %s (%s): %s", job.id, job.task_name, message)
            if on_stalled is not None:
                await asyncio.to_thread(on_stalled, job.id, job.attempts, message)
        await app.job_manager.delete_old_jobs(nb_hours=1, queue=MAINTENANCE_QUEUE, include_failed=True)

    async def main() -> None:
        async with app.open_async():
            await app.run_worker_async(
                concurrency=options.concurrency,
                wait=wait,
                # procrastinate's WorkerOptions says `str`, but the worker takes and documents
                # Optional[str] (None: no worker name in the logs)
                name=name,  # type: ignore[arg-type]
                update_heartbeat_interval=options.heartbeat_seconds,
                stalled_worker_timeout=options.stalled_seconds,
                fetch_job_polling_interval=options.poll_seconds,
                abort_job_polling_interval=max(options.poll_seconds, 5.0),
                shutdown_graceful_timeout=options.grace_seconds,
                worker_middleware=[_let_go_at_shutdown],
            )

    jobs = ThreadPoolExecutor(thread_name_prefix="job")  # sync tasks run here (procrastinate's to_thread)
    loop = asyncio.new_event_loop()
    loop.set_default_executor(jobs)
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()  # does not wait for the job threads
    if not _finished_soon(jobs):
        # A job's thread cannot be stopped from outside, and one still running past the grace
        # period would hold the process at exit for ever. It exits now, as a kill would end
        # it; its job was given back to the queue by _let_go_at_shutdown.
        log.warning("jobs still running after the %gs grace period; exiting without them", options.grace_seconds)
        logging.shutdown()
        os._exit(1)


def _finished_soon(jobs: ThreadPoolExecutor, seconds: float = 2.0) -> bool:
    """Whether the job threads end within a moment (the worker already waited its grace period)."""
    waiter = threading.Thread(target=jobs.shutdown, daemon=True)
    waiter.start()
    waiter.join(seconds)
    return not waiter.is_alive()


async def _let_go_at_shutdown(call_next, context, worker):
    """A job's thread cannot be cancelled, and procrastinate waits for it after the grace period
    for ever. Past the grace period this lets the job go (aborted by the shutdown, so retried),
    and the process exits without its thread."""
    running = asyncio.ensure_future(call_next())
    while True:
        done, _ = await asyncio.wait({running}, timeout=0.5)
        if done:
            return running.result()
        if context.abort_reason() == AbortReason.SHUTDOWN:
            raise pexc.JobAborted("the worker stopped after its grace period")


def _every(seconds: float) -> str:
    """A cron expression firing about every `seconds` (procrastinate takes a 6th field for seconds)."""
    if seconds < 60:
        return f"* * * * * */{max(1, round(seconds))}"
    return f"*/{min(59, max(1, round(seconds / 60)))} * * * *"
