"""Choosing the top level (pure): candidate partitions cut from merged leaf clusters, the number of
filters chosen by how much better each separates the documents than the same procedure separates
structureless data of the same shape, weighted by how reliably it comes back, and the previous
refresh's top level kept while it holds, unless a fresh choice is clearly better.

Why this way (benchmarks/robustness.py: 9 labelled collections, 8 seeded subsets at 60, 150, 400
and 1,500 documents; figures in docs and the issue notes):
- Raw silhouette favours a coarse two-way split: splitting a single Gaussian cloud in two scores
  about 0.15 in 16 dimensions, more than a true five-way split of news gains over it. So each
  candidate's silhouette is measured against a reference (Tibshirani's gap idea, with the
  silhouette as the statistic): the mean silhouette the same procedure gets, at the same number
  of filters, on null_references Gaussian clouds with the documents' own mean and covariance.
  Only separation beyond that reference is structure.
- A partition a person can rely on comes back when the documents are resampled (stability: mean
  adjusted Rand index against re-clusterings of random 70% samples). The number of filters is the
  one with the largest (silhouette - reference) x stability, or the fewest that draw the
  documents as sharply and reliably (a coarser level of the same hierarchy: its sub-filters show
  the finer one). The rule it replaces (the best raw silhouette among partitions with stability
  >= 0.9, two filters only by a 10% margin) collapsed to 2 filters in 3 of 8 seeded
  400-document subsets of AG News, 5 of 8 of man pages and 7 of 8 of kernel docs, where only the
  coarse split passed the bar; this one never does there.
- Candidates run from 2 to max(k_max, sqrt(n)/2), no fixed cap below what a large drive needs,
  and at most sqrt(n): a small drive's filters are not a few documents each.
- A refresh after documents arrive starts from the previous top centroids; the fresh partition
  replaces them only when its separation beyond the reference beats theirs (polished in the same
  space as the candidates) by more than twice the silhouette's own resampling noise, so adding
  10% more documents moves almost nobody. Where no partition is stable (stability >=
  min_stability), or today's stable partition into as many filters as before is the previous one
  (ARI >= min_stability), the previous one stays while it was made from at least
  keep_unstable_share of today's documents; a drive that grew past that is re-clustered. After
  such a refresh, another number of filters is a candidate only from min_stability +
  switch_margin up (hysteresis): on 20 Newsgroups eleven filters scored 0.85 in one refresh and
  0.90 in the next, and swapped the previous five for eleven.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TypeVar

import numpy as np
from sklearn.metrics import adjusted_rand_score

from drive_tagger.core.merging import cut_tree, group_sums, lloyd_polish, ward_tree
from drive_tagger.core.params import ClusteringParams
from drive_tagger.core.unit import unit_rows

T = TypeVar("T")


@dataclass(frozen=True)
class TopLevelChoice:
    labels: np.ndarray  # top-level cluster per fitted document, 0..k-1
    silhouettes: dict[int, float]  # per candidate number of filters
    stabilities: dict[int, float]  # per candidate: mean ARI against resampled re-clusterings
    kept_previous: bool  # the previous refresh's top level was kept
    # Per candidate: the mean silhouette of the same procedure on structureless reference clouds.
    references: dict[int, float] = field(default_factory=dict)


def leaf_clusters(reduced: np.ndarray, params: ClusteringParams) -> np.ndarray | None:
    """Dense micro-topics: HDBSCAN leaf clusters of the reduced vectors, noise joined to its nearest
    leaf. In a small collection every document is its own leaf (density means little there).
    None when HDBSCAN finds fewer than two."""
    n = len(reduced)
    if n < params.leaf_documents_from:
        return np.arange(n)
    from sklearn.cluster import HDBSCAN

    min_size = params.min_cluster_size or max(3, round(math.sqrt(n) / 4))
    labels = HDBSCAN(
        min_cluster_size=min_size,
        min_samples=min(params.min_samples, min_size),
        cluster_selection_method="leaf",
        copy=True,
    ).fit_predict(reduced)
    if labels.max() < 1:
        return None
    clusters = np.unique(labels[labels >= 0])
    labels = np.where(labels >= 0, np.searchsorted(clusters, labels), -1)
    centroids = unit_rows(group_sums(reduced[labels >= 0], labels[labels >= 0], len(clusters))[0])
    noise = labels < 0
    labels[noise] = np.argmax(reduced[noise] @ centroids.T, axis=1)
    return labels


def candidate_partitions(reduced: np.ndarray, leaves: np.ndarray, k_max: int, iterations: int) -> dict[int, np.ndarray]:
    """{k: partition} for k = 2..k_max: size-weighted Ward cuts of the leaves, each polished by
    spherical Lloyd passes on the documents."""
    sums, sizes = group_sums(reduced, leaves, leaves.max() + 1)
    m = len(sizes)
    merges = ward_tree(sums.astype(np.float64) / sizes[:, None], sizes.astype(np.float64))
    return {
        k: lloyd_polish(reduced, cut_tree(merges, m, k)[leaves], k, iterations) for k in range(2, min(k_max, m) + 1)
    }


@dataclass(frozen=True)
class Resamples:
    """What the top level draws from its generator, in this order: the rows its silhouettes are
    measured on, then its stability samples; with the samples' leaves once clustered."""

    shown: np.ndarray
    samples: tuple[np.ndarray, ...]
    leaves: tuple[np.ndarray | None, ...] | None = None  # None: not clustered yet

    @classmethod
    def draw(cls, n: int, params: ClusteringParams, rng: np.random.RandomState) -> Resamples:
        shown = np.sort(rng.choice(n, min(n, params.silhouette_sample), replace=False))
        return cls(shown, _stability_samples(n, params, rng))


