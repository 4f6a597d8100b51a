"""Token windows for the local backends: tokenize once, cut word-aligned windows of token ids, run
them in length-sorted batches, mean-pool each window; a document's vector is the mean of its windows'."""

from __future__ import annotations

import threading
from abc import abstractmethod
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from drive_tagger.adapters.embedders import CHARS_PER_TOKEN_BUDGET, EmbedderBase, window_spans
from drive_tagger.core.params import EmbeddingParams
from drive_tagger.core.text import cut_text
from drive_tagger.core.unit import unit_rows

if TYPE_CHECKING:
    from tokenizers import Tokenizer


class WindowedEmbedder(EmbedderBase):
    """Same windows as SentenceTransformerEmbedder (tests compare them), computed from one
    tokenization per text. A backend implements `_load` (its runtime) and `_pooled` (mean-pooled
    vectors of a padded batch of windows)."""

    # A lone batch is padded to a multiple of this many tokens. A backend whose runtime builds
    # kernels per input shape sets it, so that one document arriving meets a ready kernel.
    lone_width_step = 1

    def __init__(
        self,
        model_id: str,
        tokenizer_file: Path,
        max_seq_length: int,
        *,
        window_tokens: int = EmbeddingParams.window_tokens,
        max_windows: int = EmbeddingParams.max_windows,
        batch_size: int = EmbeddingParams.batch_size,
        threads: int | None = None,
        texts_per_call: int = 256,
    ):
        self.model_id = model_id
        self.tokenizer_file = Path(tokenizer_file)
        self.window_tokens = window_tokens
        self.max_windows = max_windows
        self.batch_size = batch_size
        self.threads = threads
        self._window = min(window_tokens, max_seq_length)
        self._texts_per_call = texts_per_call
        self._tokenizer: Tokenizer | None = None
        self._loading = threading.Lock()
        self._calls = threading.Lock()
        self._loaded = False
        self._lanes: ThreadPoolExecutor | None = None  # a backend that runs batches side by side sets it
        self._lone_shapes_ready = False

    @property
    def texts_per_call(self) -> int:
        return self._texts_per_call

    @property
    def max_chars(self) -> int:
        return self.window_tokens * self.max_windows * CHARS_PER_TOKEN_BUDGET

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.tokenizer_file))
            tokenizer.no_truncation()  # a saved tokenizer may truncate/pad to 128; we window instead
            tokenizer.no_padding()
            self._tokenizer = tokenizer
        return self._tokenizer

    def tokenize(self, texts: list[str]):
        """Encodings of each text cut to max_chars (never the whole of a huge document)."""
        return self.tokenizer.encode_batch([cut_text(t, self.max_chars) for t in texts], add_special_tokens=False)

    def windows(self, texts: list[str]) -> list[list[list[int]]]:
        """Per text, its windows as token ids with [CLS] and [SEP] (from one tokenization)."""
        tokenizer = self.tokenizer
        cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
        content = self._window - 2
        out = []
        for encoding in self.tokenize(texts):
            spans = window_spans(encoding.word_ids, content, self.max_windows)
            out.append([[cls_id, *encoding.ids[start:end], sep_id] for start, end in spans])
        return out

    def warm_up(self, *, lone_shapes: bool = False) -> None:
        """Loads the runtime, the weights and the tokenizer once, also when two threads ask at once;
        with lone_shapes, also runs one window of every padded width a lone batch can take."""
        with self._loading:
            if not self._loaded:
                self._load()
                _ = self.tokenizer
                self._loaded = True
            if lone_shapes and not self._lone_shapes_ready and self.lone_width_step > 1:
                cls_id = self.tokenizer.token_to_id("[CLS]")
                for width in sorted({self._lone_width(w) for w in range(2, self._window + 1)}):
                    self._window_vectors([[cls_id] * (width - 1)])  # padded, as most lone windows are
                self._lone_shapes_ready = True

    def _lone_width(self, width: int) -> int:
        step = self.lone_width_step
        return min(-(-width // step) * step, max(width, self._window))

    def _all_cores(self) -> AbstractContextManager:
        """While a lone batch runs: the runtime may use every core (a backend that can, says so)."""
        return nullcontext()

    @abstractmethod
    def _load(self) -> None:
        """Loads the runtime and the weights."""

    @abstractmethod
    def _pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """float32 [batch, dimensions]: each window's hidden states averaged over its mask."""

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        self.warm_up()
        per_text = self.windows(texts)
        vectors = self._window_vectors([w for doc in per_text for w in doc])
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        position = 0
        for i, doc in enumerate(per_text):
            out[i] = vectors[position : position + len(doc)].mean(axis=0)
            position += len(doc)
        return out

    def embed_first_windows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(each text's first window's vector, how many windows each text has): the first pass of
        a first-windows-first embedding; `embed_further_windows` completes the texts with more."""
        texts = self._checked(texts)
        self.warm_up()
        vectors, counts = [], []
        for start in range(0, len(texts), self.texts_per_call):
            per_text = self.windows(texts[start : start + self.texts_per_call])
            vectors.append(self._window_vectors([doc[0] for doc in per_text]))
            counts += [len(doc) for doc in per_text]
        return self._finished(vectors, len(texts)), np.array(counts, dtype=np.int32)

    def embed_further_windows(self, texts: Sequence[str], first_vectors: np.ndarray) -> np.ndarray:
        """Whole vectors from each text's first window's vector (as embed_first_windows made it)
        and its further windows, embedded now: the same vectors `embed` makes."""
        texts = self._checked(texts)
        self.warm_up()
        out = []
        for start in range(0, len(texts), self.texts_per_call):
            per_text = self.windows(texts[start : start + self.texts_per_call])
            further = self._window_vectors([w for doc in per_text for w in doc[1:]])
            sums = np.array(first_vectors[start : start + len(per_text)], dtype=np.float32, copy=True)
            position = 0
            for i, doc in enumerate(per_text):
                sums[i] += further[position : position + len(doc) - 1].sum(axis=0)
                position += len(doc) - 1
            out.append(sums)
        return self._finished(out, len(texts))

    def _window_vectors(self, flat: list[list[int]]) -> np.ndarray:
        """Normalized mean-pooled vectors of windows (token ids), in the order given."""
        vectors = np.empty((len(flat), self.dimensions), dtype=np.float32)
        # Length-sorted batches carry almost no padding; a batch of equal lengths carries none.
        order = np.argsort([len(w) for w in flat], kind="stable")

        starts = range(0, len(flat), self.batch_size)

        def run(start: int) -> None:
            rows = order[start : start + self.batch_size]
            width = max(len(flat[r]) for r in rows)
            if len(starts) == 1:
                width = self._lone_width(width)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for k, r in enumerate(rows):
                ids[k, : len(flat[r])] = flat[r]
                mask[k, : len(flat[r])] = 1
            vectors[rows] = unit_rows(self._pooled(ids, mask))

        with self._calls:  # one call's batches at a time: they already fill the cores
            if self._lanes is None:
                for start in starts:
                    run(start)
            elif len(starts) == 1:  # a lone batch (one document arriving): every core on it, no hand-over
                with self._all_cores():
                    run(starts[0])
            else:
                list(self._lanes.map(run, starts))
        return vectors
