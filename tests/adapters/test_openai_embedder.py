"""The OpenAI embeddings backend through the real client against the scripted local server."""

import numpy as np
import pytest

from drive_tagger.adapters.openai_embedder import OpenAIEmbedder
from drive_tagger.errors import EmbeddingError
from drive_tagger.settings import Settings
from drive_tagger.wiring import make_embedder, openai_options
from tests.openai_server import Reply


def options(server, **kwargs):
    """The options a deployment gets from its settings, against the scripted server."""
    overrides = {f"openai_{name}": value for name, value in kwargs.items()}
    return openai_options(Settings(openai_api_key="test-key", openai_base_url=server.url, **overrides))


def test_vectors_have_the_models_own_length_normalized_and_newlines_are_flattened(openai_server):
    vectors = OpenAIEmbedder("text-embedding-3-small", options=options(openai_server)).embed(["a\nb", "c"])
    assert vectors.shape == (2, 1536) and np.allclose(np.linalg.norm(vectors, axis=1), 1)
    _, body = openai_server.requests[0]
    assert body["input"] == ["a b", "c"] and "dimensions" not in body


def test_a_requested_size_is_asked_for_and_named_in_the_model_id(openai_server):
    embedder = OpenAIEmbedder("text-embedding-3-large", dimensions=1024, options=options(openai_server))
    assert embedder.embed(["x"]).shape == (1, 1024) and embedder.model_id == "openai/text-embedding-3-large@1024"
    assert openai_server.requests[0][1]["dimensions"] == 1024


def test_texts_are_sent_in_batches(openai_server):
    OpenAIEmbedder("text-embedding-3-small", options=options(openai_server), batch_size=2).embed(list("abcde"))
    assert [len(body["input"]) for _, body in openai_server.requests] == [2, 2, 1]


def test_a_rate_limit_is_retried(openai_server):
    openai_server.embeddings = lambda payload, n: Reply(429) if n == 1 else Reply()
    vectors = OpenAIEmbedder("text-embedding-3-small", options=options(openai_server)).embed(["x"])
    assert vectors.shape == (1, 1536) and len(openai_server.requests) == 2


def test_persistent_errors_become_an_embedding_error(openai_server):
    openai_server.embeddings = lambda payload, n: Reply(503)
    with pytest.raises(EmbeddingError, match="failed"):
        OpenAIEmbedder("text-embedding-3-small", options=options(openai_server, retries=1)).embed(["x"])


def test_a_model_that_ignores_the_requested_size_is_refused_with_the_reason(openai_server):
    openai_server.embeddings = lambda payload, n: Reply(content=None)
    openai_server.ignore_dimensions = True
    embedder = OpenAIEmbedder("text-embedding-ada-002", dimensions=256, options=options(openai_server))
    with pytest.raises(EmbeddingError, match="256 were asked"):
        embedder.embed(["x"])


def test_settings_wire_the_openai_backend(openai_server):
    settings = Settings(
        embedder="openai:text-embedding-3-small", openai_base_url=openai_server.url, openai_api_key="test-key"
    )
    embedder = make_embedder(settings)
    assert embedder.model_id == "openai/text-embedding-3-small" and embedder.embed(["x"]).shape == (1, 1536)


def test_ingest_with_the_openai_backend_stores_its_vectors(db, openai_server, samples_dir):
    from drive_tagger.adapters.readers import read_sources
    from drive_tagger.services.ingest import ingest

    embedder = OpenAIEmbedder("text-embedding-3-small", options=options(openai_server))
    report = ingest(
        db.documents, db.refreshes, embedder, "remote", read_sources([samples_dir / "travel"]), progress=False
    )
    assert report.embedded == 10 and db.documents.workspace("remote").embedding_model == embedder.model_id


def test_a_workspace_of_1536_d_vectors_refreshes_and_answers_match_documents(db, openai_server, samples_dir, namer_for):
    from drive_tagger.adapters.readers import read_sources
    from drive_tagger.services.ingest import ingest
    from drive_tagger.services.refresh import refresh_workspace

    embedder = OpenAIEmbedder("text-embedding-3-small", options=options(openai_server))
    ingest(db.documents, db.refreshes, embedder, "wide", read_sources([samples_dir]), progress=False)
    report = refresh_workspace(db.documents, db.refreshes, "wide", namer=namer_for(embedder))
    assert report.documents == 75 and report.categories >= 2
    index = db.conn.execute(
        "select indexdef from pg_indexes where tablename = 'embeddings' and indexdef like %s", ("%vector(1536)%",)
    ).fetchone()
    assert index and "text-embedding-3-small" in index[0]
    query = embedder.embed(["Mutual Non-Disclosure Agreement"])[0]
    rows = db.conn.execute("select external_id from match_documents(%s::vector, 'wide', 3)", (str(query.tolist()),))
    assert len(rows.fetchall()) == 3


def test_one_model_id_cannot_store_vectors_of_two_lengths(db, openai_server):
    from drive_tagger.core.types import SourceDocument
    from drive_tagger.services.ingest import ingest

    embedder = OpenAIEmbedder("text-embedding-3-small", options=options(openai_server))
    ingest(db.documents, db.refreshes, embedder, "a", [SourceDocument("1", "", "first text", "t")], progress=False)
    with pytest.raises(EmbeddingError, match="always make vectors of one length"):
        db.documents.store_vectors(embedder.model_id, ["f" * 64], np.ones((1, 384), dtype=np.float32))
