"""Two-level clustering of document vectors: fine HDBSCAN clusters, merged into top-level filters.

Measured on BBC News (2,225 docs) and AG News (7,600 docs) with all-MiniLM-L6-v2 vectors
(figures in README.md, reproduced by `drive-tagger eval` and benchmarks/cluster_speed.py):
- HDBSCAN alone leaves 30-100% of such documents as noise in every setting tried (raw,
  PCA 16/32/64, whitened; eom or leaf): sentence embeddings have no dense-core/sparse-gap
  structure at topic scale. Its *leaf* clusters are good dense micro-topics, though.
- So: HDBSCAN leaf clusters on a PCA reduction are the fine level (sub-filters); their
  centroids are merged by size-weighted Ward; each cut k=2..k_max is polished by spherical
  Lloyd passes on the documents; the cut with the best cosine silhouette becomes the top level.
- Every document joins its nearest top centroid; a document below its cluster's lower Tukey
  fence of similarity is left untagged (a scale-free outlier rule; ~0.5% here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from drive_tagger.core.merging import cut_tree, lloyd_polish, ward_tree
from drive_tagger.core.params import ClusteringParams


@dataclass(frozen=True)
class TwoLevelClustering:
    top_labels: np.ndarray  # top-level cluster per document, -1 untagged
    fine_labels: np.ndarray  # fine cluster per document (nested in its top cluster), -1 untagged
    top_similarity: np.ndarray  # cosine of each document to its top centroid
    silhouettes: dict[int, float]  # silhouette per candidate number of top clusters
    top_fences: np.ndarray  # per top cluster: the similarity below which a document is untagged


def group_sums(vectors: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-label row sums via a one-hot product (BLAS; much faster than np.add.at here)."""
    onehot = np.zeros((k, len(labels)), dtype=vectors.dtype)
    onehot[labels, np.arange(len(labels))] = 1
    return onehot @ vectors, np.bincount(labels, minlength=k)


