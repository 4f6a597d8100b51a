"""Matching a refresh's new categories to the previous ones, so ids and names stay put."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment


@dataclass(frozen=True)
class Match:
    """new[i] keeps previous id ids[i] (or gets a fresh one when None)."""

    ids: tuple[int | None, ...]
    splits: dict[int, tuple[int, ...]]  # previous id -> new indexes holding a large share of it
    merges: dict[int, tuple[int, ...]]  # new index -> previous ids it absorbed a large share of


def overlap_matrix(new_members: list[np.ndarray], previous_members: list[np.ndarray]) -> np.ndarray:
    """Jaccard of document-id sets, counted over documents present in both refreshes."""
    common = np.intersect1d(np.concatenate(new_members or [np.empty(0, np.int64)]),
                            np.concatenate(previous_members or [np.empty(0, np.int64)]))
    new_sets = [np.intersect1d(m, common) for m in new_members]
    old_sets = [np.intersect1d(m, common) for m in previous_members]
    jaccard = np.zeros((len(new_sets), len(old_sets)))
    for i, a in enumerate(new_sets):
        for j, b in enumerate(old_sets):
            shared = len(np.intersect1d(a, b, assume_unique=True))
            if shared:
                jaccard[i, j] = shared / (len(a) + len(b) - shared)
    return jaccard


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
    share_of_old = np.array([
        [len(np.intersect1d(n, o)) / max(len(o), 1) for o in previous_members] for n in new_members
    ])
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
