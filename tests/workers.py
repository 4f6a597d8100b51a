"""Real `drive-tagger worker` processes for the job tests, and waiting on the database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

DRIVE_TAGGER = Path(sys.executable).parent / "drive-tagger"

# Quick beats, short waits: a killed worker is noticed in ~2 s, retries wait 0.2 s, 0.4 s.
FAST_QUEUE = {
    "DRIVE_TAGGER_WORKER_HEARTBEAT_SECONDS": "0.5",
    "DRIVE_TAGGER_WORKER_STALLED_SECONDS": "2",
    "DRIVE_TAGGER_WORKER_POLL_SECONDS": "0.2",
    "DRIVE_TAGGER_JOB_RETRY_BACKOFF_SECONDS": "0.2",
}


class WorkerProcess:
    def __init__(self, env: dict[str, str], log: Path, **settings: str):
        self.log = log
        full_env = {**os.environ, **env, **FAST_QUEUE, **settings}
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(DRIVE_TAGGER), "worker"], env=full_env, stdout=out, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, its jobs stay `doing` and its heartbeat stops."""
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_for(predicate, timeout: float = 120.0, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
