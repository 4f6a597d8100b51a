"""Refresh one workspace: cluster its vectors, build named categories, make them active at once."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np

from drive_tagger.adapters.postgres.store import PostgresStore
from drive_tagger.core.assignment import assign_to_centroids, cluster_centroids
from drive_tagger.core.clustering import ClusteringParams, DocumentClusterer
from drive_tagger.core.keywords import class_keywords
from drive_tagger.core.naming import keyword_description, unique_offline_names
from drive_tagger.core.types import Category, NamedBy
from drive_tagger.errors import NothingToRefresh

# Keywords come from each document's head; more text costs time and adds little.
KEYWORD_TEXT_CHARS = 4000
MIN_DOCUMENTS = 3


@dataclass(frozen=True)
class RefreshParams:
    clustering: ClusteringParams = field(default_factory=ClusteringParams)
    join_similarity: float = 0.30

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RefreshReport:
    refresh_id: int
    documents: int
    categories: int
    untagged: int
    unembedded: int  # documents without a vector for the workspace's model, left out
    seconds: dict[str, float]


class _Stopwatch:
    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self._last, 3)
        self._last = now


def refresh_workspace(store: PostgresStore, workspace_slug: str, params: RefreshParams | None = None) -> RefreshReport:
    """Recomputes the workspace's filters. On any failure the run is recorded as failed and the
    previous filters stay active, untouched."""
    params = params or RefreshParams()
    workspace = store.workspace(workspace_slug)
    if workspace.embedding_model is None:
        raise NothingToRefresh(f"workspace {workspace_slug!r} has no embedded documents; ingest first")
    refresh_id = store.start_refresh_run(workspace.id, params.as_dict())
    try:
        watch = _Stopwatch()
        document_ids, vectors = store.workspace_vectors(workspace.id, workspace.embedding_model)
        unembedded = store.count_documents_missing_vectors(workspace.id, workspace.embedding_model)
        if len(document_ids) < MIN_DOCUMENTS:
            raise NothingToRefresh(
                f"workspace {workspace_slug!r} has {len(document_ids)} embedded document(s); "
                f"a refresh needs at least {MIN_DOCUMENTS}"
            )
        watch.lap("load")

        labels = DocumentClusterer(params.clustering).fit(vectors).labels_
        clusters, centroids = cluster_centroids(vectors, labels)
        cluster_index = np.searchsorted(clusters, labels)
        cluster_index[labels < 0] = -1
        category_ids = np.arange(len(clusters)) + workspace.next_category_id
        assignments = assign_to_centroids(
            vectors, cluster_index, centroids, category_ids, join_similarity=params.join_similarity
        )
        watch.lap("cluster")

        final_index = np.full(len(vectors), -1)
        final_index[assignments.document_index] = np.searchsorted(category_ids, assignments.category_id)
        texts = store.document_texts(document_ids, KEYWORD_TEXT_CHARS)
        keywords = class_keywords(texts, final_index)
        watch.lap("keywords")

        keyword_lists = [keywords.get(i, ()) for i in range(len(clusters))]
        names = unique_offline_names(keyword_lists)
        sizes = np.bincount(final_index[final_index >= 0], minlength=len(clusters))
        categories = [
            Category(
                category_id=int(category_ids[i]),
                name=names[i],
                description=keyword_description(keyword_lists[i]),
                keywords=tuple(keyword_lists[i]),
                size=int(sizes[i]),
                centroid=centroids[i],
                named_by=NamedBy.OFFLINE,
            )
            for i in range(len(clusters))
        ]
        watch.lap("naming")

        untagged = len(vectors) - len(np.unique(assignments.document_index))
        store.commit_refresh(
            workspace, refresh_id, categories, assignments, document_ids,
            untagged=untagged, seconds=dict(watch.seconds),
        )
        watch.lap("write")
    except BaseException as exc:
        store.fail_refresh_run(refresh_id, f"{type(exc).__name__}: {exc}")
        raise
    return RefreshReport(refresh_id, len(document_ids), len(categories), untagged, unembedded, watch.seconds)
