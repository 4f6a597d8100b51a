"""The HTTP API end to end: FastAPI's TestClient on the app factory, this test's real database."""

import numpy as np
import pytest
from fastapi.testclient import TestClient

from drive_tagger.api.app import create_app
from drive_tagger.core.types import WorkspaceCounts
from drive_tagger.services.keys import create_key
from drive_tagger.services.refresh import refresh_workspace
from drive_tagger.settings import BUNDLED_MODEL
from drive_tagger.wiring import make_embedder


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings), raise_server_exceptions=False) as opened:
        yield opened


def auth(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def acme_key(db):
    return create_key(db.access, workspace="acme")


@pytest.fixture
def admin_key(db):
    return create_key(db.access, admin=True)


def _docs(*ids):
    return {"documents": [{"id": i, "title": f"Doc {i}", "text": f"text of document {i}"} for i in ids]}


def test_the_server_loads_the_model_and_its_lone_document_kernels_before_it_answers(settings):
    app = create_app(settings.model_copy(update={"api_warm_model": True}))
    with TestClient(app):
        assert app.state.embedder()._lone_shapes_ready


def test_embed_returns_the_configured_models_normalized_vector(client, acme_key, settings):
    response = client.post("/embed", json={"input": "Invoice for March"}, headers=auth(acme_key))
    vector = np.array(response.json()["embedding"])
    assert response.status_code == 200 and vector.shape == (384,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(vector, make_embedder(settings).embed(["Invoice for March"])[0], atol=1e-5)


def test_empty_embed_input_is_a_422_json_error(client, acme_key):
    response = client.post("/embed", json={"input": ""}, headers=auth(acme_key))
    assert response.status_code == 422 and "detail" in response.json()


def test_a_request_without_a_valid_key_is_401(client, acme_key):
    assert client.get("/v1/workspaces/acme/filters").status_code == 401
    assert client.get("/v1/workspaces/acme/filters", headers=auth("dt_wrong")).status_code == 401


def test_a_workspace_key_cannot_see_another_workspace(client, db, acme_key):
    create_key(db.access, workspace="other")
    response = client.post("/v1/workspaces/other/documents", json=_docs("a"), headers=auth(acme_key))
    assert response.status_code == 404 and response.json()["detail"] == "unknown workspace 'other'"
    assert db.documents.workspace_counts(db.documents.workspace("other").id) == WorkspaceCounts(documents=0, tagged=0)


def test_only_an_admin_key_creates_workspaces(client, db, acme_key, admin_key):
    assert client.post("/v1/workspaces", json={"workspace": "beta"}, headers=auth(acme_key)).status_code == 403
    created = client.post("/v1/workspaces", json={"workspace": "beta"}, headers=auth(admin_key))
    assert created.status_code == 201 and created.json() == {
        "workspace": "beta",
        "created": True,
        "model": BUNDLED_MODEL,
    }
    assert client.get("/v1/workspaces/beta/filters", headers=auth(admin_key)).json()["filters"] == []


def test_an_invalid_workspace_name_is_422_and_creates_nothing(client, db, admin_key):
    response = client.post("/v1/workspaces", json={"workspace": "Bad Name"}, headers=auth(admin_key))
    assert response.status_code == 422 and response.json()["error"] == "InvalidInput"
    assert [w.slug for w in db.documents.list_workspaces()] == []


def test_posted_documents_are_stored_and_one_embedding_job_is_queued(client, db, acme_key):
    first = client.post("/v1/workspaces/acme/documents", json=_docs("a", "b"), headers=auth(acme_key))
    second = client.post("/v1/workspaces/acme/documents", json=_docs("b", "c"), headers=auth(acme_key))
    assert first.status_code == 202 and first.json()["inserted"] == 2
    assert second.json()["inserted"] == 1 and second.json()["job_id"] == first.json()["job_id"]
    assert db.documents.workspace_counts(db.documents.workspace("acme").id).documents == 3
    job = client.get(f"/v1/workspaces/acme/jobs/{first.json()['job_id']}", headers=auth(acme_key)).json()
    assert (job["task_name"], job["status"], job["workspace"]) == ("embed_pending", "todo", "acme")


def test_a_malformed_document_is_422_and_nothing_is_stored(client, db, acme_key):
    body = _docs("a", "b")
    body["documents"][1]["text"] = ""
    response = client.post("/v1/workspaces/acme/documents", json=body, headers=auth(acme_key))
    assert response.status_code == 422
    assert db.documents.workspace_counts(db.documents.workspace("acme").id).documents == 0


def test_a_failure_while_queueing_leaves_no_documents_behind(client, db, acme_key):
    db.conn.execute("""
        create function refuse() returns trigger language plpgsql as $$
        begin raise exception 'queue unavailable'; end $$;
        create trigger refuse before insert on procrastinate_jobs for each row execute function refuse();
    """)
    response = client.post("/v1/workspaces/acme/documents", json=_docs("a", "b"), headers=auth(acme_key))
    assert response.status_code == 500 and response.json()["error"] == "InternalError"
    assert db.documents.workspace_counts(db.documents.workspace("acme").id).documents == 0


def test_a_refresh_is_queued_once_and_its_status_is_readable(client, db, acme_key):
    first = client.post("/v1/workspaces/acme/refresh", headers=auth(acme_key)).json()
    second = client.post("/v1/workspaces/acme/refresh", headers=auth(acme_key)).json()
    assert first["queued"] and not second["queued"] and first["job_id"] == second["job_id"]
    status = client.get(f"/v1/workspaces/acme/jobs/{first['job_id']}", headers=auth(acme_key))
    assert status.status_code == 200 and status.json()["status"] == "todo"
    assert client.get("/v1/workspaces/acme/jobs/999999", headers=auth(acme_key)).status_code == 404


@pytest.fixture
def refreshed(db, sample_workspace, namer):
    refresh_workspace(db.documents, db.refreshes, sample_workspace, namer=namer)
    return create_key(db.access, workspace=sample_workspace)


def test_filters_pages_and_tags_read_the_active_filters(client, refreshed):
    filters = client.get("/v1/workspaces/samples/filters", headers=auth(refreshed)).json()["filters"]
    top = filters[0]
    assert top["documents"] > 0 and top["keywords"]
    page = client.get(
        f"/v1/workspaces/samples/filters/{top['category_id']}/documents?limit=2&offset=1", headers=auth(refreshed)
    ).json()
    assert len(page["documents"]) == 2 and page["offset"] == 1
    document = page["documents"][0]["external_id"]
    assert "/" in document  # files are identified by their path in the folder
    tags = client.get(f"/v1/workspaces/samples/documents/{document}", headers=auth(refreshed)).json()
    assert top["category_id"] in [t["category_id"] for t in tags["tags"]]


def test_renaming_a_filter_pins_the_name_everywhere(client, refreshed):
    top = client.get("/v1/workspaces/samples/filters", headers=auth(refreshed)).json()["filters"][0]
    renamed = client.patch(
        f"/v1/workspaces/samples/filters/{top['category_id']}", json={"name": "Deals"}, headers=auth(refreshed)
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Deals" and renamed.json()["named_by"] == "user"
    listed = client.get("/v1/workspaces/samples/filters", headers=auth(refreshed)).json()["filters"]
    assert "Deals" in [f["name"] for f in listed]
    unpinned = client.patch(
        f"/v1/workspaces/samples/filters/{top['category_id']}", json={"pinned": False}, headers=auth(refreshed)
    )
    assert unpinned.json()["name"] == top["name"]


def test_unknown_filter_and_document_are_404_json(client, refreshed):
    assert client.get("/v1/workspaces/samples/filters/99999/documents", headers=auth(refreshed)).status_code == 404
    missing = client.get("/v1/workspaces/samples/documents/nope.md", headers=auth(refreshed))
    assert missing.status_code == 404 and missing.json()["error"] == "UnknownDocument"


def test_a_page_size_out_of_range_is_422(client, refreshed):
    assert client.get("/v1/workspaces/samples/filters/1/documents?limit=0", headers=auth(refreshed)).status_code == 422


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    assert "/v1/workspaces/{workspace}/filters" in client.get("/openapi.json").json()["paths"]


def test_filters_count_first_and_second_choices_and_untagged_documents_are_listed(client, db, sample_workspace, namer):
    refresh_workspace(db.documents, db.refreshes, sample_workspace, namer=namer)
    key = create_key(db.access, workspace=sample_workspace)
    found = client.get(f"/v1/workspaces/{sample_workspace}/filters", headers=auth(key)).json()["filters"]
    assert all(f["first_documents"] + f["second_documents"] == f["documents"] for f in found)
    untagged = client.get(f"/v1/workspaces/{sample_workspace}/untagged?limit=5", headers=auth(key)).json()
    tops = sum(f["first_documents"] for f in found if f["parent_category_id"] is None)
    assert tops + untagged["untagged"] == 75 and len(untagged["documents"]) == min(5, untagged["untagged"])
    first = db.refreshes.primary_top_level_tags(db.documents.workspace(sample_workspace).id)
    assert all(first[d["external_id"]] is None for d in untagged["documents"])
