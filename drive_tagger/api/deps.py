"""Request dependencies: settings, a pooled store, the embedder, the caller's key and workspace."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from drive_tagger.adapters.embedders import Embedder
from drive_tagger.adapters.postgres.store import PostgresStore
from drive_tagger.services.keys import ApiKey, authenticate
from drive_tagger.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="An API key from `drive-tagger keys create`.")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_store(request: Request) -> Iterator[PostgresStore]:
    """A store on a pooled connection, given back to the pool after the request."""
    with request.app.state.pool.connection() as conn:
        yield PostgresStore(conn)


def get_embedder(request: Request) -> Embedder:
    return request.app.state.embedder()


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[PostgresStore, Depends(get_store)]
EmbedderDep = Annotated[Embedder, Depends(get_embedder)]


def get_caller(
    store: StoreDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> ApiKey:
    key = authenticate(store, credentials.credentials) if credentials else None
    if key is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing or unknown API key", headers={"WWW-Authenticate": "Bearer"}
        )
    return key


CallerDep = Annotated[ApiKey, Depends(get_caller)]


def get_admin(caller: CallerDep) -> ApiKey:
    if not caller.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this needs an admin key")
    return caller


AdminDep = Annotated[ApiKey, Depends(get_admin)]


def get_workspace(caller: CallerDep, workspace: Annotated[str, Path(max_length=63)]) -> str:
    """The path's workspace if the key may use it; another workspace is reported as unknown."""
    if not caller.may_use(workspace):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown workspace {workspace!r}")
    return workspace


WorkspaceDep = Annotated[str, Depends(get_workspace)]
