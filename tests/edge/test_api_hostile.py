"""The API against a hostile caller (issue 29): ids Postgres cannot hold, unknown ids by the
megabyte, repeated ids, a chunked body past the limit, a sync without a key, a key deleted
between two requests, and a Postgres restart between two requests."""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest
import uvicorn
from fastapi.testclient import TestClient

from drive_tagger.adapters.postgres.connection import connect
from drive_tagger.adapters.postgres.database import Database
from drive_tagger.api.app import create_app
from drive_tagger.api.limits import MAX_REQUEST_BYTES
from drive_tagger.errors import MAX_ECHO_CHARS
from drive_tagger.services.keys import create_key, token_hash
from drive_tagger.settings import Settings
from tests.browser import free_port

FILTERS = "/v1/workspaces/acme/filters"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _docs(*ids: str) -> dict:
    return {"documents": [{"id": i, "text": f"text of {i}"} for i in ids]}


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings), raise_server_exceptions=False) as opened:
        yield opened


@pytest.fixture
def key(db) -> str:
    return create_key(db.access, workspace="acme")


class Served:
    """The app behind a real uvicorn on 127.0.0.1, in a thread of this process."""

    def __init__(self, settings: Settings):
        self.app = create_app(settings)
        self.port = free_port()
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        _until(lambda: self.server.started or not self.thread.is_alive(), seconds=60)
        assert self.server.started, "uvicorn did not start"

    def connection(self) -> http.client.HTTPConnection:
        """A keep-alive connection to it."""
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture
def served(settings):
    opened = Served(settings)
    yield opened
    opened.stop()


def _get(connection: http.client.HTTPConnection, path: str, token: str) -> int:
    connection.request("GET", path, headers=auth(token))
    response = connection.getresponse()
    response.read()
    return response.status


def _until(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/moves", {"documents": ["fine", "nul\x00inside"], "filter": None}),
        ("/filters", {"name": "Picked", "documents": ["fine", "nul\x00inside"]}),
        ("/moves", {"documents": ["half \ud800 pair"], "filter": None}),
        ("/filters", {"name": "Picked", "documents": ["x" * 3_000_000]}),
    ],
    ids=["NUL in a move", "NUL in a new filter", "lone surrogate in a move", "3 MB id in a new filter"],
)
def test_an_id_postgres_cannot_hold_is_a_short_422_and_the_connection_stays_open(served, key, path, body):
    connection = served.connection()
    headers = {**auth(key), "Content-Type": "application/json"}
    connection.request("POST", f"/v1/workspaces/acme{path}", body=json.dumps(body).encode(), headers=headers)
    refused = connection.getresponse()
    answer = refused.read()
    assert refused.status == 422 and len(answer) < 2_000, answer[:300]
    assert json.loads(answer)["detail"][0]["loc"][:2] == ["body", "documents"]
    socket = connection.sock
    assert _get(connection, "/v1/workspaces", key) == 200 and connection.sock is socket  # the same connection


def test_a_megabyte_of_unknown_ids_is_a_404_that_counts_them_and_shows_only_the_first(client, key):
    ids = [f"{i:04d}-" + "u" * 1_000 for i in range(1_000)]
    for path, body in [
        ("/moves", {"documents": ids, "filter": None}),
        ("/filters", {"name": "Picked", "documents": ids}),
    ]:
        response = client.post(f"/v1/workspaces/acme{path}", json=body, headers=auth(key))
        detail = response.json()["detail"]
        assert response.status_code == 404 and len(response.content) < 1_000
        assert detail.startswith("1,000 unknown document ids in workspace 'acme', first: '0000-uuu")
        assert detail.endswith("\u2026") and len(detail) < MAX_ECHO_CHARS + 100


def test_a_few_unknown_ids_are_named_whole(client, key):
    client.post("/v1/workspaces/acme/documents", json=_docs("known"), headers=auth(key))
    body = {"documents": ["a", "known", "b", "c"], "filter": None}
    response = client.post("/v1/workspaces/acme/moves", json=body, headers=auth(key))
    assert response.status_code == 404
    assert response.json()["detail"] == "3 unknown document ids in workspace 'acme': 'a', 'b', 'c'"


def test_a_long_unknown_id_in_a_path_is_not_echoed_whole(client, key):
    response = client.get("/v1/workspaces/acme/documents/" + "p" * 1_000, headers=auth(key))
    assert response.status_code == 404 and len(response.json()["detail"]) < MAX_ECHO_CHARS + 100


