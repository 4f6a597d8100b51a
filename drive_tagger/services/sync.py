"""Keeping a workspace in step with the app's own documents table: read the rows changed since
the workspace's watermark, store them (the content hash decides what is embedded again), delete
the documents whose rows are gone or flagged deleted, and move the watermark, all from one
snapshot of the table."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from drive_tagger.adapters.postgres.source import Snapshot, SourceRow, SourceTable
from drive_tagger.core.params import INGEST_BATCH_SIZE
from drive_tagger.core.ports import DocumentStore
from drive_tagger.core.types import ReadFailure, SourceDocument, check_workspace_slug
from drive_tagger.errors import InvalidInput
from drive_tagger.services.ingest import IngestReport, store_documents


@dataclass
class SyncReport:
    workspace: str
    read: int = 0  # changed rows read
    inserted: int = 0
    changed: int = 0
    deleted: int = 0
    failures: list[ReadFailure] = field(default_factory=list)
    seconds: float = 0.0

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
        }


def sync_workspaces(
    documents: DocumentStore, source: SourceTable, workspace: str | None = None, *, batch_size: int = INGEST_BATCH_SIZE
) -> list[SyncReport]:
    """Syncs one workspace, or every workspace the table names; a value that cannot name a
    workspace is reported and skipped. Embeds nothing (the caller embeds or queues it)."""
    with source.snapshot() as snapshot:
        slugs = [workspace] if workspace else snapshot.workspaces()
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


def _sync_one(
    documents: DocumentStore, source: SourceTable, snapshot: Snapshot, slug: str, batch_size: int
) -> SyncReport:
    started = time.perf_counter()
    origin = f"sync:{source.columns.table}#"  # a synced document's source: origin + its row id
    workspace = documents.ensure_workspace(slug)
    since = documents.sync_watermark(workspace.id, origin)
    watermark = snapshot.next_watermark()
    flagged: list[str] = []
    stored = store_documents(
        documents, slug, _documents(snapshot.changed_rows(slug, since), origin, flagged), batch_size=batch_size
    )
    live = snapshot.live_ids(slug)
    gone = [i for i in documents.synced_document_ids(workspace.id, origin) if i not in live]
    deleted = documents.delete_documents(workspace.id, sorted(set(gone) | set(flagged))) if gone or flagged else []
    report = _report(slug, stored, deleted, flagged)
    documents.save_sync_state(workspace.id, origin, watermark, rows_read=report.read, rows_deleted=len(deleted))
    report.seconds = time.perf_counter() - started
    return report


def _documents(rows: Iterator[SourceRow], origin: str, flagged: list[str]) -> Iterator[SourceDocument]:
    """Live rows as documents; a row flagged deleted is noted instead."""
    for row in rows:
        if not row.live:
            flagged.append(row.external_id)
            continue
        yield SourceDocument(
            row.external_id, row.title, row.text if isinstance(row.text, str) else "", origin + row.external_id
        )


def _report(slug: str, stored: IngestReport, deleted: list[str], flagged: list[str]) -> SyncReport:
    return SyncReport(
        slug,
        read=stored.read + len(stored.failures) + len(flagged),
        inserted=stored.inserted,
        changed=stored.changed,
        deleted=len(deleted),
        failures=stored.failures,
    )
