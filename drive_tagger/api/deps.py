"""Request dependencies: settings, the embed batcher, and runners that do a request's database work.

A runner takes a function of the stores and runs it in a worker thread on a pooled connection,
taking both together and the caller's key check in the same call. A request therefore never
holds a connection while it waits for a thread, nor a thread while it waits for a connection
(the stall seen at 50 clients), and at most `api_pool_size` requests use the database at once.
When too many wait, or one waits too long, the answer is 503 with Retry-After, at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, HTTPException, Path, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from drive_tagger.adapters.postgres.database import Database
from drive_tagger.api.batcher import EmbedBatcher
from drive_tagger.api.read_cache import ALL, ReadCache, route_key
from drive_tagger.core.inputs import clean_text
from drive_tagger.core.types import ApiKey
from drive_tagger.errors import Overloaded
from drive_tagger.services.keys import authenticate, token_hash
from drive_tagger.settings import Settings

T = TypeVar("T")

_bearer = HTTPBearer(auto_error=False, description="An API key from `drive-tagger keys create`.")


@dataclass
class DatabaseGate:
    """How many requests use the database at once (the pool's size) and how long others may wait."""

    limiter: anyio.CapacityLimiter
    threads: anyio.CapacityLimiter
    max_waiting: int
    wait_seconds: float

    @classmethod
    def for_settings(cls, settings: Settings) -> DatabaseGate:
        return cls(
            anyio.CapacityLimiter(settings.api_pool_size),
            anyio.CapacityLimiter(settings.api_pool_size),
            settings.api_max_waiting,
            settings.api_wait_seconds,
        )


async def in_database(request: Request, work: Callable[[Database], T]) -> T:
    """work(db) in a worker thread with a pooled connection of its own, or Overloaded (503)."""
    state = request.app.state
    gate: DatabaseGate = state.gate
    if gate.limiter.available_tokens == 0 and gate.limiter.statistics().tasks_waiting >= gate.max_waiting:
        raise Overloaded("too many requests are waiting for the database")
    try:
        with anyio.fail_after(gate.wait_seconds):
            await gate.limiter.acquire()
    except TimeoutError:
        raise Overloaded(f"no database connection came free within {gate.wait_seconds:g}s") from None

    def run() -> T:
        with state.pool.connection() as conn:
            return work(Database(conn))

    try:
        return await anyio.to_thread.run_sync(run, limiter=gate.threads)
    finally:
        gate.limiter.release()


# The dependencies below are coroutines, though none of them waits: FastAPI runs a plain function
# dependency in a worker thread, a thread hop per dependency per request (a fifth of a busy
# server's time went to them).
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_embed_batcher(request: Request) -> EmbedBatcher:
    return request.app.state.embed_batcher


def _unauthorized() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, "missing or unknown API key", headers={"WWW-Authenticate": "Bearer"}
    )


async def _credentials(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> HTTPAuthorizationCredentials:
    """The bearer token. A request without one is refused (401) before its parameters and body are
    validated or a setting or the database is looked at (FastAPI parses a JSON body earlier still,
    so a body that is not JSON is a 422). The token itself is checked by the route's runner."""
    if credentials is None:
        raise _unauthorized()
    return credentials


SettingsDep = Annotated[Settings, Depends(get_settings)]
BatcherDep = Annotated[EmbedBatcher, Depends(get_embed_batcher)]
Credentials = Annotated[HTTPAuthorizationCredentials, Depends(_credentials)]


def _key(db: Database, credentials: HTTPAuthorizationCredentials) -> ApiKey:
    token = clean_text(credentials.credentials)
    key = authenticate(db.access, token) if token else None
    if key is None:
        raise _unauthorized()
    return key


@dataclass
class Runner:
    """Runs work(db) for an authenticated caller: any key, an admin key, or a key of `workspace`.
    Another workspace's key is told the workspace does not exist."""

    request: Request
    credentials: HTTPAuthorizationCredentials
    workspace: str | None = None
    admin: bool = False

    async def __call__(self, work: Callable[[Database], T], changes: tuple[str, ...] = (ALL,)) -> T:
        return await self.with_key(lambda db, key: work(db), changes)

    async def with_key(self, work: Callable[[Database, ApiKey], T], changes: tuple[str, ...] = (ALL,)) -> T:
        """work(db, the caller's key), for what depends on whose key it is. A key the read cache
        knows, caught up with every change committed before the request, is not asked of the
        database again (a revoked key is forgotten by the change's notification). `changes`:
        the scopes of change (read_cache.SCOPES) a request other than a read may make."""
        cache = self.request.app.state.read_cache
        try:
            return await self._with_key(cache, work)
        finally:
            if self.request.method not in ("GET", "HEAD"):
                # The listener's round trip brings the change's notification before this caller's
                # next read; where notifications never arrive (a pooler in transaction mode) this
                # process still forgets what the change may have made stale.
                for scope in changes:
                    cache.clear(scope)

    async def _with_key(self, cache: ReadCache, work: Callable[[Database, ApiKey], T]) -> T:
        digest = token_hash(clean_text(self.credentials.credentials))
        known = await cache.known_key(digest)
        if known is not None:
            self._check(known)
            return await in_database(self.request, lambda db: work(db, known))
        generation = cache.generation
        checked_key: list[ApiKey] = []

        def checked(db: Database) -> T:
            key = _key(db, self.credentials)
            self._check(key)
            checked_key.append(key)
            return work(db, key)

        result = await in_database(self.request, checked)
        cache.remember_key(generation, digest, checked_key[0])
        return result

    async def cached_read(
        self, work: Callable[[Database], T], render: Callable[[T], bytes], reads: frozenset[str] = frozenset()
    ) -> Response:
        """A read route's JSON answer, kept in the read cache for the next callers of the same path
        and query (api/read_cache.py answers them before routing while nothing it read changed);
        `reads`: the scopes of change it depends on beyond filters, links and keys (read_cache.SCOPES)."""
        cache = self.request.app.state.read_cache
        generation = cache.generation
        result = await self(work)
        body = render(result)
        cache.remember(generation, route_key(self.request.scope), body, self.workspace or "", reads)
        return Response(body, media_type="application/json")

    def _check(self, key: ApiKey) -> None:
        if self.admin and not key.is_admin:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs an admin key")
        if self.workspace is not None and not key.may_use(self.workspace):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown workspace {self.workspace!r}")


async def caller_runner(request: Request, credentials: Credentials) -> Runner:
    return Runner(request, credentials)


async def admin_runner(request: Request, credentials: Credentials) -> Runner:
    return Runner(request, credentials, admin=True)


WorkspacePath = Annotated[str, Path(max_length=63, description="The workspace's slug, e.g. acme.")]


async def workspace_runner(request: Request, credentials: Credentials, workspace: WorkspacePath) -> Runner:
    return Runner(request, credentials, workspace=workspace)


CallerRun = Annotated[Runner, Depends(caller_runner)]
AdminRun = Annotated[Runner, Depends(admin_runner)]
WorkspaceRun = Annotated[Runner, Depends(workspace_runner)]
