"""The API's read cache: answers are kept only while a listener hears of every change, a change
made anywhere (the API, the CLI, plain SQL) is seen by the next reads, and a change forgets only
the answers it can make stale: documents arriving leave the filter list in memory."""

import time

import pytest
from fastapi.testclient import TestClient

from drive_tagger.adapters.postgres.connection import connect
from drive_tagger.adapters.readers import read_sources
from drive_tagger.api.app import create_app
from drive_tagger.api.read_cache import ARRIVALS, DOCUMENTS, ReadCache
from drive_tagger.core.types import ApiKey
from drive_tagger.services.ingest import ingest
from drive_tagger.services.keys import create_key
from drive_tagger.services.pins import rename_filter
from drive_tagger.services.refresh import refresh_workspace

FILTERS = "/v1/workspaces/samples/filters"
UNTAGGED = "/v1/workspaces/samples/untagged"


@pytest.fixture
def refreshed_key(db, sample_workspace, namer):
    refresh_workspace(db.documents, db.refreshes, sample_workspace, namer=namer)
    return create_key(db.access, workspace=sample_workspace)


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings), raise_server_exceptions=False) as opened:
        _until(lambda: opened.app.state.read_cache.listening)
        yield opened


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def _until(condition, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the change was not seen in time"
        time.sleep(0.02)


def test_a_second_read_of_the_filters_is_answered_from_the_cache(client, refreshed_key):
    first = client.get(FILTERS, headers=auth(refreshed_key))
    assert client.app.state.read_cache.answer((FILTERS, b"")) == (first.content, "samples")
    second = client.get(FILTERS, headers=auth(refreshed_key))
    assert second.status_code == 200 and second.json() == first.json()


def test_a_rename_made_outside_the_api_reaches_the_cached_filter_list(client, db, refreshed_key):
    top = client.get(FILTERS, headers=auth(refreshed_key)).json()["filters"][0]
    rename_filter(db.refreshes, "samples", top["category_id"], "Renamed Elsewhere", pinned=True)

    def listed() -> list[str]:
        return [f["name"] for f in client.get(FILTERS, headers=auth(refreshed_key)).json()["filters"]]

    _until(lambda: "Renamed Elsewhere" in listed())


def test_a_rename_through_the_api_is_read_back_at_once(client, refreshed_key):
    top = client.get(FILTERS, headers=auth(refreshed_key)).json()["filters"][0]
    client.patch(f"{FILTERS}/{top['category_id']}", json={"name": "Deals"}, headers=auth(refreshed_key))
    assert "Deals" in [f["name"] for f in client.get(FILTERS, headers=auth(refreshed_key)).json()["filters"]]


def test_a_rename_through_the_api_is_read_back_at_once_where_notifications_never_arrive(client, db, refreshed_key):
    top = client.get(FILTERS, headers=auth(refreshed_key)).json()["filters"][0]  # kept in memory now
    # As behind a pooler in transaction mode: the listener hears of no change.
    db.conn.execute("drop trigger categories_notify_reads on categories")
    db.conn.execute("drop trigger category_pins_notify_reads on category_pins")
    client.patch(f"{FILTERS}/{top['category_id']}", json={"name": "Deals"}, headers=auth(refreshed_key))
    assert "Deals" in [f["name"] for f in client.get(FILTERS, headers=auth(refreshed_key)).json()["filters"]]


def test_a_deleted_key_is_refused_even_after_its_reads_were_cached(client, db, refreshed_key):
    assert client.get(FILTERS, headers=auth(refreshed_key)).status_code == 200
    db.conn.execute("delete from api_keys")
    _until(lambda: client.get(FILTERS, headers=auth(refreshed_key)).status_code == 401)


def test_a_revoked_key_is_refused_at_its_next_request_though_the_server_knew_it(client, db, refreshed_key):
    document = "/v1/workspaces/samples/documents/" + db.conn.execute("select external_id from documents").fetchone()[0]
    assert client.get(document, headers=auth(refreshed_key)).status_code == 200
    assert client.get(FILTERS, headers=auth(refreshed_key)).status_code == 200  # the key is kept now
    db.conn.execute("delete from api_keys")  # committed before the next request: no waiting
    assert client.get(document, headers=auth(refreshed_key)).status_code == 401
    assert client.get(FILTERS, headers=auth(refreshed_key)).status_code == 401


def test_a_cached_answer_is_not_shown_to_another_workspaces_key(client, db, refreshed_key):
    client.get(FILTERS, headers=auth(refreshed_key))
    other = create_key(db.access, workspace="other")
    assert client.get("/v1/workspaces/other/filters", headers=auth(other)).status_code == 200  # its key is known now
    assert client.get(FILTERS, headers=auth(other)).status_code == 404


def test_nothing_is_kept_while_no_listener_is_connected():
    cache = ReadCache()
    cache.remember_key(cache.generation, "digest", ApiKey(1, "acme", False))
    cache.remember(cache.generation, ("filters", "acme"), b"{}", "acme")
    assert cache.answer(("filters", "acme")) is None and cache.key("digest") is None


def test_an_answer_read_before_a_change_is_not_kept():
    cache = ReadCache()
    cache.listening = True
    read_at = cache.generation
    cache.clear()  # a notification arrived while the answer was being read
    cache.remember_key(read_at, "digest", ApiKey(1, "acme", False))
    cache.remember(read_at, ("filters", "acme"), b"{}", "acme")
    assert cache.answer(("filters", "acme")) is None and cache.key("digest") is None


def test_an_answer_older_than_its_longest_age_is_read_again():
    cache = ReadCache(max_age=0.05)
    cache.listening = True
    cache.remember_key(cache.generation, "digest", ApiKey(1, "acme", False))
    cache.remember(cache.generation, ("filters", "acme"), b"{}", "acme")
    assert cache.answer(("filters", "acme")) == (b"{}", "acme")
    time.sleep(0.1)
    assert cache.answer(("filters", "acme")) is None and cache.key("digest") is None


def _cache_holding_each_kind_of_answer() -> ReadCache:
    cache = ReadCache()
    cache.listening = True
    key = ApiKey(1, "acme", False)
    cache.remember_key(cache.generation, "digest", key)
    cache.remember(cache.generation, "filters", b"[]", "acme")
    cache.remember(cache.generation, "page", b"[]", "acme", frozenset({DOCUMENTS}))
    cache.remember(cache.generation, "untagged", b"[]", "acme", frozenset({DOCUMENTS, ARRIVALS}))
    return cache


def _kept(cache: ReadCache) -> set[str]:
    return {route for route in ("filters", "page", "untagged") if cache.answer(route) is not None}


def test_a_change_forgets_only_the_answers_that_read_what_it_changed():
    cache = _cache_holding_each_kind_of_answer()
    cache.clear(ARRIVALS)  # documents added
    assert _kept(cache) == {"filters", "page"} and cache.key("digest") is not None
    cache.clear(DOCUMENTS)  # documents changed or deleted
    assert _kept(cache) == {"filters"}
    cache.clear("all")  # filters, links, pins, workspaces or keys
    assert _kept(cache) == set() and cache.key("digest") is None


def test_a_notification_of_an_unknown_kind_forgets_everything():
    cache = _cache_holding_each_kind_of_answer()
    cache.clear("")  # what the triggers sent before notifications had scopes
    assert _kept(cache) == set() and cache.key("digest") is None


def test_an_answer_read_before_a_change_of_what_it_reads_is_not_kept_and_others_are():
    cache = ReadCache()
    cache.listening = True
    read_at = cache.generation
    cache.clear(ARRIVALS)
    cache.remember(read_at, "untagged", b"[]", "acme", frozenset({DOCUMENTS, ARRIVALS}))
    cache.remember(read_at, "filters", b"[]", "acme")
    assert _kept(cache) == {"filters"}


def _notifications(database_url, statements) -> list[str]:
    """The payloads the read channel carries while `statements` run, one transaction each."""
    with connect(database_url, autocommit=True) as listener, connect(database_url, autocommit=True) as writer:
        listener.execute("listen drive_tagger_reads")
        for statement, params in statements:
            writer.execute(statement, params)
        writer.execute("notify drive_tagger_reads, 'end'")
        heard = []
        for notice in listener.notifies(timeout=10):
            if notice.payload == "end":
                return heard
            heard.append(notice.payload)
        raise AssertionError(f"the end was not heard; heard {heard}")


def test_the_database_says_what_kind_of_rows_changed_and_nothing_when_none_did(database_url, db, refreshed_key):
    workspace = db.documents.workspace("samples").id
    add = (
        "insert into documents (workspace_id, external_id, title, body, content_hash, source)"
        " values (%s, %s, 't', 'b', encode(sha256('b'), 'hex'), 'api')"
    )
    heard = _notifications(
        database_url,
        [
            ("insert into workspaces (slug) values ('samples') on conflict do nothing", None),  # exists: no row
            (add, (workspace, "new-1.md")),
            ("update documents set title = 'T' where external_id = %s", ("new-1.md",)),
            ("update documents set title = 'T' where external_id = %s", ("no such document",)),
            ("delete from documents where external_id = %s", ("new-1.md",)),  # and its links, by cascade
            ("update categories set name = name where category_id = -1", None),  # filters: always `all`
        ],
    )
    assert heard == ["arrivals", "documents", "documents", "all", "all"]


def test_documents_posted_leave_the_filter_list_in_memory_and_the_untagged_count_right(client, refreshed_key):
    cache = client.app.state.read_cache
    before = client.get(FILTERS, headers=auth(refreshed_key))
    untagged = client.get(UNTAGGED, headers=auth(refreshed_key)).json()["untagged"]
    posted = client.post(
        "/v1/workspaces/samples/documents",
        json={"documents": [{"id": "late-arrival.md", "text": "A note about supplier invoices."}]},
        headers=auth(refreshed_key),
    )
    assert posted.status_code == 202
    # The next read hears of the arrival first: the untagged count includes it at once.
    assert client.get(UNTAGGED, headers=auth(refreshed_key)).json()["untagged"] == untagged + 1
    assert cache.answer((FILTERS, b"")) == (before.content, "samples")


def test_filter_counts_and_pages_include_the_last_committed_arrival(
    client, db, refreshed_key, sample_embedder, samples_dir, tmp_path
):
    shown = client.get(FILTERS, headers=auth(refreshed_key)).json()["filters"]  # kept in memory now
    drive = tmp_path / "drive"
    drive.mkdir()
    contract = (samples_dir / "contracts" / "mutual-nda-brightwave.md").read_text()
    (drive / "late-nda.md").write_text(contract.replace("Brightwave", "Northwind Analytics"))
    ingest(db.documents, db.refreshes, sample_embedder, "samples", read_sources([drive]), progress=False)
    homes = {  # its first choices: a top-level filter, and a sub-filter of it where it has some
        category
        for (category,) in db.conn.execute(
            "select dc.category_id from document_categories dc join documents d on d.id = dc.document_id"
            " join workspaces w on w.active_refresh_id = dc.refresh_id"
            " where d.external_id = 'late-nda.md' and dc.rank = 1"
        )
    }
    # Read at once, no waiting: the arrival's tagging is committed, so the next read includes it.
    now = {f["category_id"]: f for f in client.get(FILTERS, headers=auth(refreshed_key)).json()["filters"]}
    before = {f["category_id"]: f for f in shown}
    assert homes and {c: now[c]["first_documents"] - before[c]["first_documents"] for c in before} == {
        c: int(c in homes) for c in before
    }
    for home in homes:
        page = client.get(f"{FILTERS}/{home}/documents?limit=200", headers=auth(refreshed_key)).json()
        assert "late-nda.md" in [d["external_id"] for d in page["documents"]]


def test_a_key_is_checked_again_a_longest_age_after_its_check_however_often_answers_are_kept():
    cache = ReadCache(max_age=0.1)
    cache.listening = True
    cache.remember_key(cache.generation, "digest", ApiKey(1, "acme", False))
    for _ in range(3):  # answers read with the key from memory do not make it younger
        time.sleep(0.04)
        cache.remember(cache.generation, "filters", b"[]", "acme")
    assert cache.key("digest") is None