def leaves_beside_resamples(
    reduced: np.ndarray, params: ClusteringParams, rng: np.random.RandomState
) -> tuple[np.ndarray | None, Resamples]:
    """leaf_clusters(reduced), and the top level's draws (as choose_top_level would draw them)
    with their samples' leaves, clustered side by side: the drive's own HDBSCAN on one core, the
    samples' one after another on the other (at 10,000 documents 1.4 s and 1.0 s)."""
    resamples = Resamples.draw(len(reduced), params, rng)
    with ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
        whole = pool.submit(leaf_clusters, reduced, params)
        parts = pool.submit(lambda: tuple(leaf_clusters(reduced[rows], params) for rows in resamples.samples))
        return whole.result(), replace(resamples, leaves=parts.result())


def choose_top_level(
    reduced: np.ndarray,
    leaves: np.ndarray,
    params: ClusteringParams,
    rng: np.random.RandomState,
    warm_start: np.ndarray | None = None,
    previous_share: float = 0.0,
    resamples: Resamples | None = None,
) -> TopLevelChoice | None:
    """The top-level partition of the reduced vectors (see the module's notes); None when there
    are fewer than two candidates. `warm_start`: the previous top labels of the same documents
    (their nearest previous centroid); `previous_share`: the previous refresh's documents as a
    share of these; `resamples`: its draws made already (leaves_beside_resamples)."""
    n = len(reduced)
    partitions = candidate_partitions(reduced, leaves, _most_filters(n, params), params.polish_iterations)
    if not partitions:
        return None
    resamples = resamples or Resamples.draw(n, params, rng)
    sample = resamples.shown
    shown = reduced[sample]
    silhouettes = {k: _silhouette(shown, labels[sample]) for k, labels in partitions.items()}
    # The references draw from rng after the stability samples, as if run after them; they run
    # beside the resamples' clusterings, on a core one of those would leave idle.
    stabilities, references = _stabilities(
        reduced,
        partitions,
        params,
        resamples.samples,
        resamples.leaves,
        beside=lambda: reference_silhouettes(reduced, max(partitions), params, rng),
    )
    assert references is not None
    beyond = {k: silhouettes[k] - references[k] for k in partitions}
    warm = _compact(warm_start) if warm_start is not None and len(np.unique(warm_start)) >= 2 else None
    settled = warm is not None and previous_share >= params.keep_unstable_share
    same_number = int(warm.max()) + 1 if warm is not None else 0

    def kept(stay: bool) -> TopLevelChoice:
        labels = warm if stay and warm is not None else partitions[k]
        return TopLevelChoice(labels, silhouettes, stabilities, stay and warm is not None, references)

    # Hysteresis: after a settled refresh, another number of filters must be clearly stable to
    # replace the previous number (a k near the bar crosses it in one refresh and not the next).
    pool = [c for c in partitions if not settled or c == same_number or stabilities[c] >= _bar(params, True)]
    candidates = pool or list(partitions)
    k = _coarsest_as_good(
        candidates, _most_structured(candidates, beyond, stabilities), silhouettes, stabilities, beyond, params
    )
    if warm is None:
        return kept(False)
    stable = [c for c in partitions if stabilities[c] >= _bar(params, settled and c != same_number)]
    still_holds = same_number in stable and adjusted_rand_score(warm, partitions[same_number]) >= params.min_stability
    if settled and (not stable or still_holds):
        # Nothing comes back under resampling, or today's stable partition into as many filters
        # is the previous one (ARI >= min_stability): a fresh partition has no better claim than
        # the previous one, made from most of these documents.
        return kept(True)
    noise = _silhouette_noise(shown, partitions[k][sample], rng, params.stability_resamples)
    # Like against like: the candidates are polished in this space, so the previous partition is
    # too before the two are compared (unpolished it lost by 0.015 to an equal partition).
    polished = lloyd_polish(reduced, warm, same_number, params.polish_iterations)
    kept_beyond = _silhouette(shown, polished[sample]) - references.get(same_number, references[max(references)])
    return kept(beyond[k] - kept_beyond <= 2 * noise)


