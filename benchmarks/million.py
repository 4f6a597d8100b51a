"""A million documents: storing them and their vectors, a full refresh, tagging arrivals, and reads
under 20 concurrent clients, each with its time and peak memory, on a throwaway embedded Postgres.

    .venv/bin/python -m benchmarks.million [--documents 1000000] [--clients 20] [--seconds 30]
                                           [--index-trial 100000]

Documents and vectors are real ones tiled, as benchmarks/cluster_speed.py does: the AG News test
split (7,600 articles, ../shared/data) embedded with the default model (once; the vectors are
cached in ~/.cache/drive_tagger/benchmarks), repeated with "(copy i)" appended to the text and
N(0, 0.01^2) noise added to the vector. They are stored by binary COPY, then the model's ANN index is
built once over all of them (ensure_model_index). The arrivals are AG articles with a mark of their
own, embedded by the default model (loaded before the clock starts, as the server loads it at
start-up: with its kernels for lone documents), so they meet filters made of their kind. The
refresh, the arrivals and the API (`drive-tagger serve`, driven by wrk) run in processes of their
own, so each peak RSS is that process's; Postgres's own memory is not counted. --index-trial N
first builds HNSW and IVFFlat over N vectors in a scratch table, to show what each build costs
here.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.serving import serving
from drive_tagger.adapters.postgres.embedded import stop_embedded_server
from drive_tagger.core.text import content_hash, embedding_text
from drive_tagger.core.types import SourceDocument
from drive_tagger.services.keys import create_key
from drive_tagger.settings import BUNDLED_MODEL, Settings
from drive_tagger.wiring import database_url, open_database

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "ag_news_test.jsonl.gz"
CACHE = Path.home() / ".cache" / "drive_tagger" / "benchmarks"
SLUG = "million"
BATCH = 10_000
REPORT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "errors": %d, "p50": %d, "p95": %d}\\n', summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def real_vectors() -> tuple[list[SourceDocument], np.ndarray]:
    """AG News test articles and their vectors from the default embedder (cached after the first run)."""
    from drive_tagger.services.evaluate import read_labelled_corpus
    from drive_tagger.settings import load_settings
    from drive_tagger.wiring import make_embedder

    documents = read_labelled_corpus(CORPUS).documents
    embedder = make_embedder(load_settings())
    digest = content_hash(embedder.model_id, "".join(content_hash(d.title, d.body) for d in documents))
    cached = CACHE / f"ag_news_test-{digest[:16]}.npy"
    if cached.is_file():
        return documents, np.load(cached)
    print(f"embedding {len(documents):,} AG News articles once (cached in {CACHE})", file=sys.stderr)
    vectors = embedder.embed([embedding_text(d.title, d.body) for d in documents])
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(cached, vectors)
    return documents, vectors


def tiled(start: int, stop: int, documents: list[SourceDocument], vectors: np.ndarray, rng):
    """Documents start..stop of the tiling: copy i of an article carries "(copy i)" and its vector
    with N(0, 0.01^2) noise, re-normalized (copy 0 is the article itself)."""
    docs, rows = [], np.empty((stop - start, vectors.shape[1]), dtype=np.float32)
    for k, i in enumerate(range(start, stop)):
        doc, copy = documents[i % len(documents)], i // len(documents)
        body = doc.body if copy == 0 else f"{doc.body} (copy {copy})"
        docs.append(SourceDocument(f"{doc.external_id}-{copy}", doc.title, body, "bench"))
        rows[k] = vectors[i % len(documents)]
    copies = np.array([i // len(documents) for i in range(start, stop)]) > 0
    rows[copies] += rng.normal(0, 0.01, (int(copies.sum()), vectors.shape[1])).astype(np.float32)
    return docs, rows / np.linalg.norm(rows, axis=1, keepdims=True)


def store(db, n: int, documents: list[SourceDocument], vectors: np.ndarray) -> dict:
    """Vectors first (COPY, then the index over all of them), then the documents that carry them."""
    workspace = db.documents.ensure_workspace(SLUG)
    db.documents.set_workspace_model(workspace.id, BUNDLED_MODEL)
    rng, started = np.random.default_rng(0), time.perf_counter()
    batches = []
    for start in range(0, n, BATCH):
        docs, rows = tiled(start, min(n, start + BATCH), documents, vectors, rng)
        db.documents.store_vectors(BUNDLED_MODEL, [content_hash(d.title, d.body) for d in docs], rows)
        batches.append(docs)
    copied = time.perf_counter() - started
    index = db.documents.ensure_model_index(BUNDLED_MODEL)
    vectors_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for docs in batches:
        db.documents.upsert_documents(workspace.id, docs)
    return {
        "copy": copied,
        "index": vectors_seconds - copied,
        "index_name": index,
        "vectors": vectors_seconds,
        "documents": time.perf_counter() - started,
        "peak_mib": peak_mib(),
    }


def in_process(code: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


REFRESH = f"""
import json, resource, time
from drive_tagger.services.refresh import refresh_workspace
from drive_tagger.settings import load_settings
from drive_tagger.wiring import make_embedder, make_namer, open_database, refresh_params
settings = load_settings()
db = open_database(settings)
namer = make_namer(settings, make_embedder(settings))
namer.embedder.embed(["warm up"])
started = time.perf_counter()
report = refresh_workspace(db.documents, db.refreshes, {SLUG!r}, refresh_params(settings), namer=namer)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": time.perf_counter() - started, "stages": report.seconds, "filters": report.categories,
                  "sub": report.subcategories, "peak_mib": peak}}))
