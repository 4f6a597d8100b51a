"""Creating a workspace: the CLI and the API share one workflow (services/workspaces.py)."""

import pytest

from drive_tagger.errors import InvalidInput
from drive_tagger.services.workspaces import create_workspace


def test_creating_a_workspace_twice_changes_nothing_the_second_time(db):
    first = create_workspace(db.documents, "acme", "test/model-a")
    again = create_workspace(db.documents, "acme", "test/model-a", asked="test/model-a")
    assert (first.created, again.created) == (True, False) and first.model == again.model == "test/model-a"


def test_asking_an_existing_workspace_for_another_model_is_refused_with_the_command_that_changes_it(db):
    create_workspace(db.documents, "acme", "test/model-a")
    with pytest.raises(InvalidInput, match=r"embeds with test/model-a.*workspaces set-model acme openai:other"):
        create_workspace(db.documents, "acme", "openai/other", asked="openai:other")
    assert db.documents.workspace("acme").embedding_model == "test/model-a"


def test_without_a_model_asked_an_existing_workspace_is_simply_reported(db):
    create_workspace(db.documents, "acme", "test/model-a")
    assert create_workspace(db.documents, "acme", "test/model-b").model == "test/model-a"


def test_a_slug_that_is_not_one_is_refused_before_anything_is_stored(db):
    with pytest.raises(InvalidInput):
        create_workspace(db.documents, "Acme Corp", "test/model-a")
    assert db.documents.list_workspaces() == []
