"""The benchmarks' API server: `drive-tagger serve` on a free port in a process of its own, waited
for until it answers, and stopped afterwards; without the queue worker `serve` runs by default, so
what a benchmark measures is the API (those measuring the queue start their own workers)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(env: dict, *options: str, start_seconds: float = 120) -> Iterator[str]:
    """Yields the server's base URL once its /docs answers."""
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "drive-tagger"), "serve", "--port", str(port), *options],
        # The API alone: a benchmark that measures the queue starts the workers it measures.
        env={"DRIVE_TAGGER_SERVE_WORKER": "false", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            try:
                if httpx.get(f"{base}/docs", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the API did not start")
            time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
