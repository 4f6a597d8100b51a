"""The queue worker `drive-tagger serve` runs beside the API (cli/beside.py): it runs while the
server does, is started again when it dies, stops with the server, and is not started at all
when DRIVE_TAGGER_SERVE_WORKER is off."""

import multiprocessing
import os
import signal
import time

import pytest

from drive_tagger.cli import beside
from drive_tagger.settings import Settings

pytestmark = pytest.mark.xdist_group("workers")  # worker processes are heavy; keep them on one runner


def _workers() -> list:
    return [p for p in multiprocessing.active_children() if p.name == "drive-tagger worker" and p.is_alive()]


def _wait_for(condition, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.2)
    raise AssertionError("not within the time allowed")


def test_the_worker_runs_beside_is_started_again_when_it_dies_and_stops_with_the_server(settings, monkeypatch):
    monkeypatch.setattr(beside, "RESTART_SECONDS", 0.5)
    with beside.worker_beside(settings):
        first = _wait_for(_workers)[0]
        os.kill(first.pid, signal.SIGKILL)
        second = _wait_for(lambda: [p for p in _workers() if p.pid != first.pid])[0]
        assert second.is_alive()
    assert not _workers() and second.exitcode is not None


def test_no_worker_is_started_when_the_setting_is_off(settings):
    with beside.worker_beside(Settings(**{**settings.model_dump(), "serve_worker": False})):
        time.sleep(1)
        assert not _workers()
