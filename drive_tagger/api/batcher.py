"""EmbedBatcher: concurrent `POST /embed` requests share model calls. While one call runs, the
texts that arrive wait and then go together in the next call; a lone request goes at once (there
is no timer to wait on), so batching costs it nothing. One call at a time uses every core, where
twenty calls at once on two cores each ran twenty times slower."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np

from drive_tagger.core.ports import Embedder
from drive_tagger.errors import DriveTaggerError


class EmbedBatcher:
    """One thread makes the model calls, each with up to `max_texts` waiting texts in arrival order."""

    def __init__(self, embedder: Callable[[], Embedder], max_texts: int):
        self._embedder = embedder
        self._max_texts = max_texts
        self._waiting: list[tuple[str, Future]] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    async def embed(self, text: str) -> np.ndarray:
        """The text's vector, from the next model call that has room for it."""
        return await asyncio.wrap_future(self.submit(text))

    def submit(self, text: str) -> Future:
        future: Future = Future()
        with self._ready:
            if self._closed:
                raise RuntimeError("the embed batcher is closed")
            self._waiting.append((text, future))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="embed-batcher", daemon=True)
                self._thread.start()
            self._ready.notify()
        return future

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._waiting and not self._closed:
                    self._ready.wait()
                if not self._waiting:
                    return
                batch = self._waiting[: self._max_texts]
                del self._waiting[: self._max_texts]
            self._embed(batch)

    def _embed(self, batch: list[tuple[str, Future]]) -> None:
        try:
            vectors = self._embedder().embed([text for text, _ in batch])
        except DriveTaggerError as exc:
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
            else:  # one bad text fails alone: the others are embedded again, one by one
                for one in batch:
                    self._embed([one])
            return
        except Exception as exc:  # anything else fails every request of this call, never the thread
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), vector in zip(batch, vectors, strict=True):
            future.set_result(vector)