def test_a_validation_error_never_echoes_more_than_the_echo_limit(client, key):
    response = client.post("/v1/workspaces/acme/moves", json={"documents": "y" * 1_000_000}, headers=auth(key))
    assert response.status_code == 422 and len(response.content) < 2_000


def test_an_id_given_three_times_is_moved_and_picked_once(client, key):
    assert client.post("/v1/workspaces/acme/documents", json=_docs("a", "b"), headers=auth(key)).status_code == 202
    moved = client.post(
        "/v1/workspaces/acme/moves", json={"documents": ["a", "a", "a"], "filter": None}, headers=auth(key)
    )
    made = client.post(
        "/v1/workspaces/acme/filters", json={"name": "Picked", "documents": ["b", "a", "b"]}, headers=auth(key)
    )
    assert moved.status_code == 200 and made.status_code == 202
    corrections = client.get("/v1/workspaces/acme/corrections", headers=auth(key)).json()
    assert [(c["kind"], c["documents"]) for c in corrections] == [("move", 1), ("learned", 2)]


def test_a_chunked_body_past_the_limit_is_413(client, key):
    def chunks():  # no Content-Length: the body is sent chunked
        for _ in range(MAX_REQUEST_BYTES // 2**20 + 1):
            yield b" " * 2**20

    response = client.post(
        "/v1/workspaces/acme/documents", content=chunks(), headers={**auth(key), "Content-Type": "application/json"}
    )
    assert response.status_code == 413 and response.json()["error"] == "RequestTooLarge"


@pytest.mark.parametrize("sync_table", [None, "app_documents"])
def test_a_sync_without_a_valid_key_is_401_and_queues_nothing(settings, db, key, sync_table):
    with TestClient(create_app(settings.model_copy(update={"sync_table": sync_table}))) as client:
        assert client.post("/v1/workspaces/acme/sync").status_code == 401
        assert client.post("/v1/workspaces/acme/sync", headers=auth("dt_wrong")).status_code == 401
    assert db.conn.execute("select count(*) from procrastinate_jobs").fetchone()[0] == 0


def test_a_request_without_a_key_is_401_before_its_body_is_looked_at(client):
    assert client.post("/v1/workspaces/acme/moves", json={"documents": "not a list"}).status_code == 401


def test_a_key_deleted_elsewhere_is_refused_on_the_very_next_request(served, db):
    cache = served.app.state.read_cache
    _until(lambda: cache.listening)
    connection = served.connection()
    for _ in range(30):
        token = create_key(db.access, workspace="acme")
        # Read until the answer is kept (the key's own insert may clear the cache once).
        _until(lambda token=token: _get(connection, FILTERS, token) == 200 and cache.answer((FILTERS, b"")))
        assert _get(connection, FILTERS, token) == 200
        db.conn.execute("delete from api_keys where token_hash = %s", [token_hash(token)])
        assert _get(connection, FILTERS, token) == 401


def test_a_postgres_restart_costs_at_most_one_failed_request(own_server, tmp_path):
    settings = Settings(
        database_url=own_server.url, data_dir=tmp_path / "data", auto_migrate=False, api_warm_model=False
    )
    with Database(connect(own_server.url, autocommit=True)) as db:
        token = create_key(db.access, workspace="acme")

    def timed_answers(count: int) -> list[tuple[int, float]]:
        answers = []
        for path in ["/v1/workspaces", FILTERS] * (count // 2):
            started = time.monotonic()
            answers.append((client.get(path, headers=auth(token)).status_code, time.monotonic() - started))
        return answers

    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert {status for status, _ in timed_answers(4)} == {200}
        own_server.kill()
        own_server.start()  # a restart while no request came
        after_restart = timed_answers(10)
        own_server.kill()
        while_down = timed_answers(2)  # requests while the server is away fail, and fast
        own_server.start()
        after_outage = timed_answers(10)

    assert [s for s, _ in while_down] == [503, 503] and max(t for _, t in while_down) < 2.0, while_down
    for answers in (after_restart, after_outage):
        assert sum(status != 200 for status, _ in answers) <= 1, answers
        assert max(seconds for _, seconds in answers) < 2.0, answers


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/filters/99999999999/split"),
        ("POST", "/corrections/99999999999999999999/undo"),
        ("PATCH", "/filters/-1"),
        ("GET", "/jobs/0"),
    ],
    ids=["filter id past integer", "correction id past bigint", "negative filter id", "job id 0"],
)
def test_an_id_out_of_the_databases_range_in_a_path_is_a_422_naming_it(client, key, method, path):
    response = client.request(method, f"/v1/workspaces/acme{path}", headers=auth(key), json={"name": "X"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][0] == "path"