def reference_silhouettes(
    reduced: np.ndarray, k_max: int, params: ClusteringParams, rng: np.random.RandomState
) -> dict[int, float]:
    """{k: mean silhouette} for k = 2..k_max of the same candidate procedure run on
    params.null_references structureless clouds: Gaussian samples with the documents' mean and
    covariance (rows normalized, as the documents are), at most silhouette_sample of them. What a
    partition into k scores on documents without topics: the part of a silhouette that is not
    structure. Leaves there are single documents below leaf_documents_from and k-means pieces
    from it on (HDBSCAN finds next to nothing in a structureless cloud)."""
    size = min(len(reduced), params.silhouette_sample)
    mean, covariance = reduced.mean(axis=0), np.cov(reduced, rowvar=False)
    scores: dict[int, list[float]] = {k: [] for k in range(2, k_max + 1)}
    for _ in range(params.null_references):
        cloud = unit_rows(rng.multivariate_normal(mean, covariance, size=size)).astype(np.float32)
        leaves = np.arange(size) if size < params.leaf_documents_from else _kmeans_pieces(cloud, k_max, rng)
        for k, labels in candidate_partitions(cloud, leaves, k_max, params.polish_iterations).items():
            scores[k].append(_silhouette(cloud, labels))
    means: dict[int, float] = {}
    for k in range(2, k_max + 1):  # a k the cloud could not be cut into takes the next coarser one's
        means[k] = float(np.mean(scores[k])) if scores[k] else means.get(k - 1, 0.0)
    return means


