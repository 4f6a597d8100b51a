"""API keys: random tokens shown once, stored as their sha256; a key is one workspace's or admin."""

from __future__ import annotations

import hashlib
import secrets

from drive_tagger.core.ports import AccessStore
from drive_tagger.core.types import ApiKey, ApiKeyInfo, check_workspace_slug
from drive_tagger.errors import InvalidInput

TOKEN_PREFIX = "dt_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_key(access: AccessStore, *, workspace: str | None = None, admin: bool = False) -> str:
    """A new token for one workspace (created if missing) or, with admin, for all; returns the
    token, which is not stored anywhere."""
    if admin == (workspace is not None):
        raise InvalidInput("a key is either for one workspace (--workspace W) or an admin key (--admin)")
    workspace_id = access.ensure_workspace(check_workspace_slug(workspace)).id if workspace else None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    access.insert_api_key(token_hash(token), workspace_id, admin)
    return token


def list_keys(access: AccessStore) -> list[ApiKeyInfo]:
    """Every key, newest first, with the head of its token's hash to tell it by."""
    return access.list_api_keys()


def revoke_key(access: AccessStore, key_id: int) -> None:
    """Deletes the key: every server refuses it from the next request on."""
    if not access.delete_api_key(key_id):
        raise InvalidInput(f"no API key #{key_id} (see `drive-tagger keys list`)")


def authenticate(access: AccessStore, token: str) -> ApiKey | None:
    return access.find_api_key(token_hash(token))


def usable_workspaces(access: AccessStore, key: ApiKey) -> list[str]:
    """The slugs of the workspaces a key may use: its own, or every one for an admin key."""
    if key.is_admin:
        return [w.slug for w in access.list_workspaces()]
    return [access.workspace(key.workspace).slug] if key.workspace else []
