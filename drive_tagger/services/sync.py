"""Keeping a workspace in step with the app's own documents table: read the rows changed since
the workspace's watermark, store them (the content hash decides what is embedded again), delete
the documents whose rows are gone or flagged deleted, and move the watermark, all from one
snapshot of the table."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from drive_tagger.adapters.postgres.source import Snapshot, SourceRow, SourceTable
from drive_tagger.core.params import INGEST_BATCH_SIZE, SUGGEST_REFRESH_SHARE
from drive_tagger.core.ports import DocumentStore, Embedder, JobStore, RefreshStore
from drive_tagger.core.types import ReadFailure, SourceDocument, Task, check_workspace_slug
from drive_tagger.errors import InvalidInput
from drive_tagger.services.embedding import embed_pending
from drive_tagger.services.ingest import IngestReport, store_documents, tag_on_arrival


@dataclass
class SyncReport:
    workspace: str
    read: int = 0  # changed rows read
    inserted: int = 0
    changed: int = 0
    deleted: int = 0
    failures: list[ReadFailure] = field(default_factory=list)
    seconds: float = 0.0
    arrived: list[int] = field(default_factory=list, repr=False)  # ids of new and changed documents
    embedded: int | None = None  # texts embedded after the sync (None: not embedded here)
    tagged_on_arrival: int = 0  # arrived documents tagged from the active filters at once
    refresh_job: int | None = None  # the refresh queued after it
    embedding_job: int | None = None  # or the embed_pending job queued for a worker (sync_and_queue)

    @property
    def touched(self) -> bool:
        return bool(self.inserted or self.changed or self.deleted)

    def as_dict(self) -> dict:
        return {
            "workspace": self.workspace,
            "read": self.read,
            "inserted": self.inserted,
            "changed": self.changed,
            "deleted": self.deleted,
            "failed": len(self.failures),
            "failures": [str(f) for f in self.failures],
            "seconds": round(self.seconds, 3),
            "embedded": self.embedded,
            "tagged_on_arrival": self.tagged_on_arrival,
            "refresh_job": self.refresh_job,
            "embedding_job": self.embedding_job,
        }


def sync_workspaces(
    documents: DocumentStore, source: SourceTable, workspace: str | None = None, *, batch_size: int = INGEST_BATCH_SIZE
) -> list[SyncReport]:
    """Syncs one workspace, or every workspace the table names or was synced from it before (one
    whose rows are all gone loses its documents); a value that cannot name a workspace is
    reported and skipped. Embeds nothing (the caller embeds or queues it). A failure while
    reading raises once the source's snapshot is closed; what was stored before it stays, and
    the watermark of the workspace it failed in does not move, so the next sync reads it again."""
    origin = _origin(source)
    with source.snapshot() as snapshot:
        slugs = [workspace] if workspace else sorted({*snapshot.workspaces(), *documents.synced_workspaces(origin)})
        reports = []
        for slug in slugs:
            try:
                check_workspace_slug(slug)
            except InvalidInput as exc:
                reports.append(
                    SyncReport(slug, failures=[ReadFailure(f"{source.columns.table} workspace {slug!r}", str(exc))])
                )
                continue
            reports.append(_sync_one(documents, source, snapshot, slug, batch_size))
        return reports


def _origin(source: SourceTable) -> str:
    """A synced document's source is this followed by its row id."""
    return f"sync:{source.columns.table}#"


def _sync_one(
    documents: DocumentStore, source: SourceTable, snapshot: Snapshot, slug: str, batch_size: int
) -> SyncReport:
    started = time.perf_counter()
    origin = _origin(source)
    workspace = documents.ensure_workspace(slug)
    since = documents.sync_watermark(workspace.id, origin)
    watermark = snapshot.next_watermark()
    live = snapshot.live_ids(slug)
    held = set(documents.synced_document_ids(workspace.id, origin))
    unseen = sorted(live - held) if since is not None else []
    flagged: set[str] = set()
    unchanged: set[str] = set()
    rows = _noting_unchanged(snapshot.changed_rows(slug, since, unseen), unchanged)
    stored = store_documents(documents, slug, _documents(rows, source, origin, flagged), batch_size=batch_size)
    # A row read again only because it has no stamp or the workspace lacks it, and refused again,
    # was reported when it changed: it is not reported at every sync.
    stored.failures = [f for f in stored.failures if f.source.removeprefix(origin) not in unchanged]
    gone = sorted((held - live) | flagged)
    deleted = documents.delete_documents(workspace.id, gone) if gone else []
    report = _report(slug, stored, deleted, flagged)
    documents.save_sync_state(workspace.id, origin, watermark, rows_read=report.read, rows_deleted=len(deleted))
    report.seconds = time.perf_counter() - started
    return report


