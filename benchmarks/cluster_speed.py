"""Benchmark: refresh (cluster, keywords, naming, write) of 10k and 100k stored documents, against
BERTopic's default clustering (UMAP 5-d + HDBSCAN min_cluster_size=10) on the same vectors.

    .venv/bin/python benchmarks/cluster_speed.py [--sizes 10000 100000] [--baseline-size 10000]

Vectors: the AG News test split (7,600 docs, ../shared/data) embedded with the bundled model
through our own ingest (cached in the data dir, so only the first run embeds); larger
workspaces tile them with N(0, 0.01^2) noise, re-normalized, and "(copy i)" appended to the text,
stored straight through the store. Each refresh runs in a fresh subprocess so its peak RSS is
its own. Prints one table.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "ag_news_test.jsonl.gz"
SOURCE = "bench-source"


def _store():
    from drive_tagger.settings import load_settings
    from drive_tagger.wiring import open_database

    return open_database(load_settings())


def source_vectors(db) -> tuple[list, np.ndarray]:
    """The AG News documents and their real vectors (embedded on the first run only)."""
    from drive_tagger.services.evaluate import read_labelled_corpus
    from drive_tagger.services.ingest import ingest
    from drive_tagger.settings import load_settings
    from drive_tagger.wiring import make_embedder

    corpus = read_labelled_corpus(CORPUS)
    report = ingest(db.documents, db.refreshes, make_embedder(load_settings()), SOURCE, corpus.documents)
    print(f"source: {len(corpus.documents)} AG News documents, {report.embedded} embedded now", file=sys.stderr)
    workspace = db.documents.workspace(SOURCE)
    ids, vectors = db.documents.workspace_vectors(workspace.id, workspace.embedding_model)
    by_id = dict(zip(ids.tolist(), range(len(ids)), strict=True))
    rows = db.conn.execute("select id, external_id from documents where workspace_id = %s", (workspace.id,))
    order = {external: by_id[i] for i, external in rows}
    return corpus.documents, vectors[[order[d.external_id] for d in corpus.documents]]


def build_workspace(db, slug: str, size: int, documents, vectors: np.ndarray) -> None:
    """A workspace of `size` documents: the corpus tiled, each copy's vector jittered."""
    from drive_tagger.core.text import content_hash
    from drive_tagger.core.types import SourceDocument

    workspace = db.documents.ensure_workspace(slug)
    model = db.documents.workspace(SOURCE).embedding_model
    existing = db.documents.workspace_counts(workspace.id).documents
    if existing == size:
        return
    rng = np.random.default_rng(0)
    for start in range(existing, size, 5000):
        batch, hashes, batch_vectors = [], [], []
        for i in range(start, min(size, start + 5000)):
            doc, copy = documents[i % len(documents)], i // len(documents)
            body = doc.body if copy == 0 else f"{doc.body} (copy {copy})"
            batch.append(SourceDocument(f"{doc.external_id}-{copy}", doc.title, body, "benchmark"))
            hashes.append(content_hash(doc.title, body))
            vector = vectors[i % len(documents)] + (rng.normal(0, 0.01, vectors.shape[1]) if copy else 0)
            batch_vectors.append(vector / np.linalg.norm(vector))
        db.documents.upsert_documents(workspace.id, batch)
        db.documents.store_vectors(model, hashes, np.asarray(batch_vectors, dtype=np.float32))
    db.documents.set_workspace_model(workspace.id, model)


