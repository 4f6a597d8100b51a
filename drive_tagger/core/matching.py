"""Matching a refresh's new categories to the previous ones, so ids and names stay put."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics.cluster import contingency_matrix


@dataclass(frozen=True)
class Match:
    """new[i] keeps previous id ids[i] (or gets a fresh one when None)."""

    ids: tuple[int | None, ...]
    splits: dict[int, tuple[int, ...]]  # previous id -> new indexes holding a large share of it
    merges: dict[int, tuple[int, ...]]  # new index -> previous ids it absorbed a large share of


def shared_counts(new_members: list[np.ndarray], previous_members: list[np.ndarray]) -> np.ndarray:
    """Documents each new category shares with each previous one (a document is a member of at
    most one category per level)."""
    new_docs, new_of = _labelled(new_members)
    old_docs, old_of = _labelled(previous_members)
    common, in_new, in_old = np.intersect1d(new_docs, old_docs, assume_unique=True, return_indices=True)
    shared = np.zeros((len(new_members), len(previous_members)), dtype=np.int64)
    if len(common):
        new_labels, old_labels = new_of[in_new], old_of[in_old]
        counts = contingency_matrix(new_labels, old_labels)
        shared[np.ix_(np.unique(new_labels), np.unique(old_labels))] = counts
    return shared


def _labelled(members: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(document ids, the index of the category holding each)."""
    if not members:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    docs = np.concatenate(members).astype(np.int64)
    return docs, np.repeat(np.arange(len(members)), [len(m) for m in members])


def overlap_matrix(new_members: list[np.ndarray], previous_members: list[np.ndarray]) -> np.ndarray:
    """Jaccard of document-id sets, counted over documents present in both refreshes."""
    shared = shared_counts(new_members, previous_members)
    new_sizes, old_sizes = shared.sum(axis=1, keepdims=True), shared.sum(axis=0, keepdims=True)
    union = new_sizes + old_sizes - shared
    return np.divide(shared, union, out=np.zeros(shared.shape), where=union > 0)


def match_categories(
    new_members: list[np.ndarray],
    new_centroids: np.ndarray,
    previous_ids: list[int],
    previous_members: list[np.ndarray],
    previous_centroids: np.ndarray,
    *,
    min_jaccard: float = 0.3,
    min_centroid_similarity: float = 0.9,
    large_share: float = 0.25,
) -> Match:
    """One-to-one matching that maximises member overlap (Hungarian). A pair counts as the same
    category when its Jaccard reaches min_jaccard, or, when membership tells nothing (documents
    all new), when the centroids are nearly the same direction."""
    if not previous_ids or not new_members:
        return Match(tuple([None] * len(new_members)), {}, {})
    jaccard = overlap_matrix(new_members, previous_members)
    centroid_similarity = new_centroids @ previous_centroids.T
    # Overlap decides; centroid similarity only breaks ties and covers the no-overlap case.
    score = jaccard + 1e-3 * centroid_similarity
    rows, cols = linear_sum_assignment(-score)
    ids: list[int | None] = [None] * len(new_members)
    for i, j in zip(rows, cols, strict=True):
        informative = jaccard[:, j].any() or jaccard[i, :].any()
        if jaccard[i, j] >= min_jaccard or (not informative and centroid_similarity[i, j] >= min_centroid_similarity):
            ids[i] = previous_ids[j]
    return Match(tuple(ids), *_splits_and_merges(new_members, previous_ids, previous_members, large_share))


def _splits_and_merges(new_members, previous_ids, previous_members, large_share):
    old_sizes = np.array([max(len(o), 1) for o in previous_members])
    share_of_old = shared_counts(new_members, previous_members) / old_sizes[None, :]
    splits = {
        previous_ids[j]: tuple(int(i) for i in np.flatnonzero(share_of_old[:, j] >= large_share))
        for j in range(len(previous_ids))
        if (share_of_old[:, j] >= large_share).sum() >= 2
    }
    merges = {
        int(i): tuple(previous_ids[j] for j in np.flatnonzero(share_of_old[i] >= large_share))
        for i in range(len(new_members))
        if (share_of_old[i] >= large_share).sum() >= 2
    }
    return splits, merges
