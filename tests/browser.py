"""A real browser for the web page's tests and its benchmark: Debian's headless Chromium through
chromedriver (both installed by `make test`), and `drive-tagger serve` as a process of its own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DRIVE_TAGGER = Path(sys.executable).parent / "drive-tagger"
# Without the background-networking switches Chromium's own connections are refused here and
# it stalls; a fresh profile per browser keeps tests from sharing storage.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1440,900",
)


def chromium(profile: Path | None = None) -> webdriver.Chrome:
    """A headless Chromium with a fresh profile (under `profile`, or a temporary folder)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-', dir=profile)}")
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """`drive-tagger serve` on a free port of 127.0.0.1, with the given environment."""

    def __init__(self, env: dict[str, str], log: Path):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(DRIVE_TAGGER), "serve", "--port", str(port)],
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"{self.url}/openapi.json", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"drive-tagger serve did not start; see {log}")

    def stop(self) -> None:
        """SIGTERM, and SIGKILL if it has not ended within 30 s (a busy machine can be slow to)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
