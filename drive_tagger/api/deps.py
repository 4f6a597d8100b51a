"""Request dependencies: settings, the stores on a pooled connection, the embedder, the caller's key
and workspace."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from drive_tagger.adapters.postgres.database import Database
from drive_tagger.core.ports import AccessStore, DocumentStore, Embedder, JobStore, RefreshStore
from drive_tagger.core.types import ApiKey
from drive_tagger.services.keys import authenticate
from drive_tagger.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="An API key from `drive-tagger keys create`.")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_database(request: Request) -> Iterator[Database]:
    """The stores on a pooled connection, given back to the pool after the request."""
    with request.app.state.pool.connection() as conn:
        yield Database(conn)


def get_embedder(request: Request) -> Embedder:
    return request.app.state.embedder()


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
EmbedderDep = Annotated[Embedder, Depends(get_embedder)]


def get_documents(db: DatabaseDep) -> DocumentStore:
    return db.documents


def get_refreshes(db: DatabaseDep) -> RefreshStore:
    return db.refreshes


def get_access(db: DatabaseDep) -> AccessStore:
    return db.access


def get_jobs(db: DatabaseDep) -> JobStore:
    return db.jobs


DocumentsDep = Annotated[DocumentStore, Depends(get_documents)]
RefreshesDep = Annotated[RefreshStore, Depends(get_refreshes)]
AccessDep = Annotated[AccessStore, Depends(get_access)]
JobsDep = Annotated[JobStore, Depends(get_jobs)]


def get_caller(
    access: AccessDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> ApiKey:
    key = authenticate(access, credentials.credentials) if credentials else None
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
