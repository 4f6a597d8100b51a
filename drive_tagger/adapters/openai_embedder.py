"""Embeddings from an OpenAI(-compatible) server: text-embedding-3-small, ada-002 or any other model."""

from __future__ import annotations

import numpy as np
import openai

from drive_tagger.adapters.embedders import EmbedderBase
from drive_tagger.adapters.openai_client import OpenAIOptions, describe_error, make_client
from drive_tagger.errors import EmbeddingError

# text-embedding-3 models read at most 8,191 tokens; ~3 characters a token keeps us under.
MAX_CHARS = 24_000


class OpenAIEmbedder(EmbedderBase):
    """Embeddings from the server's model at its own length (1,536 for text-embedding-3-small and
    ada-002), or at `dimensions` when given (text-embedding-3 models shorten theirs on request).
    The length is learnt from the first answer; the model id says it, since vectors of another
    length are other vectors."""

    def __init__(
        self,
        model: str,
        *,
        dimensions: int | None = None,
        options: OpenAIOptions,
        batch_size: int = 128,
        client=None,
    ):
        self.model = model
        self.requested_dimensions = dimensions
        self._dimensions = dimensions
        self.model_id = f"openai/{model}" + (f"@{dimensions}" if dimensions else "")
        self.options = options
        self.client = client or make_client(self.options)
        self.batch_size = batch_size

    @property
    def max_chars(self) -> int:
        return MAX_CHARS

    @property
    def dimensions(self) -> int:
        if self._dimensions is None:
            self._dimensions = self._embed_batch(["dimensions"]).shape[1]
        return self._dimensions

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        # Newlines hurt some embedding models' quality; whitespace runs become one space.
        inputs = [" ".join(t.split())[:MAX_CHARS] for t in texts]
        # No size asked for: openai.omit leaves `dimensions` out of the request (the model's own length).
        dimensions = self.requested_dimensions or openai.omit
        try:
            response = self.client.embeddings.create(
                model=self.model, input=inputs, encoding_format="float", dimensions=dimensions
            )
        except openai.OpenAIError as exc:
            raise EmbeddingError(f"embedding with {self.model} failed: {describe_error(exc)}") from None
        rows = sorted(response.data, key=lambda d: d.index)
        vectors = np.asarray([r.embedding for r in rows], dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise EmbeddingError(f"{self.model} answered {len(rows)} vectors of uneven length for {len(texts)} texts")
        if self.requested_dimensions and vectors.shape[1] != self.requested_dimensions:
            raise EmbeddingError(
                f"{self.model} returned {vectors.shape[1]}-d vectors where {self.requested_dimensions} were asked; "
                "does the model take a 'dimensions' (only text-embedding-3 models do)?"
            )
        self._dimensions = self._dimensions or vectors.shape[1]
        return vectors
