"""The map's 2-D layout, computed by each refresh and stored with it: filters as discs placed by
how alike they are, each document inside its own filter's disc where its own variation puts it.

A layout of every document by UMAP or t-SNE keeps neighbours best but costs minutes at 100,000
documents on two cores (and is not the same twice without care); a PCA of every document keeps
none of the groups apart. This one works from what a refresh already knows, the leaf filter of
each document (its sub-filter, else its top-level filter):
1. the leaf centroids are placed by classical MDS of their cosine distances (alike filters near);
2. each leaf is a disc of area proportional to its documents, and overlapping discs are pushed
   apart a few rounds (the MDS arrangement kept, the groups readable);
3. inside its disc a document sits at its offset from the centroid along the leaf's own two main
   directions (a PCA of a bounded sample of the leaf, by power iteration), so documents alike
   within a filter sit near each other.
Untagged documents are placed with the leaf nearest them. Deterministic; O(n·d) plus O(k²) for k
leaves. benchmarks/map_layout.py measures how many of each document's neighbours it keeps.
"""

from __future__ import annotations

import numpy as np

from drive_tagger.core.projection import project_2d
from drive_tagger.core.unit import unit_rows

SAMPLE_ROWS = 256  # rows of a leaf its two directions are estimated from
POWER_STEPS = 12
SEPARATION_ROUNDS = 60
GAP = 1.15  # discs end this far apart, relative to the sum of their radii


def map_layout(vectors: np.ndarray, leaves: np.ndarray) -> np.ndarray:
    """(n, 2) float32 coordinates of the rows of `vectors`, given each row's leaf filter id in
    `leaves` (-1: untagged). Without any leaf, a PCA of the vectors."""
    vectors = np.asarray(vectors, dtype=np.float32)
    leaves = np.asarray(leaves, dtype=np.int64)
    if len(vectors) == 0:
        return np.zeros((0, 2), np.float32)
    unit = unit_rows(vectors)
    ids = np.unique(leaves[leaves >= 0])
    if len(ids) == 0:
        return project_2d(unit).astype(np.float32)
    centroids = unit_rows(np.vstack([unit[leaves == leaf].mean(axis=0) for leaf in ids]))
    group = np.searchsorted(ids, np.where(leaves >= 0, leaves, ids[0]))
    untagged = np.flatnonzero(leaves < 0)
    if len(untagged):
        group[untagged] = np.argmax(unit[untagged] @ centroids.T, axis=1)
    sizes = np.bincount(group, minlength=len(ids)).astype(np.float64)
    radii = np.sqrt(np.maximum(sizes, 1.0))
    centres = _separated(_mds(centroids), radii)
    out = np.empty((len(unit), 2), np.float64)
    for g in range(len(ids)):
        rows = np.flatnonzero(group == g)
        out[rows] = centres[g] + _inside_disc(unit[rows] - centroids[g], radii[g])
    return out.astype(np.float32)


def _mds(centroids: np.ndarray) -> np.ndarray:
    """(k, 2): classical MDS of the centroids' cosine distances (one eigendecomposition of k x k)."""
    k = len(centroids)
    if k == 1:
        return np.zeros((1, 2))
    squared = np.clip(2.0 - 2.0 * (centroids @ centroids.T).astype(np.float64), 0.0, None)
    centring = np.eye(k) - 1.0 / k
    gram = -0.5 * centring @ squared @ centring
    values, vectors = np.linalg.eigh(gram)  # ascending
    coordinates = np.zeros((k, 2))
    for axis in range(min(2, k)):
        value, vector = values[-1 - axis], vectors[:, -1 - axis]
        if value > 1e-12:
            coordinates[:, axis] = vector * np.sign(vector[np.argmax(np.abs(vector))]) * np.sqrt(value)
    return coordinates


def _separated(centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """The centres scaled so alike discs sit near each other, then pushed apart until no two
    discs overlap (a few rounds of moving each overlapping pair apart along their line)."""
    k = len(centres)
    if k == 1:
        return centres
    distances = np.linalg.norm(centres[:, None] - centres[None], axis=2)
    wanted = (radii[:, None] + radii[None]) * GAP
    upper = np.triu_indices(k, 1)
    spread = np.median(distances[upper])
    centres = centres * (np.median(wanted[upper]) / spread if spread > 1e-9 else 1.0)
    # Coincident centres (identical centroids) get a deterministic nudge so they can separate.
    centres = centres + 1e-3 * np.column_stack([np.cos(np.arange(k)), np.sin(np.arange(k))]) * radii[:, None]
    for _ in range(SEPARATION_ROUNDS):
        apart = centres[:, None] - centres[None]
        distances = np.linalg.norm(apart, axis=2)
        np.fill_diagonal(distances, np.inf)
        overlap = np.clip(wanted - distances, 0.0, None)
        np.fill_diagonal(overlap, 0.0)
        if overlap.max() <= 1e-9:
            break
        push = (apart / distances[..., None]) * (overlap / 2.0)[..., None]
        centres = centres + push.sum(axis=1)
    return centres


def _inside_disc(residuals: np.ndarray, radius: float) -> np.ndarray:
    """(m, 2): the residuals along their two main directions, scaled into a disc of `radius`."""
    m = len(residuals)
    if m == 1:
        return np.zeros((1, 2))
    sample = residuals[np.linspace(0, m - 1, min(m, SAMPLE_ROWS)).astype(np.int64)].astype(np.float64)
    sample = sample - sample.mean(axis=0)
    axes: list[np.ndarray] = []
    for seed in range(2):
        direction = np.cos(np.arange(sample.shape[1]) * (seed + 1.0))  # a fixed start: deterministic
        for _ in range(POWER_STEPS):
            for found in axes:
                direction = direction - (direction @ found) * found
            direction = sample.T @ (sample @ direction)
            norm = np.linalg.norm(direction)
            if norm <= 1e-12:
                break
            direction = direction / norm
        axes.append(direction * np.sign(direction[np.argmax(np.abs(direction))]))
    local = residuals.astype(np.float64) @ np.column_stack(axes)
    local = local - local.mean(axis=0)
    reach = np.linalg.norm(local, axis=1)
    scale = np.percentile(reach, 95)
    if scale <= 1e-12:
        return np.zeros((m, 2))
    local = local / scale
    # Beyond the disc's edge a point is drawn back towards it (the 5% most unlike the rest).
    beyond = np.linalg.norm(local, axis=1)
    squeeze = np.where(beyond > 1.0, (1.0 + np.log(np.maximum(beyond, 1.0)) * 0.25) / np.maximum(beyond, 1e-12), 1.0)
    return local * squeeze[:, None] * radius


def leaf_of_rows(rows: int, assignments, categories) -> np.ndarray:
    """Each row's leaf filter: its best sub-filter where it has one, else its best top-level
    filter, else -1 (untagged)."""
    parent = {c.category_id: c.parent_category_id for c in categories}
    leaves = np.full(rows, -1, dtype=np.int64)
    best = np.asarray(assignments.rank) == 1
    index = np.asarray(assignments.document_index)[best]
    category = np.asarray(assignments.category_id)[best]
    is_sub = np.array([parent.get(int(c)) is not None for c in category], dtype=bool)
    leaves[index[~is_sub]] = category[~is_sub]
    leaves[index[is_sub]] = category[is_sub]  # written last: a sub-filter wins over its parent
    return leaves
