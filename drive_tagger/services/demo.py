"""The demo's sample drive: where it lives, and how well the filters agree with its labels."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from drive_tagger.core.metrics import clustering_scores
from drive_tagger.core.naming import Namer, name_key
from drive_tagger.core.ports import DocumentStore, Embedder, RefreshStore
from drive_tagger.errors import InvalidInput, UnknownWorkspace


def default_samples_dir() -> Path:
    folder = Path(__file__).resolve().parents[2] / "data" / "samples" / "docs"
    if not folder.is_dir():
        raise InvalidInput(f"sample documents not found at {folder}; pass --samples FOLDER")
    return folder


@dataclass(frozen=True)
class KindAgreement:
    """Where the documents of one labelled kind went: the filter holding most of them."""

    kind: str
    documents: int
    filter_name: str | None
    share: float  # of the kind's documents in that filter
    named_for_it: bool | None  # the filter's name uses a word that names the kind (kinds.csv)


def sample_label_agreement(refreshes: RefreshStore, workspace_slug: str, docs_folder: Path) -> dict | None:
    """NMI/ARI of the top-level filters against labels.csv beside the folder, if there is one,
    and per kind the filter holding most of it and whether its name says so (by the words
    kinds.csv lists for the kind: "invoices" or "finance" name the finance documents)."""
    labels_file = docs_folder.parent / "labels.csv"
    if not labels_file.is_file():
        return None
    with labels_file.open(encoding="utf-8") as handle:
        gold = {row["path"]: row["label"] for row in csv.DictReader(handle)}
    workspace = refreshes.workspace(workspace_slug)
    tags = refreshes.primary_top_level_tags(workspace.id)
    paths = sorted(set(gold) & set(tags))
    if not paths:
        return None
    predicted = np.array([-1 if tags[p] is None else tags[p] for p in paths])
    scores: dict[str, object] = {**clustering_scores([gold[p] for p in paths], predicted)}
    names = {f.category_id: f.name for f in refreshes.filters(workspace.id) if f.parent_category_id is None}
    scores["kinds"] = _kinds([gold[p] for p in paths], predicted, names, _kind_words(docs_folder.parent / "kinds.csv"))
    return scores


def _kind_words(path: Path) -> dict[str, set[frozenset[str]]]:
    """{kind: the names that name it, each as its set of words}; empty without kinds.csv."""
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as handle:
        return {row["label"]: {name_key(n) for n in row["names"].split(";")} for row in csv.DictReader(handle)}


def _kinds(gold: list[str], predicted: np.ndarray, names: dict[int, str], words: dict) -> list[KindAgreement]:
    gold_array = np.array(gold)
    result = []
    for kind in sorted(set(gold)):
        of_kind = gold_array == kind
        held = predicted[of_kind & (predicted >= 0)]
        if not len(held):
            result.append(KindAgreement(kind, int(of_kind.sum()), None, 0.0, False))
            continue
        ids, counts = np.unique(held, return_counts=True)
        name = names.get(int(ids[np.argmax(counts)]), "")
        named = any(key <= name_key(name) for key in words[kind]) if kind in words else None
        result.append(KindAgreement(kind, int(of_kind.sum()), name, float(counts.max() / of_kind.sum()), named))
    return result


def prepare_workspace(
    documents: DocumentStore,
    refreshes: RefreshStore,
    embedder: Embedder,
    workspace_slug: str,
    samples: Path | None = None,
    *,
    namer: Namer,
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
        ingested = ingest(documents, refreshes, embedder, workspace_slug, read_sources([folder]), progress=False)
        done.append(f"ingested {ingested.read} documents from {folder}")
    if refreshes.workspace(workspace_slug).active_refresh_id is None:
        refreshed = refresh_workspace(documents, refreshes, workspace_slug, namer=namer)
        done.append(f"refreshed: {refreshed.categories} filters, {refreshed.untagged} untagged")
    return done
