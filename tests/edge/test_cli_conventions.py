"""The command line behaves like the tools people know (git, gh, llm): --version, completion, a
default workspace from the environment, enumerations checked with a usage error, keys that can
be listed and revoked, search by meaning, and --json wherever a command prints data."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from drive_tagger import __version__
from drive_tagger.cli import app

runner = CliRunner()


def run(*args, **env):
    return runner.invoke(app, [str(a) for a in args], env=env or None, catch_exceptions=False)


@pytest.fixture
def travel_and_contracts(env, tmp_path, samples_dir):
    drive = tmp_path / "drive"
    for kind in ("contracts", "travel"):
        shutil.copytree(samples_dir / kind, drive / kind)
    assert run("ingest", "-w", "acme", drive).exit_code == 0
    assert run("refresh", "-w", "acme").exit_code == 0
    return "acme"


def test_version_and_completion_are_there():
    assert run("--version").stdout == f"drive-tagger {__version__}\n"
    assert "--show-completion" in run("--help").stdout


def test_a_bad_enumeration_value_is_a_usage_error(env):
    result = runner.invoke(app, ["jobs", "--status", "bogus"])
    assert result.exit_code == 2 and "'bogus' is not one of" in result.output


def test_the_workspace_comes_from_the_environment_when_not_given(travel_and_contracts):
    assert run("filters", DRIVE_TAGGER_WORKSPACE="acme").stdout == run("filters", "-w", "acme").stdout
    assert "acme" not in runner.invoke(app, ["filters"]).stdout  # without either: a usage error
    assert runner.invoke(app, ["filters"]).exit_code == 2


def test_keys_are_created_listed_and_revoked(env):
    created = json.loads(run("keys", "create", "-w", "acme", "--json").stdout)
    assert created["token"].startswith("dt_") and created["workspace"] == "acme"
    listed = json.loads(run("keys", "list", "--json").stdout)
    assert [(k["workspace"], k["is_admin"]) for k in listed] == [("acme", False)]
    assert created["token"] not in run("keys", "list").stdout  # the token is never shown again
    assert run("keys", "revoke", listed[0]["id"]).stdout == f"revoked key #{listed[0]['id']}\n"
    assert json.loads(run("keys", "list", "--json").stdout) == []
    again = runner.invoke(app, ["keys", "revoke", str(listed[0]["id"])])
    assert again.exit_code == 1 and again.stderr.startswith("error: no API key #")


def test_search_finds_documents_by_meaning_and_names_their_filter(travel_and_contracts):
    found = json.loads(run("search", "-w", "acme", "hotel and train for a business trip", "--json").stdout)
    best = found["results"][0]
    assert best["id"].startswith("travel/") and best["filter"] and best["score"] > 0.3
    text = run("search", "-w", "acme", "termination for material breach", "--limit", "2").stdout.splitlines()
    assert len(text) == 2 and "contracts/" in text[0]
    empty = runner.invoke(app, ["search", "-w", "acme", "   "])
    assert empty.exit_code == 1 and "type something to search for" in empty.stderr


def test_the_map_says_what_it_wrote_as_json(travel_and_contracts, tmp_path):
    out = tmp_path / "map.html"
    result = json.loads(run("map", "-w", "acme", "--out", out, "--json").stdout)
    assert result == {"workspace": "acme", "wrote": str(out)} and out.stat().st_size > 0


def test_untagged_documents_are_listed_and_tags_say_which_is_first(travel_and_contracts, db):
    workspace = db.documents.workspace("acme")
    untagged = db.browse.untagged_count(workspace.id)
    listed = json.loads(run("docs", "-w", "acme", "-f", "Untagged", "--json").stdout)
    assert listed["untagged"] == untagged == len(listed["documents"])
    first = db.refreshes.primary_top_level_tags(workspace.id)
    tagged = next(i for i, c in first.items() if c is not None)
    lines = run("tags", "-w", "acme", tagged).stdout.splitlines()
    assert lines[1].lstrip().startswith(f"first  [{first[tagged]}]")
    assert all(line.lstrip().split()[0] in ("first", "second") for line in lines[1:])


def test_a_workspace_is_deleted_only_when_confirmed_and_takes_its_vectors_along(travel_and_contracts, db):
    refused = runner.invoke(app, ["workspaces", "delete", "acme"])  # no terminal to ask at, no --yes
    assert refused.exit_code == 1 and "pass --yes to confirm" in refused.stderr
    asked = runner.invoke(app, ["workspaces", "delete", "acme"], input="n\n")
    assert asked.exit_code == 1 and db.documents.workspace("acme")
    result = json.loads(run("workspaces", "delete", "acme", "--yes", "--json").stdout)
    assert result["deleted"] and result["documents"] > 0
    assert db.conn.execute("select count(*) from embeddings").fetchone()[0] == 0
    assert json.loads(run("workspaces", "--json").stdout) == []


def test_filter_counts_say_how_many_are_first_choices_and_add_up_to_the_drive(travel_and_contracts, db):
    found = json.loads(run("filters", "-w", "acme", "--json").stdout)
    top = [f for f in found if f["parent_category_id"] is None]
    workspace = db.documents.workspace("acme")
    documents = db.documents.workspace_counts(workspace.id).documents
    assert sum(f["first_documents"] for f in top) + db.browse.untagged_count(workspace.id) == documents
    assert all(f["first_documents"] + f["second_documents"] == f["documents"] for f in found)
    second = next((f for f in top if f["second_documents"]), None)
    text = run("filters", "-w", "acme").stdout
    assert f"({top[0]['first_documents']} docs" in text
    if second:
        assert f"({second['first_documents']} docs +{second['second_documents']} second)" in text


def test_corrections_answer_in_json_and_refuse_contradictions(travel_and_contracts, db):
    both = runner.invoke(app, ["move", "-w", "acme", "travel/x.md", "--to", "1", "--out"])
    assert both.exit_code == 1 and "--to and --out exclude each other" in both.stderr
    tagged = next(i for i, c in db.refreshes.primary_top_level_tags(db.documents.workspace("acme").id).items() if c)
    moved = json.loads(run("move", "-w", "acme", tagged, tagged, tagged, "--out", "--json").stdout)
    assert moved["moved"] == 1 and moved["correction"] >= 1  # one document, named three times
    top = [f for f in json.loads(run("filters", "-w", "acme", "--json").stdout) if f["parent_category_id"] is None]
    merged = json.loads(run("merge", "-w", "acme", top[0]["name"], top[1]["name"], "--json").stdout)
    assert merged["kept"] == top[0]["name"] and merged["filters"] == len(top) - 1
    status = json.loads(run("db", "status", "--json").stdout)
    assert status["pending"] == [] and status["applied"] > 0


def test_a_refresh_says_each_stage_once_it_has_run_two_seconds(travel_and_contracts, monkeypatch):
    from drive_tagger.cli import common

    monkeypatch.setattr(common, "PROGRESS_AFTER_SECONDS", 0.0)  # this drive refreshes in under two seconds
    result = runner.invoke(app, ["refresh", "-w", "acme"])
    stages = [line.split(": ")[1].split(" done")[0] for line in result.stderr.splitlines()]
    assert stages[:2] == ["load", "cluster"] and "write" in stages
    assert result.stdout.startswith("acme: ") and "s)" in result.stdout
