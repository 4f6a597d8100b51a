"""Embedding what a workspace lacks: each distinct text without a vector for the embedder's model,
one pass per workspace at a time, a text the embedder refuses set aside instead of blocking it;
first windows first when asked, with the further windows of long texts embedded later."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from itertools import islice

import numpy as np
from tqdm import tqdm

from drive_tagger.core.params import INGEST_BATCH_SIZE
from drive_tagger.core.ports import DocumentStore, Embedder
from drive_tagger.core.text import embedding_text
from drive_tagger.core.types import PendingText, ReadFailure, Workspace
from drive_tagger.errors import DriveTaggerError, EmbeddingError, ModelMismatch

# Rate and time left are always shown (tqdm shows them too, but only once it has a rate).
PROGRESS_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} docs [{elapsed}, {rate_fmt}, ETA {remaining}]"


def _batches(items: Iterable, size: int) -> Iterable[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# Told after each batch: how many texts of how many are done (a job's progress, the page's count).
BatchProgress = Callable[[int, int], None]


def embed_pending(
    documents: DocumentStore,
    embedder: Embedder,
    workspace: Workspace,
    *,
    batch_size: int = INGEST_BATCH_SIZE,
    progress: bool | None = None,
    first_windows_first: bool = False,
    on_batch: BatchProgress | None = None,
) -> tuple[int, list[ReadFailure]]:
    """Embeds each distinct text of the workspace without a vector for the embedder's model;
    returns (texts embedded, a failure per document whose text the embedder refused). With
    first_windows_first, a long text gets its first window's vector now and its further windows
    from `embed_further_windows` (which a refresh runs before it clusters).

    A workspace holds one model's vectors, its own (`workspace_embedder`): a workspace without
    one takes the embedder's model; one with another model is embedded by that model's embedder
    or not at all (ModelMismatch), never switched (`switch_model` does, on purpose, and then
    every text is pending). One pass runs per workspace at a time: a second waits for
    the first, then finds only what is still missing. A text the embedder refuses while others
    succeed is set aside until it changes, so it cannot block its workspace; when the embedder
    refuses everything it was given (it is down, most likely), the error is raised instead and
    nothing is set aside, so a retry tries again.
    """
    with documents.embedding_lock(workspace.id):
        workspace = documents.workspace(workspace.slug)  # as it is now, under the lock
        if workspace.embedding_model is None:
            documents.claim_workspace_model(workspace.id, embedder.model_id)
            workspace = documents.workspace(workspace.slug)
        embedder = workspace_embedder(embedder, workspace)
        pending = documents.hashes_missing_vectors(workspace.id, embedder.model_id)
        embedded, refused = _embed(
            documents, embedder, workspace, pending, batch_size, progress, first_windows_first, on_batch
        )
        if embedded:
            documents.ensure_model_index(embedder.model_id)
        if refused and not embedded:
            raise EmbeddingError(
                f"the embedder refused all {len(refused)} text(s) it was given; first: {refused[0][1]}"
            )
        failures = []
        for digest, error in refused:
            documents.record_embed_errors(workspace.id, [digest], error)
            failures += [
                ReadFailure(external_id, f"embedding failed: {error}")
                for external_id in documents.external_ids_by_hash(workspace.id, [digest])
            ]
    return embedded, failures


def workspace_embedder(embedder: Embedder, workspace: Workspace) -> Embedder:
    """The embedder of the workspace's own model: `embedder` when it embeds with that model (or
    the workspace has none yet), else the one it builds for that model (an embedder made by
    wiring can, where the deployment reaches the model), else ModelMismatch naming both models
    and the fix. A workspace is never embedded with another model than its own."""
    model = workspace.embedding_model
    if model is None or embedder.model_id == model:
        return embedder
    build = getattr(embedder, "for_model", None)
    reason = "it makes no other model's vectors"
    if build is not None:
        try:
            chosen = build(model)
        except DriveTaggerError as exc:
            reason = str(exc)
        else:
            if chosen.model_id == model:
                return chosen
            reason = f"the embedder built for it makes {chosen.model_id} vectors"
    raise ModelMismatch(
        f"workspace {workspace.slug!r} embeds with {model}, but this process embeds with {embedder.model_id} "
        f"(DRIVE_TAGGER_EMBEDDER) and cannot embed with {model}: {reason}. Run it with DRIVE_TAGGER_EMBEDDER "
        f"set to the workspace's model, or switch the workspace on purpose (every document is re-embedded): "
        f"`drive-tagger workspaces set-model {workspace.slug} {embedder.model_id}`"
    )


def switch_model(documents: DocumentStore, embedder: Embedder, workspace: Workspace) -> Workspace:
    """Makes `embedder`'s model the workspace's own, on purpose: every document then waits for a
    vector of that model (a text with one stored already keeps it), which `embed_pending`
    embeds. The active filters stay until the next refresh, which clusters the new vectors;
    until then arrivals are not matched against filters of the old model."""
    with documents.embedding_lock(workspace.id):
        documents.set_workspace_model(workspace.id, embedder.model_id)
    return documents.workspace(workspace.slug)


def _embed(
    documents: DocumentStore,
    embedder: Embedder,
    workspace: Workspace,
    pending: list[str],
    batch_size: int,
    progress: bool | None,
    first_windows_first: bool = False,
    on_batch: BatchProgress | None = None,
) -> tuple[int, list[tuple[str, str]]]:
    """(texts embedded and stored, (hash, why) per text the embedder refused)."""
    embedded = 0
    refused: list[tuple[str, str]] = []
    batches = [list(b) for b in _batches(pending, batch_size)]

    def fetch(hashes: list[str]) -> list[PendingText]:
        return documents.texts_by_hash(workspace.id, hashes, embedder.max_chars)

    # One thread reads the next batch's texts while this one embeds: the embedder's inference
    # keeps the cores busy and the database round trip hides behind it.
    with (
        ThreadPoolExecutor(max_workers=1) as reader,
        _progress_bar(len(pending), "embedding", progress) as bar,
    ):
        upcoming = reader.submit(fetch, batches[0]) if batches else None
        for index in range(len(batches)):
            assert upcoming is not None  # each batch's read was submitted before its turn
            rows = upcoming.result()
            upcoming = reader.submit(fetch, batches[index + 1]) if index + 1 < len(batches) else None
            texts = [embedding_text(r.title, r.body) for r in rows]
            first_only: list[str] = []
            try:
                good = [r.content_hash for r in rows]
                if first_windows_first:
                    vectors, windows = embedder.embed_first_windows(texts)
                    first_only = [h for h, n in zip(good, windows, strict=True) if n > 1]
                else:
                    vectors = embedder.embed(texts)
            except DriveTaggerError:
                vectors, good = _embed_one_by_one(embedder, rows, texts, refused)
            _wait(upcoming)  # the connection is the reader's until its query is done
            if good:
                documents.store_vectors(embedder.model_id, good, vectors, first_windows_only=first_only)
            embedded += len(good)
            bar.update(len(rows))
            if on_batch is not None:
                on_batch(min(len(pending), (index + 1) * batch_size), len(pending))
    return embedded, refused


def _progress_bar(total: int, desc: str, progress: bool | None) -> tqdm:
    """A bar of documents with rate and time left; progress None: shown on a terminal only; never
    for nothing to do."""
    return tqdm(
        total=total,
        desc=desc,
        unit="docs",
        dynamic_ncols=True,
        bar_format=PROGRESS_FORMAT,
        disable=True if not total else (None if progress is None else not progress),
    )


def _wait(future) -> None:
    if future is not None:
        future.result()


def _embed_one_by_one(
    embedder: Embedder, rows: list[PendingText], texts: list[str], refused: list[tuple[str, str]]
) -> tuple[np.ndarray, list[str]]:
    """A batch failed: embed each text alone so one bad text fails alone."""
    good, vectors = [], []
    for row, text in zip(rows, texts, strict=True):
        try:
            vectors.append(embedder.embed([text])[0])
            good.append(row.content_hash)
        except DriveTaggerError as exc:
            refused.append((row.content_hash, str(exc)))
    return (np.vstack(vectors) if vectors else np.empty((0, 0), np.float32)), good


def embed_further_windows(
    documents: DocumentStore,
    make_embedder: Callable[[], Embedder],
    workspace: Workspace,
    *,
    batch_size: int = INGEST_BATCH_SIZE,
    progress: bool | None = None,
    on_batch: BatchProgress | None = None,
) -> int:
    """Completes the vectors that hold only their text's first window (first windows first):
    their further windows are embedded and each vector becomes the mean of all its windows.
    Returns how many were completed; the embedder is built only when some are waiting. A text
    whose further windows fail keeps its first window's vector and waits for the next try."""
    model = workspace.embedding_model
    if model is None or not documents.hashes_with_further_windows(workspace.id, model):
        return 0
    embedder = workspace_embedder(make_embedder(), workspace)
    completed = 0
    with documents.embedding_lock(workspace.id):
        waiting = documents.hashes_with_further_windows(workspace.id, model)
        with _progress_bar(len(waiting), "further windows", progress) as bar:
            for index, hashes in enumerate(_batches(waiting, batch_size)):
                completed += _complete_batch(documents, embedder, workspace, model, hashes)
                bar.update(len(hashes))
                if on_batch is not None:
                    on_batch(min(len(waiting), (index + 1) * batch_size), len(waiting))
    return completed


def _complete_batch(documents: DocumentStore, embedder: Embedder, workspace: Workspace, model: str, hashes) -> int:
    """Completes one batch's vectors; returns how many (0 when the embedder refused the batch)."""
    rows = documents.texts_by_hash(workspace.id, hashes, embedder.max_chars)
    first = documents.vectors_by_hash(model, [r.content_hash for r in rows])
    rows = [r for r in rows if r.content_hash in first]
    if not rows:
        return 0
    texts = [embedding_text(r.title, r.body) for r in rows]
    try:
        whole = embedder.embed_further_windows(texts, np.vstack([first[r.content_hash] for r in rows]))
    except DriveTaggerError:
        return 0
    documents.complete_vectors(model, [r.content_hash for r in rows], whole)
    return len(rows)
