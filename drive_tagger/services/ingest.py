"""Ingest: store documents, then embed every text of the workspace that lacks a vector."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice

import numpy as np
from tqdm import tqdm

from drive_tagger.core.assignment import tag_arrivals
from drive_tagger.core.params import INGEST_BATCH_SIZE
from drive_tagger.core.ports import DocumentStore, Embedder, RefreshStore
from drive_tagger.core.text import embedding_text
from drive_tagger.core.types import PendingText, ReadFailure, SourceDocument, Workspace, check_workspace_slug
from drive_tagger.errors import DriveTaggerError

# Rate and time left are always shown (tqdm shows them too, but only once it has a rate).
PROGRESS_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} docs [{elapsed}, {rate_fmt}, ETA {remaining}]"


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
    arrived: list[int] = field(default_factory=list, repr=False)  # ids of new and changed documents

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
        }


def _batches(items: Iterable, size: int) -> Iterable[list]:
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
    suggest_refresh_share: float = 0.2,
) -> IngestReport:
    """Upserts documents batch by batch (a bad input is recorded and skipped), embeds what is
    missing, then tags new and changed documents from the active filters (no re-clustering).
    Nothing stored is removed, so a failed run loses nothing."""
    report = store_documents(documents, workspace_slug, items, batch_size=batch_size)
    workspace = documents.workspace(workspace_slug)
    embedded, failures = embed_pending(documents, embedder, workspace, batch_size=batch_size, progress=progress)
    report.embedded = embedded
    report.failures.extend(failures)
    if report.arrived:
        tag_on_arrival(
            documents, refreshes, documents.workspace(workspace_slug), report.arrived, report, suggest_refresh_share
        )
    return report


def store_documents(
    documents: DocumentStore,
    workspace_slug: str,
    items: Iterable[SourceDocument | ReadFailure],
    *,
    batch_size: int = INGEST_BATCH_SIZE,
) -> IngestReport:
    """Upserts documents batch by batch, creating the workspace if needed; embeds nothing."""
    workspace = documents.ensure_workspace(check_workspace_slug(workspace_slug))
    report = IngestReport()
    for batch in _batches(items, batch_size):
        docs = []
        for item in batch:
            if isinstance(item, ReadFailure):
                report.failures.append(item)
            else:
                docs.append(item)
        report.read += len(docs)
        inserted, changed = documents.upsert_documents(workspace.id, _unique_ids(docs))
        report.inserted += len(inserted)
        report.changed += len(changed)
        report.arrived += inserted + changed
    return report


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
    """Links arrived documents to the active filters by their stored centroids and fences."""
    if workspace.active_refresh_id is None:
        return
    ids, vectors = documents.document_vectors(document_ids, workspace.embedding_model)
    links, poor = tag_arrivals(vectors, refreshes.active_categories(workspace.id))
    refreshes.link_arrivals(
        workspace,
        links,
        ids,
        poorly_matched=int(poor.sum()),
        min_arrivals=MIN_ARRIVALS_FOR_SUGGESTION,
        suggest_share=suggest_refresh_share,
    )
    report.tagged_on_arrival = len(ids) - int(poor.sum())
    report.poorly_matched = int(poor.sum())
    report.refresh_suggested = refreshes.arrival_state(workspace.id).refresh_suggested


def _unique_ids(docs: list[SourceDocument]) -> list[SourceDocument]:
    """Within one batch the last row of a repeated id wins (as it would across batches)."""
    by_id = {d.external_id: d for d in docs}
    return list(by_id.values())


def embed_pending(
    documents: DocumentStore,
    embedder: Embedder,
    workspace: Workspace,
    *,
    batch_size: int = INGEST_BATCH_SIZE,
    progress: bool | None = None,
) -> tuple[int, list[ReadFailure]]:
    """Embeds each distinct text of the workspace without a vector for the embedder's model.

    A workspace holds one model's vectors: switching model makes every text pending, so the
    workspace is re-embedded whole.
    """
    if workspace.embedding_model != embedder.model_id:
        documents.set_workspace_model(workspace.id, embedder.model_id)
    pending = documents.hashes_missing_vectors(workspace.id, embedder.model_id)
    embedded = 0
    failures: list[ReadFailure] = []
    batches = [list(b) for b in _batches(pending, batch_size)]

    def fetch(hashes: list[str]) -> list[PendingText]:
        return documents.texts_by_hash(workspace.id, hashes, embedder.max_chars)

    # One thread reads the next batch's texts while this one embeds: the embedder's inference
    # keeps the cores busy and the database round trip hides behind it.
    with (
        ThreadPoolExecutor(max_workers=1) as reader,
        tqdm(
            total=len(pending),
            desc="embedding",
            unit="docs",
            dynamic_ncols=True,
            bar_format=PROGRESS_FORMAT,
            disable=None if progress is None else not progress,
        ) as bar,
    ):
        upcoming = reader.submit(fetch, batches[0]) if batches else None
        for index in range(len(batches)):
            rows = upcoming.result()
            upcoming = reader.submit(fetch, batches[index + 1]) if index + 1 < len(batches) else None
            texts = [embedding_text(r.title, r.body) for r in rows]
            try:
                vectors = embedder.embed(texts)
                good = [r.content_hash for r in rows]
            except DriveTaggerError:
                _wait(upcoming)  # the connection is the reader's until its query is done
                vectors, good = _embed_one_by_one(documents, embedder, workspace, rows, texts, failures)
            _wait(upcoming)
            if good:
                documents.store_vectors(embedder.model_id, good, vectors)
            embedded += len(good)
            bar.update(len(rows))
    return embedded, failures


def _wait(future) -> None:
    if future is not None:
        future.result()


def _embed_one_by_one(
    documents: DocumentStore,
    embedder: Embedder,
    workspace: Workspace,
    rows: list[PendingText],
    texts: list[str],
    failures: list[ReadFailure],
):
    """A batch failed: embed each text alone so one bad text fails alone, named by its documents."""
    good, vectors = [], []
    for row, text in zip(rows, texts, strict=True):
        try:
            vectors.append(embedder.embed([text])[0])
            good.append(row.content_hash)
        except DriveTaggerError as exc:
            for external_id in documents.external_ids_by_hash(workspace.id, [row.content_hash]):
                failures.append(ReadFailure(external_id, f"embedding failed: {exc}"))
    return (np.vstack(vectors) if vectors else np.empty((0, 0), np.float32)), good
