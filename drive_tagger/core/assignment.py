"""Centroids of clusters and which documents carry which category, with scores."""

from __future__ import annotations

import numpy as np

from drive_tagger.core.clustering import normalize_rows
from drive_tagger.core.types import Assignments


def cluster_centroids(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cluster labels in ascending order, their L2-normalized mean vectors), noise excluded."""
    clusters = np.unique(labels[labels >= 0])
    centroids = np.stack([vectors[labels == c].mean(axis=0) for c in clusters]) if len(clusters) else (
        np.empty((0, vectors.shape[1]), dtype=np.float32)
    )
    return clusters, normalize_rows(centroids).astype(np.float32)


def assign_to_centroids(
    vectors: np.ndarray,
    labels: np.ndarray,
    centroids: np.ndarray,
    category_ids: np.ndarray,
    *,
    join_similarity: float,
) -> Assignments:
    """Members keep their cluster; a noise document joins its nearest centroid when the cosine
    similarity reaches join_similarity, else it stays untagged (no row).

    labels index into centroids/category_ids (-1 for noise); vectors are L2-normalized.
    """
    if len(centroids) == 0:
        empty = np.empty(0, dtype=np.int64)
        return Assignments(empty, empty, np.empty(0, dtype=np.float32), empty)
    similarity = vectors @ centroids.T
    nearest = similarity.argmax(axis=1)
    chosen = np.where(labels >= 0, labels, nearest)
    score = similarity[np.arange(len(vectors)), chosen]
    keep = (labels >= 0) | (score >= join_similarity)
    rows = np.flatnonzero(keep)
    return Assignments(
        document_index=rows,
        category_id=category_ids[chosen[rows]].astype(np.int64),
        score=score[rows].astype(np.float32),
        rank=np.ones(len(rows), dtype=np.int64),
    )
