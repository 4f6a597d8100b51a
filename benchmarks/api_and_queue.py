"""Benchmark: p50/p95 latency of GET .../filters and POST /embed under 20 concurrent clients on a
10,000-document workspace, and how long a refresh waits in the queue after a burst of 100 ingests.

    .venv/bin/python -m benchmarks.api_and_queue [--documents 10000] [--clients 20]

Runs on a throwaway embedded Postgres (or DRIVE_TAGGER_DATABASE_URL if set; it then writes the
workspaces bench-10k and bench-burst there). The 10,000 documents get synthetic clustered unit
vectors stored directly, so nothing embeds them; the refresh is the real one. The API runs as
`drive-tagger serve` (uvicorn, 127.0.0.1) and a real `drive-tagger worker` handles the burst.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from benchmarks.serving import BIN, serving
from benchmarks.synthetic import TOPICS, synthesize
from drive_tagger.adapters.postgres.embedded import stop_embedded_server
from drive_tagger.services.keys import create_key
from drive_tagger.services.refresh import refresh_workspace
from drive_tagger.settings import Settings
from drive_tagger.wiring import database_url, make_embedder, make_namer, open_database, refresh_params


def drive(clients: int, total: int, seconds: float, call) -> list[float]:
    """`clients` threads share `total` requests, stopping early after `seconds`; latencies in ms."""
    deadline = time.monotonic() + seconds
    per_client = total // clients

    def client(index: int) -> list[float]:
        out = []
        with httpx.Client(timeout=60) as http:
            for k in range(per_client):
                if time.monotonic() > deadline:
                    break
                started = time.perf_counter()
                response = call(http, index, k)
                response.raise_for_status()
                out.append((time.perf_counter() - started) * 1000)
        return out

    with ThreadPoolExecutor(clients) as pool:
        return [ms for part in pool.map(client, range(clients)) for ms in part]


def summary(name: str, ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100)
    return f"{name}: p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms over {len(ms)} requests"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400, help="requests per endpoint")
    parser.add_argument("--burst", type=int, default=100)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="drive_tagger_bench_"))
    settings = Settings(data_dir=data_dir) if "DRIVE_TAGGER_DATABASE_URL" not in os.environ else Settings()
    env = {**os.environ, "DRIVE_TAGGER_DATABASE_URL": database_url(settings), "DRIVE_TAGGER_DATA_DIR": str(data_dir)}
    db = open_database(settings)
    model = make_embedder(settings).model_id

    started = time.perf_counter()
    synthesize(db, "bench-10k", args.documents, model)
    namer = make_namer(settings)
    report = refresh_workspace(db.documents, db.refreshes, "bench-10k", refresh_params(settings), namer=namer)
    print(
        f"setup: {args.documents} documents stored with synthetic vectors and refreshed "
        f"({report.categories} filters) in {time.perf_counter() - started:.1f}s"
    )
    key = create_key(db.access, admin=True)
    headers = {"Authorization": f"Bearer {key}"}

    worker = None
    try:
        with serving(env) as base:
            httpx.post(f"{base}/embed", json={"input": "warm up"}, headers=headers, timeout=120).raise_for_status()

            filters = drive(
                args.clients,
                args.requests,
                120,
                lambda http, i, k: http.get(f"{base}/v1/workspaces/bench-10k/filters", headers=headers),
            )
            print(
                summary(
                    f"GET /v1/workspaces/bench-10k/filters ({args.clients} clients, {args.documents} docs)", filters
                )
            )
            embeds = drive(
                args.clients,
                args.requests,
                120,
                lambda http, i, k: http.post(
                    f"{base}/embed",
                    json={"input": f"Quarterly invoice {i}-{k} for the hosting contract, due in March"},
                    headers=headers,
                ),
            )
            print(summary(f"POST /embed ({args.clients} clients)", embeds))

            # The burst: a warm worker waits; 100 ingests arrive from the clients at once.
            worker = subprocess.Popen(
                [str(BIN / "drive-tagger"), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            synthesize(db, "bench-burst", 200, model, seed=1)
            warm = httpx.post(
                f"{base}/v1/workspaces/bench-burst/documents",
                headers=headers,
                json={"documents": [{"id": "warm", "text": "warm the worker's model"}]},
            ).json()["job_id"]
            wait_until(db, lambda: settled(db), 300)
            warm = max(j["id"] for j in db.jobs.jobs(workspace="bench-burst", limit=50))
            burst_started = time.perf_counter()
            drive(
                args.clients,
                args.burst,
                120,
                lambda http, i, k: http.post(
                    f"{base}/v1/workspaces/bench-burst/documents",
                    headers=headers,
                    json={
                        "documents": [
                            {
                                "id": f"burst-{i}-{k}",
                                "title": f"Burst {i}-{k}",
                                "text": f"{TOPICS[(i + k) % 10]} note {i} {k}",
                            }
                        ]
                    },
                ),
            )
            burst_ended = time.time()
            burst_seconds = time.perf_counter() - burst_started
            time.sleep(1)
            wait_until(db, lambda: settled(db), 600)
            jobs = [j for j in db.jobs.jobs(workspace="bench-burst", limit=50) if j["id"] > warm]
            job = max((j for j in jobs if j["task_name"] == "refresh"), key=lambda j: j["id"])
            embeds_n = sum(1 for j in jobs if j["task_name"] == "embed_pending")
            refreshes = sum(1 for j in jobs if j["task_name"] == "refresh")
            print(
                f"burst: {args.burst} ingests in {burst_seconds:.1f}s -> {embeds_n} embed_pending job(s), "
                f"{refreshes} refresh job(s)"
            )
            print(
                f"refresh after the burst: waited {(job['started_at'] - job['queued_at']).total_seconds():.2f}s "
                f"in the queue; started {job['started_at'].timestamp() - burst_ended:.2f}s and finished "
                f"{job['finished_at'].timestamp() - burst_ended:.2f}s after the last ingest"
            )
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        db.close()
        if "DRIVE_TAGGER_DATABASE_URL" not in os.environ:
            stop_embedded_server(settings.embedded_pgdata)


def settled(db):
    """True once no job of the burst workspace waits or runs."""
    return not any(j["status"] in ("todo", "doing") for j in db.jobs.jobs(workspace="bench-burst", limit=50))


def wait_until(db, predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise SystemExit("timed out waiting for the queue")


if __name__ == "__main__":
    main()
