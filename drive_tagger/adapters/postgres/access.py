"""PostgresAccess: API keys, stored as the sha256 of their token."""

from __future__ import annotations

from psycopg.rows import class_row

from drive_tagger.adapters.postgres.sql import query
from drive_tagger.adapters.postgres.workspaces import WorkspaceQueries
from drive_tagger.core.types import ApiKey, ApiKeyInfo


class PostgresAccess(WorkspaceQueries):
    def insert_api_key(self, token_hash: str, workspace_id: int | None, is_admin: bool) -> int:
        with self.conn.transaction():
            row = self.conn.execute(
                query("insert_api_key"), {"token_hash": token_hash, "workspace_id": workspace_id, "is_admin": is_admin}
            ).fetchone()
            assert row is not None  # insert ... values ... returning: always one row
            return row[0]

    def list_api_keys(self) -> list[ApiKeyInfo]:
        return self._all("list_api_keys", {}, class_row(ApiKeyInfo))

    def delete_api_key(self, key_id: int) -> bool:
        with self.conn.transaction():
            return self.conn.execute(query("delete_api_key"), {"key_id": key_id}).fetchone() is not None

    def find_api_key(self, token_hash: str) -> ApiKey | None:
        """The key with this token hash: its id, its workspace's slug (None for admin), is_admin."""
        return self._one("find_api_key", {"token_hash": token_hash}, ApiKey)
