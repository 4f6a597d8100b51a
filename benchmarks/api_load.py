"""Load: 200 concurrent clients for 60 s against a 100,000-document workspace, through the real
`drive-tagger serve`; prints requests, errors, timeouts and p50/p95 per endpoint.

    .venv/bin/python benchmarks/api_load.py [--documents 100000] [--clients 200] [--seconds 60]

A throwaway embedded Postgres holds the workspace (synthetic clustered vectors, then the real
refresh). The clients are wrk's (Debian package `wrk`; `make benchmark-load` installs it): a
Python client at 200 connections spends more of the 2 cores than the server it measures. The
200 connections are split between the endpoints a drive app calls, one wrk per endpoint, all
at once, each request waiting at most 30 s. Target: 0 errors and 0 timeouts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.serving import serving
from benchmarks.synthetic import synthesize
from drive_tagger.adapters.postgres.embedded import stop_embedded_server
from drive_tagger.services.keys import create_key
from drive_tagger.services.refresh import refresh_workspace
from drive_tagger.settings import Settings
from drive_tagger.wiring import database_url, make_namer, open_database, refresh_params

SLUG = "load"
TIMEOUT_SECONDS = 30
# Each wrk reports as one JSON line: requests, failures by kind, latency percentiles (us).
REPORT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "status": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d, '
    .. '"p50": %d, "p95": %d}\\n', summary.requests, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout, latency:percentile(50), latency:percentile(95)))
end
"""


def scripts(filter_ids: list[int], documents: int) -> list[tuple[str, float, str]]:
    """(label, share of the clients, wrk Lua script) per endpoint a drive app calls."""
    base = f"/v1/workspaces/{SLUG}"
    ids = ", ".join(map(str, filter_ids))
    post = (
        '"{\\"documents\\": [{\\"id\\": \\"new-" .. math.random(1, 1000000000) .. '
        '"\\", \\"text\\": \\"incoming note about supplier invoices\\"}]}"'
    )
    return [
        ("GET  .../filters", 0.35, f'request = function() return wrk.format("GET", "{base}/filters") end'),
        (
            "GET  .../filters/{id}/documents",
            0.30,
            f'local ids = {{{ids}}}\nrequest = function() return wrk.format("GET", "{base}/filters/" .. '
            'ids[math.random(#ids)] .. "/documents?limit=50&offset=" .. math.random(0, 500)) end',
        ),
        (
            "GET  .../documents/{id}",
            0.25,
            f'request = function() return wrk.format("GET", string.format("{base}/documents/doc-%07d.txt", '
            f"math.random(0, {documents - 1}))) end",
        ),
        (
            "POST .../documents",
            0.10,
            f'wrk.headers["Content-Type"] = "application/json"\n'
            f'request = function() return wrk.format("POST", "{base}/documents", nil, {post}) end',
        ),
    ]


def run_load(base: str, token: str, plan, clients: int, seconds: int, work: Path) -> list[tuple[str, dict]]:
    processes = []
    for number, (label, share, script) in enumerate(plan):
        path = work / f"endpoint{number}.lua"
        path.write_text(f"math.randomseed({number + 1})\n{script}\n{REPORT}")
        connections = max(1, round(clients * share))
        processes.append(
            (
                label,
                subprocess.Popen(
                    [
                        "wrk",
                        "-t1",
                        f"-c{connections}",
                        f"-d{seconds}s",
                        f"--timeout={TIMEOUT_SECONDS}s",
                        "-s",
                        str(path),
                        "-H",
                        f"Authorization: Bearer {token}",
                        base,
                    ],
                    stdout=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    results = []
    for label, process in processes:
        out, _ = process.communicate(timeout=seconds + TIMEOUT_SECONDS + 60)
        results.append((label, json.loads(out.strip().splitlines()[-1])))
    return results


def table(results: list[tuple[str, dict]], seconds: int, clients: dict[str, int]) -> None:
    columns = ("clients", "requests", "req/s", "errors", "timeouts", "p50 ms", "p95 ms")
    print(f"{'endpoint':<34}" + "".join(f"{c:>10}" for c in columns))
    for label, r in results:
        errors = r["status"] + r["connect"] + r["read"] + r["write"]
        print(
            f"{label:<34}{clients[label]:>10}{r['requests']:>10}{r['requests'] / seconds:>10.1f}{errors:>10}"
            f"{r['timeout']:>10}{r['p50'] / 1000:>10.1f}{r['p95'] / 1000:>10.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: `apt-get install wrk` (or `make benchmark-load`, which installs it)")
    data_dir = Path(tempfile.mkdtemp(prefix="drive_tagger_load_"))
    settings = Settings(data_dir=data_dir)
    db = open_database(settings)
    started = time.perf_counter()
    synthesize(db, SLUG, args.documents, "sentence-transformers/all-MiniLM-L6-v2")
    stored = time.perf_counter() - started
    report = refresh_workspace(db.documents, db.refreshes, SLUG, refresh_params(settings), namer=make_namer(settings))
    filter_ids = [f.category_id for f in db.refreshes.filters(db.documents.workspace(SLUG).id)]
    print(
        f"setup: {args.documents:,} documents stored in {stored:.0f}s, refreshed into {report.categories} filters "
        f"({report.subcategories} sub-filters) in {sum(report.seconds.values()):.0f}s"
    )
    token = create_key(db.access, workspace=SLUG)
    db.close()
    env = {**os.environ, "DRIVE_TAGGER_DATABASE_URL": database_url(settings), "DRIVE_TAGGER_DATA_DIR": str(data_dir)}
    try:
        with serving(env) as base:
            plan = scripts(filter_ids, args.documents)
            results = run_load(base, token, plan, args.clients, args.seconds, data_dir)
            print(
                f"\n{args.clients} concurrent clients (wrk) for {args.seconds}s on a {args.documents:,}-document "
                "workspace; one `drive-tagger serve` process; 2 cores shared by server, Postgres and clients:"
            )
            table(results, args.seconds, {label: max(1, round(args.clients * share)) for label, share, _ in plan})
    finally:
        stop_embedded_server(settings.embedded_pgdata)


if __name__ == "__main__":
    main()