"""

ARRIVALS = f"""
import json, resource, statistics, time
from pathlib import Path
from drive_tagger.core.types import SourceDocument
from drive_tagger.services.evaluate import read_labelled_corpus
from drive_tagger.services.ingest import ingest
from drive_tagger.settings import load_settings
from drive_tagger.wiring import make_embedder, open_database
settings = load_settings()
db = open_database(settings)
embedder = make_embedder(settings)
embedder.warm_up(lone_shapes=True)  # what `drive-tagger serve` does at start-up (api_warm_model)
articles = read_labelled_corpus(Path({str(CORPUS)!r})).documents
docs = [SourceDocument(f"new-{{i:04d}}", a.title, a.body + f" (arrival {{i}})", "bench")
        for i, a in enumerate(articles[:1000])]
started = time.perf_counter()
report = ingest(db.documents, db.refreshes, embedder, {SLUG!r}, docs, progress=False)
thousand = time.perf_counter() - started
one = []
for i, a in enumerate(articles[1000:1030]):
    doc = SourceDocument(f"one-{{i:02d}}", a.title, a.body + f" (single {{i}})", "bench")
    started = time.perf_counter()
    ingest(db.documents, db.refreshes, embedder, {SLUG!r}, [doc], progress=False)
    one.append((time.perf_counter() - started) * 1000)
