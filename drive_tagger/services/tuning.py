"""Trying clustering settings on a labelled corpus: one evaluate() run per setting, as a DataFrame."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from drive_tagger.adapters.embedders import Embedder
from drive_tagger.adapters.postgres.store import PostgresStore
from drive_tagger.core.clustering import ClusteringParams
from drive_tagger.services.evaluate import evaluate
from drive_tagger.services.refresh import RefreshParams


def default_tuning_grid() -> dict[str, RefreshParams]:
    """A few settings around the defaults: the minimum filter size, PCA dimensions, noise joining."""
    return {
        "default": RefreshParams(),
        "min size 5": RefreshParams(clustering=ClusteringParams(min_cluster_size=5)),
        "min size 10": RefreshParams(clustering=ClusteringParams(min_cluster_size=10)),
        "min size 20": RefreshParams(clustering=ClusteringParams(min_cluster_size=20)),
        "PCA to 8": RefreshParams(clustering=ClusteringParams(reduce_to=8)),
        "PCA to 16": RefreshParams(clustering=ClusteringParams(reduce_to=16)),
        "join at 0.5": RefreshParams(join_similarity=0.5),
    }


def tune_clustering(
    store: PostgresStore,
    embedder: Embedder,
    corpus: Path,
    grid: Mapping[str, RefreshParams] | None = None,
    *,
    limit: int | None = None,
) -> pd.DataFrame:
    """One row per setting: NMI, ARI, untagged share, filter count and seconds, from the library's
    evaluate() on the same seeded sample. Vectors are content-addressed, so only the first setting
    embeds anything."""
    grid = default_tuning_grid() if grid is None else grid
    rows = []
    for label, params in grid.items():
        result = evaluate(store, embedder, Path(corpus), limit=limit, params=params, progress=False)
        rows.append({
            "setting": label,
            "nmi": result["nmi"],
            "ari": result["ari"],
            "untagged": result["untagged"],
            "filters": result["filters"],
            "documents": result["documents"],
            "seconds": round(sum(v for k, v in result["seconds"].items() if k != "embed"), 3),
            "min_cluster_size": params.clustering.min_cluster_size,
            "reduce_to": params.clustering.reduce_to,
            "join_similarity": params.join_similarity,
        })
    return pd.DataFrame(rows)
