"""The web page in a real browser (headless Chromium driven by selenium) against `drive-tagger
serve`, on the sample drive: the filters, a filter's documents, search by meaning, a rename, a
move, why a document is where it is, the map, a refresh and its changes, a key that never sees
another workspace, and markup that documents and filters bring shown as text, never as elements.
One server and one browser serve the module (each takes seconds to start); every test has a
workspace and a key of its own, which the server keeps apart."""

from __future__ import annotations

import itertools
from urllib.parse import quote

import pytest
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from drive_tagger.core.params import ClusteringParams, RefreshParams
from drive_tagger.core.types import SourceDocument
from drive_tagger.services import corrections
from drive_tagger.services.ingest import ingest
from drive_tagger.services.keys import create_key
from drive_tagger.services.pins import rename_filter
from drive_tagger.services.query import filter_documents, list_filters
from drive_tagger.services.refresh import refresh_workspace
from tests.browser import Page
from tests.edge.conftest import Drive

pytestmark = pytest.mark.xdist_group("browser")

MODEL_WAIT = 240  # the server (or a worker) loads the model on its first search (or refresh)
NDA = "contracts/mutual-nda-brightwave.md"
# What a hostile document's id, title or text, or a filter's name or keywords, would add to the page.
PLANTED = "[id^=planted], form[action^=http], img[src=x], #app script, #app iframe, base"
BOLD = "<b id=planted-bold>bold</b>"
IMAGE = "<img src=x id=planted-image onerror=\"document.title='owned'\">"
FORM = "<form action=http://127.0.0.1:9/ method=post id=planted-form>Paste your key again <input name=key></form>"
LEGAL = "This mutual non-disclosure agreement binds both parties to keep confidential information secret"
KITCHEN = "Simmer the tomato sauce with garlic, basil and olive oil, then bake the lasagne until golden"
_numbers = itertools.count()


def _hostile_documents(slug: str) -> list[SourceDocument]:
    """Ten documents on two subjects whose ids, titles and texts are markup or address tricks."""
    rows = [
        (f"../../../../v1/workspaces/{slug}/filters", BOLD, f"{LEGAL} for two years."),
        ("..", IMAGE, f"{LEGAL} and returns every copy."),
        (".", "", f"{FORM} {LEGAL} under the law of Delaware."),
        ("a/../../sidebar", "<script>document.title='owned'</script>", f"{LEGAL}; either party may end it."),
        ("100% sure? #2 & more.md", FORM, f"{BOLD} {LEGAL} with a penalty for breach."),
        ("ünïcødé/文書 ✓.md", "Ünïcødé ✓", f"{KITCHEN} for forty minutes."),
        ("<script>alert(1)</script>", "", f"{IMAGE} {KITCHEN} and serve it hot."),
        (BOLD, IMAGE, f"{KITCHEN} with a fresh green salad."),
        ("recipes/plain lasagne.md", "Plain lasagne", f"{KITCHEN}; it feeds six."),
        ('"><b id=planted-attribute>', "", f"{KITCHEN} and let it rest before cutting."),
    ]
    return [SourceDocument(external_id, title, body, "test") for external_id, title, body in rows]


@pytest.fixture
def hostile(module_db, sample_embedder, namer) -> Drive:
    """A handful of documents whose ids, titles and texts hold markup, refreshed into filters
    whose names and keywords hold markup too (as no namer would make them), with a key for them."""
    slug = f"t{next(_numbers)}-hostile"
    read = ingest(
        module_db.documents, module_db.refreshes, sample_embedder, slug, _hostile_documents(slug), progress=False
    )
    assert read.failed == 0
    refresh_workspace(module_db.documents, module_db.refreshes, slug, namer=namer)
    workspace_id = module_db.documents.workspace(slug).id
    planted = module_db.conn.execute(
        "update categories set name = format('<b id=planted-name-%%s>%%s</b>', category_id, category_id),"
        " keywords = %s where refresh_id = (select active_refresh_id from workspaces where id = %s)",
        ([BOLD, IMAGE, "agreement"], workspace_id),
    )
    assert planted.rowcount, "the two subjects make at least one filter"
    return Drive(slug, create_key(module_db.access, workspace=slug))


