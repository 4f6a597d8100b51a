"""Clustering document vectors into categories: PCA reduction then HDBSCAN (fast_hdbscan)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.decomposition import PCA


@dataclass(frozen=True)
class ClusteringParams:
    # HDBSCAN's density estimates degrade in 384-d (57% noise on BBC News raw); a PCA to a few
    # dozen dimensions keeps most variance of sentence embeddings and costs milliseconds.
    reduce_to: int = 32
    # None: scaled with the collection, so a 60-document drive and a 100k one both get
    # a handful to a few dozen filters.
    min_cluster_size: int | None = None
    min_samples: int | None = None
    seed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def default_min_cluster_size(n_documents: int) -> int:
    return max(4, round(math.sqrt(n_documents) / 2))


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


class DocumentClusterer:
    """sklearn-style: __init__ stores parameters, fit does the work and sets labels_."""

    def __init__(self, params: ClusteringParams | None = None):
        self.params = params or ClusteringParams()

    def fit(self, vectors: np.ndarray) -> DocumentClusterer:
        import fast_hdbscan  # numba compiles on first import; keep it off the CLI's start-up

        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"expected a 2-d array of vectors, got shape {vectors.shape}")
        n = len(vectors)
        min_size = self.params.min_cluster_size or default_min_cluster_size(n)
        if n < 2 * min_size:
            # Too few documents to find two dense groups: everything is one category.
            self.labels_ = np.zeros(n, dtype=np.int64)
            self.reduced_ = vectors
            return self
        reduced = self._reduce(normalize_rows(vectors))
        clusterer = fast_hdbscan.HDBSCAN(
            min_cluster_size=min_size,
            min_samples=self.params.min_samples,
            cluster_selection_method="eom",
        )
        labels = clusterer.fit_predict(reduced).astype(np.int64)
        if labels.max() < 0:
            labels = np.zeros(n, dtype=np.int64)
        self.labels_ = labels
        self.reduced_ = reduced
        return self

    def _reduce(self, vectors: np.ndarray) -> np.ndarray:
        dims = min(self.params.reduce_to, vectors.shape[1], len(vectors) - 1)
        if dims >= vectors.shape[1]:
            return vectors
        pca = PCA(n_components=dims, random_state=self.params.seed, svd_solver="randomized")
        return normalize_rows(pca.fit_transform(vectors)).astype(np.float32)
