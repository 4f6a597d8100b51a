"""The read cache: answers of the read routes and key checks kept in memory until the database says
something they read changed (statement triggers notify `drive_tagger_reads`, see the migration
..._read_notifications.sql), so a busy drive's filter list costs no query, thread or pooled
connection per request.

A change committed before a request arrives is seen by that request, whoever made it (the API,
the CLI, plain SQL in another process): a key deleted is refused on the very next request.
Before it answers from memory, the cache has the listener's connection make one round trip (an
empty statement, shared by the reads waiting at that moment). Postgres sends a listening session
the notifications committed before a statement ahead of that statement's answer, so once the
round trip is back, every change committed before the request has cleared the cache. Without
that wait a notification could land just after the request was answered (a deleted key was
still served in 2 of 30 trials, over HTTP in 21 of 100). Behind a pooler in transaction mode,
where notifications never arrive, a change is seen within max_age seconds instead (see below).

A notification says what changed (migration ..._read_notification_scopes.sql): `all` (filters,
links, pins, workspaces, keys) forgets everything; `documents` (documents changed or deleted)
forgets the answers that show documents; `arrivals` (documents added) forgets those that count
documents. Each answer is kept with the scopes it reads beyond `all`, so a drive taking in
documents keeps serving its filter list from memory.

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
# What a notification says changed (its payload); any other payload counts as ALL.
ALL = "all"
DOCUMENTS = "documents"  # documents changed or deleted: their titles and tags as shown
ARRIVALS = "arrivals"  # documents added: how many documents a workspace has
SCOPES = (ALL, DOCUMENTS, ARRIVALS)


class ReadCache:
    """Answers (bytes) by route key, each with the scopes it reads, and keys by token hash: a
    change of scope `all` forgets them all, one of another scope the answers that read it."""

    def __init__(self, max_age: float = 2.0, max_answers: int = 4096, max_keys: int = 4096):
        # max_answers bounds each group of answers reading the same scopes (three groups today).
        self.max_age = max_age
        self.max_answers = max_answers
        self.max_keys = max_keys
        # Per scope, bumped on each change of it: an answer read before a change of a scope it
        # reads is not kept.
        self._changes = dict.fromkeys(SCOPES, 0)
        self.listening = False
        # By the scopes they read (a route's answers always read the same ones), so a change
        # forgets whole groups without looking at each answer.
        self._answers: dict[frozenset[str], OrderedDict[Hashable, tuple[float, tuple[bytes, str]]]] = {}
        self._keys: OrderedDict[str, tuple[float, ApiKey]] = OrderedDict()
        # Reads wait for the next round trip, not for one under way (it may have begun before them).
        self._next_round_trip: asyncio.Future[bool] | None = None
        self._round_trip: asyncio.Future[bool] | None = None  # under way
        self.listener_idle: asyncio.Future[None] | None = None  # set when a read wants a round trip

    @property
    def generation(self) -> tuple[int, ...]:
        """The count of changes of each scope so far, to hand back to remember()."""
        return tuple(self._changes[scope] for scope in SCOPES)

    def clear(self, scope: str = ALL) -> None:
        """Forgets what a change of `scope` may have made stale (anything unknown: everything)."""
        scope = scope if scope in SCOPES else ALL
        self._changes[scope] += 1
        if scope == ALL:
            self._answers.clear()
            self._keys.clear()
            return
        for reads, answers in self._answers.items():
            if scope in reads:
                answers.clear()

    async def caught_up(self) -> bool:
        """True once the listener has heard of every change committed before this call (it may
        have cleared the cache meanwhile); False when no listener is connected."""
        if not self.listening:
            return False
        if self._next_round_trip is None:
            self._next_round_trip = asyncio.get_running_loop().create_future()
            _settle(self.listener_idle, None)
        return await asyncio.shield(self._next_round_trip)

    @property
    def round_trip_wanted(self) -> bool:
        return self._next_round_trip is not None

    def start_round_trip(self) -> None:
        """The listener begins a round trip for the reads waiting now."""
        self._round_trip, self._next_round_trip = self._next_round_trip, None

    def end_round_trip(self) -> None:
        """The round trip is back: the reads it was for may answer from memory."""
        _settle(self._round_trip, True)
        self._round_trip = None

    def stop_round_trips(self) -> None:
        """The listener is gone: every read waiting for a round trip goes on to the routes."""
        _settle(self._round_trip, False)
        _settle(self._next_round_trip, False)
        self._round_trip = self._next_round_trip = None

    def key(self, token_digest: str) -> ApiKey | None:
        return self._fresh(self._keys, token_digest)

    async def known_key(self, token_digest: str) -> ApiKey | None:
        """The key of that token as the database has it now (every change committed before this
        call heard), or None when this cache does not know it: then ask the database."""
        if self.key(token_digest) is None or not await self.caught_up():
            return None
        return self.key(token_digest)

    def remember_key(self, generation: tuple[int, ...], token_digest: str, key: ApiKey) -> None:
        """Keeps a key checked against the database at `generation`, unless keys may have changed
        since; it is forgotten max_age after that check, whatever uses it meanwhile (where
        notifications never arrive, that is how long a revoked key still works)."""
        if self.listening and self.max_age > 0 and generation[SCOPES.index(ALL)] == self._changes[ALL]:
            _bounded_put(self._keys, token_digest, (time.monotonic(), key), self.max_keys)

    def answer(self, route_key: Hashable) -> tuple[bytes, str] | None:
        """(the answer's JSON, the workspace it belongs to) while it is fresh."""
        for answers in self._answers.values():
            found = self._fresh(answers, route_key)
            if found is not None:
                return found
        return None

    def remember(
        self,
        generation: tuple[int, ...],
        route_key: Hashable,
        body: bytes,
        workspace: str,
        reads: frozenset[str] = frozenset(),
    ) -> None:
        """Keeps an answer read at `generation` that depends on the changes of `reads` (and of
        `all`), unless such a change came since or no one listens. It is served only with a key
        this cache knows (remember_key)."""
        if not self.listening or self.max_age <= 0:
            return
        then = dict(zip(SCOPES, generation, strict=True))
        if any(then[scope] != self._changes[scope] for scope in (ALL, *reads)):
            return
        answers = self._answers.setdefault(frozenset(reads), OrderedDict())
        _bounded_put(answers, route_key, (time.monotonic(), (body, workspace)), self.max_answers)

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
        body = await _cached_answer(scope) if scope["type"] == "http" and scope["method"] == "GET" else None
        if body is None:
            await self.app(scope, receive, send)
            return
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _cached_answer(scope: Scope) -> bytes | None:
    cache = getattr(getattr(scope.get("app"), "state", None), "read_cache", None)
    if cache is None or _kept_answer(cache, scope) is None:
        return None
    # Only now, with an answer to give, is the listener asked to catch up; what it hears may
    # clear the answer or the key, so both are looked up again.
    return _kept_answer(cache, scope) if await cache.caught_up() else None


def _kept_answer(cache: ReadCache, scope: Scope) -> bytes | None:
    found = cache.answer(route_key(scope))
    if found is None:
        return None
    body, workspace = found
    authorization = next((v for k, v in scope["headers"] if k == b"authorization"), b"").decode("latin-1")
    scheme, _, token = authorization.partition(" ")  # as fastapi's HTTPBearer reads it
    if scheme.lower() != "bearer" or not token:
        return None
    key = cache.key(token_hash(clean_text(token)))
    return body if key is not None and key.may_use(workspace) else None


def _settle(waiting: asyncio.Future | None, result: object) -> None:
    if waiting is not None and not waiting.done():
        waiting.set_result(result)


def _bounded_put(store: OrderedDict, key: Hashable, value, limit: int) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > limit:
        store.popitem(last=False)


async def listen_for_changes(conninfo: str, cache: ReadCache) -> None:
    """Clears what each notification says changed, and makes the round trips reads wait for, for as
    long as it runs (cancel it to stop). While the connection is down the cache keeps nothing,
    and it starts empty on each reconnection."""
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                conn.add_notify_handler(lambda notice: cache.clear(notice.payload))
                await conn.execute(f"listen {CHANNEL}")
                cache.clear()
                cache.listening = True
                while True:
                    await _server_spoke_or_round_trip_wanted(conn.pgconn.socket, cache)
                    cache.start_round_trip()
                    # Reads what the server sent (notifications go to the handler above, a lost
                    # connection raises), and answers the reads waiting since before it began.
                    await conn.execute("")
                    cache.end_round_trip()
        except (psycopg.Error, OSError) as exc:
            log.warning("read cache off: the change listener lost its connection (%s)", type(exc).__name__)
        finally:
            cache.listening = False
            cache.clear()
            cache.stop_round_trips()
        await asyncio.sleep(RECONNECT_SECONDS)


async def _server_spoke_or_round_trip_wanted(socket: int, cache: ReadCache) -> None:
    """Waits until the connection's socket has something to read (a notification, or its end)
    or a read wants a round trip. psycopg's own waits watch the socket only while it runs a
    statement, so this watch is taken off before the next one."""
    if cache.round_trip_wanted:
        return
    loop = asyncio.get_running_loop()
    cache.listener_idle = idle = loop.create_future()
    loop.add_reader(socket, _settle, idle, None)
    try:
        await idle
    finally:
        loop.remove_reader(socket)
        cache.listener_idle = None