def _filters(db, drive: Drive):
    return list_filters(db.refreshes, drive.slug)


def _tops(db, drive: Drive):
    return [f for f in _filters(db, drive) if f.parent_category_id is None]


def _ids(db, drive: Drive, external_id: str) -> tuple[int, int]:
    workspace = db.documents.workspace(drive.slug)
    return workspace.id, db.documents.find_document(workspace.id, external_id).id


def test_the_filters_appear_with_their_sub_filters_counts_and_an_untagged_entry(page, drive, module_db, namer):
    # The 75 sample documents split into sub-filters only when any split is accepted.
    eager_splits = RefreshParams(ClusteringParams(clear_split_silhouette=0.0))
    refresh_workspace(module_db.documents, module_db.refreshes, drive.slug, eager_splits, namer=namer)
    page.open_with(drive.key)
    # Each count: the documents whose first choice the filter is, then "+N" carrying it second.
    expected = {
        f.name: f"{f.first_documents}" + (f" +{f.second_documents}" if f.second_documents else "")
        for f in _filters(module_db, drive)
    }
    untagged = module_db.browse.untagged_count(module_db.browse.workspace(drive.slug).id)
    assert page.sidebar() == {**expected, "Untagged": str(untagged)}
    subs = [f.name for f in _filters(module_db, drive) if f.parent_category_id is not None]
    assert sorted(page.texts("#sidebar .filter.sub .name")) == sorted(subs) and subs
    assert page.shot("filters").stat().st_size > 0


def test_clicking_a_filter_lists_its_documents_in_page_order_with_score_title_and_snippet(page, drive, module_db):
    largest = _tops(module_db, drive)[0]
    page.open_with(drive.key).open_filter(largest.category_id)
    _, expected = filter_documents(module_db.refreshes, drive.slug, str(largest.category_id), limit=25)
    assert page.listed_documents() == [d.external_id for d in expected]
    scores = [float(s) for s in page.texts("#pane-documents .doc .score")]
    assert scores == pytest.approx([d.score for d in expected], abs=0.01)
    assert all(page.texts("#pane-documents .doc .snippet")) and all(page.texts("#pane-documents .doc .title"))
    page.shot("filter-documents")


def _aligned_rows(page: Page) -> list[tuple[str, float, float, float]]:
    """Per listed document: its id, and the left edges of its title and snippet and the title's width."""
    return page.browser.execute_script(
        "return [...document.querySelectorAll('#pane-documents .doc')].map((row) => {"
        " const t = row.querySelector('.title').getBoundingClientRect();"
        " const s = row.querySelector('.snippet').getBoundingClientRect();"
        " return [row.dataset.document, t.left, s.left, t.width]; })"
    )


def test_untagged_and_second_choice_rows_keep_title_and_snippet_in_one_wide_column(page, drive, module_db):
    page.open_with(drive.key)
    page.click("#sidebar .untagged")
    page.wait_for("#pane-documents [data-view=untagged]")
    views = [_aligned_rows(page)]
    seconds = [f for f in _filters(module_db, drive) if f.second_documents]
    if seconds:
        page.open_filter(seconds[0].category_id)
        views.append(_aligned_rows(page))
    rows = [row for view in views for row in view]
    assert rows, "the sample drive has untagged documents"
    assert [r for r in rows if abs(r[1] - r[2]) > 1 or r[3] < 150] == [], "a row fell apart"
    page.shot("untagged-rows")


def test_search_finds_a_document_by_meaning_and_says_which_filter_each_result_is_in(page, drive, module_db):
    page.open_with(drive.key)
    page.wait_for("#query").send_keys("keeping information secret between two companies", Keys.ENTER)
    page.wait_for("#pane-documents [data-view=search]", timeout=MODEL_WAIT)
    assert page.listed_documents()[0] == NDA
    workspace_id, document_id = _ids(module_db, drive, NDA)
    home = next(t for t in module_db.refreshes.document_tags(workspace_id, document_id) if t.rank == 1)
    top = (
        home.name
        if home.parent_category_id is None
        else next(f.name for f in _filters(module_db, drive) if f.category_id == home.parent_category_id)
    )
    assert page.texts("#pane-documents .doc .in-filter")[0] == top
    page.shot("search")


