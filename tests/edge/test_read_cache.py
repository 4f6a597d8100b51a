"""The API's read cache: answers are kept only while a listener hears of every change, and a change
made anywhere (the API, the CLI, plain SQL) is seen by the next reads."""

import time

import pytest
from fastapi.testclient import TestClient

from drive_tagger.api.app import create_app
from drive_tagger.api.read_cache import ReadCache
from drive_tagger.core.types import ApiKey
from drive_tagger.services.keys import create_key
from drive_tagger.services.pins import rename_filter
from drive_tagger.services.refresh import refresh_workspace

FILTERS = "/v1/workspaces/samples/filters"


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


def test_a_deleted_key_is_refused_even_after_its_reads_were_cached(client, db, refreshed_key):
    assert client.get(FILTERS, headers=auth(refreshed_key)).status_code == 200
    db.conn.execute("delete from api_keys")
    _until(lambda: client.get(FILTERS, headers=auth(refreshed_key)).status_code == 401)


def test_a_cached_answer_is_not_shown_to_another_workspaces_key(client, db, refreshed_key):
    client.get(FILTERS, headers=auth(refreshed_key))
    other = create_key(db.access, workspace="other")
    assert client.get("/v1/workspaces/other/filters", headers=auth(other)).status_code == 200  # its key is known now
    assert client.get(FILTERS, headers=auth(other)).status_code == 404


def test_nothing_is_kept_while_no_listener_is_connected():
    cache = ReadCache()
    cache.remember(cache.generation, "digest", ApiKey(1, "acme", False), ("filters", "acme"), b"{}", "acme")
    assert cache.answer(("filters", "acme")) is None and cache.key("digest") is None


def test_an_answer_read_before_a_change_is_not_kept():
    cache = ReadCache()
    cache.listening = True
    read_at = cache.generation
    cache.clear()  # a notification arrived while the answer was being read
    cache.remember(read_at, "digest", ApiKey(1, "acme", False), ("filters", "acme"), b"{}", "acme")
    assert cache.answer(("filters", "acme")) is None


def test_an_answer_older_than_its_longest_age_is_read_again():
    cache = ReadCache(max_age=0.05)
    cache.listening = True
    cache.remember(cache.generation, "digest", ApiKey(1, "acme", False), ("filters", "acme"), b"{}", "acme")
    assert cache.answer(("filters", "acme")) == (b"{}", "acme")
    time.sleep(0.1)
    assert cache.answer(("filters", "acme")) is None and cache.key("digest") is None
