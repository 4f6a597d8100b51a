"""The web page's routes through FastAPI's TestClient: the page and its static files (nothing from
another origin, forms that post only here), the key's workspace list, and the HTML fragments,
which answer only the workspace's own key and escape whatever a document brings."""

import json
import re
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from drive_tagger.api import ui
from drive_tagger.api.app import create_app
from drive_tagger.core.types import SourceDocument
from drive_tagger.services.atlas import unpack_points
from drive_tagger.services.keys import create_key
from drive_tagger.services.query import list_filters

NDA = "contracts/mutual-nda-brightwave.md"


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings), raise_server_exceptions=False) as opened:
        yield opened


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def key(db, refreshed):
    return create_key(db.access, workspace=refreshed)


def test_the_page_needs_no_key_and_names_only_its_own_servers_files(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)
    named = re.findall(r'(?:src|href)="(/[^"]+)"', page.text)
    own = {f"/ui/static/{name}" for name in ui.OWN_STATIC}
    assert {path.split("?")[0] for path in named} == own
    assert all(client.get(path).status_code == 200 for path in named)


@pytest.mark.parametrize(
    "address",
    ["/w/samples", "/w/samples/f/3?page=2", f"/w/samples/f/3/d/{quote(NDA, safe='')}", "/w/samples/search?q=x"],
)
def test_every_address_of_a_view_answers_the_page_itself(client, address):
    answer = client.get(address)
    assert answer.status_code == 200 and answer.text == client.get("/").text
    assert "default-src 'self'" in answer.headers["content-security-policy"]


def test_the_page_posts_forms_only_here_keeps_its_base_and_is_framed_nowhere(client):
    policy = [d.strip() for d in client.get("/").headers["content-security-policy"].split(";")]
    assert {"form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'"} <= set(policy)
    assert {"default-src 'self'", "script-src 'self'", "connect-src 'self'"} <= set(policy)
    assert not any("unsafe-eval" in directive for directive in policy)


def test_the_pages_own_files_are_cached_for_good_under_their_digest(client):
    answer = client.get("/ui/static/map.js")
    assert answer.status_code == 200 and "immutable" in answer.headers["cache-control"]
    assert answer.headers["content-type"].startswith("text/javascript")


def test_only_the_pages_own_static_files_are_served(client):
    assert client.get("/ui/static/app.js").status_code == 200
    assert client.get("/ui/static/page.html").status_code == 404
    assert client.get("/ui/static/..%2Fui.py").status_code == 404


def test_a_workspace_key_lists_only_its_workspace_and_an_admin_key_every_one(client, db, key):
    create_key(db.access, workspace="other")
    admin = create_key(db.access, admin=True)
    assert client.get("/v1/workspaces", headers=auth(key)).json() == {"workspaces": [{"workspace": "samples"}]}
    every = client.get("/v1/workspaces", headers=auth(admin)).json()["workspaces"]
    assert every == [{"workspace": "other"}, {"workspace": "samples"}]
    assert client.get("/v1/workspaces").status_code == 401


FRAGMENTS = [
    "/sidebar",
    "/filters/1",
    "/untagged",
    "/search?q=contract",
    f"/document?id={quote(NDA, safe='')}",
    "/changes",
    "/map",
]


@pytest.mark.parametrize("path", FRAGMENTS)
def test_a_fragment_answers_another_workspaces_key_404_and_no_key_401(client, db, key, path):
    other = create_key(db.access, workspace="other")
    answer = client.get(f"/ui/workspaces/samples{path}", headers=auth(other))
    assert answer.status_code == 404 and answer.json()["detail"] == "unknown workspace 'samples'"
    assert client.get(f"/ui/workspaces/samples{path}").status_code == 401


def test_the_sidebar_names_every_filter_with_its_count(client, db, key):
    html = client.get("/ui/workspaces/samples/sidebar", headers=auth(key)).text
    for f in list_filters(db.refreshes, "samples"):
        assert f'data-filter="{f.category_id}"' in html and f"{f.name}</span>" in html
    assert 'data-action="open-untagged"' in html


def test_a_filter_fragment_pages_with_next_and_previous(client, db, key):
    largest = list_filters(db.refreshes, "samples")[0]
    html = client.get(f"/ui/workspaces/samples/filters/{largest.category_id}?offset=1", headers=auth(key)).text
    assert 'data-action="page" data-offset="0"' in html
    assert html.count('class="doc"') == min(25, largest.documents - 1)


def test_a_page_past_the_end_says_so_and_offers_the_last_page(client, db, key):
    top = next(f for f in list_filters(db.refreshes, "samples") if f.parent_category_id is None)
    answer = client.get(f"/ui/workspaces/samples/filters/{top.category_id}?offset=2500", headers=auth(key))
    assert 'data-role="past-end"' in answer.text and 'data-offset="0"' in answer.text
    assert not re.search(r"\d–\d", answer.text), "no range of rows that are not there"


