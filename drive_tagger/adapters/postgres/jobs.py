"""PostgresJobs: queueing tasks (procrastinate, on this store's connection), job errors and progress, job listings."""

from __future__ import annotations

from psycopg.rows import class_row

from drive_tagger.adapters.postgres.sql import query
from drive_tagger.adapters.postgres.workspaces import WorkspaceQueries
from drive_tagger.core.rows import JobRow
from drive_tagger.core.types import MAINTENANCE_QUEUE, Task


class PostgresJobs(WorkspaceQueries):
    def defer(self, task: Task, workspace: str) -> tuple[int, bool]:
        """Queues task(workspace) in this connection's current transaction, if any: (job id, newly queued)."""
        from drive_tagger.adapters import queue  # procrastinate loads only where jobs are queued

        return queue.defer(self.conn, task, workspace)

    def waiting_job(self, task: Task, workspace: str) -> int | None:
        from drive_tagger.adapters import queue

        return queue.waiting_job(self.conn, task, workspace)

    def record_job_error(self, job_id: int, attempt: int, error: str) -> None:
        with self.conn.transaction():
            self.conn.execute(query("record_job_error"), {"job_id": job_id, "attempt": attempt, "error": error})

    def record_job_progress(self, job_id: int, stage: str, done: int | None = None, total: int | None = None) -> None:
        progress = {"job_id": job_id, "stage": stage, "done": done, "total": total}
        self.conn.execute(query("record_job_progress"), progress)

    def jobs(
        self, *, workspace: str | None = None, job_id: int | None = None, status: str | None = None, limit: int = 20
    ) -> list[JobRow]:
        """Recent jobs, newest first: id, task_name, workspace, status, attempts, queued_at,
        started_at, finished_at and the last attempt's error."""
        return self._all(
            "list_jobs",
            {
                "workspace": workspace,
                "job_id": job_id,
                "status": status,
                "limit": limit,
                "hidden_queue": MAINTENANCE_QUEUE,
            },
            row_factory=class_row(JobRow),
        )