def test_search_within_the_chosen_filter_lists_only_its_documents(page, drive, module_db):
    legal = next(t.category_id for t in module_db.refreshes.document_tags(*_ids(module_db, drive, NDA)))
    page.open_with(drive.key).open_filter(legal)
    page.click("#in-filter")
    page.wait_for("#query").send_keys("an agreement between two parties", Keys.ENTER)
    page.wait_for("#pane-documents [data-view=search]", timeout=MODEL_WAIT)
    members = {d.external_id for d in filter_documents(module_db.refreshes, drive.slug, str(legal), limit=1000)[1]}
    assert page.listed_documents() and set(page.listed_documents()) <= members


def test_a_rename_shows_at_once_and_survives_a_reload(page, drive, module_db):
    chosen = _tops(module_db, drive)[1]
    page.open_with(drive.key).open_filter(chosen.category_id)
    page.click("#pane-documents [data-action=rename]")
    field = page.wait_for("#pane-documents [data-role=rename] input")
    field.clear()
    field.send_keys("Client Contracts", Keys.ENTER)
    page.wait_until(lambda: page.texts("#pane-documents [data-role=filter-name]") == ["Client Contracts"])
    assert page.sidebar()["Client Contracts"] == str(chosen.documents)
    page.browser.refresh()
    page.wait_for(f'#sidebar .filter[data-filter="{chosen.category_id}"]')
    assert page.texts(f'#sidebar .filter[data-filter="{chosen.category_id}"] .name') == ["Client Contracts"]
    assert next(f for f in _filters(module_db, drive) if f.category_id == chosen.category_id).named_by == "user"


def test_escape_cancels_a_rename_and_closes_a_document_giving_the_keyboard_back_to_its_row(page, drive, module_db):
    workspace_id, document_id = _ids(module_db, drive, NDA)
    home = module_db.refreshes.document_tags(workspace_id, document_id)[0]
    page.open_with(drive.key).open_filter(home.category_id)
    page.click("#pane-documents [data-action=rename]")
    page.wait_for("#pane-documents [data-role=rename] input").send_keys("Half typed", Keys.ESCAPE)
    page.wait_until(lambda: not page.all("#pane-documents [data-role=rename]"))
    assert page.texts("#pane-documents [data-role=filter-name]") == [home.name]
    page.click(f'#pane-documents .doc[data-document="{NDA}"] .title')
    page.wait_for("#detail .membership")
    focused = page.browser.switch_to.active_element
    assert focused.get_attribute("data-action") == "close-document", "the keyboard follows the opened document"
    focused.send_keys(Keys.ESCAPE)
    page.wait_until(lambda: not page.browser.find_element(By.ID, "detail").is_displayed())
    assert page.browser.switch_to.active_element.find_element(By.XPATH, "..").get_attribute("data-document") == NDA


def test_an_empty_search_says_what_to_type(page, drive):
    page.open_with(drive.key)
    page.wait_for("#query").send_keys("   ", Keys.ENTER)
    page.wait_until(lambda: "Type what to look for" in page.browser.find_element(By.ID, "status").text)


def test_another_workspaces_key_sees_nothing_of_this_workspace(page, drive, module_db):
    other = create_key(module_db.access, workspace=f"{drive.slug}-other")
    page.open_with(other)
    assert [o.text for o in Select(page.wait_for("#workspace")).options] == [f"{drive.slug}-other"]
    assert page.sidebar() == {"Untagged": "0"}
    shown = page.browser.page_source
    assert not [f.name for f in _filters(module_db, drive) if f.name in shown]
    assert "Non-Disclosure" not in shown and drive.slug + "<" not in shown
    largest, nda = _tops(module_db, drive)[0].category_id, quote(NDA, safe="")
    for path in ("sidebar", f"filters/{largest}", f"document?id={nda}", "map"):
        assert page.fetch_status(f"/ui/workspaces/{drive.slug}/{path}") == 404
    assert page.fetch_status(f"/v1/workspaces/{drive.slug}/filters") == 404


