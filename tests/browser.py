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
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait

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
    """`drive-tagger serve` on a free port of 127.0.0.1, with the given environment and options."""

    def __init__(self, env: dict[str, str], log: Path, *options: str):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(DRIVE_TAGGER), "serve", "--port", str(port), *options],
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


class Page:
    """The web page as a person uses it: what they click and type, and what they then see."""

    def __init__(self, browser, site: str, shots: Path, *, wait: float = 30):
        self.browser, self.site, self.shots, self.wait = browser, site, shots, wait

    def open_with(self, key: str) -> Page:
        self.browser.get(self.site)
        self.browser.execute_script("localStorage.clear()")
        self.browser.get(self.site)
        self.wait_for("#key").send_keys(key, Keys.ENTER)
        self.wait_for("#sidebar .untagged")
        return self

    def wait_for(self, css: str, timeout: float | None = None):
        visible = seen.visibility_of_element_located((By.CSS_SELECTOR, css))
        return WebDriverWait(self.browser, timeout or self.wait).until(visible)

    def wait_until(self, condition, timeout: float | None = None):
        """condition() comes true; parts of the page it reads may be replaced meanwhile."""
        ignored = (StaleElementReferenceException,)
        waiting = WebDriverWait(self.browser, timeout or self.wait, ignored_exceptions=ignored)
        return waiting.until(lambda _: condition())

    def all(self, css: str) -> list:
        return self.browser.find_elements(By.CSS_SELECTOR, css)

    def texts(self, css: str) -> list[str]:
        return [e.text for e in self.all(css)]

    def click(self, css: str) -> None:
        self.wait_for(css).click()

    def open_filter(self, category_id: int) -> None:
        self.click(f'#sidebar .filter[data-filter="{category_id}"]')
        self.wait_for(f'#pane-documents [data-view=filter][data-filter="{category_id}"]')

    def listed_documents(self) -> list[str]:
        return [e.get_attribute("data-document") for e in self.all("#pane-documents .doc")]

    def sidebar(self) -> dict[str, str]:
        return {
            e.find_element(By.CSS_SELECTOR, ".name").text: e.find_element(By.CSS_SELECTOR, ".count").text
            for e in self.all("#sidebar .filter")
        }

    def fetch_status(self, path: str) -> int:
        """The status the page's own key gets for a path of this server."""
        return self.browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0], {headers: {Authorization: `Bearer ${localStorage.getItem('drive_tagger.key')}`}})"
            ".then(r => done(r.status));",
            path,
        )

    def planted(self, selector: str) -> list[str]:
        """Elements that markup stored in a document or a filter would have made (matched by
        `selector`), as HTML."""
        return self.browser.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map((e) => e.outerHTML)", selector
        )

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.browser.save_screenshot(str(path))
        return path
