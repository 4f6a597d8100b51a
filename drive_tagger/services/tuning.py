"""Trying clustering settings on a labelled corpus: one evaluate() run per setting, as a DataFrame."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from drive_tagger.core.naming import Namer
from drive_tagger.core.params import ClusteringParams, RefreshParams
from drive_tagger.core.ports import DocumentStore, Embedder, RefreshStore
from drive_tagger.services.evaluate import evaluate


def default_tuning_grid() -> dict[str, RefreshParams]:
    """A few settings around the defaults: fine cluster size, PCA dimensions, the number of
    top-level filters allowed, and whether outliers are left untagged."""
    return {
        "default": RefreshParams(),
        "min size 5": RefreshParams(clustering=ClusteringParams(min_cluster_size=5)),
        "min size 10": RefreshParams(clustering=ClusteringParams(min_cluster_size=10)),
        "PCA to 8": RefreshParams(clustering=ClusteringParams(reduce_to=8)),
        "PCA to 24": RefreshParams(clustering=ClusteringParams(reduce_to=24)),
        "at most 4 filters": RefreshParams(clustering=ClusteringParams(k_max=4)),
        "tag every document": RefreshParams(clustering=ClusteringParams(outlier_iqr=None)),
    }


def tune_clustering(
    documents: DocumentStore,
    refreshes: RefreshStore,
    embedder: Embedder,
    corpus: Path,
    grid: Mapping[str, RefreshParams] | None = None,
    *,
    namer: Namer,
    limit: int | None = None,
) -> pd.DataFrame:
    """One row per setting: NMI, ARI, untagged share, stability, filter counts and seconds, from
    the library's evaluate() on the same seeded sample. Vectors are content-addressed, so only the first setting
    embeds anything."""
    grid = default_tuning_grid() if grid is None else grid
    rows = []
    for label, params in grid.items():
        result = evaluate(
            documents, refreshes, embedder, Path(corpus), limit=limit, params=params, progress=False, namer=namer
        )
        rows.append(
            {
                "setting": label,
                "nmi": result["nmi"],
                "ari": result["ari"],
                "untagged": result["untagged"],
                "stability": result["stability"],
                "filters": result["filters"],
                "sub_filters": result["sub_filters"],
                "documents": result["documents"],
                "seconds": round(sum(v for k, v in result["seconds"].items() if k != "embed"), 3),
                "min_cluster_size": params.clustering.min_cluster_size,
                "reduce_to": params.clustering.reduce_to,
                "k_max": params.clustering.k_max,
                "outlier_iqr": params.clustering.outlier_iqr,
            }
        )
    return pd.DataFrame(rows)
