"""A workspace owns its embedding model (issue 28, finding 1): a command run with another
DRIVE_TAGGER_EMBEDDER embeds it with its own model or fails with one clear error, never switches
it; switching is done on purpose (switch_model), re-embeds every document, and the refresh after
it brings the filters back; vectors of two models never meet in one computation."""

import pytest

from drive_tagger.adapters.readers import read_sources
from drive_tagger.core.types import SourceDocument
from drive_tagger.errors import ModelMismatch
from drive_tagger.services.embedding import embed_pending, switch_model
from drive_tagger.services.ingest import ingest
from drive_tagger.services.refresh import refresh_workspace
from drive_tagger.settings import BUNDLED_MODEL, Settings
from drive_tagger.wiring import configured_model_id, embedder_for_spec, make_embedder
from tests.fakes import HashingEmbedder

ADA = "openai/text-embedding-ada-002"
# The default model, on a backend that loads it only when it embeds (these tests never let it).
DEFAULT = f"sentence-transformers:{BUNDLED_MODEL}"


def embedder_of(server, spec: str = "openai:text-embedding-ada-002"):
    """What a command makes of DRIVE_TAGGER_EMBEDDER=spec where the OpenAI-compatible server is configured."""
    return make_embedder(Settings(embedder=spec, openai_base_url=server.url, openai_api_key="test-key"))


@pytest.fixture
def ada_workspace(db, openai_server, samples_dir, namer_for) -> str:
    """Workspace 'acme': the sample drive but its travel folder, embedded with ada-002 (1,536
    floats), refreshed into filters."""
    items = [d for d in read_sources([samples_dir]) if "travel/" not in d.external_id]
    ada = embedder_of(openai_server)
    ingest(db.documents, db.refreshes, ada, "acme", items, progress=False)
    refresh_workspace(db.documents, db.refreshes, "acme", namer=namer_for(ada))
    return "acme"


def documents_of(db, slug: str) -> int:
    return db.documents.workspace_counts(db.documents.workspace(slug).id).documents


def embedded_texts(server) -> int:
    return sum(len(body["input"]) for path, body in server.requests if path.endswith("/embeddings"))


def test_a_command_with_the_default_embedder_embeds_an_ada_workspace_with_ada_and_tags_arrivals(
    db, ada_workspace, openai_server, samples_dir, namer_for
):
    before, stored = embedded_texts(openai_server), documents_of(db, "acme")
    default = embedder_of(openai_server, DEFAULT)
    assert default.model_id == BUNDLED_MODEL
    report = ingest(db.documents, db.refreshes, default, "acme", read_sources([samples_dir / "travel"]), progress=False)
    arrived = report.read
    assert arrived and report.embedded == arrived == embedded_texts(openai_server) - before  # by ada-002
    assert db.documents.workspace("acme").embedding_model == ADA
    assert report.tagged_on_arrival + report.poorly_matched == arrived
    namer = namer_for(embedder_of(openai_server))
    assert refresh_workspace(db.documents, db.refreshes, "acme", namer=namer).documents == stored + arrived


def test_where_the_workspaces_model_cannot_be_reached_a_command_fails_naming_both_models(
    db, ada_workspace, samples_dir, openai_server, namer_for
):
    stored = documents_of(db, "acme")
    offline = make_embedder(Settings(embedder=DEFAULT))  # no OpenAI key or base URL here
    with pytest.raises(ModelMismatch) as failure:
        ingest(db.documents, db.refreshes, offline, "acme", read_sources([samples_dir / "travel"]), progress=False)
    message = str(failure.value)
    assert ADA in message and BUNDLED_MODEL in message and "drive-tagger workspaces set-model acme" in message
    workspace = db.documents.workspace("acme")
    assert workspace.embedding_model == ADA and db.refreshes.filters_model(workspace.id) == ADA
    namer = namer_for(embedder_of(openai_server))
    assert refresh_workspace(db.documents, db.refreshes, "acme", namer=namer).documents == stored  # ada's, untouched


def test_an_embedder_of_another_model_is_refused_not_switched_to(db, tmp_path):
    first, other = HashingEmbedder(), HashingEmbedder()
    other.model_id = "test/another-model"
    ingest(db.documents, db.refreshes, first, "acme", [SourceDocument("a", "", "a note", "t")], progress=False)
    with pytest.raises(ModelMismatch, match="test/hashing-embedder"):
        embed_pending(db.documents, other, db.documents.workspace("acme"))
    assert db.documents.workspace("acme").embedding_model == first.model_id


