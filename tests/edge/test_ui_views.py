"""The web page's addresses, layouts, search states, keys and background work, in a real browser
against `drive-tagger serve` on the sample drive: every view has an address that a reload, Back,
Forward and a shared link bring back; the layout holds from 360 px up; a search says when nothing
is close and why a query is refused; the arrow keys move through lists and tabs."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from drive_tagger.core.params import SEARCH_FLOOR
from drive_tagger.services.query import list_filters
from tests.browser import Page
from tests.edge.conftest import Drive

pytestmark = pytest.mark.xdist_group("browser")

MODEL_WAIT = 240  # the server (or a worker) loads the model on its first search (or refresh)
NDA = "contracts/mutual-nda-brightwave.md"


def _top(db, drive: Drive):
    return next(f for f in list_filters(db.refreshes, drive.slug) if f.parent_category_id is None)


def _path(page: Page) -> str:
    return page.browser.current_url.removeprefix(page.site)


def _open_document(page: Page, external_id: str) -> None:
    page.click(f'#pane-documents .doc[data-document="{external_id}"] .title')
    page.wait_for(f'#detail .pane-head[data-document="{external_id}"]')


def _holder_of(db, drive: Drive, external_id: str):
    workspace = db.documents.workspace(drive.slug)
    document_id = db.documents.find_document(workspace.id, external_id).id
    tags = db.refreshes.document_tags(workspace.id, document_id)
    return next(f for f in list_filters(db.refreshes, drive.slug) if f.category_id == tags[0].category_id)


def test_a_filter_and_a_document_have_addresses_that_reload_back_and_forward_bring_back(page, drive, module_db):
    holder = _holder_of(module_db, drive, NDA)
    page.open_with(drive.key)
    assert _path(page) == f"/w/{drive.slug}"
    page.open_filter(holder.category_id)
    assert _path(page) == f"/w/{drive.slug}/f/{holder.category_id}"
    _open_document(page, NDA)
    assert _path(page) == f"/w/{drive.slug}/f/{holder.category_id}/d/{quote(NDA, safe='')}"

    page.browser.refresh()
    page.wait_for(f'#detail .pane-head[data-document="{NDA}"]')
    page.wait_for(f'#pane-documents [data-view=filter][data-filter="{holder.category_id}"]')
    assert page.all(f'#sidebar .filter.active[data-filter="{holder.category_id}"]')

    page.browser.back()
    page.wait_until(lambda: not page.browser.execute_script("return !document.querySelector('#detail').hidden"))
    assert _path(page) == f"/w/{drive.slug}/f/{holder.category_id}"
    page.browser.back()
    page.wait_until(lambda: not page.all("#pane-documents [data-view=filter]"))
    assert _path(page) == f"/w/{drive.slug}"
    page.browser.forward()
    page.wait_for(f'#pane-documents [data-view=filter][data-filter="{holder.category_id}"]')


def test_a_shared_search_link_opens_its_results_once_the_key_is_given(page, drive):
    page.browser.get(page.site)
    page.browser.execute_script("localStorage.clear()")
    page.browser.get(f"{page.site}/w/{drive.slug}/search?q=non-disclosure+agreement")
    page.wait_for("#key").send_keys(drive.key, Keys.ENTER)
    page.wait_for("#pane-documents [data-view=search]", timeout=MODEL_WAIT)
    assert page.wait_for("#query").get_attribute("value") == "non-disclosure agreement"
    assert NDA in page.listed_documents()[:3]
    assert _path(page) == f"/w/{drive.slug}/search?q=non-disclosure+agreement"


def test_a_link_to_the_map_tab_or_the_last_refresh_opens_that_tab(page, drive):
    page.open_with(drive.key)
    page.browser.get(f"{page.site}/w/{drive.slug}?tab=changes")
    page.wait_for("#pane-changes .pane-head")
    assert page.wait_for("[data-tab=changes]").get_attribute("aria-selected") == "true"


def test_an_address_of_a_workspace_the_key_may_not_use_says_so_and_shows_its_own(page, drive):
    page.open_with(drive.key)
    page.browser.get(f"{page.site}/w/someone-elses/f/1")
    page.wait_until(lambda: "may not use workspace “someone-elses”" in page.wait_for("#status").text)
    assert _path(page) == f"/w/{drive.slug}"


def test_an_address_of_a_filter_that_is_gone_says_so_in_place_of_the_list(page, drive):
    page.open_with(drive.key)
    page.browser.get(f"{page.site}/w/{drive.slug}/f/987654")
    problem = page.wait_for("#pane-documents .problem")
    assert "987654" in problem.text
    assert not page.all("#pane-documents .doc")


@pytest.mark.parametrize("width", [360, 600, 1366])
def test_the_layout_holds_at_every_width_and_an_open_document_never_squeezes_the_list(page, drive, module_db, width):
    page.browser.set_window_size(width, 900)
    try:
        page.open_with(drive.key)
        page.open_filter(_top(module_db, drive).category_id)
        overflow = "return document.documentElement.scrollWidth - window.innerWidth"
        assert page.browser.execute_script(overflow) <= 0
        titles = [e.rect["width"] for e in page.all("#pane-documents .doc .title")]
        assert min(titles) > min(200, width / 3), "a row's title keeps a column wide enough to read"
        page.shot(f"filter-{width}")
        page.click("#pane-documents [data-action=rename]")
        page.wait_for("#pane-documents [data-role=rename] input")
        assert page.browser.execute_script(overflow) <= 0, "the rename form wraps within the width"
        page.browser.find_element("css selector", "#pane-documents [data-role=rename] input").send_keys(Keys.ESCAPE)
        page.click("#pane-documents .doc .title")
        page.wait_for("#detail .pane-head")
        assert page.browser.execute_script(overflow) <= 0
        close = page.wait_for("#detail [data-action=close-document]").rect
        assert close["x"] + close["width"] <= width, "the close button is in reach"
        listed = page.browser.execute_script("return document.querySelector('.main').getBoundingClientRect().width")
        panel = page.browser.execute_script("return document.querySelector('#detail').getBoundingClientRect().width")
        assert listed > 300 or panel >= width - 20, "beside the list only where both fit, else over the whole page"
        page.shot(f"document-{width}")
    finally:
        page.browser.set_window_size(1440, 900)


def test_a_search_with_nothing_close_says_so_and_keeps_the_far_ones_folded_away(page, drive):
    page.open_with(drive.key)
    page.wait_for("#query").send_keys("qwzx blorp fnordle", Keys.ENTER)
    page.wait_for("#pane-documents [data-view=search]", timeout=MODEL_WAIT)
    assert f"{SEARCH_FLOOR:.2f}" in page.wait_for("#pane-documents [data-role=no-close]").text
    assert not page.wait_for("#pane-documents [data-role=far]").get_attribute("open")
    assert not any(e.is_displayed() for e in page.all("#pane-documents .doc"))


def test_a_related_search_lists_close_results_first(page, drive):
    page.open_with(drive.key)
    page.wait_for("#query").send_keys("non-disclosure agreement", Keys.ENTER)
    page.wait_for("#pane-documents [data-view=search] ~ .docs", timeout=MODEL_WAIT)
    scores = [float(s) for s in page.texts("#pane-documents > .docs .score")]
    assert scores and min(scores) >= SEARCH_FLOOR
    assert not page.all("#pane-documents [data-role=no-close]")


def test_a_search_too_long_is_refused_with_the_reason_and_the_old_results_go(page, drive):
    page.open_with(drive.key)
    page.wait_for("#query").send_keys("invoice", Keys.ENTER)
    page.wait_for("#pane-documents [data-view=search]", timeout=MODEL_WAIT)
    query = page.wait_for("#query")
    query.clear()
    page.browser.execute_script("arguments[0].value = 'word '.repeat(120)", query)
    query.send_keys(Keys.ENTER)
    problem = page.wait_for("#pane-documents .problem")
    assert "at most 500 characters" in problem.text and "599" in problem.text
    assert not page.all("#pane-documents .doc")


def test_the_arrow_keys_move_through_the_filters_the_documents_and_the_tabs(page, drive):
    page.open_with(drive.key)
    entries = page.all("#sidebar .filter")
    entries[0].send_keys(Keys.ARROW_DOWN)
    focused = "return document.activeElement"
    assert page.browser.execute_script(focused) == entries[1]
    page.browser.execute_script(focused).send_keys(Keys.ENTER)
    page.wait_for("#pane-documents [data-view=filter]")
    titles = page.all("#pane-documents .doc .title")
    titles[0].send_keys(Keys.ARROW_DOWN)
    assert page.browser.execute_script(focused) == titles[1]
    tab = page.wait_for("[data-tab=documents]")
    tab.send_keys(Keys.ARROW_RIGHT)
    page.wait_for("#map canvas", timeout=60)
    assert page.wait_for("[data-tab=map]").get_attribute("aria-selected") == "true"
    assert _path(page).endswith("tab=map")


def _count(page: Page, category_id: int) -> int:
    entry = page.wait_for(f'#sidebar .filter[data-filter="{category_id}"] .count')
    return int(entry.text.split()[0].replace(",", ""))


def test_ticked_documents_a_shift_click_range_among_them_move_at_once_and_undo_puts_them_back(page, drive, module_db):
    source, target = [f for f in list_filters(module_db.refreshes, drive.slug) if f.parent_category_id is None][:2]
    page.open_with(drive.key)
    page.open_filter(source.category_id)
    before = {f.category_id: _count(page, f.category_id) for f in (source, target)}
    listed = page.listed_documents()
    boxes = page.all("#pane-documents .pick")
    boxes[0].click()
    page.browser.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true, shiftKey: true}))", boxes[2]
    )
    assert page.wait_for("#selection-count").text == "3 selected"
    Select(page.wait_for("#selection-target")).select_by_value(str(target.category_id))
    page.click("#selection button[type=submit]")
    page.wait_until(lambda: _count(page, target.category_id) == before[target.category_id] + 3)
    assert not set(listed[:3]) & set(page.listed_documents())
    assert page.wait_for("#status").text.startswith(f"Moved 3 documents to “{target.name}”.")
    assert page.all("#selection")[0].get_attribute("hidden") is not None

    page.click("#status button")
    page.wait_until(lambda: _count(page, target.category_id) == before[target.category_id])
    assert _count(page, source.category_id) == before[source.category_id]
    assert set(listed[:3]) <= set(page.listed_documents())


def test_a_filter_made_of_ticked_documents_appears_once_refreshed_says_who_placed_them_and_undo_removes_it(
    page, drive, module_db
):
    source = next(f for f in list_filters(module_db.refreshes, drive.slug) if f.parent_category_id is None)
    page.open_with(drive.key)
    page.open_filter(source.category_id)
    picked = page.listed_documents()[:2]
    for box in page.all("#pane-documents .pick")[:2]:
        box.click()
    page.wait_for("#selection-name").send_keys("Picked by hand")
    page.click("#make-filter")
    page.wait_until(lambda: "Picked by hand" in page.sidebar(), timeout=MODEL_WAIT)
    page.wait_until(lambda: page.wait_for("#status").text.startswith("Made “Picked by hand” of 2 documents"))
    made = next(f for f in list_filters(module_db.refreshes, drive.slug) if f.name == "Picked by hand")
    page.open_filter(made.category_id)
    _open_document(page, picked[0])
    assert "person" in page.wait_for(f'#detail .membership[data-filter="{made.category_id}"] .placed').text

    page.click("[data-action=close-document]")
    page.click("#status button")
    page.wait_until(lambda: "Picked by hand" not in page.sidebar(), timeout=MODEL_WAIT)


def _shown_view(page: Page) -> str:
    """The list shown, as its address part: f/{id}, untagged or search."""
    head = page.wait_for("#pane-documents .pane-head")
    kind = head.get_attribute("data-view")
    return f"f/{head.get_attribute('data-filter')}" if kind == "filter" else kind


def test_back_pressed_quickly_several_times_lands_on_a_view_that_matches_its_address(page, drive, module_db):
    first, second = [f for f in list_filters(module_db.refreshes, drive.slug) if f.parent_category_id is None][:2]
    page.open_with(drive.key)
    page.open_filter(first.category_id)
    page.click("#sidebar .filter.untagged")
    page.wait_for("#pane-documents [data-view=untagged]")
    page.open_filter(second.category_id)
    page.click("[data-tab=changes]")
    page.wait_for("#pane-changes .pane-head")
    page.click("[data-tab=documents]")
    for _ in range(3):
        page.browser.back()
    page.wait_until(lambda: page.browser.execute_script("return state.restoring === false"))
    assert f"/w/{drive.slug}/{_shown_view(page)}" == _path(page).split("?")[0]
    page.browser.forward()
    page.wait_until(lambda: page.browser.execute_script("return state.restoring === false"))
    assert f"/w/{drive.slug}/{_shown_view(page)}" == _path(page).split("?")[0]


def test_a_double_clicked_move_makes_one_correction(page, drive, module_db):
    source, target = [f for f in list_filters(module_db.refreshes, drive.slug) if f.parent_category_id is None][:2]
    page.open_with(drive.key)
    page.open_filter(source.category_id)
    page.all("#pane-documents .pick")[0].click()
    Select(page.wait_for("#selection-target")).select_by_value(str(target.category_id))
    move = page.wait_for("#selection button[type=submit]")
    page.browser.execute_script("arguments[0].click(); arguments[0].click();", move)
    page.wait_until(lambda: page.wait_for("#status").text.startswith("Moved 1 document"))
    workspace = module_db.documents.workspace(drive.slug)
    assert len(module_db.refreshes.corrections(workspace.id)) == 1


def test_a_search_within_a_filter_keeps_its_scope_across_a_reload(page, drive, module_db):
    top = next(f for f in list_filters(module_db.refreshes, drive.slug) if f.parent_category_id is None)
    page.open_with(drive.key)
    page.browser.get(f"{page.site}/w/{drive.slug}/search?q=agreement&in={top.category_id}")
    page.wait_for("#pane-documents [data-view=search]", timeout=MODEL_WAIT)
    assert page.wait_for("#scope").is_displayed() and page.wait_for("#in-filter").is_selected()
    assert page.wait_for("#scope-name").text == top.name
