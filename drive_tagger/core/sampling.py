"""Bounded samples of rows (pure): what model selection, keyphrases and names look at of a large
set of documents, drawn the same way everywhere."""

from __future__ import annotations

import numpy as np


def bounded_sample(rows: np.ndarray, limit: int, rng: np.random.Generator | np.random.RandomState) -> np.ndarray:
    """At most `limit` of `rows`, drawn without replacement, in ascending order; all of them when
    there are no more than that."""
    rows = np.asarray(rows)
    return np.sort(rng.choice(rows, limit, replace=False)) if len(rows) > limit else rows
