"""Background work: store documents and queue their embedding, queue refreshes, read job status."""

from __future__ import annotations

from collections.abc import Iterable

from drive_tagger.core.params import INGEST_BATCH_SIZE
from drive_tagger.core.ports import DocumentStore, JobStore
from drive_tagger.core.rows import JobRow
from drive_tagger.core.types import ReadFailure, SourceDocument, Task
from drive_tagger.errors import UnknownJob
from drive_tagger.services.ingest import IngestReport, store_documents


def submit_documents(
    documents: DocumentStore,
    jobs: JobStore,
    workspace_slug: str,
    items: Iterable[SourceDocument | ReadFailure],
    *,
    batch_size: int = INGEST_BATCH_SIZE,
) -> tuple[IngestReport, int]:
    """Stores the documents and queues embed_pending(workspace) in one transaction (both stores
    share a connection): both happen or neither does. Returns the report and the embedding
    job's id (one already waiting is reused)."""
    with documents.transaction():
        report = store_documents(documents, workspace_slug, items, batch_size=batch_size, atomic=True)
        job_id, _ = jobs.defer(Task.EMBED_PENDING, workspace_slug)
    return report, job_id


def request_refresh(jobs: JobStore, workspace_slug: str) -> tuple[int, bool]:
    """Queues refresh(workspace); a refresh already waiting for the workspace is reused.
    Returns (job id, whether a new job was queued)."""
    jobs.workspace(workspace_slug)  # an unknown workspace is an error, not a job that fails later
    return jobs.defer(Task.REFRESH, workspace_slug)


def job_status(jobs: JobStore, workspace_slug: str, job_id: int) -> JobRow:
    """One job of the workspace: task, status, attempts, when queued/started/finished, last error."""
    found = jobs.jobs(workspace=workspace_slug, job_id=job_id, limit=1)
    if not found:
        raise UnknownJob(f"no job {job_id} in workspace {workspace_slug!r}")
    return found[0]
