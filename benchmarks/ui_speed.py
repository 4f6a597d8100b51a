"""The web page's speed on a 100,000-document workspace, through the real `drive-tagger serve`
and a real headless Chromium: the first paint of `/` (from navigation until the workspace's
filters are painted in the sidebar) and a filter's first page (from the click until its
documents are painted). Budget: first paint under 300 ms, a filter's first page under 100 ms.

    .venv/bin/python -m benchmarks.ui_speed [--documents 100000] [--runs 15]

A throwaway embedded Postgres holds the workspace (benchmarks/synthetic.py: clustered vectors
stored directly, then the real refresh). The page marks when what a person asked for has been
painted (performance.mark after the next frame), and the browser's own clock is read. Each
figure is measured twice: right after the refresh wrote its 100,000 links, and once the tables
have been vacuumed and analysed (what autovacuum does within a minute or two of a bulk write).
The server's own time per request is shown apart. Prints its figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait

from benchmarks.synthetic import synthesize
from drive_tagger.adapters.postgres.embedded import stop_embedded_server
from drive_tagger.services.keys import create_key
from drive_tagger.services.refresh import refresh_workspace
from drive_tagger.settings import Settings
from drive_tagger.wiring import database_url, make_namer, open_database, refresh_params
from tests.browser import Served, chromium

SLUG = "ui"
BUDGET_MS = {
    "first paint of / (filters painted)": 300,
    "a filter's first page (click to painted)": 100,
    "the map (click to drawn)": 1500,
}
# Resolves with the time of the first mark of that name made after `since` (the page's clock, ms).
WAIT_FOR_MARK = """
const [name, since, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const look = () => {
  const mark = performance.getEntriesByName(name).find((m) => m.startTime > since);
  mark ? done(mark.startTime) : setTimeout(look, 2);
};
look();
"""
CLICK_FILTER = """
const t0 = performance.now();
document.querySelector(`#sidebar .filter[data-filter="${arguments[0]}"]`).click();
return t0;
"""


def first_paint(driver, url: str) -> tuple[float, float]:
    """(the page's first contentful paint, the filters painted), in ms after navigation start."""
    driver.get(url)
    filters = driver.execute_async_script(WAIT_FOR_MARK, "drive_tagger:sidebar", 0)
    shell = driver.execute_script("return performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null")
    return shell, filters


def filter_page(driver, category_id: int) -> float:
    """ms from the click on a filter until its first page of documents is painted."""
    clicked = driver.execute_script(CLICK_FILTER, category_id)
    return driver.execute_async_script(WAIT_FOR_MARK, "drive_tagger:documents", clicked) - clicked


CLICK_MAP = """
document.querySelector('[data-tab=documents]').click();
const t0 = performance.now();
document.querySelector('[data-tab=map]').click();
return t0;
"""


def map_drawn(driver) -> float:
    """ms from the click on the Map tab until the map is drawn (fetched, laid on the canvas, labelled)."""
    clicked = driver.execute_script(CLICK_MAP)
    return driver.execute_async_script(WAIT_FOR_MARK, "drive_tagger:map", clicked) - clicked


def server_ms(client: httpx.Client, path: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return times


def row(label: str, values: list[float]) -> str:
    budget = BUDGET_MS.get(label)
    cold, rest = values[0], values[1:] or values
    p95 = statistics.quantiles(rest, n=20)[-1] if len(rest) >= 2 else rest[0]
    shown = f"{label:<44}{cold:>9.1f}{statistics.median(rest):>9.1f}{p95:>9.1f}"
    return shown + (f"{budget:>9} ms" if budget else "")


def measure(driver, client: httpx.Client, url: str, filter_ids: list[int], runs: int) -> list[str]:
    paints = [first_paint(driver, url) for _ in range(runs)]
    pages = [filter_page(driver, filter_ids[i % len(filter_ids)]) for i in range(runs)]
    maps = [map_drawn(driver) for _ in range(runs)]
    base = f"/ui/workspaces/{SLUG}"
    return [
        f"{'':<44}{'first':>9}{'median':>9}{'p95':>9}{'budget':>12}",
        row("first paint of / (filters painted)", [f for _, f in paints]),
        row("  the page's own first paint (FCP)", [s for s, _ in paints]),
        row("a filter's first page (click to painted)", pages),
        row("the map (click to drawn)", maps),
        row("  server: GET /", server_ms(client, "/", runs)),
        row("  server: GET /v1/workspaces", server_ms(client, "/v1/workspaces", runs)),
        row("  server: GET .../sidebar", server_ms(client, f"{base}/sidebar", runs)),
        row("  server: GET .../filters/{id} (first page)", server_ms(client, f"{base}/filters/{filter_ids[0]}", runs)),
        row("  server: GET .../map", server_ms(client, f"{base}/map", runs)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="drive_tagger_ui_"))
    settings = Settings(data_dir=work / "data")
    db = open_database(settings)
    started = time.perf_counter()
    synthesize(db, SLUG, args.documents, "sentence-transformers/all-MiniLM-L6-v2")
    report = refresh_workspace(db.documents, db.refreshes, SLUG, refresh_params(settings), namer=make_namer(settings))
    workspace_id = db.documents.workspace(SLUG).id
    filter_ids = [f.category_id for f in db.refreshes.filters(workspace_id) if f.parent_category_id is None]
    token = create_key(db.access, workspace=SLUG)
    print(
        f"setup: {args.documents:,} documents stored and refreshed into {report.categories} filters "
        f"({report.subcategories} sub-filters, {report.untagged:,} untagged) in {time.perf_counter() - started:.0f}s"
    )
    env = {"DRIVE_TAGGER_DATABASE_URL": database_url(settings), "DRIVE_TAGGER_DATA_DIR": str(settings.data_dir)}
    served = Served(env, work / "serve.log")
    driver = chromium(work)
    try:
        driver.get(served.url)
        WebDriverWait(driver, 30).until(seen.visibility_of_element_located((By.ID, "key"))).send_keys(token, Keys.ENTER)
        WebDriverWait(driver, 60).until(seen.visibility_of_element_located((By.CSS_SELECTOR, "#sidebar .filter")))
        with httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            print(f"\nright after the refresh ({args.runs} runs each; 'first' is the first run, then median and p95):")
            print("\n".join(measure(driver, client, served.url, filter_ids, args.runs)))
            db.conn.execute("vacuum (analyze) documents, document_categories, categories, embeddings")
            print("\nonce vacuumed and analysed (autovacuum's work after a bulk write):")
            print("\n".join(measure(driver, client, served.url, filter_ids, args.runs)))
    finally:
        driver.quit()
        served.stop()
        db.close()
        stop_embedded_server(settings.embedded_pgdata)


if __name__ == "__main__":
    main()
