"""API keys: random tokens shown once, stored as their sha256; a key is one workspace's or admin."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from drive_tagger.adapters.postgres.store import PostgresStore
from drive_tagger.errors import InvalidInput
from drive_tagger.services.ingest import check_workspace_slug

TOKEN_PREFIX = "dt_"


@dataclass(frozen=True)
class ApiKey:
    id: int
    workspace: str | None  # None for an admin key
    is_admin: bool

    def may_use(self, workspace: str) -> bool:
        return self.is_admin or self.workspace == workspace


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_key(store: PostgresStore, *, workspace: str | None = None, admin: bool = False) -> str:
    """A new token for one workspace (created if missing) or, with admin, for all; returns the
    token, which is not stored anywhere."""
    if admin == (workspace is not None):
        raise InvalidInput("a key is either for one workspace (--workspace W) or an admin key (--admin)")
    workspace_id = store.ensure_workspace(check_workspace_slug(workspace)).id if workspace else None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    store.insert_api_key(token_hash(token), workspace_id, admin)
    return token


def authenticate(store: PostgresStore, token: str) -> ApiKey | None:
    found = store.find_api_key(token_hash(token))
    return ApiKey(*found) if found else None
