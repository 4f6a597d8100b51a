"""Deterministic fake backends registered by tests (not mocks of library internals)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from drive_tagger.adapters.embedders import EmbedderBase
from drive_tagger.core.ports import Embedder
from drive_tagger.errors import EmbeddingError


class HashingEmbedder(EmbedderBase):
    """A second 'model': vectors seeded by the text's hash, so equal texts get equal vectors."""

    model_id = "test/hashing-embedder"
    dimensions = 384

    def __init__(self, fail_on: str | None = None):
        self.fail_on = fail_on
        self.calls: list[list[str]] = []

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if self.fail_on and any(self.fail_on in t for t in texts):
            raise EmbeddingError(f"cannot embed text containing {self.fail_on!r}")
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            rows.append(np.random.default_rng(seed).standard_normal(self.dimensions))
        return np.asarray(rows, dtype=np.float32)

    @property
    def texts_embedded(self) -> int:
        return sum(len(c) for c in self.calls)


class TopicEmbedder(EmbedderBase):
    """Vectors with a known two-level structure: a text naming `topic-<a> part-<b>` lands near
    topic a's centre, nearer part b of it, so a refresh finds those topics and parts; any other
    text lands on a point of its own."""

    model_id = "test/topic-embedder"
    dimensions = 64

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        import re

        rows = []
        for text in texts:
            found = re.search(r"topic-(\d+) part-(\d+)", text)
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            if found is None:  # any other text (a name the namer weighs): a point of its own
                rows.append(np.random.default_rng(seed).standard_normal(self.dimensions) * 3)
                continue
            topic, part = (int(x) for x in found.groups())
            centre = np.random.default_rng(1000 + topic).standard_normal(self.dimensions) * 3
            offset = np.random.default_rng(2000 + topic * 10 + part).standard_normal(self.dimensions) * 0.9
            rows.append(centre + offset + np.random.default_rng(seed).standard_normal(self.dimensions) * 0.4)
        return np.asarray(rows, dtype=np.float32)


def topic_documents(topics: int = 4, parts: int = 2, per_part: int = 15) -> list:
    """Documents for TopicEmbedder: `t<a>-p<b>-<i>.txt`, each with words of its topic."""
    from drive_tagger.core.types import SourceDocument

    words = ["invoice payment", "contract clause", "flight hotel", "server outage", "recipe oven", "hiring offer"]
    return [
        SourceDocument(
            f"t{a}-p{b}-{i:02d}.txt",
            f"Topic {a} part {b} item {i}",
            f"topic-{a} part-{b} {words[a % len(words)]} {words[(a + b + 1) % len(words)]} note {i}",
            "test",
        )
        for a in range(topics)
        for b in range(parts)
        for i in range(per_part)
    ]


class MemoizedEmbedder:
    """The real model behind a per-session memo, so tests that ingest the same samples into their
    own databases embed each text once per session; the window methods go to the model itself."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.model_id = inner.model_id
        self._memo: dict[str, np.ndarray] = {}

    @property
    def max_chars(self) -> int:
        return self.inner.max_chars

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            for text, vector in zip(missing, self.inner.embed(missing), strict=True):
                self._memo[text] = vector
        return np.vstack([self._memo[t] for t in texts]) if texts else self.inner.embed([])

    def embed_first_windows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        return self.inner.embed_first_windows(texts)

    def embed_further_windows(self, texts: Sequence[str], first_vectors: np.ndarray) -> np.ndarray:
        return self.inner.embed_further_windows(texts, first_vectors)


if TYPE_CHECKING:  # mypy (run by `make test`) checks that each double conforms to the port it stands in for

    def _conform(hashing: HashingEmbedder, topic: TopicEmbedder, memo: MemoizedEmbedder) -> list[Embedder]:
        return [hashing, topic, memo]
