"""Unit-length rows in plain numpy: what sklearn's normalize does for us, without importing
sklearn (about 3 s on these cores) into commands that need nothing else of it (ingest)."""

from __future__ import annotations

import numpy as np


def unit_rows(rows: np.ndarray) -> np.ndarray:
    """Each row divided by its L2 norm (rows of zeros stay zeros), in the rows' float dtype."""
    rows = np.asarray(rows)
    if not np.issubdtype(rows.dtype, np.floating):
        rows = rows.astype(np.float64)
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1).astype(rows.dtype)
