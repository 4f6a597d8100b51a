"""POST /embed under 20 concurrent clients: today's set-up (the torch backend, one model call per
request) against the default (bf16, concurrent requests batched into shared model calls), in the
same run, each through a fresh `drive-tagger serve` (today's with one worker, as `serve` ran then;
the others with its defaults); and one client alone for each.

    .venv/bin/python benchmarks/embed_load.py [--clients 20] [--seconds 20]

The clients are wrk's (Debian package `wrk`): each request embeds a different short text.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx

from benchmarks.serving import serving
from drive_tagger.adapters.postgres.embedded import stop_embedded_server
from drive_tagger.services.keys import create_key
from drive_tagger.settings import Settings
from drive_tagger.wiring import database_url, open_database

SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local body = string.format('{"input": "Quarterly invoice %d for the hosting contract, due in March"}',
    math.random(1, 1000000000))
  return wrk.format(nil, nil, nil, body)
end
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "errors": %d, "p50": %d, "p95": %d}\\n', summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout, latency:percentile(50), latency:percentile(95)))
end
"""
TORCH = "sentence-transformers:sentence-transformers/all-MiniLM-L6-v2"
# (label, environment, `serve` options): "today" is the set-up the issue measured, one worker
# as `serve` ran then; the others run `serve`'s defaults (a worker per core).
SETUPS = [
    (
        "today: torch backend, a model call per request",
        {"DRIVE_TAGGER_EMBEDDER": TORCH, "DRIVE_TAGGER_API_EMBED_BATCH": "1"},
        ("--workers", "1"),
    ),
    ("bf16 backend, a model call per request", {"DRIVE_TAGGER_API_EMBED_BATCH": "1"}, ()),
    ("default: bf16 backend, concurrent requests batched", {}, ()),
]


def wrk(url: str, token: str, clients: int, seconds: int, script: Path) -> dict:
    out = subprocess.run(
        [
            "wrk",
            f"-t{min(2, clients)}",
            f"-c{clients}",
            f"-d{seconds}s",
            "--timeout=60s",
            "-s",
            str(script),
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(env: dict, options: tuple[str, ...], token: str, clients: int, seconds: int, script: Path):
    with serving(env, *options) as base:
        url = f"{base}/embed"
        warm_up = {"input": "warm up"}
        httpx.post(url, json=warm_up, headers={"Authorization": f"Bearer {token}"}, timeout=120).raise_for_status()
        wrk(url, token, clients, 3, script)  # every lane warm
        return wrk(url, token, clients, seconds, script), wrk(url, token, 1, max(5, seconds // 2), script)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: `apt-get install wrk`")
    work = Path(tempfile.mkdtemp(prefix="drive_tagger_embed_"))
    script = work / "embed.lua"
    script.write_text(SCRIPT)
    settings = Settings(data_dir=work)
    with open_database(settings) as db:
        token = create_key(db.access, admin=True)
    base_env = {**os.environ, "DRIVE_TAGGER_DATABASE_URL": database_url(settings), "DRIVE_TAGGER_DATA_DIR": str(work)}
    for key in ("DRIVE_TAGGER_EMBEDDER", "DRIVE_TAGGER_API_EMBED_BATCH"):
        base_env.pop(key, None)
    results = []
    try:
        for label, extra, options in SETUPS:
            env = {**base_env, **extra}
            results.append((label, *measure(env, options, token, args.clients, args.seconds, script)))
    finally:
        stop_embedded_server(settings.embedded_pgdata)
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nPOST /embed, `drive-tagger serve`, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    print(f"{'set-up':<52}{'clients':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'errors':>7}{'x today':>8}")
    today = results[0][1]["requests"] / args.seconds
    for label, many, one in results:
        for clients, r, seconds in ((args.clients, many, args.seconds), (1, one, max(5, args.seconds // 2))):
            rate = r["requests"] / seconds
            ratio = f"{rate / today:.2f}" if clients > 1 else ""
            print(
                f"{label:<52}{clients:>8}{rate:>8.1f}{r['p50'] / 1000:>9.1f}{r['p95'] / 1000:>9.1f}{r['errors']:>7}"
                f"{ratio:>8}"
            )


if __name__ == "__main__":
    main()
