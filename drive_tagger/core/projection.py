"""2-D coordinates of document vectors for maps: a deterministic PCA of the normalized vectors."""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import normalize


def project_2d(vectors: np.ndarray) -> np.ndarray:
    """(n, 2) coordinates: the first two principal components of the L2-normalized vectors.

    Deterministic (an exact SVD, each axis signed so its largest loading is positive), so the same
    vectors always give the same map. Fewer than two documents, or no spread, sit at the origin.
    PCA rather than UMAP: it costs milliseconds on any workspace and keeps global distances honest.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2:
        raise ValueError(f"expected a 2-d array of vectors, got shape {vectors.shape}")
    coordinates = np.zeros((len(vectors), 2))
    if len(vectors) < 2:
        return coordinates
    centred = normalize(vectors)
    centred = centred - centred.mean(axis=0)
    _, singular, axes = np.linalg.svd(centred, full_matrices=False)
    for k in range(min(2, len(singular))):
        if singular[k] <= 1e-12:
            break
        axis = axes[k] * np.sign(axes[k][np.argmax(np.abs(axes[k]))])
        coordinates[:, k] = centred @ axis
    return coordinates


def label_positions(coordinates: np.ndarray, labels: np.ndarray) -> dict[int, tuple[float, float]]:
    """{label: where to print its name}: the median point of its members (noise, -1, gets none)."""
    labels = np.asarray(labels)
    return {
        int(label): tuple(float(v) for v in np.median(coordinates[labels == label], axis=0))
        for label in np.unique(labels[labels >= 0])
    }