q = statistics.quantiles(one, n=20)
print(json.dumps({{"seconds": thousand, "tagged": report.tagged_on_arrival, "poor": report.poorly_matched,
                  "one_p50": statistics.median(one), "one_p95": q[18],
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def wrk(base: str, token: str, path: str, clients: int, seconds: int, work: Path) -> dict:
    script = work / "report.lua"
    script.write_text(REPORT)
    out = subprocess.run(
        [
            "wrk",
            f"-t{min(2, clients)}",
            f"-c{clients}",
            f"-d{seconds}s",
            "--timeout=30s",
            "-s",
            str(script),
            "-H",
            f"Authorization: Bearer {token}",
            base + path,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def explain_page(db, category_id: int) -> str:
    from psycopg import sql

    from drive_tagger.adapters.postgres.sql import query

    workspace = db.documents.workspace(SLUG)
    rows = db.conn.execute(
        sql.SQL("explain (analyze, buffers, costs off) {}").format(sql.SQL(query("filter_documents"))),
        {"workspace_id": workspace.id, "category_id": category_id, "limit": 50, "offset": 0},
    ).fetchall()
    return "\n".join(r[0] for r in rows)


def checkpoint(db) -> float:
    """Flushes what the phase before wrote (as Postgres does within checkpoint_timeout), so that
    the next phase's commits do not wait behind gigabytes of writes of the set-up; its seconds."""
    started = time.perf_counter()
    db.conn.execute("checkpoint")
    return time.perf_counter() - started


def index_trial(db, n: int) -> list[tuple[str, float]]:
    """HNSW and IVFFlat builds over the first n stored vectors, in a scratch table."""
    from psycopg import sql

    db.conn.execute("drop table if exists index_trial")
    db.conn.execute(
        "create table index_trial as select embedding::extensions.vector(384) as e from embeddings limit %s", (n,)
    )
    hnsw = "create index index_trial_idx on index_trial using hnsw (e extensions.vector_cosine_ops)"
    trials = [
        ("hnsw m=16 ef=64, 64MB, no worker", "64MB", "0", sql.SQL(hnsw)),
        ("hnsw m=16 ef=64, 1GB, 1 worker", "1GB", "1", sql.SQL(hnsw)),
        ("hnsw m=8 ef=32, 1GB, 1 worker", "1GB", "1", sql.SQL(hnsw + " with (m = 8, ef_construction = 32)")),
        (
            "ivfflat lists=n/1000, 1GB, 1 worker",
            "1GB",
            "1",
            sql.SQL(
                "create index index_trial_idx on index_trial using ivfflat (e extensions.vector_cosine_ops) "
                "with (lists = {})"
            ).format(sql.Literal(max(100, n // 1000))),
        ),
    ]
    results = []
    for label, memory, workers, statement in trials:
        db.conn.execute("select set_config('maintenance_work_mem', %s, false)", (memory,))
        db.conn.execute("select set_config('max_parallel_maintenance_workers', %s, false)", (workers,))
        started = time.perf_counter()
        db.conn.execute(statement)
        results.append((label, time.perf_counter() - started))
        db.conn.execute("drop index index_trial_idx")
    db.conn.execute("drop table index_trial")
    db.conn.execute("reset maintenance_work_mem")
    db.conn.execute("reset max_parallel_maintenance_workers")
    return results


def serve_and_read(env: dict, token: str, top: int, clients: int, seconds: int, work: Path, workers: int) -> dict:
    with serving(env, "--workers", str(workers)) as base:
        filters = f"/v1/workspaces/{SLUG}/filters"
        page = f"/v1/workspaces/{SLUG}/filters/{top}/documents?limit=50&offset=0"
        results = {}
        for label, path in (("GET .../filters", filters), ("GET .../filters/{id}/documents (first page)", page)):
            wrk(base, token, path, clients, 3, work)  # warm the pool and the caches
            results[label] = (wrk(base, token, path, clients, seconds, work), wrk(base, token, path, 1, 5, work))
        return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--index-trial", type=int, default=0, help="vectors to trial HNSW and IVFFlat builds on")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: `apt-get install wrk`")
    work = Path(tempfile.mkdtemp(prefix="drive_tagger_million_"))
    settings = Settings(data_dir=work)
    env = {**os.environ, "DRIVE_TAGGER_DATABASE_URL": database_url(settings), "DRIVE_TAGGER_DATA_DIR": str(work)}
    env.pop("DRIVE_TAGGER_EMBEDDER", None)
    db = open_database(settings)
    try:
        n = args.documents
        stored = store(db, n, *real_vectors())
        print(f"stored {n:,}: vectors {stored['vectors']:.0f}s ({stored['index_name']})", file=sys.stderr)
        trial = index_trial(db, args.index_trial) if args.index_trial else []
        flushed = [checkpoint(db)]
        refresh = in_process(REFRESH, env)
        print(f"refreshed in {refresh['seconds']:.0f}s", file=sys.stderr)
        flushed.append(checkpoint(db))
        arrivals = in_process(ARRIVALS, env)
        workspace = db.documents.workspace(SLUG)
        top = max((f for f in db.refreshes.filters(workspace.id) if f.parent_category_id is None), key=lambda f: f.size)
        plan = explain_page(db, top.category_id)
        token = create_key(db.access, workspace=SLUG)
        reads = {
            workers: serve_and_read(env, token, top.category_id, args.clients, args.seconds, work, workers)
            for workers in (1, 2)
        }
    finally:
        db.close()
        stop_embedded_server(settings.embedded_pgdata)
        shutil.rmtree(work, ignore_errors=True)
    print_report(args, stored, trial, refresh, arrivals, reads, plan, top, flushed)


def row(label: str, seconds: float | str, peak: float | str = "", target: str = "") -> str:
    seconds = f"{seconds:.1f}" if isinstance(seconds, float) else seconds
    peak = f"{peak:.0f}" if isinstance(peak, float) else peak
    return f"{label:<58}{seconds:>14}{peak:>10}  {target}"


def print_report(args, stored, trial, refresh, arrivals, reads, plan, top, flushed) -> None:
    n = args.documents
    print(f"\n{n:,} documents, one workspace, {os.cpu_count()} cores; load average (1 min) {os.getloadavg()[0]:.1f}")
    print(row("phase", "seconds", "peak MiB", "target"))
    kind = str(stored["index_name"]).split("_")[1]
    print(row(f"store vectors: COPY {n:,} x 384 (AG News tiled)", stored["copy"]))
    print(row(f"  + the model's ANN index over them ({kind})", stored["index"]))
    print(row("  = vectors stored and indexed", stored["vectors"], stored["peak_mib"], "<= 300 s"))
    print(row("store documents (COPY + upsert)", stored["documents"]))
    stages = ", ".join(f"{k} {v:.0f}" for k, v in refresh["stages"].items())
    print(row(f"full refresh ({stages})", refresh["seconds"], refresh["peak_mib"], "(90 s, 3 GiB: refresh owner)"))
    print(row("tag 1,000 arrivals (ingest: store, embed, tag)", arrivals["seconds"], arrivals["peak_mib"]))
    one = f"{arrivals['one_p50']:.1f} / {arrivals['one_p95']:.1f}"
    print(row("tag one new document (ingest of one), ms p50 / p95", one, "", "<= 50 ms"))
    print(f"arrivals: {arrivals['tagged']} tagged, {arrivals['poor']} matched poorly")
    print(f"checkpoints before the refresh and before the arrivals: {flushed[0]:.1f} s, {flushed[1]:.1f} s")
    print(f"filters: {refresh['filters']} top-level, {refresh['sub']} sub-filters")
    print(f"\nreads through `drive-tagger serve --workers N` (wrk, {args.seconds} s; alone 5 s)")
    print(f"largest filter: {top.name!r}, {top.documents:,} documents")
    print(
        f"{'endpoint':<48}{'workers':>8}{'clients':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}  target p95"
    )
    targets = {"GET .../filters": "<= 20 ms", "GET .../filters/{id}/documents (first page)": "<= 30 ms"}
    for workers, results in reads.items():
        for label, (many, one) in results.items():
            for clients, r, seconds in ((args.clients, many, args.seconds), (1, one, 5)):
                print(
                    f"{label:<48}{workers:>8}{clients:>8}{r['requests'] / seconds:>9.0f}{r['p50'] / 1000:>9.1f}"
                    f"{r['p95'] / 1000:>9.1f}{r['errors']:>8}  {targets[label] if clients > 1 else ''}"
                )
    if trial:
        print(f"\nANN index builds over the first {args.index_trial:,} vectors (scratch table):")
        for label, seconds in trial:
            print(f"  {label:<44}{seconds:>8.1f} s")
    print(f"\nEXPLAIN ANALYZE of a filter's first page (50 of {top.documents:,}):\n{plan}")


if __name__ == "__main__":
    main()
