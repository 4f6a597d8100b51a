"""Embeddings from an OpenAI(-compatible) server, e.g. text-embedding-3-small cut to 384 dimensions."""

from __future__ import annotations

import numpy as np
import openai

from drive_tagger.adapters.embedders import Embedder
from drive_tagger.adapters.openai_client import OpenAIOptions, describe_error, make_client
from drive_tagger.errors import EmbeddingError

# text-embedding-3 models read at most 8,191 tokens; ~3 characters a token keeps us under.
MAX_CHARS = 24_000
# The size of the vector column in supabase/migrations (the store takes no other yet).
DIMENSIONS = 384


class OpenAIEmbedder(Embedder):
    """Asks the server for `dimensions`-d vectors (text-embedding-3 models shorten theirs on
    request); the store holds DIMENSIONS-d ones, so any other size is refused up front."""

    def __init__(
        self,
        model: str,
        *,
        dimensions: int = DIMENSIONS,
        options: OpenAIOptions | None = None,
        batch_size: int = 128,
        client=None,
    ):
        if dimensions != DIMENSIONS:
            raise EmbeddingError(
                f"DRIVE_TAGGER_OPENAI_EMBEDDING_DIMENSIONS={dimensions} but the store holds {DIMENSIONS}-d "
                f"vectors; set it to {DIMENSIONS} (text-embedding-3 models shorten their vectors on request)"
            )
        self.model = model
        self._dimensions = dimensions
        # The model and size go into the id: vectors of other sizes are other vectors.
        self.model_id = f"openai/{model}@{dimensions}"
        self.options = options or OpenAIOptions()
        self.client = client or make_client(self.options)
        self.batch_size = batch_size

    @property
    def max_chars(self) -> int:
        return MAX_CHARS

    @property
    def dimensions(self) -> int:
        return self._dimensions

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        # Newlines hurt some embedding models' quality; whitespace runs become one space.
        inputs = [" ".join(t.split())[:MAX_CHARS] for t in texts]
        try:
            response = self.client.embeddings.create(
                model=self.model,
                input=inputs,
                dimensions=self.dimensions,
                encoding_format="float",
            )
        except openai.OpenAIError as exc:
            raise EmbeddingError(f"embedding with {self.model} failed: {describe_error(exc)}") from None
        rows = sorted(response.data, key=lambda d: d.index)
        vectors = np.asarray([r.embedding for r in rows], dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != DIMENSIONS:
            raise EmbeddingError(
                f"{self.model} returned {vectors.shape[-1] if vectors.ndim == 2 else '?'}-d vectors; the store "
                f"holds {DIMENSIONS}-d ones (does the model accept a 'dimensions' of {DIMENSIONS}?)"
            )
        return vectors