def _noting_unchanged(rows: Iterator[SourceRow], unchanged: set[str]) -> Iterator[SourceRow]:
    for row in rows:
        if not row.changed and row.external_id is not None:
            unchanged.add(row.external_id)
        yield row


def _documents(
    rows: Iterator[SourceRow], source: SourceTable, origin: str, flagged: set[str]
) -> Iterator[SourceDocument | ReadFailure]:
    """Live rows as documents; a row flagged deleted is noted instead. A row with no id fails
    alone; an id that appears again is reported, and its later row (by updated_at) is kept."""
    seen: set[str] = set()
    for row in rows:
        if row.external_id is None:
            yield ReadFailure(f"{origin}<NULL>", f"the {source.columns.id!r} column is NULL; the row is skipped")
            continue
        if row.external_id in seen:
            yield ReadFailure(
                origin + row.external_id,
                f"id {row.external_id[:200]!r} appears again in {source.columns.table}; the later row is kept",
            )
        seen.add(row.external_id)
        if not row.live:
            flagged.add(row.external_id)
            continue
        flagged.discard(row.external_id)
        yield SourceDocument(
            row.external_id, row.title, row.text if isinstance(row.text, str) else "", origin + row.external_id
        )


def _report(slug: str, stored: IngestReport, deleted: list[str], flagged: set[str]) -> SyncReport:
    return SyncReport(
        slug,
        read=stored.read + len(stored.failures) + len(flagged),
        inserted=stored.inserted,
        changed=stored.changed,
        deleted=len(deleted),
        failures=stored.failures,
        arrived=stored.arrived,
    )


def sync_and_tag(
    documents: DocumentStore,
    refreshes: RefreshStore,
    jobs: JobStore,
    embedder: Embedder,
    source: SourceTable,
    workspace: str | None = None,
    *,
    batch_size: int = INGEST_BATCH_SIZE,
    suggest_refresh_share: float = SUGGEST_REFRESH_SHARE,
) -> list[SyncReport]:
    """A sync as `ingest` treats the same change: the rows in, their texts embedded, the new and
    changed documents tagged at once from the active filters (no re-clustering), then a refresh
    queued for a worker to run."""
    reports = sync_workspaces(documents, source, workspace, batch_size=batch_size)
    for report in reports:
        if not report.touched:
            continue
        found = documents.workspace(report.workspace)
        report.embedded, refused = embed_pending(documents, embedder, found, batch_size=batch_size, progress=False)
        report.failures += refused
        if report.arrived:
            tagged = IngestReport()
            found = documents.workspace(report.workspace)
            tag_on_arrival(documents, refreshes, found, report.arrived, tagged, suggest_refresh_share)
            report.tagged_on_arrival = tagged.tagged_on_arrival
        report.refresh_job, _ = jobs.defer(Task.REFRESH, report.workspace)
    return reports


def sync_and_queue(
    documents: DocumentStore,
    jobs: JobStore,
    source: SourceTable,
    workspace: str | None = None,
    *,
    batch_size: int = INGEST_BATCH_SIZE,
) -> list[SyncReport]:
    """A sync whose embedding is left to a worker: the rows in, then for each workspace the sync
    changed an embed_pending job (which embeds, tags and queues the refresh), as `ingest
    --background` leaves it."""
    reports = sync_workspaces(documents, source, workspace, batch_size=batch_size)
    for report in reports:
        if report.touched:
            report.embedding_job, _ = jobs.defer(Task.EMBED_PENDING, report.workspace)
    return reports
