"""The app factory: settings, the connection pool and the embedder live on app.state, created
when the app starts (never at import); typed errors become JSON 4xx answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from drive_tagger import errors
from drive_tagger.settings import Settings, load_settings

STATUS_BY_ERROR: list[tuple[type[errors.DriveTaggerError], int]] = [
    (errors.UnknownWorkspace, 404),
    (errors.UnknownFilter, 404),
    (errors.UnknownDocument, 404),
    (errors.UnknownJob, 404),
    (errors.InvalidInput, 422),
    (errors.EmbeddingError, 422),
    (errors.NothingToRefresh, 409),
    (errors.RefreshConflict, 409),
    (errors.DatabaseUnavailable, 503),
    (errors.MigrationError, 503),
]


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new API app; with no settings they are read from the environment at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from drive_tagger.wiring import lazy_embedder, make_pool, open_database

        app.state.settings = settings or load_settings()
        open_database(app.state.settings).close()  # migrate or refuse a stale schema, as the CLI does
        app.state.pool = make_pool(app.state.settings)
        app.state.pool.open(wait=True)
        app.state.embedder = lazy_embedder(app.state.settings)
        try:
            yield
        finally:
            app.state.pool.close()

    app = FastAPI(
        title="drive_tagger",
        summary="Dynamic filters for a drive: add documents, refresh, read filters and tags.",
        version="0.1.0",
        lifespan=lifespan,
    )

    @app.exception_handler(errors.DriveTaggerError)
    async def drive_tagger_error(request: Request, exc: errors.DriveTaggerError) -> JSONResponse:
        code = next((c for kind, c in STATUS_BY_ERROR if isinstance(exc, kind)), 500)
        return JSONResponse({"detail": str(exc), "error": type(exc).__name__}, status_code=code)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        # Details go to the server log (uvicorn logs the traceback), not to the caller.
        return JSONResponse({"detail": "internal error", "error": "InternalError"}, status_code=500)

    from drive_tagger.api.routes import router, workspace_router

    app.include_router(router)
    app.include_router(workspace_router)
    return app