def test_a_document_shows_its_filters_the_keywords_it_shares_and_its_neighbours_there(page, drive, module_db):
    workspace_id, document_id = _ids(module_db, drive, NDA)
    home = module_db.refreshes.document_tags(workspace_id, document_id)[0]
    page.open_with(drive.key).open_filter(home.category_id)
    page.click(f'#pane-documents .doc[data-document="{NDA}"] .title')
    card = f'#detail .membership[data-filter="{home.category_id}"]'
    page.wait_for(card)
    keywords = next(f.keywords for f in _filters(module_db, drive) if f.category_id == home.category_id)
    shared = page.texts(f"{card} mark")
    assert shared and set(shared) <= set(keywords)
    members = {d.external_id for d in filter_documents(module_db.refreshes, drive.slug, str(home.category_id))[1]}
    neighbours = [e.get_attribute("data-document") for e in page.all(f"{card} .neighbours [data-document]")]
    assert len(neighbours) == 3 and set(neighbours) <= members - {NDA}
    page.shot("document")


def test_moving_a_document_to_another_filter_shows_at_once(page, drive, module_db):
    tags = [t.category_id for t in module_db.refreshes.document_tags(*_ids(module_db, drive, NDA))]
    home, target = tags[0], next(f for f in _tops(module_db, drive) if f.category_id not in tags)
    page.open_with(drive.key).open_filter(home)
    page.click(f'#pane-documents .doc[data-document="{NDA}"] .title')
    Select(page.wait_for("#detail [data-role=move] select")).select_by_value(str(target.category_id))
    page.click("#detail [data-role=move] button")
    page.wait_until(lambda: NDA not in page.listed_documents())
    page.wait_for(f'#detail .membership[data-filter="{target.category_id}"]')
    page.wait_until(lambda: page.sidebar()[target.name] == str(target.documents + 1))


class _Pointer:
    """The mouse at viewport coordinates (selenium's element offsets are from the part of an
    element in view, not from its corner)."""

    def __init__(self, page):
        self.builder = ActionBuilder(page.browser)
        self.pointer = self.builder.pointer_action

    def move_to_location(self, x: int, y: int):
        self.pointer.move_to_location(x, y)
        return self

    def click(self):
        self.pointer.click()
        self.builder.perform()
        return self

    def pointer_down(self):
        self.pointer.pointer_down()
        return self

    def pointer_up(self):
        self.pointer.pointer_up()
        self.builder.perform()
        return self


def test_the_map_tab_draws_the_stored_map_with_todays_names_and_a_click_or_a_box_picks_documents(
    page, drive, module_db
):
    top = _tops(module_db, drive)[0]
    rename_filter(module_db.refreshes, drive.slug, str(top.category_id), "Renamed For The Map")
    page.open_with(drive.key)
    page.click("[data-tab=map]")
    canvas = page.wait_for("#map canvas")
    assert canvas.get_attribute("data-points") == "75"
    assert "Renamed For The Map (" in page.wait_for("#map .legend").text
    assert page.browser.execute_script("return map.labels") >= 1
    box = page.browser.execute_script("return document.querySelector('#map canvas').getBoundingClientRect().toJSON()")
    assert box["bottom"] <= page.browser.execute_script("return innerHeight"), "the map fits the window"
    point = page.browser.execute_script(
        "const p = mapScreenPoint(0); return {...p, id: map.points.id[mapPointNear(p.x, p.y)]}"
    )
    _Pointer(page).move_to_location(round(box["left"] + point["x"]), round(box["top"] + point["y"])).click()
    page.wait_for(f'#detail .pane-head[data-document="{point["id"]}"]')
    page.click("[data-action=close-document]")
    drag = _Pointer(page).move_to_location(round(box["left"] + 3), round(box["top"] + 3)).pointer_down()
    drag.move_to_location(round(box["right"] - 3), round(box["bottom"] - 3)).pointer_up()
    assert page.wait_for("#selection-count").text == "75 selected"
    loaded = page.browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(url.startswith(page.site) for url in loaded) and not any("plotly" in url for url in loaded)
    page.shot("map")


