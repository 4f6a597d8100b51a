"""2-D coordinates of document vectors: a deterministic PCA (the map of a drive without filters,
core/layout.py) and where to print each group's name."""

from __future__ import annotations

import numpy as np

from drive_tagger.core.unit import unit_rows


def project_2d(vectors: np.ndarray) -> np.ndarray:
    """(n, 2) coordinates: the first two principal components of the L2-normalized vectors.

    Deterministic (an exact eigendecomposition of the d x d covariance, each axis signed so its
    largest loading is positive), so the same vectors always give the same map. Fewer than two
    documents, or no spread, sit at the origin. PCA rather than UMAP: it keeps global distances
    honest, and from the covariance it costs one pass over the vectors (an SVD of the n x d
    matrix took seconds and hundreds of MB at 100,000 documents).
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2:
        raise ValueError(f"expected a 2-d array of vectors, got shape {vectors.shape}")
    coordinates = np.zeros((len(vectors), 2))
    if len(vectors) < 2:
        return coordinates
    centred = unit_rows(vectors)
    centred -= centred.mean(axis=0)
    variances, axes = np.linalg.eigh(centred.T @ centred)  # ascending
    for k in range(min(2, len(variances))):
        variance, axis = variances[-1 - k], axes[:, -1 - k]
        if variance <= 1e-24:
            break
        axis = axis * np.sign(axis[np.argmax(np.abs(axis))])
        coordinates[:, k] = centred @ axis
    return coordinates


def label_positions(coordinates: np.ndarray, labels: np.ndarray) -> dict[int, tuple[float, float]]:
    """{label: where to print its name}: the median point of its members (noise, -1, gets none)."""
    labels = np.asarray(labels)
    return {
        int(label): (float(x), float(y))
        for label in np.unique(labels[labels >= 0])
        for x, y in [np.median(coordinates[labels == label], axis=0)]
    }
