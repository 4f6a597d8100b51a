"""Agreement of a tagging with gold labels (NMI, ARI, purity, the untagged share, best-match F1,
name accuracy) and of names with their filters (name fidelity)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.metrics.cluster import contingency_matrix

from drive_tagger.core.unit import unit_rows


def clustering_scores(gold: Sequence[str], predicted: np.ndarray) -> dict[str, float]:
    """NMI and ARI over all documents, untagged (-1) counting as one more group, as in our
    references; purity over the tagged documents: the share in a group whose most common gold
    label is their own (0.0 when none is tagged)."""
    predicted = np.asarray(predicted)
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels for {len(predicted)} predictions")
    return {
        "nmi": float(normalized_mutual_info_score(gold, predicted)),
        "ari": float(adjusted_rand_score(gold, predicted)),
        "untagged": float(np.mean(predicted == -1)) if len(predicted) else 0.0,
        "purity": _purity(np.asarray(gold)[predicted != -1], predicted[predicted != -1]),
    }


def _purity(gold: np.ndarray, predicted: np.ndarray) -> float:
    if not len(predicted):
        return 0.0
    return float(contingency_matrix(gold, predicted).max(axis=0).sum() / len(predicted))


def name_accuracy(name_vectors: np.ndarray, label_vectors: np.ndarray, majority: Sequence[int]) -> float:
    """Share of filters whose name is nearest (cosine) to the gold label of their majority of
    documents: name i is right when label majority[i] is its most similar label."""
    if len(name_vectors) == 0:
        return 0.0
    nearest = np.argmax(unit_rows(name_vectors) @ unit_rows(label_vectors).T, axis=1)
    return float(np.mean(nearest == np.asarray(majority)))


def majority_labels(gold: Sequence[str], predicted: Sequence[int], groups: Sequence[int]) -> list[str | None]:
    """The most common gold label among each group's documents (ties: the alphabetically first);
    None for a group without documents."""
    result = []
    for group in groups:
        labels = sorted(g for g, p in zip(gold, predicted, strict=True) if p == group)
        result.append(max(sorted(set(labels)), key=labels.count) if labels else None)
    return result


def best_match_f1(gold: Sequence[str], levels: Sequence[np.ndarray]) -> float:
    """Each gold kind's best F1 against any filter of any level (-1: no filter), weighted by the
    kind's size: whether a person finds every kind somewhere in the sidebar."""
    kinds = np.asarray(gold)
    if not len(kinds):
        return 0.0
    total = 0.0
    for kind in np.unique(kinds):
        truth = kinds == kind
        best = 0.0
        for labels in levels:
            labels = np.asarray(labels)
            for cluster in np.unique(labels[labels >= 0]):
                member = labels == cluster
                both = int((truth & member).sum())
                if both:
                    best = max(best, 2 * both / (int(truth.sum()) + int(member.sum())))
        total += best * int(truth.sum())
    return total / len(gold)


def name_fidelity(
    vectors: np.ndarray, levels: Sequence[tuple[np.ndarray, Sequence[int]]], label_vectors: dict[int, np.ndarray]
) -> float | None:
    """Share of the tagged documents whose own filter's label is the nearest (cosine) among its
    siblings' labels. `levels`: per set of sibling filters, each document's filter at that level
    (-1 or another id where it is not in one of them) and the siblings' ids; `label_vectors`:
    the embedding of core/fidelity.FIDELITY_PROMPT with each filter's name (or top keyword). None when no
    level has two filters."""
    right = total = 0
    units = unit_rows(np.asarray(vectors, dtype=np.float64))
    for assigned, siblings in levels:
        siblings = list(siblings)
        if len(siblings) < 2:
            continue
        held = np.isin(assigned, siblings)
        if not held.any():
            continue
        labels = unit_rows(np.vstack([label_vectors[s] for s in siblings]).astype(np.float64))
        nearest = np.asarray(siblings)[np.argmax(units[held] @ labels.T, axis=1)]
        right += int((nearest == np.asarray(assigned)[held]).sum())
        total += int(held.sum())
    return right / total if total else None
