"""The read cache: answers of the read routes and key checks kept in memory until the database says
something they read changed (statement triggers notify `drive_tagger_reads`, see the migration
..._read_notifications.sql), so a busy drive's filter list costs no database work per request.

Only the event loop's thread touches it. Nothing is kept unless a listener is connected: without
one the cache could not know when to forget, so it stays empty until the listener is back. And
nothing is served older than max_age seconds, for where notifications cannot arrive although
LISTEN succeeds (a pooler in transaction mode)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Hashable

import psycopg
from starlette.types import ASGIApp, Receive, Scope, Send

from drive_tagger.core.inputs import clean_text
from drive_tagger.core.types import ApiKey
from drive_tagger.services.keys import token_hash

log = logging.getLogger(__name__)

CHANNEL = "drive_tagger_reads"
RECONNECT_SECONDS = 1.0


class ReadCache:
    """Answers (bytes) by route key and keys by token hash, forgotten together on every change."""

    def __init__(self, max_age: float = 2.0, max_answers: int = 4096, max_keys: int = 4096):
        self.max_age = max_age
        self.max_answers = max_answers
        self.max_keys = max_keys
        self.generation = 0  # bumped on every change: an answer read before it is not kept
        self.listening = False
        self._answers: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()
        self._keys: OrderedDict[str, tuple[float, ApiKey]] = OrderedDict()

    def clear(self) -> None:
        self.generation += 1
        self._answers.clear()
        self._keys.clear()

    def key(self, token_digest: str) -> ApiKey | None:
        return self._fresh(self._keys, token_digest)

    def answer(self, route_key: Hashable) -> tuple[bytes, str] | None:
        """(the answer's JSON, the workspace it belongs to) while it is fresh."""
        return self._fresh(self._answers, route_key)

    def remember(
        self, generation: int, token_digest: str, key: ApiKey, route_key: Hashable, body: bytes, workspace: str
    ) -> None:
        """Keeps an answer read at `generation`, unless something changed since or no one listens."""
        if not self.listening or generation != self.generation or self.max_age <= 0:
            return
        now = time.monotonic()
        _bounded_put(self._keys, token_digest, (now, key), self.max_keys)
        _bounded_put(self._answers, route_key, (now, (body, workspace)), self.max_answers)

    def _fresh(self, store: OrderedDict, key: Hashable):
        found = store.get(key)
        if found is None:
            return None
        if time.monotonic() - found[0] > self.max_age:
            del store[key]
            return None
        store.move_to_end(key)
        return found[1]


def route_key(scope: Scope) -> tuple[str, bytes]:
    """What an answer is kept under: the request's path and query, as they came."""
    return scope["path"], scope["query_string"]


class CachedReads:
    """ASGI middleware: a GET whose answer the read cache holds, asked with a key the cache knows
    may read that workspace, is answered here before routing, with no database work and no
    thread. Anything else (an unknown key, a stale answer) goes on to the routes, which check
    the key against the database and fill the cache."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = _cached_answer(scope) if scope["type"] == "http" and scope["method"] == "GET" else None
        if body is None:
            await self.app(scope, receive, send)
            return
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _cached_answer(scope: Scope) -> bytes | None:
    cache = getattr(getattr(scope.get("app"), "state", None), "read_cache", None)
    found = cache.answer(route_key(scope)) if cache is not None else None
    if found is None:
        return None
    body, workspace = found
    authorization = next((v for k, v in scope["headers"] if k == b"authorization"), b"").decode("latin-1")
    scheme, _, token = authorization.partition(" ")  # as fastapi's HTTPBearer reads it
    if scheme.lower() != "bearer" or not token:
        return None
    key = cache.key(token_hash(clean_text(token)))
    return body if key is not None and key.may_use(workspace) else None


def _bounded_put(store: OrderedDict, key: Hashable, value, limit: int) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > limit:
        store.popitem(last=False)


async def listen_for_changes(conninfo: str, cache: ReadCache) -> None:
    """Clears the cache on every notification, for as long as it runs (cancel it to stop). While
    the connection is down the cache keeps nothing, and it starts empty on each reconnection."""
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"listen {CHANNEL}")
                cache.clear()
                cache.listening = True
                async for _ in conn.notifies():
                    cache.clear()
        except (psycopg.Error, OSError) as exc:
            log.warning("read cache off: the change listener lost its connection (%s)", type(exc).__name__)
        finally:
            cache.listening = False
            cache.clear()
        await asyncio.sleep(RECONNECT_SECONDS)