def test_a_filter_fragment_marks_the_documents_that_carry_it_as_a_second_tag(client, db, key):
    from drive_tagger.services.query import filter_documents

    marked, expected = [], []
    for f in list_filters(db.refreshes, "samples"):
        html = client.get(f"/ui/workspaces/samples/filters/{f.category_id}", headers=auth(key)).text
        _, page = filter_documents(db.refreshes, "samples", str(f.category_id), limit=25)
        marked.append(html.count(">second choice</span>"))
        expected.append(sum(d.rank > 1 for d in page))
    assert marked == expected and sum(marked) > 0


def test_what_a_document_brings_is_escaped(client, db, key):
    workspace = db.documents.workspace("samples")
    hostile = SourceDocument("x.html", '<img src=x onerror="alert(1)">', "<script>alert(2)</script> text", "test")
    db.documents.upsert_documents(workspace.id, [hostile])
    html = client.get("/ui/workspaces/samples/untagged", headers=auth(key)).text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html and "<img" not in html and "<script" not in html


def test_the_templates_escape_everything_and_mark_nothing_safe():
    assert ui._templates().autoescape is True
    for template in ui.STATIC.parent.joinpath("templates").glob("*.html"):
        source = template.read_text()
        assert not re.search(r"\|\s*safe\b|Markup|autoescape\s+false", source), template.name


def test_the_scripts_put_markup_in_the_page_in_one_place_only():
    scripts = "\n".join((ui.STATIC / name).read_text() for name in ui.OWN_STATIC if name.endswith(".js"))
    assert len(re.findall(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", scripts)) == 1
    assert "target.innerHTML = html;" in scripts


HOSTILE_IDS = [
    "a/b/c.md",
    "..",
    ".",
    "../../../../v1/workspaces/samples/filters",
    "a/../../sidebar",
    "100% sure?.md",
    "notes#2 & more",
    "plus+sign=x&y",
    "ünïcødé/文書 ✓.md",
    "<script>alert(1)</script>",
    '"><b id=planted>',
]


@pytest.mark.parametrize("external_id", HOSTILE_IDS)
def test_a_document_opens_by_its_whole_id_in_the_query_and_shows_it_escaped(client, db, key, external_id):
    workspace = db.documents.workspace("samples")
    db.documents.upsert_documents(workspace.id, [SourceDocument(external_id, "", "Some text.", "test")])
    answer = client.get(f"/ui/workspaces/samples/document?id={quote(external_id, safe='')}", headers=auth(key))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    shown = re.search(r'<p class="path">(.*)</p>', answer.text).group(1)
    assert shown == escape(external_id)
    assert "<b id" not in answer.text and "<script" not in answer.text


def test_a_document_id_is_never_read_from_the_path(client, key):
    assert client.get(f"/ui/workspaces/samples/documents/{NDA}", headers=auth(key)).status_code == 404
    assert client.get(f"/ui/workspaces/samples/document?id={quote(NDA, safe='')}", headers=auth(key)).status_code == 200


def test_an_empty_search_is_refused_before_any_model_runs(client, key):
    answer = client.get("/ui/workspaces/samples/search?q=%20%20", headers=auth(key))
    assert answer.status_code == 422 and answer.json()["detail"] == "type something to search for"


def test_a_search_longer_than_the_limit_is_refused_saying_so_never_cut(client, key):
    answer = client.get(f"/ui/workspaces/samples/search?q={'a' * 501}", headers=auth(key))
    assert answer.status_code == 422 and "at most 500 characters and this one is 501" in answer.json()["detail"]


def test_search_results_below_the_floor_are_set_apart_as_not_close(client, key):
    related = client.get("/ui/workspaces/samples/search?q=mutual%20non-disclosure%20agreement", headers=auth(key))
    assert escape(NDA) in related.text.split('data-role="far"')[0] and 'data-role="no-close"' not in related.text
    nonsense = client.get("/ui/workspaces/samples/search?q=qwzx%20blorp%20fnordle", headers=auth(key))
    assert 'data-role="no-close"' in nonsense.text and 'data-role="far"' in nonsense.text


def test_the_map_is_the_stored_layout_with_todays_filters_and_names(client, db, key):
    drawn = json.loads(client.get("/ui/workspaces/samples/map", headers=auth(key)).text)
    filters = list_filters(db.refreshes, "samples")
    assert [f["name"] for f in drawn["filters"]] == [f.name for f in filters]
    points = unpack_points(drawn["points"])
    assert points["xy"].shape == (75, 2) and len(points["id"]) == 75 and drawn["not_on_map"] == 0
    tops = {f.category_id for f in filters if f.parent_category_id is None}
    assert set(points["filter"].tolist()) <= tops | {-1}
    assert all(f["label"] is not None for f in drawn["filters"] if f["parent"] is None)
