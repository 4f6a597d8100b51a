"""The queue worker `drive-tagger serve` runs beside the API: `drive-tagger worker` in a process
of its own, for as long as the server runs, started again when it ends unasked (its running jobs
go back to the queue, as any stopped worker's do)."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from drive_tagger.settings import Settings

log = logging.getLogger(__name__)

WORKER_NAME = "serve"
RESTART_SECONDS = 5.0  # between a worker's end and the next one's start: no tight loop on a fault


def _run(settings: Settings) -> None:
    """The worker process's body (spawned: a fresh interpreter, no state shared with the server)."""
    from drive_tagger.wiring import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_worker(settings, name=WORKER_NAME)


@contextmanager
def worker_beside(settings: Settings) -> Iterator[None]:
    """Runs a worker beside what the block runs (unless settings.serve_worker is off), and stops it
    when the block ends: SIGTERM, then its grace period, then SIGKILL."""
    if not settings.serve_worker:
        yield
        return
    spawn = multiprocessing.get_context("spawn")
    stopping = threading.Event()
    running: list = []

    def keep_one_running() -> None:
        while not stopping.is_set():
            process = spawn.Process(target=_run, args=(settings,), name="drive-tagger worker", daemon=True)
            process.start()
            running[:] = [process]
            while process.is_alive() and not stopping.wait(1.0):
                pass
            if not stopping.is_set():
                log.warning("the server's worker ended (exit code %s); starting another", process.exitcode)
                stopping.wait(RESTART_SECONDS)

    keeper = threading.Thread(target=keep_one_running, name="worker keeper", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        stopping.set()
        keeper.join(timeout=5)
        for process in running:
            process.terminate()
            process.join(timeout=settings.worker_grace_seconds + 5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
