"""Synthetic workspaces for the benchmarks: documents with words of one of ten topics and unit
vectors clustered around ten centres, stored straight through the stores (nothing embeds them),
so a benchmark of reads or refreshes can have 100,000 or a million documents in minutes."""

from __future__ import annotations

import numpy as np

from drive_tagger.core.types import SourceDocument

TOPICS = [
    "invoice payment due amount",
    "contract agreement party term",
    "travel flight hotel booking",
    "server deploy outage incident",
    "recipe oven flour sugar",
    "hiring interview candidate offer",
    "tax return deduction filing",
    "lease tenant rent landlord",
    "marketing campaign launch brand",
    "research paper experiment results",
]
BATCH = 5_000


def synthesize(db, slug: str, n: int, model: str, *, seed: int = 0, dimensions: int = 384) -> None:
    """n documents named doc-00000.txt... in workspace slug, with vectors for `model`."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((len(TOPICS), dimensions))
    labels = rng.integers(0, len(TOPICS), n)
    workspace = db.documents.ensure_workspace(slug)
    for start in range(0, n, BATCH):
        docs = []
        for i in range(start, min(n, start + BATCH)):
            words = TOPICS[labels[i]].split()
            body = " ".join(rng.choice(words, 40)) + f" record {i}"
            docs.append(SourceDocument(f"doc-{i:07d}.txt", f"{words[0].title()} {i}", body, "bench"))
        db.documents.upsert_documents(workspace.id, docs)
    db.documents.set_workspace_model(workspace.id, model)
    hashes = db.documents.hashes_missing_vectors(workspace.id, model)
    by_hash = {
        row.content_hash: int(row.external_id[4:11])
        for start in range(0, len(hashes), BATCH)
        for row in db.documents.texts_by_hash(workspace.id, hashes[start : start + BATCH], 10)
    }
    for start in range(0, len(hashes), BATCH):
        part = hashes[start : start + BATCH]
        vectors = centers[labels[[by_hash[h] for h in part]]] + 0.6 * rng.standard_normal((len(part), dimensions))
        db.documents.store_vectors(model, part, (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)))
