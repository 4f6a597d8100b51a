"""Two-level clustering of document vectors: leaf clusters as sub-filters, stable merges of them as
top-level filters.

Measured with all-MiniLM-L6-v2 vectors (figures in docs/benchmarks.md, reproduced by `drive-tagger eval`
and benchmarks/cluster_speed.py):
- HDBSCAN alone leaves 30-100% of such documents as noise in every setting tried (raw,
  PCA 16/32/64, whitened; eom or leaf): sentence embeddings have no dense-core/sparse-gap
  structure at topic scale. Its *leaf* clusters on a PCA reduction are good dense micro-topics,
  though: they are the fine level (sub-filters) and the pieces the top level is built from.
- The top level is a size-weighted Ward cut of the leaves polished by spherical Lloyd passes,
  its number of filters chosen for stability under resampling (core/selection.py).
- Model selection runs on a fixed-size sample; every document then joins its nearest top
  centroid, and one below its cluster's lower Tukey fence of similarity is left untagged (a
  scale-free outlier rule; about 0.5% of news articles).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from threadpoolctl import threadpool_limits

from drive_tagger.core.merging import group_sums, lloyd_polish, nearest, own_similarity
from drive_tagger.core.params import ClusteringParams
from drive_tagger.core.sampling import bounded_sample
from drive_tagger.core.selection import choose_top_level, leaves_beside_resamples, stable_split
from drive_tagger.core.unit import unit_rows


@dataclass(frozen=True)
class TwoLevelClustering:
    top_labels: np.ndarray  # top-level cluster per document, -1 untagged
    fine_labels: np.ndarray  # fine cluster per document (nested in its top cluster), -1 untagged
    top_similarity: np.ndarray  # cosine of each document to its top centroid
    top_fences: np.ndarray  # per top cluster: the similarity below which a document is untagged
    # Per top cluster: the centroid every document was assigned by (nearest wins). Stored with
    # the filter, it reproduces the same assignment: the same documents give the same filters.
    top_centroids: np.ndarray
    silhouettes: dict[int, float] = field(default_factory=dict)  # per candidate number of filters
    stabilities: dict[int, float] = field(default_factory=dict)  # per candidate number of filters
    kept_previous: bool = False  # the previous refresh's top level was kept


class DocumentClusterer:
    """sklearn-style: __init__ stores parameters; fit does the work and sets result_."""

    def __init__(self, params: ClusteringParams | None = None):
        self.params = params or ClusteringParams()

    def fit(
        self, vectors: np.ndarray, previous_centroids: np.ndarray | None = None, previous_documents: int = 0
    ) -> DocumentClusterer:
        """Clusters the vectors; `previous_centroids` (the last refresh's top-level centroids, same
        model, made from `previous_documents` documents) seed the top level so that a refresh
        after new arrivals keeps what still holds."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError(f"expected a 2-d array of vectors, got shape {vectors.shape}")
        previous = _usable(previous_centroids, vectors.shape[1])
        # The products here are thin (n x k); multi-threaded BLAS was 17x slower on 2 busy cores.
        with threadpool_limits(limits=1, user_api="blas"):
            share = min(previous_documents / len(vectors), 1.0) if len(vectors) else 0.0
            self.result_ = self._fit(_unit_rows(vectors), previous, share)
        self.labels_ = self.result_.top_labels
        return self

    def _fit(self, X: np.ndarray, previous: np.ndarray | None, previous_share: float = 0.0) -> TwoLevelClustering:
        p = self.params
        n = len(X)
        if n < 6:
            return _single_cluster(X)
        rng = np.random.RandomState(p.seed)
        fit_rows = np.sort(rng.choice(n, p.max_fit, replace=False)) if n > p.max_fit else np.arange(n)
        if len(fit_rows) <= p.duplicate_check_max:
            fit_rows = fit_rows[one_per_clump(X[fit_rows], p.duplicate_similarity)]
        if len(fit_rows) < 6:  # a drive of copies of a few documents: too few to part
            return _single_cluster(X)
        X_fit = X[fit_rows]
        project = _reduction(X_fit, p)
        reduced = project(X_fit)
        found, resamples = leaves_beside_resamples(reduced, p, rng)
        # No two dense groups: k-means pieces instead.
        leaves = found if found is not None else _kmeans_leaves(reduced, p.seed)
        warm = nearest(X_fit, previous) if previous is not None else None
        choice = choose_top_level(reduced, leaves, p, rng, warm, previous_share, resamples)
        if choice is None:
            return _single_cluster(X)
        if choice.kept_previous and previous is not None:
            # The previous filters stay as they were: every document joins the nearest of their
            # centroids, which do not move, so documents already there stay where they were.
            top_centroids = previous
        else:
            k_top = int(choice.labels.max()) + 1
            start = unit_rows(group_sums(X_fit, choice.labels, k_top)[0])
            top = lloyd_polish(X, nearest(X, start), k_top, p.final_iterations)
            top_centroids = _kept_means(X, top, k_top, p.outlier_iqr)
        top, top_centroids = _assigned(X, top_centroids)
        k_top = len(top_centroids)
        top_similarity = own_similarity(X, top_centroids, top)
        if len(X_fit) >= p.leaf_documents_from:
            leaf_centroids = unit_rows(group_sums(reduced, leaves, leaves.max() + 1)[0])
            fine = nearest(project(X), leaf_centroids)
            fine_centroids = unit_rows(group_sums(X, fine, fine.max() + 1)[0]).astype(np.float32)
            fine = _nest_fine(X, top, top_centroids, fine_centroids, min_size=max(3, n // 1000))
            fine = _split_undivided(X, top, fine, k_top, p, rng)
        else:
            fine = _clear_splits(X, top, k_top, p)
        fences = _fences(top, top_similarity, k_top, p.outlier_iqr)
        top_labels = np.where(top_similarity < fences[top], -1, top).astype(np.int64)
        fine = np.where(top_labels < 0, -1, fine).astype(np.int64)
        return TwoLevelClustering(
            top_labels,
            fine,
            top_similarity,
            fences,
            top_centroids,
            choice.silhouettes,
            choice.stabilities,
            choice.kept_previous,
        )


def one_per_clump(X: np.ndarray, similarity: float, block: int = 2_048, tight_share: float = 0.1) -> np.ndarray:
    """Indices of the rows of X (unit vectors) that stay when each clump of near-duplicates keeps
    only its first row. Rows are near-duplicates when a chain of pairs links them at a cosine of
    at least `similarity` and at least the drive's own nearest-neighbour similarity at its
    1 - tight_share quantile: what counts as a copy is judged against how close the drive's
    documents normally sit, so a drive of naturally tight topics loses nothing."""
    n = len(X)
    nearest_other = np.empty(n, dtype=np.float32)
    pairs = []
    for start in range(0, n, block):
        products = X[start : start + block] @ X.T
        products[np.arange(len(products)), np.arange(start, start + len(products))] = -1.0
        nearest_other[start : start + len(products)] = products.max(axis=1)
        rows, cols = np.nonzero(products >= similarity)
        keep = rows + start < cols
        pairs.append((rows[keep] + start, cols[keep], products[rows[keep], cols[keep]]))
    rows, cols, values = (np.concatenate(part) for part in zip(*pairs, strict=True))
    linked = values >= max(similarity, float(np.quantile(nearest_other, 1.0 - tight_share)))
    if n < 2 or not linked.any():
        return np.arange(n)
    links = coo_matrix((np.ones(int(linked.sum()), dtype=np.int8), (rows[linked], cols[linked])), shape=(n, n))
    _, clump = connected_components(links, directed=False)
    return np.sort(np.unique(clump, return_index=True)[1])


def _kept_means(X: np.ndarray, top: np.ndarray, k: int, iqr: float | None) -> np.ndarray:
    """Per cluster, the mean of the documents it keeps (those below its fence left out; all of
    them where it would keep none): what a filter holds, and, stored, what assigns documents to
    it when it seeds the next refresh."""
    means = unit_rows(group_sums(X, top, k)[0]).astype(np.float32)
    similarity = own_similarity(X, means, top)
    kept = np.where(similarity >= _fences(top, similarity, k, iqr)[top], top, k)
    sums, counts = group_sums(X, kept, k + 1)
    return np.where(counts[:k, None] > 0, unit_rows(sums[:k]), means).astype(np.float32)


def _assigned(X: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each document's nearest centroid, and the centroids that drew at least one document."""
    labels = nearest(X, centroids)
    used = np.unique(labels)
    if len(used) < len(centroids):
        centroids, labels = centroids[used], np.searchsorted(used, labels)
    return labels.astype(np.int64), np.asarray(centroids, dtype=np.float32)


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """The vectors with unit rows: as they are when they already are (stored vectors are; a copy
    of a million of them is 1.5 GB), else a normalized copy."""
    norms = np.einsum("ij,ij->i", vectors, vectors)
    if np.abs(norms - 1.0).max(initial=0.0) <= 1e-3:
        return vectors
    return unit_rows(vectors).astype(np.float32, copy=False)


def _usable(previous: np.ndarray | None, dims: int) -> np.ndarray | None:
    """Previous centroids when they can seed this fit: at least two, in this model's dimensions."""
    if previous is None or len(previous) < 2:
        return None
    previous = np.asarray(previous, dtype=np.float32)
    if previous.ndim != 2 or previous.shape[1] != dims or not np.isfinite(previous).all():
        return None
    return unit_rows(previous).astype(np.float32)


def _reduction(X_fit: np.ndarray, p: ClusteringParams):
    """A PCA fitted on the sample: the space leaves and model selection work in (density and
    silhouettes degrade in 384-d). Returns the projection, rows normalized."""
    from sklearn.decomposition import PCA

    dims = min(p.reduce_to, X_fit.shape[1], len(X_fit) - 1)
    pca = PCA(dims, random_state=p.seed, svd_solver="randomized").fit(X_fit)

    def project(rows: np.ndarray, block: int = 65_536) -> np.ndarray:
        # In blocks: transforming a million rows at once centres a full copy of them first.
        out = np.empty((len(rows), dims), dtype=np.float32)
        for start in range(0, len(rows), block):
            out[start : start + block] = unit_rows(pca.transform(rows[start : start + block]))
        return out

    return project


def _kmeans_leaves(reduced: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    k = int(np.clip(round(math.sqrt(len(reduced))), 2, max(2, len(reduced) // 5)))
    return KMeans(k, n_init=1, max_iter=50, random_state=seed).fit(reduced.astype(np.float64)).labels_


def _nest_fine(X, top, top_centroids, fine_centroids, *, min_size: int) -> np.ndarray:
    """Each fine centroid belongs to its nearest top cluster; a document takes the nearest fine
    centroid inside its own top cluster; fine clusters under min_size dissolve into siblings."""
    owner = np.argmax(fine_centroids @ top_centroids.T, axis=1)
    allowed = np.ones(len(fine_centroids), dtype=bool)
    fine = nearest(X, fine_centroids, groups=top, owner=owner, allowed=allowed)
    for _ in range(3):
        counts = np.bincount(fine[fine >= 0], minlength=len(fine_centroids))
        small = (counts < min_size) & (counts > 0)
        if not small.any():
            break
        allowed &= ~small
        rows = np.flatnonzero(np.isin(fine, np.flatnonzero(small)))
        moved = nearest(X[rows], fine_centroids, groups=top[rows], owner=owner, allowed=allowed)
        fine[rows] = np.where(moved >= 0, moved, fine[rows])
    # A document whose top cluster owns no fine centroid keeps a fine cluster of its own.
    orphaned = fine < 0
    fine[~orphaned] = np.unique(fine[~orphaned], return_inverse=True)[1]
    first_free = int(fine.max()) + 1 if (~orphaned).any() else 0
    for j, t in enumerate(np.unique(top[orphaned])):
        fine[orphaned & (top == t)] = first_free + j
    return fine.astype(np.int64)


def _split_undivided(X, top, fine, k_top: int, p: ClusteringParams, rng) -> np.ndarray:
    """A large filter that holds a single leaf of the whole drive (its documents are close
    together seen from the whole drive: hockey and baseball in "Sports") is split by the top
    level's own rule applied to its documents alone, in their own reduction, where what sets
    them apart is the main direction; it stays whole when no split is stable."""
    fine = fine.copy()
    for t in range(k_top):
        rows = np.flatnonzero(top == t)
        if len(rows) < p.leaf_documents_from or len(np.unique(fine[rows])) > 1:
            continue
        # A sample, as for the top level's model selection: a split needs its shape, not every document.
        sample = bounded_sample(rows, p.silhouette_sample, rng)
        project = _reduction(X[sample], p)
        parts = stable_split(project(X[sample]), p, rng)
        if parts is None:
            continue
        centroids = unit_rows(group_sums(X[sample], parts, int(parts.max()) + 1)[0])
        fine[rows] = int(fine.max()) + 1 + nearest(X[rows], centroids)
    return np.unique(fine, return_inverse=True)[1].astype(np.int64)


def _clear_splits(X: np.ndarray, top: np.ndarray, k_top: int, p: ClusteringParams) -> np.ndarray:
    """Sub-filters of a small drive: a filter splits only where k-means finds parts of at least
    3 documents with a clear silhouette; otherwise it stays one piece."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    fine = np.empty(len(X), dtype=np.int64)
    next_id = 0
    for t in range(k_top):
        rows = np.flatnonzero(top == t)
        best, best_score = np.zeros(len(rows), dtype=np.int64), p.clear_split_silhouette
        for k in range(2, min(6, len(rows) // 3) + 1):
            labels = KMeans(k, n_init=4, random_state=p.seed).fit(X[rows]).labels_
            if len(np.unique(labels)) < k or np.bincount(labels).min() < 3:  # copies: fewer parts than asked
                continue
            score = silhouette_score(X[rows], labels, metric="cosine")
            if score > best_score:
                best, best_score = labels, score
        fine[rows] = next_id + best
        next_id += int(best.max()) + 1
    return fine


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
    centroid = unit_rows(X.sum(0, keepdims=True)).astype(np.float32)
    similarity = (X @ centroid[0]).astype(np.float32)
    return TwoLevelClustering(zeros, zeros, similarity, np.full(1, -1.0, dtype=np.float32), centroid)
