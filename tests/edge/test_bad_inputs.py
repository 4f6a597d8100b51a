"""The bad-input catalogue (tests/badinputs.py), ingested through the real command line and the
real API: every hostile input is stored or named in one clear line, the rest of the batch is
stored, no traceback is printed and no document is lost. `pytest -s` prints the tally."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from drive_tagger.api.app import create_app
from drive_tagger.cli import app
from drive_tagger.core.inputs import MAX_BODY_CHARS
from drive_tagger.services.keys import create_key
from tests.badinputs import CSV_FILE, CSV_LINES, FILE_CASES, GOOD_TEXT, JSONL_FILE, JSONL_ROWS, MORE_TABLE_CASES

GOOD_FILES = {f"good-{i}.md": f"# Good document {i}\n\n{GOOD_TEXT} Number {i}." for i in range(5)}


def _failures(stderr: str) -> list[tuple[str, str]]:
    """(where, why) per `failed: ...` line; where is the path (or path:line), why the reason."""
    found = []
    for line in stderr.splitlines():
        match = re.match(r"failed: (.+?): (.+)$", line)
        assert match, f"a line that is not a failure report: {line!r}"
        found.append((match[1], match[2]))
    return found


def _check(expect: str, where: str, failures: list[tuple[str, str]], stored: set[str]) -> str:
    """'stored' or 'failed' for one case, asserting its expectation."""
    mine = [why for place, why in failures if place == where or place.endswith("/" + where)]
    if expect.startswith("stored:"):
        assert expect[7:] in stored and not mine, (where, mine)
        return "stored"
    if expect == "stored":
        assert not mine, (where, mine)
        return "stored"
    if expect == "stored-or-named":
        return "failed" if mine else "stored"
    assert len(mine) == 1 and re.search(expect, mine[0]), (where, expect, mine)
    return "failed"


@pytest.fixture
def hostile_drive(tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    for name, text in GOOD_FILES.items():
        (drive / name).write_text(text)
    for case in [*FILE_CASES, *MORE_TABLE_CASES]:
        case.build(drive)
    JSONL_FILE(drive)
    CSV_FILE(drive)
    return drive


def test_a_folder_of_hostile_inputs_stores_the_rest_and_names_each_problem_once(env, db, hostile_drive, capsys):
    result = CliRunner().invoke(app, ["ingest", "-w", "hostile", str(hostile_drive)])
    assert (result.exit_code == 1 and result.exception is None) or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    failures = _failures(result.stderr)
    workspace = db.documents.workspace("hostile")
    stored = {
        r[0] for r in db.conn.execute("select external_id from documents where workspace_id = %s", (workspace.id,))
    }
    outcomes = [_check("stored", name, failures, stored) for name in GOOD_FILES]
    assert set(GOOD_FILES) <= stored
    for case in [*FILE_CASES, *MORE_TABLE_CASES]:
        outcomes.append(_check(case.expect, case.name, failures, stored))
        if case.expect == "stored":
            assert (case.stored_id or case.name) in stored, case.name
    for number, (_, expect) in enumerate(JSONL_ROWS, start=1):
        outcomes.append(_check(expect, f"rows.jsonl:{number}", failures, stored))
    for number, expect in CSV_LINES.items():
        outcomes.append(_check(expect, f"table.csv:{number}", failures, stored))
    assert {"gz-0", "gz-1"} <= stored  # rows before a truncated gzip's end are kept
    long_body = db.conn.execute("select length(body) from documents where external_id = 'long.txt'").fetchone()[0]
    assert long_body == MAX_BODY_CHARS
    with capsys.disabled():
        print(
            f"\nbad-input catalogue, CLI: {len(outcomes)} inputs: {outcomes.count('stored')} stored, "
            f"{outcomes.count('failed')} named in one line each; {len(failures)} failure lines; 0 tracebacks"
        )


def test_background_ingest_of_the_hostile_folder_is_atomic_and_stores_the_same(env, db, hostile_drive):
    result = CliRunner().invoke(app, ["ingest", "-w", "hostile-bg", str(hostile_drive), "--background", "--json"])
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["job_id"] and report["read"] >= len(GOOD_FILES) + 10


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings), raise_server_exceptions=False) as opened:
        yield opened


def _post(client, key, documents):
    return client.post(
        "/v1/workspaces/acme/documents", json={"documents": documents}, headers={"Authorization": f"Bearer {key}"}
    )


API_CASES = [
    ("NUL in an id", [{"id": "a\x00b", "text": "x"}], 422),
    ("whitespace-only text", [{"id": "w", "text": " \n\t "}], 422),
    ("a 1,000-character CJK id", [{"id": "長" * 1000, "text": "x"}], 422),
    ("an empty id", [{"id": "", "text": "x"}], 422),
    ("a number as text", [{"id": "n", "text": 42}], 422),
    ("a missing text", [{"id": "m"}], 422),
    ("1,001 documents", [{"id": f"d{i}", "text": "x"} for i in range(1001)], 422),
    ("no documents", [], 422),
    ("a text over the body limit", [{"id": "big", "text": "y" * (MAX_BODY_CHARS + 5000)}], 202),
    ("a title with NUL", [{"id": "t", "title": "a\x00b", "text": "fine"}], 202),
    ("an id with a newline", [{"id": "a\nb", "text": "x"}], 422),
    ("a text of zero-width spaces", [{"id": "z", "text": "\u200b\u200b \ufeff"}], 422),
    ("a title that is a number", [{"id": "t", "title": 5, "text": "x"}], 422),
    ("an id of 1,025 bytes", [{"id": "a" * 1025, "text": "x"}], 422),
    ("an id of exactly 1,024 bytes", [{"id": "a" * 1024, "text": "fine"}], 202),
    ("a document that is a list", [["id", "text"]], 422),
    ("a document that is null", [None], 422),
    ("one id twice in a request", [{"id": "d", "text": "one"}, {"id": "d", "text": "two"}], 202),
    ("a text with NUL", [{"id": "n", "text": "a\x00b"}], 202),
    ("a title of 5,000 characters", [{"id": "lt", "title": "T" * 5000, "text": "fine"}], 202),
    ("a document with an unknown field", [{"id": "e", "text": "fine", "colour": "red"}], 202),
]


@pytest.mark.parametrize(("label", "documents", "status"), API_CASES, ids=[c[0] for c in API_CASES])
def test_the_api_answers_bad_documents_with_4xx_and_stores_nothing_of_them(client, db, label, documents, status):
    key = create_key(db.access, workspace="acme")
    response = _post(client, key, documents)
    assert response.status_code == status, response.text[:300]
    assert len(response.content) < 20_000  # never the request echoed back
    if status == 422:
        assert db.documents.workspace_counts(db.documents.workspace("acme").id).documents == 0


def test_raw_json_with_a_lone_surrogate_id_is_a_422(client, db):
    key = create_key(db.access, workspace="acme")
    body = b'{"documents": [{"id": "half\\ud800", "text": "x"}]}'
    response = client.post(
        "/v1/workspaces/acme/documents",
        content=body,
        headers={"Authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    assert response.status_code == 422 and "unicode" in response.text.lower()


def test_a_lone_surrogate_in_a_text_is_a_422_naming_the_field(client, db):
    key = create_key(db.access, workspace="acme")
    body = b'{"documents": [{"id": "s", "text": "broken \\ud800 half"}]}'
    response = client.post(
        "/v1/workspaces/acme/documents",
        content=body,
        headers={"Authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "text"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/workspaces/acme/documents/%00", 404),
        ("/v1/workspaces/acme/documents/" + "%E9%95%B7" * 1000, 404),
        (f"/v1/workspaces/acme/jobs/{2**63}", 422),
        ("/v1/workspaces/acme/jobs/-1", 422),
        (f"/v1/workspaces/acme/filters/1/documents?offset={2**63}", 422),
        (f"/v1/workspaces/acme/filters/{2**40}/documents", 422),
        ("/v1/workspaces/acme/filters/1/documents?limit=0", 422),
        ("/v1/workspaces/" + "x" * 100 + "/filters", 422),
    ],
)
def test_hostile_paths_get_4xx_never_500(client, db, path, status):
    key = create_key(db.access, workspace="acme")
    response = client.get(path, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == status, response.text[:300]


def test_a_body_that_is_not_json_is_a_short_422(client, db):
    key = create_key(db.access, workspace="acme")
    response = client.post(
        "/v1/workspaces/acme/documents",
        content=b"{not json" + b"x" * 5_000_000,
        headers={"Authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    assert response.status_code == 422 and len(response.content) < 5_000


def test_a_body_over_the_request_limit_is_413(client, db):
    from drive_tagger.api.limits import MAX_REQUEST_BYTES

    key = create_key(db.access, workspace="acme")
    response = client.post(
        "/v1/workspaces/acme/documents",
        content=b"x" * (MAX_REQUEST_BYTES + 1),
        headers={"Authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    assert response.status_code == 413


def test_a_workspace_name_with_a_lone_surrogate_is_a_422(client, db):
    key = create_key(db.access, admin=True)
    response = client.post(
        "/v1/workspaces",
        content=b'{"workspace": "a\\ud800"}',
        headers={"Authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    assert response.status_code == 422


def test_embedding_whitespace_or_a_lone_surrogate_is_a_422(client, db):
    key = create_key(db.access, workspace="acme")
    headers = {"Authorization": f"Bearer {key}", "content-type": "application/json"}
    assert client.post("/embed", json={"input": "  \n "}, headers=headers).status_code == 422
    assert client.post("/embed", content=b'{"input": "half \\ud800 pair"}', headers=headers).status_code == 422