def _kmeans_pieces(rows: np.ndarray, k_max: int, rng: np.random.RandomState) -> np.ndarray:
    from sklearn.cluster import KMeans

    pieces = int(min(len(rows) // 3, max(2 * k_max, round(math.sqrt(len(rows))))))
    return KMeans(pieces, n_init=1, max_iter=50, random_state=rng).fit(rows).labels_


def _coarsest_as_good(
    candidates: list[int],
    best: int,
    silhouettes: dict[int, float],
    stabilities: dict[int, float],
    beyond: dict[int, float],
    params: ClusteringParams,
) -> int:
    """The fewest filters whose partition separates the documents at least as well as the best's
    (raw silhouette), comes back at least as reliably (stability), and keeps at least
    coarser_share of its separation beyond the reference: the reference falls as k grows, so
    of two levels of one hierarchy that the documents draw equally sharply, the finer would win
    by the reference alone; the coarser one is the top level and the finer shows as its
    sub-filters."""
    return min(
        c
        for c in candidates
        if c == best
        or (
            silhouettes[c] >= silhouettes[best]
            and stabilities[c] >= stabilities[best]
            and beyond[c] >= params.coarser_share * beyond[best]
        )
    )


def _bar(params: ClusteringParams, switching: bool) -> float:
    return params.min_stability + (params.switch_margin if switching else 0.0)


def _most_structured(candidates: list[int], beyond: dict[int, float], stabilities: dict[int, float]) -> int:
    """The number of filters with the largest separation beyond the reference times stability
    (ties, as where nothing separates beyond the reference: the larger separation beyond it)."""
    return max(candidates, key=lambda k: (max(beyond[k], 0.0) * max(stabilities[k], 0.0), beyond[k]))


def stable_split(reduced: np.ndarray, params: ClusteringParams, rng: np.random.RandomState) -> np.ndarray | None:
    """The parts of one filter's documents by the same rule as the top level (leaves, Ward cuts,
    the most separated partition among those stable under resampling), or None when no split
    comes back under resampling: a filter is split only where the split holds."""
    leaves = leaf_clusters(reduced, params)
    if leaves is None or leaves.max() < 1:
        return None
    partitions = candidate_partitions(reduced, leaves, _most_filters(len(reduced), params), params.polish_iterations)
    stabilities, _ = _stabilities(reduced, partitions, params, _stability_samples(len(reduced), params, rng))
    stable = [k for k in partitions if stabilities[k] >= params.min_stability]
    if not stable:
        return None
    sample = np.sort(rng.choice(len(reduced), min(len(reduced), params.silhouette_sample), replace=False))
    return partitions[max(stable, key=lambda k: _silhouette(reduced[sample], partitions[k][sample]))]


def _most_filters(n: int, params: ClusteringParams) -> int:
    """max(k_max, sqrt(n)/2), so a large drive may have more than k_max filters, and at most
    sqrt(n), so a small drive's filters hold about as many documents as there are filters
    (without it, silhouette x stability gave the demo's 72 documents 15 filters)."""
    return min(max(params.k_max, round(math.sqrt(n) / 2)), max(2, round(math.sqrt(n))))


def _stability_samples(n: int, params: ClusteringParams, rng: np.random.RandomState) -> tuple[np.ndarray, ...]:
    size = min(int(params.stability_fraction * n), params.stability_sample_cap)
    return tuple(np.sort(rng.choice(n, size, replace=False)) for _ in range(params.stability_resamples))


def _stabilities(
    reduced,
    partitions,
    params: ClusteringParams,
    samples: tuple[np.ndarray, ...],
    sample_leaves: tuple[np.ndarray | None, ...] | None = None,
    beside: Callable[[], T] | None = None,
) -> tuple[dict[int, float], T | None]:
    """Per k: mean adjusted Rand index between each partition, restricted to a random sample, and
    the sample's own partition into k (leaves, unless given, and cuts recomputed on the sample
    alone). The samples are clustered side by side, one thread per core: HDBSCAN and the
    polishing leave the interpreter lock while they work, and each sample's result is its own.
    `beside`, run among them (started first, the longest task), may draw from the generator the
    samples came from; returns (stabilities, what beside returned)."""

    def agreement(i: int) -> dict[int, float]:
        rows = samples[i]
        leaves = sample_leaves[i] if sample_leaves is not None else leaf_clusters(reduced[rows], params)
        again = (
            candidate_partitions(reduced[rows], leaves, max(partitions), params.polish_iterations)
            if (leaves is not None)
            else {}
        )
        return {
            k: adjusted_rand_score(labels[rows], again[k]) if k in again else 0.0 for k, labels in partitions.items()
        }

    tasks = len(samples) + (beside is not None)
    with ThreadPoolExecutor(max_workers=max(1, min(tasks, os.cpu_count() or 1))) as pool:
        aside = pool.submit(beside) if beside is not None else None
        scores = list(pool.map(agreement, range(len(samples))))
        besides = aside.result() if aside is not None else None
    return {k: float(np.mean([s[k] for s in scores])) if scores else 0.0 for k in partitions}, besides


def _silhouette_noise(rows, labels, rng, resamples: int) -> float:
    """Standard deviation of the silhouette over random halves of the sample."""
    n = len(labels)
    values = []
    for _ in range(max(2, resamples)):
        half = np.sort(rng.choice(n, max(2, n // 2), replace=False))
        values.append(_silhouette(rows[half], labels[half]))
    return float(np.std(values))


def _compact(labels: np.ndarray) -> np.ndarray:
    used = np.unique(labels)
    return np.searchsorted(used, labels)


def _silhouette(rows: np.ndarray, labels: np.ndarray) -> float:
    """Mean cosine silhouette of a labelling of unit rows; -1 when it shows fewer than two groups
    or every document is its own group. The same figure as scikit-learn's silhouette_score with
    the cosine metric, without the n x n distances: a document's summed cosine distance to a group
    is the group's size minus its dot product with the group's summed vector, so the cost is
    n x dimensions x groups, not n^2 x groups (a refresh scores dozens of candidates, and as many
    again on each reference cloud)."""
    groups, label = np.unique(labels, return_inverse=True)
    n, k = len(label), len(groups)
    if k < 2 or k >= n:
        return -1.0
    rows = np.asarray(rows, dtype=np.float64)
    group_vectors, sizes = group_sums(rows, label, k)
    sizes = sizes.astype(np.float64)
    sums = sizes[None, :] - rows @ np.asarray(group_vectors, dtype=np.float64).T  # summed distances
    sums[np.arange(n), label] -= 1.0 - np.einsum("ij,ij->i", rows, rows)  # not the document itself
    own = sizes[label]
    within = sums[np.arange(n), label] / np.maximum(own - 1, 1)
    means = sums / sizes
    means[np.arange(n), label] = np.inf
    nearest_other = means.min(axis=1)
    spread = np.maximum(np.maximum(within, nearest_other), 1e-12)
    # A document alone in its group scores 0, as in scikit-learn.
    return float(np.where(own > 1, (nearest_other - within) / spread, 0.0).mean())
