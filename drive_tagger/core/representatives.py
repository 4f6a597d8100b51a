"""Representative documents of a category: the most central ones plus a few diverse ones (pure)."""

from __future__ import annotations

import numpy as np

from drive_tagger.core.unit import unit_rows


def representatives(
    vectors: np.ndarray, rows: np.ndarray, centroid: np.ndarray, *, central: int = 3, diverse: int = 2
) -> list[int]:
    """Row indexes: the `central` members nearest the centroid, then `diverse` more picked one by
    one as the member least similar to those already chosen (farthest-point), so a prompt sees
    the category's core and its range. Deterministic; fewer when the category is small."""
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return []
    members = vectors[rows]
    closeness = members @ unit_rows(centroid[None])[0]
    order = np.argsort(-closeness, kind="stable")
    chosen = [int(i) for i in order[:central]]
    for _ in range(min(diverse, len(rows) - len(chosen))):
        nearest = (members @ members[chosen].T).max(axis=1)
        nearest[chosen] = np.inf
        chosen.append(int(np.argmin(nearest)))
    return [int(rows[i]) for i in chosen]
