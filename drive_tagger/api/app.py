"""The app factory: settings, the connection pool, the database gate and the embedder live on
app.state, created when the app starts (never at import); every failure becomes a short JSON
answer with the right status, never a 500 for a caller's mistake and never an echo of the body."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout

from drive_tagger import errors
from drive_tagger.api.limits import BodySizeLimit, BodyTooLarge
from drive_tagger.api.read_cache import CachedReads
from drive_tagger.settings import Settings, load_settings

STATUS_BY_ERROR: list[tuple[type[errors.DriveTaggerError], int]] = [
    (errors.UnknownWorkspace, 404),
    (errors.UnknownFilter, 404),
    (errors.UnknownDocument, 404),
    (errors.UnknownJob, 404),
    (errors.UnknownCorrection, 404),
    (errors.InvalidInput, 422),
    (errors.EmbeddingError, 422),
    (errors.NothingToRefresh, 409),
    (errors.RefreshConflict, 409),
    (errors.Overloaded, 503),
    (errors.DatabaseUnavailable, 503),
    (errors.MigrationError, 503),
]
RETRY_AFTER_SECONDS = "1"
MAX_VALIDATION_ERRORS = 20


def _error(status: int, detail: object, kind: str) -> JSONResponse:
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if status == 503 else None
    return JSONResponse({"detail": detail, "error": kind}, status_code=status, headers=headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new API app; with no settings they are read from the environment at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from drive_tagger.adapters.postgres.connection import Pool
        from drive_tagger.api.batcher import EmbedBatcher
        from drive_tagger.api.deps import DatabaseGate
        from drive_tagger.api.read_cache import ReadCache, listen_for_changes
        from drive_tagger.wiring import database_url, lazy_embedder, open_database, warm_quietly

        app.state.settings = settings or load_settings()
        open_database(app.state.settings).close()  # migrate or refuse a stale schema, as the CLI does
        app.state.pool = Pool(
            database_url(app.state.settings),
            size=app.state.settings.api_pool_size,
            wait_seconds=app.state.settings.api_wait_seconds,
        )
        app.state.pool.open()
        app.state.gate = DatabaseGate.for_settings(app.state.settings)
        app.state.embedder = lazy_embedder(app.state.settings)
        if app.state.settings.api_warm_model:
            # Before the server answers: no request waits for the model, none races its loading.
            await asyncio.to_thread(warm_quietly, lambda: app.state.embedder().warm_up(lone_shapes=True))
        app.state.embed_batcher = EmbedBatcher(app.state.embedder, app.state.settings.api_embed_batch)
        app.state.read_cache = ReadCache(max_age=app.state.settings.api_read_cache_seconds)
        listener = asyncio.create_task(listen_for_changes(database_url(app.state.settings), app.state.read_cache))
        try:
            yield
        finally:
            listener.cancel()
            app.state.embed_batcher.close()
            app.state.pool.close()

    app = FastAPI(
        title="drive_tagger",
        summary="Dynamic filters for a drive: add documents, refresh, read filters and tags.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_middleware(BodySizeLimit)
    app.add_middleware(CachedReads)  # added last: it runs first

    @app.exception_handler(errors.DriveTaggerError)
    async def drive_tagger_error(request: Request, exc: errors.DriveTaggerError) -> JSONResponse:
        code = next((c for kind, c in STATUS_BY_ERROR if isinstance(exc, kind)), 500)
        return _error(code, str(exc), type(exc).__name__)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Where and what, never the value (FastAPI's own answer repeats it whole, as `input`): a
        # 50 MB body must not come back in the answer, nor more than MAX_ECHO_CHARS of it.
        problems = [
            {
                "loc": [errors.cut(part) if isinstance(part, str) else part for part in e.get("loc", ())],
                "msg": errors.cut(str(e.get("msg", ""))),
                "type": e.get("type"),
            }
            for e in exc.errors()[:MAX_VALIDATION_ERRORS]
        ]
        return _error(422, problems, "InvalidRequest")

    @app.exception_handler(BodyTooLarge)
    async def body_too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return JSONResponse(exc.answer(), status_code=413)

    @app.exception_handler(psycopg.OperationalError)
    async def database_unavailable(request: Request, exc: psycopg.OperationalError) -> JSONResponse:
        return _error(503, "the database is unavailable; try again shortly", "DatabaseUnavailable")

    @app.exception_handler(PoolTimeout)
    async def pool_timeout(request: Request, exc: PoolTimeout) -> JSONResponse:
        return _error(503, "no database connection came free in time", "Overloaded")

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        # Details go to the server log (uvicorn logs the traceback), not to the caller.
        return _error(500, "internal error", "InternalError")

    from drive_tagger.api import changes, routes, ui

    for module_router in (routes.router, routes.workspace_router, changes.router, ui.router, ui.fragments):
        app.include_router(module_router)
    return app
