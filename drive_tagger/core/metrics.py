"""Agreement of a tagging with gold labels: NMI, ARI and the untagged share."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


def clustering_scores(gold: Sequence[str], predicted: np.ndarray) -> dict[str, float]:
    """NMI and ARI over all documents; untagged (-1) counts as one more group, as in our references."""
    predicted = np.asarray(predicted)
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels for {len(predicted)} predictions")
    return {
        "nmi": float(normalized_mutual_info_score(gold, predicted)),
        "ari": float(adjusted_rand_score(gold, predicted)),
        "untagged": float(np.mean(predicted == -1)) if len(predicted) else 0.0,
    }
