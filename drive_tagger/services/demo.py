"""The demo's sample drive: where it lives, and how well the filters agree with its labels."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from drive_tagger.core.metrics import clustering_scores
from drive_tagger.core.naming import Namer
from drive_tagger.core.ports import DocumentStore, Embedder, RefreshStore
from drive_tagger.errors import InvalidInput, UnknownWorkspace


def default_samples_dir() -> Path:
    folder = Path(__file__).resolve().parents[2] / "data" / "samples" / "docs"
    if not folder.is_dir():
        raise InvalidInput(f"sample documents not found at {folder}; pass --samples FOLDER")
    return folder


def sample_label_agreement(refreshes: RefreshStore, workspace_slug: str, docs_folder: Path) -> dict | None:
    """NMI/ARI of the top-level filters against labels.csv beside the folder, if there is one."""
    labels_file = docs_folder.parent / "labels.csv"
    if not labels_file.is_file():
        return None
    with labels_file.open(encoding="utf-8") as handle:
        gold = {row["path"]: row["label"] for row in csv.DictReader(handle)}
    tags = refreshes.primary_top_level_tags(refreshes.workspace(workspace_slug).id)
    paths = sorted(set(gold) & set(tags))
    if not paths:
        return None
    predicted = np.array([-1 if tags[p] is None else tags[p] for p in paths])
    return clustering_scores([gold[p] for p in paths], predicted)


def prepare_workspace(
    documents: DocumentStore,
    refreshes: RefreshStore,
    embedder: Embedder,
    workspace_slug: str,
    samples: Path | None = None,
    namer: Namer | None = None,
) -> list[str]:
    """Makes the workspace worth exploring: an empty or unknown one gets the sample drive, one
    without active filters is refreshed. Returns what was done (nothing for a ready workspace)."""
    from drive_tagger.adapters.readers import read_sources
    from drive_tagger.services.ingest import ingest
    from drive_tagger.services.refresh import refresh_workspace

    done = []
    try:
        stored = documents.workspace_counts(documents.workspace(workspace_slug).id).documents
    except UnknownWorkspace:
        stored = 0
    if stored == 0:
        folder = samples or default_samples_dir()
        report = ingest(documents, refreshes, embedder, workspace_slug, read_sources([folder]), progress=False)
        done.append(f"ingested {report.read} documents from {folder}")
    if refreshes.workspace(workspace_slug).active_refresh_id is None:
        report = refresh_workspace(documents, refreshes, workspace_slug, namer=namer)
        done.append(f"refreshed: {report.categories} filters, {report.untagged} untagged")
    return done