def test_switching_model_re_embeds_every_document_and_the_refresh_brings_the_filters_back(db, ada_workspace, namer_for):
    stored = documents_of(db, "acme")
    small = HashingEmbedder()  # 384 floats, where ada-002 made 1,536
    workspace = switch_model(db.documents, small, db.documents.workspace("acme"))
    assert workspace.embedding_model == small.model_id
    embedded, failures = embed_pending(db.documents, small, workspace)
    assert embedded == stored and failures == []
    # Until the refresh, the filters are ada-002's: an arrival is not matched against them.
    arrival = [SourceDocument("new.txt", "New", "a note that arrives after the switch", "t")]
    report = ingest(db.documents, db.refreshes, small, "acme", arrival, progress=False)
    assert report.tagged_on_arrival == 0 and report.refresh_suggested
    refreshed = refresh_workspace(db.documents, db.refreshes, "acme", namer=namer_for(small))
    workspace = db.documents.workspace("acme")
    assert refreshed.documents == stored + 1 and refreshed.categories >= 2
    assert db.refreshes.filters_model(workspace.id) == small.model_id
    later = [SourceDocument("later.txt", "Later", "a note that arrives after the refresh", "t")]
    report = ingest(db.documents, db.refreshes, small, "acme", later, progress=False)
    assert report.tagged_on_arrival + report.poorly_matched == 1


def test_filters_of_a_model_of_the_same_length_never_seed_or_match_the_next_refresh(db, tmp_path, namer_for):
    from tests.fakes import TopicEmbedder, topic_documents

    first = TopicEmbedder()
    ingest(db.documents, db.refreshes, first, "acme", topic_documents(), progress=False)
    refresh_workspace(db.documents, db.refreshes, "acme", namer=namer_for(first))
    before = {f.category_id: f.documents for f in db.refreshes.filters(db.documents.workspace("acme").id)}
    second = TopicEmbedder()
    second.model_id = "test/topic-embedder-2"  # the same length: a matmul would not complain
    switch_model(db.documents, second, db.documents.workspace("acme"))
    embed_pending(db.documents, second, db.documents.workspace("acme"))
    report = refresh_workspace(db.documents, db.refreshes, "acme", namer=namer_for(second))
    assert report.remade_under_rules is not None  # clustered and named afresh, not seeded
    workspace = db.documents.workspace("acme")
    assert db.refreshes.filters_model(workspace.id) == second.model_id
    # The same documents together again: each filter keeps its id, matched by its documents.
    assert {f.category_id: f.documents for f in db.refreshes.filters(workspace.id)} == before


def test_a_workspace_without_a_model_takes_its_first_embeddings(db):
    db.documents.ensure_workspace("acme")
    assert db.documents.workspace("acme").embedding_model is None
    embedder = HashingEmbedder()
    ingest(db.documents, db.refreshes, embedder, "acme", [SourceDocument("a", "", "a note", "t")], progress=False)
    assert db.documents.workspace("acme").embedding_model == embedder.model_id


def test_creating_an_existing_workspace_leaves_its_model(db):
    assert db.documents.create_workspace("acme", ADA)
    assert not db.documents.create_workspace("acme", BUNDLED_MODEL)
    assert db.documents.ensure_workspace("acme", BUNDLED_MODEL).embedding_model == ADA


def test_models_are_named_as_the_setting_names_them_or_as_they_are_stored(openai_server):
    settings = Settings(embedder=DEFAULT, openai_base_url=openai_server.url)
    assert embedder_for_spec(settings, "openai:text-embedding-ada-002").model_id == ADA
    assert embedder_for_spec(settings, "openai/text-embedding-3-large@256").model_id == (
        "openai/text-embedding-3-large@256"
    )
    assert embedder_for_spec(settings, BUNDLED_MODEL).model_id == BUNDLED_MODEL
    assert configured_model_id(settings) == BUNDLED_MODEL
    assert configured_model_id(Settings()) == BUNDLED_MODEL  # local-bf16, whatever the CPU
    assert configured_model_id(Settings(embedder="openai:text-embedding-3-small")) == "openai/text-embedding-3-small"
    with pytest.raises(ModelMismatch, match="OpenAI"):
        embedder_for_spec(Settings(embedder=DEFAULT), ADA)
