"""The web page's accessibility, checked by axe-core (the npm package `make browser` installs into
the virtual environment) run inside the page in each of its views, wide and narrow: no serious or
critical violation anywhere."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys

from drive_tagger.services.query import list_filters
from tests.browser import Page

pytestmark = pytest.mark.xdist_group("browser")

AXE = Path(sys.executable).parent.parent / "node_modules" / "axe-core" / "axe.min.js"
MODEL_WAIT = 240  # the server loads the model on its first search
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then((found) => done(found.violations.map((v) => ({
  rule: v.id, impact: v.impact, help: v.help, where: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
}))));
"""
SEVERE = ("serious", "critical")


def _severe(page: Page) -> list[dict]:
    if not page.browser.execute_script("return typeof axe !== 'undefined'"):
        page.browser.execute_script(AXE.read_text())
    return [v for v in page.browser.execute_async_script(RUN_AXE) if v["impact"] in SEVERE]


@pytest.mark.parametrize("width", [1366, 600])
def test_no_view_of_the_page_has_a_serious_or_critical_accessibility_violation(page, drive, module_db, width):
    assert AXE.is_file(), f"{AXE} is missing: `make browser` installs axe-core"
    page.browser.set_window_size(width, 900)
    try:
        found = {}
        page.browser.get(page.site)
        page.browser.execute_script("localStorage.clear()")
        page.browser.get(page.site)
        page.wait_for("#key")
        found["the key form"] = _severe(page)
        page.wait_for("#key").send_keys(drive.key, Keys.ENTER)
        page.wait_for("#sidebar .untagged")
        top = next(f for f in list_filters(module_db.refreshes, drive.slug) if f.parent_category_id is None)
        page.open_filter(top.category_id)
        page.all("#pane-documents .pick")[0].click()
        found["a filter's documents, one ticked"] = _severe(page)
        page.click("#pane-documents .doc .title")
        page.wait_for("#detail .pane-head")
        found["a document open"] = _severe(page)
        page.click("[data-action=close-document]")
        page.wait_for("#query").send_keys("invoice payment", Keys.ENTER)
        page.wait_for("#pane-documents [data-view=search]", timeout=MODEL_WAIT)
        found["search results"] = _severe(page)
        page.click("[data-tab=map]")
        page.wait_for("#map canvas")
        found["the map"] = _severe(page)
        page.click("[data-tab=changes]")
        page.wait_for("#pane-changes .pane-head")
        found["the last refresh"] = _severe(page)
        page.shot(f"a11y-{width}")
    finally:
        page.browser.set_window_size(1440, 900)
    severe = {view: problems for view, problems in found.items() if problems}
    assert not severe, "\n".join(f"{view}: {p}" for view, ps in severe.items() for p in ps)
