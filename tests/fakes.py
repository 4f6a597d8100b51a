"""Deterministic fake backends registered by tests (not mocks of library internals)."""

from __future__ import annotations

import hashlib

import numpy as np

from drive_tagger.adapters.embedders import Embedder
from drive_tagger.errors import EmbeddingError


class HashingEmbedder(Embedder):
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