class DocumentClusterer:
    """sklearn-style: __init__ stores parameters; fit does the work and sets result_."""

    def __init__(self, params: ClusteringParams | None = None):
        self.params = params or ClusteringParams()

    def fit(self, vectors: np.ndarray) -> DocumentClusterer:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"expected a 2-d array of vectors, got shape {vectors.shape}")
        if self.params.fine_method not in ("hdbscan", "kmeans"):
            raise ValueError(f"fine_method must be 'hdbscan' or 'kmeans', got {self.params.fine_method!r}")
        # The products here are thin (n x k); multi-threaded BLAS was 17x slower on 2 busy cores.
        with threadpool_limits(limits=1, user_api="blas"):
            self.result_ = self._fit(normalize(vectors).astype(np.float32))
        self.labels_ = self.result_.top_labels
        return self

    def _fit(self, X: np.ndarray) -> TwoLevelClustering:
        p = self.params
        n = len(X)
        if n < 6:
            return _single_cluster(X)
        rng = np.random.RandomState(p.seed)
        fit_rows = np.sort(rng.choice(n, p.max_fit, replace=False)) if n > p.max_fit else np.arange(n)
        X_fit = X[fit_rows]
        fine_fit = self._fine_labels(X_fit)
        sums, sizes = group_sums(X_fit, fine_fit, fine_fit.max() + 1)
        fine_centroids = sums.astype(np.float64) / sizes[:, None]
        m = len(fine_centroids)
        if m < 2:
            return _single_cluster(X)

        merges = ward_tree(fine_centroids, sizes.astype(np.float64))
        sample = np.sort(rng.choice(len(X_fit), min(len(X_fit), p.silhouette_sample), replace=False))
        distances = np.clip(1.0 - X_fit[sample] @ X_fit[sample].T, 0.0, None)
        np.fill_diagonal(distances, 0.0)
        best, silhouettes = None, {}
        for k in range(2, min(p.k_max, m) + 1):
            labels = lloyd_polish(X_fit, cut_tree(merges, m, k)[fine_fit], k, p.polish_iterations)
            silhouettes[k] = _silhouette(distances, labels[sample])
            if best is None or silhouettes[k] > best[0]:
                best = (silhouettes[k], k, labels)
        _, k_top, fit_labels = best

        top_centroids = normalize(group_sums(X_fit, fit_labels, k_top)[0])
        top = lloyd_polish(X, np.argmax(X @ top_centroids.T, axis=1), k_top, p.final_iterations)
        top_centroids = normalize(group_sums(X, top, k_top)[0])
        top_similarity = np.einsum("ij,ij->i", X, top_centroids[top]).astype(np.float32)
        fine = _nest_fine(
            X, top, top_centroids, normalize(fine_centroids).astype(np.float32), min_size=max(3, n // 1000)
        )
        fences = _fences(top, top_similarity, k_top, p.outlier_iqr)
        top_labels = np.where(top_similarity < fences[top], -1, top).astype(np.int64)
        fine = np.where(top_labels < 0, -1, fine).astype(np.int64)
        return TwoLevelClustering(top_labels, fine, top_similarity, silhouettes, fences)

    def _fine_labels(self, X: np.ndarray) -> np.ndarray:
        """Fine clusters 0..m-1 covering every document of X (noise joins its nearest cluster)."""
        p = self.params
        if p.fine_method == "kmeans":
            from sklearn.cluster import KMeans

            k = int(np.clip(round(math.sqrt(len(X))), 2, max(2, len(X) // 5)))
            # float64: sklearn's k-means++ upcasts float32 chunk by chunk, 9 s at 10k docs.
            return KMeans(k, n_init=1, max_iter=50, random_state=p.seed).fit(X.astype(np.float64)).labels_
        from sklearn.cluster import HDBSCAN
        from sklearn.decomposition import PCA

        dims = min(p.reduce_to, X.shape[1], len(X) - 1)
        reduced = normalize(PCA(dims, random_state=p.seed, svd_solver="randomized").fit_transform(X))
        min_size = p.min_cluster_size or max(3, round(math.sqrt(len(X)) / 4))
        labels = HDBSCAN(
            min_cluster_size=min_size,
            min_samples=min(p.min_samples, min_size),
            cluster_selection_method="leaf",
            copy=True,
        ).fit_predict(reduced)
        if labels.max() < 1:  # fewer than two dense groups: fall back to a partition of all
            return self._kmeans_fallback(X)
        clusters = np.unique(labels[labels >= 0])
        labels = np.searchsorted(clusters, labels).astype(np.int64) * (labels >= 0) - (labels < 0)
        centroids = normalize(group_sums(X[labels >= 0], labels[labels >= 0], len(clusters))[0])
        noise = labels < 0
        labels[noise] = np.argmax(X[noise] @ centroids.T, axis=1)
        return labels

    def _kmeans_fallback(self, X: np.ndarray) -> np.ndarray:
        return DocumentClusterer(ClusteringParams(**{**self.params.as_dict(), "fine_method": "kmeans"}))._fine_labels(X)


def _nest_fine(X, top, top_centroids, fine_centroids, *, min_size: int) -> np.ndarray:
    """Each fine centroid belongs to its nearest top cluster; a document takes the nearest fine
    centroid inside its own top cluster; fine clusters under min_size dissolve into siblings."""
    owner = np.argmax(fine_centroids @ top_centroids.T, axis=1)
    similarity = X @ fine_centroids.T
    similarity[owner[None, :] != top[:, None]] = -np.inf
    fine = np.argmax(similarity, axis=1)
    for _ in range(3):
        counts = np.bincount(fine, minlength=len(fine_centroids))
        small = (counts < min_size) & (counts > 0)
        if not small.any():
            break
        similarity[:, small] = -np.inf
        rows = np.flatnonzero(np.isin(fine, np.flatnonzero(small)))
        movable = rows[np.isfinite(similarity[rows].max(axis=1))]
        fine[movable] = np.argmax(similarity[movable], axis=1)
    # A document whose top cluster owns no fine centroid keeps a fine cluster of its own.
    orphaned = ~np.isfinite(similarity[np.arange(len(X)), fine])
    fine = np.unique(fine, return_inverse=True)[1]
    for j, t in enumerate(np.unique(top[orphaned])):
        fine[orphaned & (top == t)] = fine.max() + 1 + j
    return fine.astype(np.int64)


def _silhouette(distances: np.ndarray, labels: np.ndarray) -> float:
    """Mean cosine silhouette of a sampled labelling; -1 when it shows fewer than two groups."""
    if len(np.unique(labels)) < 2:
        return -1.0
    return float(silhouette_score(distances, labels, metric="precomputed"))


def _tukey_fence(similarity: np.ndarray, iqr: float) -> float:
    q1, q3 = np.percentile(similarity, [25, 75])
    return float(q1 - iqr * (q3 - q1))


def _fences(top: np.ndarray, similarity: np.ndarray, k: int, iqr: float | None) -> np.ndarray:
    """Per cluster, its lower Tukey fence of similarity (Q1 - iqr * IQR). A cluster under 10
    documents, whose quartiles mean little, takes the fence of all clusters pooled; -1 (no
    fence) when iqr is None."""
    if iqr is None:
        return np.full(k, -1.0, dtype=np.float32)
    pooled = _tukey_fence(similarity, iqr)
    fences = np.full(k, pooled, dtype=np.float32)
    for t in range(k):
        members = similarity[top == t]
        if len(members) >= 10:
            fences[t] = _tukey_fence(members, iqr)
    return fences


def _single_cluster(X: np.ndarray) -> TwoLevelClustering:
    zeros = np.zeros(len(X), dtype=np.int64)
    similarity = (X @ normalize(X.sum(0, keepdims=True))[0]).astype(np.float32)
    return TwoLevelClustering(zeros, zeros, similarity, {}, np.full(1, -1.0, dtype=np.float32))
