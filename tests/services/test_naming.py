"""Offline naming on the real model, the quality gate on real refreshes, and pinned renames."""

import json

import pytest

from drive_tagger.adapters.namers import OfflineNamer
from drive_tagger.core.naming import is_vague
from drive_tagger.errors import InvalidInput
from drive_tagger.services.pins import rename_filter
from drive_tagger.services.refresh import refresh_workspace


@pytest.fixture
def offline_filters(db, sample_workspace, embedder):
    refresh_workspace(db.documents, db.refreshes, sample_workspace, namer=OfflineNamer(embedder))
    return db.refreshes.filters(db.documents.workspace(sample_workspace).id)


def test_offline_names_come_from_the_taxonomy_where_it_fits(offline_filters):
    names = {f.name for f in offline_filters}
    assert {"Legal", "Travel"} <= names, names


def test_offline_names_are_unique_and_not_vague(offline_filters):
    names = [f.name for f in offline_filters]
    assert len({n.lower() for n in names}) == len(names) and not any(is_vague(n) for n in names)
    assert {f.named_by for f in offline_filters} == {"offline"}


def test_every_top_level_name_is_nearest_its_own_filter(db, sample_workspace, embedder, offline_filters):
    categories = [
        c for c in db.refreshes.active_categories(db.documents.workspace(sample_workspace).id) if c.is_top_level
    ]
    import numpy as np

    names = embedder.embed([c.name for c in categories])
    centroids = np.array([c.centroid for c in categories])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    nearest = np.argmax(names @ centroids.T, axis=1)
    assert (nearest == np.arange(len(categories))).mean() >= 0.8


def test_a_renamed_filter_keeps_its_pinned_name_across_refreshes(db, sample_workspace, embedder, offline_filters):
    chosen = offline_filters[0]
    rename_filter(db.refreshes, sample_workspace, str(chosen.category_id), "Client Contracts")
    for _ in range(2):
        refresh_workspace(db.documents, db.refreshes, sample_workspace, namer=OfflineNamer(embedder))
        renamed = [
            f
            for f in db.refreshes.filters(db.documents.workspace(sample_workspace).id)
            if f.category_id == chosen.category_id
        ]
        assert [(f.name, f.named_by) for f in renamed] == [("Client Contracts", "user")]


def test_a_pinned_name_shows_in_document_tags(db, sample_workspace, offline_filters):
    from drive_tagger.services.query import document_tags, filter_documents

    chosen = offline_filters[0]
    rename_filter(db.refreshes, sample_workspace, chosen.name, "Client Contracts")
    _, page = filter_documents(db.refreshes, sample_workspace, "client contracts", limit=1)
    _, tags = document_tags(db.refreshes, sample_workspace, page[0].external_id)
    assert "Client Contracts" in [t.name for t in tags]


def test_renaming_to_another_filters_name_is_refused(db, sample_workspace, offline_filters):
    with pytest.raises(InvalidInput, match="already called"):
        rename_filter(
            db.refreshes, sample_workspace, str(offline_filters[0].category_id), offline_filters[1].name.upper()
        )


def test_renaming_to_markup_is_refused(db, sample_workspace, offline_filters):
    with pytest.raises(InvalidInput, match="not a usable filter name"):
        rename_filter(db.refreshes, sample_workspace, str(offline_filters[0].category_id), "<b>Bold</b>")


def test_rename_command_pins_the_name(env, db, sample_workspace, offline_filters):
    from typer.testing import CliRunner

    from drive_tagger.cli import app

    runner = CliRunner()
    result = runner.invoke(
        app, ["rename", "--workspace", sample_workspace, str(offline_filters[0].category_id), "Client Contracts"]
    )
    assert result.exit_code == 0 and "Client Contracts (pinned)" in result.output
    shown = json.loads(runner.invoke(app, ["filters", "--workspace", sample_workspace, "--json"]).stdout)
    assert {"name": "Client Contracts", "named_by": "user"}.items() <= next(
        f for f in shown if f["category_id"] == offline_filters[0].category_id
    ).items()


def test_a_name_that_sorts_its_documents_into_a_sibling_gives_way_to_one_that_tells_them_apart(embedder):
    """Names as classifiers (core/fidelity.py): "Web Frontend" is nearer its own filter's centroid
    than its sibling's, so the gate alone takes it; but put to the documents, "This document is
    about Web Frontend." loses most of them to "Python Exceptions", and "JavaScript Errors" does not."""
    import numpy as np

    from drive_tagger.adapters.namers import GatedNamer
    from drive_tagger.core.naming import NamingContext, NamingRequest, Proposal

    python = [
        "The python script raised a KeyError when the dictionary lookup failed.",
        "Wrap the parser call in try/except and log the traceback.",
        "Our Django view throws an AttributeError after the upgrade.",
        "Catch ValueError when converting user input to int in the CLI tool.",
    ]
    javascript = [
        "The React component crashes with undefined is not a function in Safari.",
        "Our npm build fails because webpack cannot resolve the module.",
        "The browser console shows a CORS error when fetch calls the API.",
        "A null reference in the JavaScript click handler breaks the checkout button.",
    ]
    proposals = {0: ["Python Exceptions"], 1: ["Web Frontend", "JavaScript Errors"]}

    class Proposing(GatedNamer):
        def _propose(self, request, context, rejected):
            return [Proposal(name) for name in proposals[request.index]]

    members = {0: embedder.embed(python), 1: embedder.embed(javascript)}
    centroids = np.vstack([members[0].mean(axis=0), members[1].mean(axis=0)])
    requests = [
        NamingRequest(1, ("web",), centroids[1], peers=(0,)),
        NamingRequest(0, ("python",), centroids[0], peers=(1,)),
    ]

    def names(context):
        return [c.name for c in Proposing(embedder).name(requests, context)]

    assert names(NamingContext(centroids, {}, embedder.model_id)) == ["Web Frontend", "Python Exceptions"]
    sharpened = names(NamingContext(centroids, {}, embedder.model_id, members=members))
    assert sharpened == ["JavaScript Errors", "Python Exceptions"]


def test_naming_nothing_asks_the_model_nothing(embedder):
    """A refresh whose every filter keeps its name hands the namer no request."""
    import numpy as np

    from drive_tagger.core.naming import NamingContext

    context = NamingContext(np.eye(2, 384), {0: "Legal", 1: "Travel"}, embedder.model_id, members={0: np.eye(1, 384)})
    assert OfflineNamer(embedder).name([], context) == []
