"""Refresh one workspace: cluster its vectors, build named categories, make them active at once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from drive_tagger.core.categorize import categorize
from drive_tagger.core.clustering import DocumentClusterer
from drive_tagger.core.forms import document_form, rows_of
from drive_tagger.core.layout import leaf_of_rows, map_layout
from drive_tagger.core.naming import Namer
from drive_tagger.core.params import RefreshParams
from drive_tagger.core.ports import DocumentStore, Embedder, RefreshStore
from drive_tagger.core.seeding import seed_centroids, seed_documents
from drive_tagger.core.types import PreviousGeneration, Workspace
from drive_tagger.errors import NothingToRefresh, RefreshConflict

log = logging.getLogger(__name__)

# Keyphrases and names come from each sampled document's head; more text costs time and adds little.
TEXT_CHARS = 4000
MIN_DOCUMENTS = 3
# Documents whose form is read per round trip, for those stored before forms were read at ingest.
FORM_BATCH = 2000


@dataclass(frozen=True)
class RefreshReport:
    refresh_id: int
    documents: int
    categories: int  # top-level filters
    subcategories: int
    untagged: int
    unembedded: int  # documents without a vector for the workspace's model, left out
    seconds: dict[str, float]
    # The rules version whose filters replaced ones made under another (None: the same rules).
    remade_under_rules: int | None = None


# Told each stage of a refresh as it ends, with its seconds (a command's progress lines).
StageReport = Callable[[str, float], None]
# Told as each stage of a refresh begins (a job's progress): the stage, and how many of how many
# documents it has done where it counts them (None where it does not).
Progress = Callable[[str, int | None, int | None], None]
# The stage that begins when one ends, as a job reports it.
NEXT_STAGE = {
    "load": "clustering",
    "cluster": "assigning",
    "assign": "keywords",
    "keywords": "naming",
    "naming": "mapping",
    "map": "writing",
}


class _Stopwatch:
    def __init__(self, on_stage: StageReport | None = None, on_progress: Progress | None = None):
        self.seconds: dict[str, float] = {}
        self.documents: int | None = None  # known once loaded
        self._last = time.perf_counter()
        self._on_stage = on_stage
        self._on_progress = on_progress

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self._last, 3)
        self._last = now
        if self._on_stage is not None:
            self._on_stage(stage, self.seconds[stage])
        if self._on_progress is not None and stage in NEXT_STAGE:
            self._on_progress(NEXT_STAGE[stage], None, self.documents)


def refresh_workspace(
    documents: DocumentStore,
    refreshes: RefreshStore,
    workspace_slug: str,
    params: RefreshParams | None = None,
    *,
    namer: Namer,
    complete_with: Callable[[], Embedder] | None = None,
    on_stage: StageReport | None = None,
    on_progress: Progress | None = None,
) -> RefreshReport:
    """Recomputes the workspace's filters, naming new ones with `namer` (wiring.make_namer: the
    namer the settings choose, over the workspace's model). With complete_with (it makes the
    embedder), vectors that hold only their first window (an ingest left the rest for later) are
    completed before clustering.
    One refresh of a workspace runs at a time: a second one is refused while the first holds
    the workspace. On any failure the run is recorded as failed and the previous filters stay
    active, untouched; a run whose process dies is found abandoned by the next refresh (or the
    next look at the runs)."""
    params = params or RefreshParams()
    workspace = refreshes.workspace(workspace_slug)
    if workspace.embedding_model is None:
        raise NothingToRefresh(f"workspace {workspace_slug!r} has no embedded documents; ingest first")
    completed_in = 0.0
    if complete_with is not None:
        from drive_tagger.services.embedding import embed_further_windows

        started = time.perf_counter()
        further = None if on_progress is None else (lambda done, total: on_progress("further_windows", done, total))
        if embed_further_windows(documents, complete_with, workspace, on_batch=further):
            completed_in = round(time.perf_counter() - started, 3)
            if on_stage is not None:
                on_stage("further_windows", completed_in)
    if on_progress is not None:
        on_progress("loading", None, None)
    report = _refresh_locked(documents, refreshes, workspace_slug, params, namer, on_stage, on_progress)
    return replace(report, seconds={"further_windows": completed_in, **report.seconds}) if completed_in else report


def _refresh_locked(
    documents: DocumentStore,
    refreshes: RefreshStore,
    workspace_slug: str,
    params: RefreshParams,
    namer: Namer,
    on_stage: StageReport | None,
    on_progress: Progress | None,
) -> RefreshReport:
    workspace = refreshes.workspace(workspace_slug)
    with refreshes.refresh_lock(workspace.id) as acquired:
        if not acquired:
            running = refreshes.running_refresh(workspace.id)
            since = f" (run #{running.id}, started {running.started_at:%H:%M:%S})" if running else ""
            raise RefreshConflict(
                f"workspace {workspace_slug!r} is being refreshed by another run{since}; "
                "its filters will be the newest when it ends"
            )
        refreshes.mark_abandoned_runs(workspace.id)
        refresh_id = refreshes.start_refresh_run(workspace.id, params.as_dict())
        try:
            workspace = refreshes.workspace(workspace_slug)
            watch = _Stopwatch(on_stage, on_progress)
            return _refresh(documents, refreshes, workspace, refresh_id, params, namer, watch)
        except BaseException as exc:
            _record_failure(refreshes, refresh_id, exc)
            raise


def _refresh(
    documents: DocumentStore,
    refreshes: RefreshStore,
    workspace: Workspace,
    refresh_id: int,
    params: RefreshParams,
    namer: Namer,
    watch: _Stopwatch,
) -> RefreshReport:
    # The namer's word lists load while the documents are read and clustered (mostly waiting on
    # the database, then outside the interpreter lock), not after: a command's refresh runs in a
    # fresh process.
    threading.Thread(target=namer.lexicon.warm_up, name="lexicon-warm-up", daemon=True).start()
    model = workspace.embedding_model  # None: nothing embedded yet
    document_ids, vectors = documents.workspace_vectors(workspace.id, model) if model else (np.empty(0), None)
    unembedded = documents.count_documents_missing_vectors(workspace.id, model) if model else 0
    if len(document_ids) < MIN_DOCUMENTS or vectors is None:
        raise NothingToRefresh(
            f"workspace {workspace.slug!r} has {len(document_ids)} embedded document(s); "
            f"a refresh needs at least {MIN_DOCUMENTS}"
        )
    forms = _document_forms(documents, workspace.id, document_ids)
    previous = refreshes.previous_generation(workspace.id)
    if previous is not None and refreshes.filters_model(workspace.id) != workspace.embedding_model:
        previous = _made_by_another_model(previous, vectors.shape[1])
    corrections = refreshes.corrections(workspace.id)
    watch.documents = len(document_ids)
    watch.lap("load")
    seed = seed_centroids(previous, corrections)
    clustering = DocumentClusterer(params.clustering).fit(vectors, seed, seed_documents(previous)).result_
    watch.lap("cluster")
    result = categorize(
        vectors,
        lambda rows: documents.document_texts(document_ids[rows], TEXT_CHARS),
        clustering,
        document_ids=document_ids,
        next_category_id=workspace.next_category_id,
        previous=previous,
        params=params,
        namer=namer,
        model=workspace.embedding_model,
        corrections=corrections,
        forms=forms,
        on_stage=watch.lap,
    )
    leaves = leaf_of_rows(len(document_ids), result.assignments, result.categories)
    layout = map_layout(vectors, leaves)
    watch.lap("map")
    refreshes.commit_refresh(
        workspace,
        refresh_id,
        result.categories,
        result.assignments,
        document_ids,
        untagged=result.untagged,
        seconds=dict(watch.seconds),
        next_category_id=result.next_category_id,
        changes=result.changes,
        layout=layout,
        leaves=leaves,
    )
    watch.lap("write")
    top = sum(1 for c in result.categories if c.is_top_level)
    return RefreshReport(
        refresh_id,
        len(document_ids),
        top,
        len(result.categories) - top,
        result.untagged,
        unembedded,
        watch.seconds,
        result.changes.remade_under_rules,
    )


def _made_by_another_model(previous: PreviousGeneration, dimensions: int) -> PreviousGeneration:
    """The previous filters when their centroids are another model's vectors (the workspace's model
    was changed since): those centroids never meet this model's vectors. Filters are matched by
    their documents alone (a category keeps its id, and a pinned name, by member overlap) and are
    clustered and named afresh, as after a change of rules."""
    blank = np.zeros(dimensions, dtype=np.float32)
    return PreviousGeneration(
        tuple(replace(c, centroid=blank) for c in previous.categories), previous.members, rules=None
    )


def _document_forms(documents: DocumentStore, workspace_id: int, document_ids: np.ndarray) -> np.ndarray:
    """The form of each document (core/forms.py; None when it has none), in document_ids' order
    (ascending); documents stored before forms were read at ingest are read once, here."""
    while unread := documents.documents_without_form(workspace_id, FORM_BATCH):
        documents.store_forms([i for i, _ in unread], [document_form(head) for _, head in unread])
    forms = np.full(len(document_ids), None, dtype=object)
    stored = documents.workspace_forms(workspace_id)
    rows, found = rows_of(document_ids, np.fromiter(stored, dtype=np.int64, count=len(stored)))
    forms[rows] = np.array(list(stored.values()), dtype=object)[found]
    return forms


def _record_failure(refreshes: RefreshStore, refresh_id: int, exc: BaseException) -> None:
    """Marks the run failed; when the database itself is what failed, the run stays 'running'
    until a later look finds its lock gone and marks it abandoned."""
    try:
        refreshes.fail_refresh_run(refresh_id, f"{type(exc).__name__}: {exc}")
    except Exception as failure:
        log.info("could not record refresh run %s as failed: %s", refresh_id, failure)
