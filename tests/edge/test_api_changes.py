"""The API's routes for changes: delete a document, move documents, merge, split, make a filter,
list corrections, queue a sync; and the embed function at the path Supabase apps call."""

import pytest
from fastapi.testclient import TestClient

from drive_tagger.api.app import create_app
from drive_tagger.services.keys import create_key


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings), raise_server_exceptions=False) as opened:
        yield opened


@pytest.fixture
def key(db, refreshed):
    return create_key(db.access, workspace=refreshed)


def _tops(db, workspace):
    return [
        f.category_id
        for f in db.refreshes.filters(db.documents.workspace(workspace).id)
        if f.parent_category_id is None
    ]


def _call(client, key, method, path, **kwargs):
    return client.request(method, f"/v1/workspaces/samples{path}", headers={"Authorization": f"Bearer {key}"}, **kwargs)


def test_deleting_a_document_removes_it_and_a_second_delete_is_404(client, key, db):
    doc = "contracts/data-processing-agreement-fieldnote.md"
    first = _call(client, key, "DELETE", f"/documents/{doc}")
    assert first.status_code == 200 and first.json()["deleted"] == [doc]
    assert _call(client, key, "GET", f"/documents/{doc}").status_code == 404
    assert _call(client, key, "DELETE", f"/documents/{doc}").status_code == 404


def test_a_move_shows_in_the_documents_tags_at_once(client, key, db, refreshed):
    doc = "contracts/data-processing-agreement-fieldnote.md"
    target = _tops(db, refreshed)[-1]
    moved = _call(client, key, "POST", "/moves", json={"documents": [doc], "filter": target})
    assert moved.status_code == 200 and moved.json()["job_id"] is None
    tags = _call(client, key, "GET", f"/documents/{doc}").json()["tags"]
    assert tags[0]["category_id"] == target


def test_merge_split_and_a_new_filter_are_recorded_and_queue_a_refresh(client, key, db, refreshed):
    tops = _tops(db, refreshed)
    merged = _call(client, key, "POST", "/merges", json={"keep": tops[0], "absorb": tops[1]})
    assert merged.status_code == 202 and merged.json()["job_id"]
    made = _call(
        client,
        key,
        "POST",
        "/filters",
        json={"name": "Board Papers", "documents": ["meetings/sprint-retrospective-lanternfall-sprint-42.md"]},
    )
    assert made.status_code == 202 and made.json()["job_id"] == merged.json()["job_id"]  # one waiting refresh
    kinds = [c["kind"] for c in _call(client, key, "GET", "/corrections").json()]
    assert kinds == ["merge", "learned"]


def test_changes_name_a_missing_filter_or_document_with_404(client, key, db, refreshed):
    assert _call(client, key, "POST", "/merges", json={"keep": 9999, "absorb": 1}).status_code == 404
    assert _call(client, key, "POST", "/filters/9999/split").status_code == 404
    missing = _call(client, key, "POST", "/moves", json={"documents": ["nope.md"], "filter": None})
    assert missing.status_code == 404 and "nope.md" in missing.json()["detail"]


def test_a_sync_needs_a_source_table(client, key):
    response = _call(client, key, "POST", "/sync")
    assert response.status_code == 422 and "DRIVE_TAGGER_SYNC_TABLE" in response.json()["detail"]


def test_another_workspaces_key_changes_nothing(client, db, refreshed):
    other = create_key(db.access, workspace="other")
    doc = "contracts/data-processing-agreement-fieldnote.md"
    assert _call(client, other, "DELETE", f"/documents/{doc}").status_code == 404
    assert db.documents.document_ids(db.documents.workspace(refreshed).id, [doc])


def test_corrections_are_listed_with_names_dates_and_documents(client, key, db, refreshed):
    doc = "contracts/data-processing-agreement-fieldnote.md"
    target = _tops(db, refreshed)[-1]
    _call(client, key, "POST", "/moves", json={"documents": [doc], "filter": target})
    (listed,) = _call(client, key, "GET", "/corrections").json()
    name = next(f.name for f in db.refreshes.filters(db.documents.workspace(refreshed).id) if f.category_id == target)
    assert listed["filters"]["target"] == {"id": target, "name": name, "active": True}
    assert listed["document_ids"] == [doc] and listed["documents"] == 1 and listed["made_at"]
    assert listed["summary"] == f"moved 1 document(s) to “{name}”" and listed["undone_at"] is None


def test_undoing_a_move_puts_it_back_at_once_and_a_merges_undo_queues_a_refresh(client, key, db, refreshed):
    doc = "contracts/data-processing-agreement-fieldnote.md"
    home = _call(client, key, "GET", f"/documents/{doc}").json()["tags"][0]["category_id"]
    target = next(t for t in _tops(db, refreshed) if t != home)
    moved = _call(client, key, "POST", "/moves", json={"documents": [doc], "filter": target}).json()["correction"]
    undone = _call(client, key, "POST", f"/corrections/{moved}/undo")
    assert undone.status_code == 200 and undone.json() == {"correction": moved, "job_id": None}
    assert _call(client, key, "GET", f"/documents/{doc}").json()["tags"][0]["category_id"] == home
    assert _call(client, key, "POST", f"/corrections/{moved}/undo").status_code == 422  # undone already
    tops = _tops(db, refreshed)
    merged = _call(client, key, "POST", "/merges", json={"keep": tops[0], "absorb": tops[1]}).json()["correction"]
    again = _call(client, key, "POST", f"/corrections/{merged}/undo")
    assert again.status_code == 200 and again.json()["job_id"]
    assert [c["undone_at"] is not None for c in _call(client, key, "GET", "/corrections").json()] == [True, True]


def test_undoing_an_unknown_or_another_workspaces_correction_is_404(client, key, db, refreshed):
    doc = "contracts/data-processing-agreement-fieldnote.md"
    moved = _call(client, key, "POST", "/moves", json={"documents": [doc], "filter": None}).json()["correction"]
    assert _call(client, key, "POST", "/corrections/999/undo").status_code == 404
    assert _call(client, key, "POST", f"/corrections/{2**70}/undo").status_code in (404, 422)
    other = create_key(db.access, workspace="other")
    assert _call(client, other, "POST", f"/corrections/{moved}/undo").status_code == 404
