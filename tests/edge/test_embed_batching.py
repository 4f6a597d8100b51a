"""POST /embed under concurrency: requests that arrive while a model call runs share the next
call, a lone request goes at once, and a text the model refuses fails alone."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from drive_tagger.api.batcher import EmbedBatcher
from drive_tagger.errors import EmbeddingError
from tests.fakes import HashingEmbedder


class SlowHashingEmbedder(HashingEmbedder):
    """Holds its first call until released, so requests pile up behind it."""

    def __init__(self, fail_on: str | None = None):
        super().__init__(fail_on)
        self.release = threading.Event()
        self.busy = threading.Event()

    def _embed_batch(self, texts):
        if not self.calls:
            self.busy.set()
            self.release.wait(10)
        return super()._embed_batch(texts)


@pytest.fixture
def slow():
    return SlowHashingEmbedder(fail_on="poison")


def test_requests_that_wait_share_one_model_call(slow):
    batcher = EmbedBatcher(lambda: slow, max_texts=64)
    first = batcher.submit("first")
    slow.busy.wait(10)
    waiting = [batcher.submit(f"text {i}") for i in range(19)]
    slow.release.set()
    vectors = [f.result(10) for f in [first, *waiting]]
    batcher.close()
    assert [len(c) for c in slow.calls] == [1, 19]
    np.testing.assert_allclose(vectors[5], HashingEmbedder().embed(["text 4"])[0], rtol=1e-6)


def test_a_call_takes_at_most_max_texts(slow):
    batcher = EmbedBatcher(lambda: slow, max_texts=8)
    futures = [batcher.submit("first")]
    slow.busy.wait(10)
    futures += [batcher.submit(f"text {i}") for i in range(20)]
    slow.release.set()
    [f.result(10) for f in futures]
    batcher.close()
    assert max(len(c) for c in slow.calls) <= 8 and sum(len(c) for c in slow.calls) == 21


def test_a_lone_request_is_its_own_call_at_once():
    embedder = HashingEmbedder()
    batcher = EmbedBatcher(lambda: embedder, max_texts=64)
    assert batcher.submit("alone").result(10).shape == (384,)
    batcher.close()
    assert embedder.calls == [["alone"]]


def test_a_refused_text_fails_alone_and_the_others_get_their_vectors(slow):
    batcher = EmbedBatcher(lambda: slow, max_texts=64)
    first = batcher.submit("first")
    slow.busy.wait(10)
    good, bad = batcher.submit("a good text"), batcher.submit("a poison text")
    slow.release.set()
    assert first.result(10).shape == good.result(10).shape == (384,)
    with pytest.raises(EmbeddingError):
        bad.result(10)
    batcher.close()


def test_twenty_concurrent_api_requests_all_get_their_own_vector(settings, db):
    from fastapi.testclient import TestClient

    from drive_tagger.api.app import create_app
    from drive_tagger.services.keys import create_key

    key = create_key(db.access, workspace="acme")
    texts = [f"invoice number {i} for the hosting contract" for i in range(20)]
    with TestClient(create_app(settings)) as client, ThreadPoolExecutor(20) as pool:
        answers = list(
            pool.map(
                lambda t: client.post("/embed", json={"input": t}, headers={"Authorization": f"Bearer {key}"}), texts
            )
        )
        alone = client.post("/embed", json={"input": texts[7]}, headers={"Authorization": f"Bearer {key}"})
    vectors = np.array([a.json()["embedding"] for a in answers])
    assert all(a.status_code == 200 for a in answers)
    assert float(vectors[7] @ np.array(alone.json()["embedding"])) > 0.9999
    assert len({tuple(np.round(v, 4)) for v in vectors}) == 20
