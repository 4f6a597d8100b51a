"""The demo's sample drive: where it lives, and how well the filters agree with its labels."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from drive_tagger.adapters.postgres.store import PostgresStore
from drive_tagger.core.metrics import clustering_scores
from drive_tagger.errors import InvalidInput


def default_samples_dir() -> Path:
    folder = Path(__file__).resolve().parents[2] / "data" / "samples" / "docs"
    if not folder.is_dir():
        raise InvalidInput(f"sample documents not found at {folder}; pass --samples FOLDER")
    return folder


def sample_label_agreement(store: PostgresStore, workspace_slug: str, docs_folder: Path) -> dict | None:
    """NMI/ARI of the top-level filters against labels.csv beside the folder, if there is one."""
    labels_file = docs_folder.parent / "labels.csv"
    if not labels_file.is_file():
        return None
    with labels_file.open(encoding="utf-8") as handle:
        gold = {row["path"]: row["label"] for row in csv.DictReader(handle)}
    tags = store.primary_top_level_tags(store.workspace(workspace_slug).id)
    paths = sorted(set(gold) & set(tags))
    if not paths:
        return None
    predicted = np.array([-1 if tags[p] is None else tags[p] for p in paths])
    return clustering_scores([gold[p] for p in paths], predicted)
