"""The OpenAI embeddings backend through the real client against the scripted local server."""

import numpy as np
import pytest

from drive_tagger.adapters.openai_client import OpenAIOptions
from drive_tagger.adapters.openai_embedder import OpenAIEmbedder
from drive_tagger.errors import EmbeddingError
from drive_tagger.settings import Settings
from drive_tagger.wiring import make_embedder
from tests.openai_server import Reply


def options(server, **kwargs):
    return OpenAIOptions(api_key="test-key", base_url=server.url, **kwargs)


def test_vectors_are_384_d_normalized_and_newlines_are_flattened(openai_server):
    vectors = OpenAIEmbedder("text-embedding-3-small", options=options(openai_server)).embed(["a\nb", "c"])
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1)
    _, body = openai_server.requests[0]
    assert body["input"] == ["a b", "c"] and body["dimensions"] == 384


def test_texts_are_sent_in_batches(openai_server):
    OpenAIEmbedder("text-embedding-3-small", options=options(openai_server), batch_size=2).embed(list("abcde"))
    assert [len(body["input"]) for _, body in openai_server.requests] == [2, 2, 1]


def test_a_rate_limit_is_retried(openai_server):
    openai_server.embeddings = lambda payload, n: Reply(429) if n == 1 else Reply()
    vectors = OpenAIEmbedder("text-embedding-3-small", options=options(openai_server)).embed(["x"])
    assert vectors.shape == (1, 384) and len(openai_server.requests) == 2


def test_persistent_errors_become_an_embedding_error(openai_server):
    openai_server.embeddings = lambda payload, n: Reply(503)
    with pytest.raises(EmbeddingError, match="failed"):
        OpenAIEmbedder("text-embedding-3-small", options=options(openai_server, retries=1)).embed(["x"])


def test_other_dimensions_are_refused_with_the_reason():
    with pytest.raises(EmbeddingError, match="holds 384-d"):
        OpenAIEmbedder("text-embedding-3-large", dimensions=1024, options=OpenAIOptions(api_key="test-key"))


def test_settings_wire_the_openai_backend(openai_server):
    settings = Settings(
        embedder="openai:text-embedding-3-small", openai_base_url=openai_server.url, openai_api_key="test-key"
    )
    embedder = make_embedder(settings)
    assert embedder.model_id == "openai/text-embedding-3-small@384" and embedder.embed(["x"]).shape == (1, 384)


def test_ingest_with_the_openai_backend_stores_its_vectors(db, openai_server, samples_dir):
    from drive_tagger.adapters.readers import read_sources
    from drive_tagger.services.ingest import ingest

    embedder = OpenAIEmbedder("text-embedding-3-small", options=options(openai_server))
    report = ingest(
        db.documents, db.refreshes, embedder, "remote", read_sources([samples_dir / "travel"]), progress=False
    )
    assert report.embedded == 9 and db.documents.workspace("remote").embedding_model == embedder.model_id
