"""How much of each document's neighbourhood the map keeps, and what it costs, against the PCA
maps used before and UMAP (BERTopic's and datamapplot's layout), on the same vectors in one run.

For each labelled collection (benchmarks/robustness_collections.py), a seeded drive of DRIVE
documents is refreshed by the real pipeline (its leaf filters are what the map lays out from);
then each layout is timed and scored by trustworthiness (scikit-learn; the share of each
document's ten nearest map neighbours that are near in the 384-d space too, 1.0 best) and by
the share of documents whose nearest map neighbour is of the same true kind. The last row times
the layout alone at 100,000 documents and 300 leaves.

    python -m benchmarks.map_layout [--collections bbc,jobs,...] [--drive 1500]
"""

from __future__ import annotations

import argparse
import time
import warnings
from functools import partial

import numpy as np
from sklearn.manifold import trustworthiness
from sklearn.neighbors import NearestNeighbors

from benchmarks import robustness_collections as collections
from benchmarks.robustness import _refresh, make_pipeline
from drive_tagger.core.layout import leaf_of_rows, map_layout
from drive_tagger.core.projection import project_2d

DEFAULT_COLLECTIONS = "bbc,ag,samples,jobs,packages,manpages"


def _same_kind(xy: np.ndarray, labels: np.ndarray) -> float:
    nearest = NearestNeighbors(n_neighbors=2).fit(xy).kneighbors(xy, return_distance=False)[:, 1]
    return float((labels[nearest] == labels).mean())


def _umap(vectors: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import umap

        return umap.UMAP(n_neighbors=15, min_dist=0.1, metric="cosine", random_state=0).fit_transform(vectors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", default=DEFAULT_COLLECTIONS)
    parser.add_argument("--drive", type=int, default=1500)
    args = parser.parse_args()
    pipe = make_pipeline()
    print(f"maps of seeded {args.drive}-document drives (all-MiniLM-L6-v2); trustworthiness at 10 neighbours")
    print("| collection | layout | seconds | trustworthiness | nearest is same kind |")
    print("|---|---|---|---|---|")
    for name in [n for n in args.collections.split(",") if n]:
        col = collections.load(name, pipe.embedder)
        rows = np.sort(np.random.default_rng(0).permutation(len(col))[: args.drive])
        vectors, labels = col.vectors[rows], col.labels[rows]
        titles, texts = [col.titles[i] for i in rows], [col.texts[i] for i in rows]
        result = _refresh(pipe, vectors, titles, texts, None, None, 0)
        leaves = leaf_of_rows(len(rows), result.assignments, result.categories)
        for layout, run in (
            ("drive_tagger map", partial(map_layout, vectors, leaves)),
            ("PCA (before)", partial(project_2d, vectors)),
            ("UMAP", partial(_umap, vectors)),
        ):
            started = time.perf_counter()
            xy = run()
            seconds = time.perf_counter() - started
            trust = trustworthiness(vectors, xy, n_neighbors=10, metric="cosine")
            print(f"| {name} | {layout} | {seconds:.2f} | {trust:.3f} | {_same_kind(xy, labels):.3f} |", flush=True)
    rng = np.random.default_rng(0)
    big = rng.standard_normal((100_000, 384)).astype(np.float32)
    started = time.perf_counter()
    map_layout(big, rng.integers(0, 300, len(big)))
    print(f"| 100,000 synthetic | drive_tagger map, 300 leaves | {time.perf_counter() - started:.2f} | | |")


if __name__ == "__main__":
    main()