def test_the_refresh_button_runs_in_the_servers_own_worker_and_lists_its_changes(page, drive, module_db):
    keep, absorb = _tops(module_db, drive)[:2]
    corrections.merge_filters(module_db.refreshes, drive.slug, str(keep.category_id), str(absorb.category_id))
    page.open_with(drive.key)
    page.click("#refresh")
    page.wait_for("#pane-changes .changes", timeout=MODEL_WAIT)
    assert "Corrections" in page.texts("#pane-changes .changes dt")
    assert any(absorb.name in chip for chip in page.texts("#pane-changes .changes dd .chip")), "gone or merged"
    assert any(c.startswith("Merge into") and c.endswith("applied") for c in page.texts("#pane-changes dd li"))
    assert not page.all(f'#sidebar .filter[data-filter="{absorb.category_id}"]')
    assert "Refreshed" in page.wait_for("#status").text
    page.shot("refresh-changes")


def test_an_unknown_key_is_asked_for_again(page):
    page.browser.get(page.site)
    page.browser.execute_script("localStorage.clear()")
    page.browser.get(page.site)
    page.wait_for("#key").send_keys("dt_not-a-key", Keys.ENTER)
    page.wait_until(lambda: page.texts("#key-message") == ["That key is not known here."])
    assert page.browser.execute_script("return document.querySelector('#app').hidden")


def test_the_key_is_asked_once_kept_in_the_browser_and_forgotten_on_request(page, drive):
    page.open_with(drive.key)
    page.browser.refresh()
    page.wait_for("#sidebar .untagged")
    assert not page.browser.find_element(By.ID, "key-form").is_displayed()
    page.click("[data-action=forget-key]")
    page.wait_for("#key")
    assert page.browser.execute_script("return localStorage.getItem('drive_tagger.key')") is None
    assert page.all("#sidebar .filter") == []


def test_markup_in_ids_titles_texts_filter_names_and_keywords_shows_as_text(page, hostile, module_db):
    documents = {d.external_id: d for d in _hostile_documents(hostile.slug)}
    filters = list_filters(module_db.refreshes, hostile.slug)
    page.open_with(hostile.key)
    assert set(page.sidebar()) == {f.name for f in filters} | {"Untagged"}
    assert all(f.name.startswith("<b id=planted-name-") for f in filters)
    opened = []
    for category_id in [*(f.category_id for f in filters), None]:
        if category_id is None:
            page.click("#sidebar .untagged")
            page.wait_for("#pane-documents [data-view=untagged]")
        else:
            page.open_filter(category_id)
            assert f"keywords: {BOLD}, {IMAGE}, agreement" in page.wait_for("#pane-documents .meta").text
        for row in page.all("#pane-documents .doc"):
            external_id = row.get_attribute("data-document")
            assert row.find_element(By.CSS_SELECTOR, ".path").text == external_id
            row.find_element(By.CSS_SELECTOR, ".title").click()
            head = "#detail .pane-head"
            page.wait_until(lambda: page.wait_for(head).get_attribute("data-document") == external_id)  # noqa: B023
            shown = documents[external_id]
            assert page.texts("#detail .path") == [external_id]
            assert page.texts("#detail h2") == [shown.title or external_id]
            assert page.wait_for("#detail .text p").text == shown.body
            opened.append(external_id)
            assert page.planted(PLANTED) == [], external_id
    assert sorted(opened) == sorted(documents)
    page.click("[data-tab=changes]")
    page.wait_for("#pane-changes .changes")
    assert {f.name for f in filters} <= {chip.split(" → ")[-1] for chip in page.texts("#pane-changes .chip")}
    assert page.planted(PLANTED) == [] and page.browser.title == "drive_tagger"
    page.shot("hostile")


def test_the_page_refuses_to_render_an_answer_that_is_not_one_of_its_html_parts(page, hostile):
    page.open_with(hostile.key)
    api, parts = f"/v1/workspaces/{hostile.slug}", f"/ui/workspaces/{hostile.slug}"
    for path in (f"{api}/filters", f"{parts}/map", f"{parts}/documents/../../../../{api}/filters", "//example.org/"):
        refused = page.browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fragment(arguments[0]).then(() => done('rendered'), (error) => done(error.message));",
            path,
        )
        assert refused.startswith("Refused to show"), path