def refresh_in_subprocess(slug: str, first: bool) -> dict:
    # The configured namer (default: the offline taxonomy namer), with its model loaded before
    # the clock starts, as in a worker; the one-off load is reported on its own. `first`: as the
    # workspace's first refresh (no previous filters to keep or names to reuse: every filter is
    # clustered and named), whatever earlier runs of this benchmark left active.
    code = (
        "import json, resource, time, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from benchmarks.cluster_speed import _store\n"
        "from drive_tagger.services.refresh import refresh_workspace\n"
        "from drive_tagger.settings import load_settings\n"
        "from drive_tagger.wiring import make_embedder, make_namer, refresh_params\n"
        "db = _store()\n"
        f"if {first!r}:\n"
        "    db.refreshes.previous_generation = lambda workspace_id: None\n"
        "settings = load_settings()\n"
        "started = time.perf_counter()\n"
        "embedder = make_embedder(settings)\n"
        "embedder.embed(['warm up'])\n"
        "namer = make_namer(settings, embedder)\n"
        "model_load = time.perf_counter() - started\n"
        "started = time.perf_counter()\n"
        f"report = refresh_workspace(db.documents, db.refreshes, {slug!r}, refresh_params(settings), namer=namer)\n"
        "print(json.dumps({'wall': time.perf_counter() - started, 'seconds': report.seconds,\n"
        "  'model_load': model_load,\n"
        "  'filters': report.categories, 'sub_filters': report.subcategories, 'untagged': report.untagged,\n"
        "  'peak_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bertopic_default(vectors: np.ndarray) -> dict:
    """BERTopic's default clustering step: UMAP(15 neighbours, 5-d, cosine) + HDBSCAN(10)."""
    import hdbscan
    import umap

    started = time.perf_counter()
    reduced = umap.UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42).fit_transform(
        vectors
    )
    umap_seconds = time.perf_counter() - started
    started = time.perf_counter()
    labels = hdbscan.HDBSCAN(
        min_cluster_size=10, metric="euclidean", cluster_selection_method="eom", prediction_data=True
    ).fit_predict(reduced)
    return {
        "umap": umap_seconds,
        "hdbscan": time.perf_counter() - started,
        "clusters": int(labels.max() + 1),
        "noise": float((labels < 0).mean()),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--baseline-size", type=int, default=10_000, help="0 skips the baseline")
    args = parser.parse_args()
    if not CORPUS.is_file():
        sys.exit(f"corpus not found: {CORPUS}")
    db = _store()
    documents, vectors = source_vectors(db)
    rows = []
    for size in args.sizes:
        slug = f"bench-{size}"
        build_workspace(db, slug, size, documents, vectors)
        for first in (True, False):
            result = refresh_in_subprocess(slug, first)
            rows.append((size, first, result))
            print(f"refreshed {slug} ({'first' if first else 'again'}): {result['wall']:.1f}s", file=sys.stderr)
    baseline = None
    if args.baseline_size:
        tiled = np.vstack([vectors] * (args.baseline_size // len(vectors) + 1))[: args.baseline_size]
        noise = np.random.default_rng(0).normal(0, 0.01, tiled.shape) * (np.arange(len(tiled)) >= len(vectors))[:, None]
        tiled = tiled + noise
        baseline = bertopic_default((tiled / np.linalg.norm(tiled, axis=1, keepdims=True)).astype(np.float32))

    print("\nRefresh of a stored workspace (load, cluster, assign, keywords, naming, write), 2 cores;")
    print("naming by the configured namer, its model loaded beforehand (the load is shown apart);")
    print("first: no previous filters (all clustered and named); again: the same documents refreshed after it")
    print(
        f"{'documents':>10} {'refresh':>7} {'total s':>8} {'cluster s':>9} {'keywords s':>10} {'naming s':>8} "
        f"{'write s':>8} {'filters':>7} {'sub':>5} {'untagged':>8} {'peak RSS MiB':>12} {'model load s':>12}"
    )
    for size, first, r in rows:
        s = r["seconds"]
        print(
            f"{size:>10,} {'first' if first else 'again':>7} {r['wall']:>8.1f} {s['cluster']:>9.1f} "
            f"{s['keywords']:>10.1f} {s['naming']:>8.1f} "
            f"{s['write']:>8.1f} {r['filters']:>7} {r['sub_filters']:>5} {r['untagged'] / size:>8.1%} "
            f"{r['peak_rss_mib']:>12.0f} {r['model_load']:>12.1f}"
        )
    if baseline:
        ours = {size: r for size, first, r in rows if first}.get(args.baseline_size)
        print(
            f"\nBaseline, BERTopic's default clustering on the same {args.baseline_size:,} vectors: "
            f"UMAP {baseline['umap']:.1f}s + HDBSCAN {baseline['hdbscan']:.1f}s = "
            f"{baseline['umap'] + baseline['hdbscan']:.1f}s, {baseline['clusters']} clusters, "
            f"{baseline['noise']:.0%} noise"
        )
        if ours:
            print(
                f"ratio: our whole first refresh is {(baseline['umap'] + baseline['hdbscan']) / ours['wall']:.1f}x "
                f"faster than BERTopic's clustering step alone"
            )
    print("targets (issue 33): 10,000 docs <= 5 s; 100,000 docs <= 30 s; peak <= 2 GiB")


if __name__ == "__main__":
    main()
