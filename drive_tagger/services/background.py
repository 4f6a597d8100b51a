"""Background work: store documents and queue their embedding, queue refreshes, read job status."""

from __future__ import annotations

from collections.abc import Iterable

from drive_tagger.adapters import queue
from drive_tagger.adapters.postgres.store import PostgresStore
from drive_tagger.adapters.readers import ReadFailure
from drive_tagger.core.types import SourceDocument
from drive_tagger.errors import UnknownJob
from drive_tagger.services.ingest import IngestReport, store_documents


def submit_documents(
    store: PostgresStore,
    workspace_slug: str,
    items: Iterable[SourceDocument | ReadFailure],
    *,
    batch_size: int = 256,
) -> tuple[IngestReport, int]:
    """Stores the documents and queues embed_pending(workspace) in one transaction: both happen
    or neither does. Returns the report and the embedding job's id (one already waiting is reused)."""
    with store.conn.transaction():
        report = store_documents(store, workspace_slug, items, batch_size=batch_size)
        job_id, _ = queue.defer(store.conn, queue.EMBED_PENDING, workspace_slug)
    return report, job_id


def request_refresh(store: PostgresStore, workspace_slug: str) -> tuple[int, bool]:
    """Queues refresh(workspace); a refresh already waiting for the workspace is reused.
    Returns (job id, whether a new job was queued)."""
    store.workspace(workspace_slug)  # an unknown workspace is an error, not a job that fails later
    return queue.defer(store.conn, queue.REFRESH, workspace_slug)


def job_status(store: PostgresStore, workspace_slug: str, job_id: int) -> dict:
    """One job of the workspace: task, status, attempts, when queued/started/finished, last error."""
    found = store.jobs(workspace=workspace_slug, job_id=job_id, limit=1)
    if not found:
        raise UnknownJob(f"no job {job_id} in workspace {workspace_slug!r}")
    return found[0]
