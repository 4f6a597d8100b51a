"""Benchmark (issue #27), the fast half: how many top-level filters the default clustering picks and
how well they agree with the labels, over seeded subsets of every collection, beside KMeans told
the true number of kinds. No naming, no second refresh: the model selection alone, in seconds.

    .venv/bin/python -m benchmarks.top_level [--collections bbc,ag,...] [--sizes 60,150,400,1500] [--seeds 8]

The collections and their cached vectors are benchmarks/robustness_collections.py's. Per size and
seed, a seeded random subset (a size at or above the collection's is the whole of it) is clustered
by core/clustering.DocumentClusterer with the default ClusteringParams; NMI counts untagged
documents as one more group (core/metrics.clustering_scores). The summary counts the runs that
collapsed to <= 2 filters on collections of 4+ kinds, the cells (collection and size >= 150) whose
largest count of filters over the seeds is more than twice the smallest, and the cells whose
median NMI is at least the oracle's median - 0.05. The whole robustness benchmark
(benchmarks/robustness.py) adds names, stability across refreshes and the peer libraries.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks import robustness_collections as collections_module

SIZES = (60, 150, 400, 1500)
SEEDS = 8


def run_cell(vectors: np.ndarray, labels: np.ndarray, size: int, seeds: int) -> dict:
    from sklearn.cluster import KMeans

    from drive_tagger.core.clustering import DocumentClusterer
    from drive_tagger.core.metrics import clustering_scores
    from drive_tagger.core.unit import unit_rows

    counts, ours, oracle = [], [], []
    for seed in range(seeds):
        rows = np.sort(np.random.default_rng(1000 + seed).choice(len(vectors), min(size, len(vectors)), replace=False))
        top = DocumentClusterer().fit(vectors[rows]).result_.top_labels
        gold = labels[rows]
        counts.append(len(np.unique(top[top >= 0])))
        ours.append(clustering_scores(gold.tolist(), top)["nmi"])
        kinds = len(np.unique(gold))
        told = KMeans(kinds, n_init=3, random_state=seed).fit_predict(unit_rows(vectors[rows]).astype(np.float64))
        oracle.append(clustering_scores(gold.tolist(), told)["nmi"])
    return {"filters": counts, "nmi": float(np.median(ours)), "nmi_min": min(ours), "oracle": float(np.median(oracle))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collections", default=",".join(collections_module.SOURCES))
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--seeds", type=int, default=SEEDS)
    args = parser.parse_args()
    from drive_tagger.settings import load_settings
    from drive_tagger.wiring import make_embedder

    embedder = make_embedder(load_settings())
    started = time.perf_counter()
    collapsed = spread = close = cells = 0
    print(f"{'collection':>10} {'size':>5} {'kinds':>5} | filters per seed{'':24} | NMI med   min | oracle")
    for name in args.collections.split(","):
        collection = collections_module.load(name, embedder)
        kinds = len(np.unique(collection.labels))
        for size in sorted({min(int(s), len(collection)) for s in args.sizes.split(",")}):
            cell = run_cell(collection.vectors, collection.labels, size, args.seeds)
            counts = cell["filters"]
            print(
                f"{name:>10} {size:>5} {kinds:>5} | {counts!s:<40} | {cell['nmi']:.3f} {cell['nmi_min']:.3f} |"
                f" {cell['oracle']:.3f}"
            )
            collapsed += sum(c <= 2 for c in counts) if kinds >= 4 else 0
            if size >= 150:
                cells += 1
                spread += max(counts) > 2 * min(counts)
                close += cell["nmi"] >= cell["oracle"] - 0.05
    print(
        f"\nruns collapsed to <= 2 filters (collections of 4+ kinds): {collapsed}; cells (size >= 150) with"
        f" max filters > 2 x min: {spread} of {cells}; median NMI >= oracle - 0.05: {close} of {cells}"
        f"  ({time.perf_counter() - started:.0f} s)"
    )


if __name__ == "__main__":
    main()
