"""Merging fine clusters: weighted Ward on centroids, tree cuts, spherical Lloyd polish."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from drive_tagger.core.unit import unit_rows


def ward_tree(centroids: np.ndarray, sizes: np.ndarray) -> list[tuple[int, int]]:
    """Size-weighted Ward agglomeration of m centroids (so merging follows the k-means objective).
    Hand-written because scipy and sklearn weigh every point alike: a centroid standing for 500
    documents must pull as hard as 500 points would.

    Returns the m-1 merges as (a, b); merge t creates node m + t.
    """
    m = len(centroids)
    centre = np.zeros((2 * m - 1, centroids.shape[1]))
    centre[:m] = centroids
    weight = np.zeros(2 * m - 1)
    weight[:m] = sizes
    slot_node = np.arange(m)
    squared = (centroids * centroids).sum(1)
    distance = np.maximum(squared[:, None] + squared[None, :] - 2 * centroids @ centroids.T, 0)
    cost = (sizes[:, None] * sizes[None, :] / (sizes[:, None] + sizes[None, :])) * distance
    np.fill_diagonal(cost, np.inf)
    alive = np.ones(m, dtype=bool)
    merges = []
    for t in range(m - 1):
        i, j = np.unravel_index(np.argmin(cost), cost.shape)
        a, b, new = slot_node[i], slot_node[j], m + t
        weight[new] = weight[a] + weight[b]
        centre[new] = (weight[a] * centre[a] + weight[b] * centre[b]) / weight[new]
        merges.append((int(a), int(b)))
        slot_node[i] = new
        alive[j] = False
        cost[j, :] = np.inf
        cost[:, j] = np.inf
        others = np.flatnonzero(alive)
        others = others[others != i]
        if len(others):
            other_nodes = slot_node[others]
            gap = ((centre[other_nodes] - centre[new]) ** 2).sum(1)
            row = weight[other_nodes] * weight[new] / (weight[other_nodes] + weight[new]) * gap
            cost[i, others] = row
            cost[others, i] = row
    return merges


def cut_tree(merges: list[tuple[int, int]], m: int, k: int) -> np.ndarray:
    """Group index (0..k-1, ordered by smallest member) of each of the m leaves at the k-group cut."""
    members = {i: [i] for i in range(m)}
    for t, (a, b) in enumerate(merges[: m - k]):
        members[m + t] = members.pop(a) + members.pop(b)
    groups = np.empty(m, dtype=np.int64)
    for g, leaves in enumerate(sorted(members.values(), key=min)):
        groups[leaves] = g
    return groups


def group_sums(vectors: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-label row sums via a sparse one-hot product (much faster than np.add.at, and no dense
    k x n matrix at a million documents)."""
    n = len(labels)
    onehot = sparse.csr_matrix((np.ones(n, dtype=vectors.dtype), (labels, np.arange(n))), shape=(k, n))
    return np.asarray(onehot @ vectors), np.bincount(labels, minlength=k)


def nearest(
    vectors: np.ndarray,
    centroids: np.ndarray,
    *,
    groups: np.ndarray | None = None,
    owner: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
    block: int = 65_536,
) -> np.ndarray:
    """Index of each row's most similar centroid (dot product), in blocks of rows so a million
    documents never need an n x k matrix. With `groups` and `owner`, a row may only take a
    centroid its group owns (and, with `allowed`, one still allowed); -1 where none is."""
    if (groups is None) != (owner is None):
        raise ValueError("groups and owner go together")
    centroids = np.asarray(centroids, dtype=vectors.dtype)
    out = np.empty(len(vectors), dtype=np.int64)
    for start in range(0, len(vectors), block):
        similarity = vectors[start : start + block] @ centroids.T
        if groups is not None and owner is not None:
            permitted = owner[None, :] == groups[start : start + block, None]
            if allowed is not None:
                permitted &= allowed[None, :]
            similarity = np.where(permitted, similarity, -np.inf)
            best = np.argmax(similarity, axis=1)
            best[~permitted.any(axis=1)] = -1
        else:
            best = np.argmax(similarity, axis=1)
        out[start : start + block] = best
    return out


def own_similarity(vectors: np.ndarray, centroids: np.ndarray, labels: np.ndarray, block: int = 65_536) -> np.ndarray:
    """float32 dot product of each row with its own label's centroid, in blocks of rows (never an
    n x d gather of centroids)."""
    out = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), block):
        part = slice(start, start + block)
        out[part] = np.einsum("ij,ij->i", vectors[part], centroids[labels[part]])
    return out


def lloyd_polish(vectors: np.ndarray, labels: np.ndarray, k: int, iterations: int) -> np.ndarray:
    """Spherical k-means passes from a labelling; stops rather than lose a cluster."""
    for _ in range(iterations):
        sums, counts = group_sums(vectors, labels, k)
        if (counts == 0).any():
            break
        updated = nearest(vectors, unit_rows(sums))
        if np.array_equal(updated, labels) or len(np.unique(updated)) < k:
            break
        labels = updated
    return labels
