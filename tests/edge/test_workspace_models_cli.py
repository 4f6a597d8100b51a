"""Workspace models at the edges (issue 28, findings 1 and 9): `drive-tagger workspaces create
--model`, `workspaces` showing each model, `workspaces set-model` re-embedding and refreshing, a
later command with the default embedder leaving the model alone, and /embed naming its model."""

import json
import shutil

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from drive_tagger.api.app import create_app
from drive_tagger.cli import app
from drive_tagger.services.keys import create_key
from drive_tagger.settings import BUNDLED_MODEL

runner = CliRunner()
ADA = "openai/text-embedding-ada-002"


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def drive(tmp_path, samples_dir):
    """Two kinds of the sample drive."""
    root = tmp_path / "drive"
    for kind in ("contracts", "travel"):
        shutil.copytree(samples_dir / kind, root / kind)
    return root


@pytest.fixture
def reachable(env, monkeypatch, openai_server):
    """The deployment reaches an OpenAI-compatible server; DRIVE_TAGGER_EMBEDDER stays the default."""
    monkeypatch.delenv("DRIVE_TAGGER_EMBEDDER", raising=False)
    monkeypatch.setenv("DRIVE_TAGGER_OPENAI_BASE_URL", openai_server.url)
    monkeypatch.setenv("DRIVE_TAGGER_OPENAI_API_KEY", "test-key")
    return openai_server


def test_a_workspace_created_with_a_model_keeps_it_when_a_command_runs_with_the_default_embedder(reachable, drive):
    created = run("workspaces", "create", "acme", "--model", "openai:text-embedding-ada-002")
    assert created.exit_code == 0 and ADA in created.output
    ingested = run("ingest", "--workspace", "acme", drive, "--json")  # DRIVE_TAGGER_EMBEDDER unset
    assert ingested.exit_code == 0, ingested.output
    read = json.loads(ingested.output)["read"]
    assert json.loads(ingested.output)["embedded"] == read
    assert sum(len(b["input"]) for p, b in reachable.requests if p.endswith("/embeddings")) == read  # by ada-002
    assert run("refresh", "--workspace", "acme").exit_code == 0
    listed = run("workspaces", "--json")
    assert json.loads(listed.output) == [{"workspace": "acme", "documents": read, "model": ADA}]
    assert run("workspaces").output.strip() == f"acme: {read} documents ({ADA})"
    again = run("refresh", "--workspace", "acme")
    assert again.exit_code == 0 and "ValueError" not in again.output


def test_without_a_way_to_the_workspaces_model_a_command_fails_with_one_line_naming_both_models(
    env, monkeypatch, openai_server, drive
):
    monkeypatch.setenv("DRIVE_TAGGER_OPENAI_BASE_URL", openai_server.url)
    assert run("workspaces", "create", "acme", "--model", "openai:text-embedding-ada-002").exit_code == 0
    monkeypatch.delenv("DRIVE_TAGGER_OPENAI_BASE_URL")
    monkeypatch.setenv("DRIVE_TAGGER_EMBEDDER", f"sentence-transformers:{BUNDLED_MODEL}")
    result = run("ingest", "--workspace", "acme", drive)
    assert result.exit_code == 1
    error = result.output.strip().splitlines()[-1]
    assert error.startswith("error: ") and ADA in error and BUNDLED_MODEL in error
    assert "drive-tagger workspaces set-model acme" in error and "ValueError" not in result.output
    assert json.loads(run("workspaces", "--json").output)[0]["model"] == ADA


def test_set_model_re_embeds_every_document_and_refreshes_the_filters(reachable, drive):
    assert run("workspaces", "create", "acme", "--model", "openai:text-embedding-ada-002").exit_code == 0
    read = json.loads(run("ingest", "--workspace", "acme", drive, "--json").output)["read"]
    assert run("refresh", "--workspace", "acme").exit_code == 0
    changed = run("workspaces", "set-model", "acme", "openai:text-embedding-3-small", "--json")
    assert changed.exit_code == 0, changed.output
    report = json.loads(changed.output)
    assert report["from"] == ADA and report["model"] == "openai/text-embedding-3-small"
    assert report["embedded"] == read and report["filters"] >= 1
    filters = json.loads(run("filters", "--workspace", "acme", "--json").output)
    assert filters and json.loads(run("workspaces", "--json").output)[0]["model"] == "openai/text-embedding-3-small"


def test_set_model_in_the_background_queues_the_re_embedding(reachable, drive):
    assert run("workspaces", "create", "acme", "--model", "openai:text-embedding-ada-002").exit_code == 0
    assert run("ingest", "--workspace", "acme", drive).exit_code == 0
    changed = run("workspaces", "set-model", "acme", "openai:text-embedding-3-small", "--background", "--json")
    assert changed.exit_code == 0, changed.output
    assert json.loads(changed.output)["job_id"] >= 1
    jobs = json.loads(run("jobs", "--workspace", "acme", "--json").output)
    assert [j["task_name"] for j in jobs] == ["embed_pending"]
    assert json.loads(run("workspaces", "--json").output)[0]["model"] == "openai/text-embedding-3-small"


def test_creating_an_existing_workspace_with_another_model_is_refused(reachable):
    assert run("workspaces", "create", "acme", "--model", "openai:text-embedding-ada-002").exit_code == 0
    result = run("workspaces", "create", "acme", "--model", "openai:text-embedding-3-small")
    assert result.exit_code == 1 and "set-model acme" in result.output


@pytest.fixture
def client(settings, openai_server):
    served = settings.model_copy(
        update={"embedder": "openai:text-embedding-3-small", "openai_base_url": openai_server.url}
    )
    with TestClient(create_app(served)) as opened:
        yield opened


@pytest.mark.parametrize("path", ["/embed", "/functions/v1/embed"])
def test_embed_names_the_model_of_its_vector(client, db, path):
    key = create_key(db.access, workspace="acme")
    response = client.post(path, json={"input": "Invoice for March"}, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.headers["X-Embedding-Model"] == "openai/text-embedding-3-small"
    assert response.json()["model"] == "openai/text-embedding-3-small" and len(response.json()["embedding"]) == 1536


def test_a_workspace_created_through_the_api_owns_the_model_asked_for_or_the_servers(client, db):
    headers = {"Authorization": f"Bearer {create_key(db.access, admin=True)}"}
    asked = client.post(
        "/v1/workspaces", json={"workspace": "acme", "model": "openai:text-embedding-ada-002"}, headers=headers
    )
    assert asked.status_code == 201 and asked.json() == {"workspace": "acme", "created": True, "model": ADA}
    default = client.post("/v1/workspaces", json={"workspace": "beta"}, headers=headers)
    assert default.json()["model"] == "openai/text-embedding-3-small"
    clash = client.post(
        "/v1/workspaces", json={"workspace": "acme", "model": "openai:text-embedding-3-small"}, headers=headers
    )
    assert clash.status_code == 422 and "set-model" in clash.json()["detail"]
