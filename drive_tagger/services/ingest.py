"""Ingest: store documents (every one checked the same way), embed what lacks a vector, and tag
new documents from the active filters."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice

from drive_tagger.core.assignment import tag_arrivals
from drive_tagger.core.inputs import MAX_BODY_CHARS, checked_document
from drive_tagger.core.params import INGEST_BATCH_SIZE, SUGGEST_REFRESH_SHARE
from drive_tagger.core.ports import DocumentStore, Embedder, RefreshStore
from drive_tagger.core.types import ReadFailure, SourceDocument, Workspace, check_workspace_slug
from drive_tagger.services.embedding import embed_pending


@dataclass
class IngestReport:
    read: int = 0
    inserted: int = 0
    changed: int = 0
    embedded: int = 0  # distinct texts sent to the embedder
    failures: list[ReadFailure] = field(default_factory=list)
    tagged_on_arrival: int = 0  # new or changed documents tagged from the active filters
    poorly_matched: int = 0  # of those, how many cleared no filter's fence (left untagged)
    refresh_suggested: bool = False
    cut: int = 0  # documents longer than MAX_BODY_CHARS, kept up to it
    further_windows: int = 0  # long texts whose further windows wait for the next refresh
    arrived: list[int] = field(default_factory=list, repr=False)  # ids of new and changed documents
    read_ids: set[str] = field(default_factory=set, repr=False)  # external ids of the documents read

    @property
    def skipped(self) -> int:
        """Documents read that needed no embedding (unchanged, or their text already had a vector)."""
        return max(self.read - self.embedded, 0)

    @property
    def failed(self) -> int:
        return len(self.failures)

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "inserted": self.inserted,
            "changed": self.changed,
            "embedded": self.embedded,
            "skipped": self.skipped,
            "failed": self.failed,
            "failures": [str(f) for f in self.failures],
            "tagged_on_arrival": self.tagged_on_arrival,
            "poorly_matched": self.poorly_matched,
            "refresh_suggested": self.refresh_suggested,
            "cut": self.cut,
            "further_windows": self.further_windows,
        }


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def ingest(
    documents: DocumentStore,
    refreshes: RefreshStore,
    embedder: Embedder,
    workspace_slug: str,
    items: Iterable[SourceDocument | ReadFailure],
    *,
    batch_size: int = INGEST_BATCH_SIZE,
    progress: bool | None = None,
    suggest_refresh_share: float = SUGGEST_REFRESH_SHARE,
    first_windows_first: bool = False,
) -> IngestReport:
    """Upserts documents batch by batch (a bad input is recorded and skipped), embeds what is
    missing, then tags new and changed documents from the active filters (no re-clustering).
    With first_windows_first, long texts get their first window's vector now and the rest at
    the next refresh (services/embedding.py). Nothing stored is removed, so a failed run loses
    nothing."""
    report = store_documents(documents, workspace_slug, items, batch_size=batch_size)
    workspace = documents.workspace(workspace_slug)
    embedded, failures = embed_pending(
        documents,
        embedder,
        workspace,
        batch_size=batch_size,
        progress=progress,
        first_windows_first=first_windows_first,
    )
    report.embedded = embedded
    report.failures.extend(failures)
    workspace = documents.workspace(workspace_slug)  # with its model, which the embedding may have set
    if first_windows_first and embedded and workspace.embedding_model:
        report.further_windows = len(documents.hashes_with_further_windows(workspace.id, workspace.embedding_model))
    if report.arrived:
        tag_on_arrival(documents, refreshes, workspace, report.arrived, report, suggest_refresh_share)
    return report


def store_documents(
    documents: DocumentStore,
    workspace_slug: str,
    items: Iterable[SourceDocument | ReadFailure],
    *,
    batch_size: int = INGEST_BATCH_SIZE,
    atomic: bool = False,
) -> IngestReport:
    """Stores documents, creating the workspace if needed; embeds nothing. Each document is
    checked first (core.inputs): one that cannot be stored becomes a failure naming it, and the
    rest go on. Batch by batch, each committed as it goes; with atomic, everything is staged and
    written in one transaction (all of it or nothing)."""
    workspace = documents.ensure_workspace(check_workspace_slug(workspace_slug))
    report = IngestReport()
    batches = _batches(items, batch_size)
    if atomic:
        first, second = next(batches, []), next(batches, None)
        if second is None:  # one batch: one statement, all of it or nothing by itself
            _count(report, *documents.upsert_documents(workspace.id, _checked(first, report)))
            return report
        batches = chain([first, second], batches)
    with documents.transaction() if atomic else _each_batch_commits():
        for batch in batches:
            docs = _checked(batch, report)
            if atomic:
                documents.stage_documents(docs)
            else:
                _count(report, *documents.upsert_documents(workspace.id, docs))
        if atomic:
            _count(report, *documents.upsert_staged(workspace.id))
    return report


def _checked(batch: list[SourceDocument | ReadFailure], report: IngestReport) -> list[SourceDocument]:
    docs = []
    for item in batch:
        checked = checked_document(item) if isinstance(item, SourceDocument) else item
        if isinstance(checked, ReadFailure):
            report.failures.append(checked)
            continue
        report.cut += isinstance(item, SourceDocument) and len(item.body) > MAX_BODY_CHARS
        report.read_ids.add(checked.external_id)
        docs.append(checked)
    report.read += len(docs)
    return docs


def _count(report: IngestReport, inserted: list[int], changed: list[int]) -> None:
    report.inserted += len(inserted)
    report.changed += len(changed)
    report.arrived += inserted + changed


@contextmanager
def _each_batch_commits():
    yield


# A refresh is suggested only once a handful of documents arrived, not on the first stray one.
MIN_ARRIVALS_FOR_SUGGESTION = 5


def tag_on_arrival(
    documents: DocumentStore,
    refreshes: RefreshStore,
    workspace: Workspace,
    document_ids: list[int],
    report: IngestReport,
    suggest_refresh_share: float,
) -> None:
    """Links arrived documents to the active filters by their stored centroids and fences, when
    those centroids are of the workspace's model; filters made from another model's vectors (the
    workspace's model was changed since) match nothing until the next refresh, which is suggested.
    A document a person placed (moved, or picked for a filter) keeps its links: its place is theirs."""
    if workspace.active_refresh_id is None or workspace.embedding_model is None:
        return
    if refreshes.filters_model(workspace.id) != workspace.embedding_model:
        report.refresh_suggested = True
        return
    placed = refreshes.placed_documents(workspace.id, document_ids)
    document_ids = [i for i in document_ids if i not in placed]
    if not document_ids:
        return
    ids, vectors = documents.document_vectors(document_ids, workspace.embedding_model)
    links, poor = tag_arrivals(vectors, refreshes.matching_categories(workspace), documents.forms_of(ids.tolist()))
    state = refreshes.link_arrivals(
        workspace,
        links,
        ids,
        poorly_matched=int(poor.sum()),
        min_arrivals=MIN_ARRIVALS_FOR_SUGGESTION,
        suggest_share=suggest_refresh_share,
    )
    report.tagged_on_arrival = len(ids) - int(poor.sum())
    report.poorly_matched = int(poor.sum())
    report.refresh_suggested = state is not None and state.refresh_suggested
