"""Versioned migrations from supabase/migrations/, recorded where the Supabase CLI records them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import psycopg

from drive_tagger.adapters.postgres.sql import query
from drive_tagger.errors import MigrationError

# Supabase CLI naming: <14-digit timestamp>_<name>.sql
_MIGRATION_FILE = re.compile(r"^(\d{14})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str


def migrations_dir() -> Path:
    """The repository's supabase/migrations (source checkout), else the copy inside the wheel."""
    checkout = Path(__file__).resolve().parents[3] / "supabase" / "migrations"
    if checkout.is_dir():
        return checkout
    return Path(str(resources.files("drive_tagger").joinpath("_migrations")))


def load_migrations(directory: Path | None = None) -> list[Migration]:
    directory = directory or migrations_dir()
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_FILE.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files must be named <14-digit version>_<name>.sql")
        found.append(Migration(match[1], match[2], path.read_text(encoding="utf-8")))
    return found


def applied_versions(conn: psycopg.Connection) -> set[str]:
    row = conn.execute(query("migrations_table_exists")).fetchone()
    assert row is not None  # a select without from: always one row
    if row[0] is None:
        return set()
    return {row[0] for row in conn.execute(query("applied_migration_versions"))}


def pending_migrations(conn: psycopg.Connection) -> list[Migration]:
    applied = applied_versions(conn)
    return [m for m in load_migrations() if m.version not in applied]


def migrate(conn: psycopg.Connection) -> list[Migration]:
    """Applies pending migrations in version order, each in its own transaction; returns them.

    An advisory lock makes concurrent callers (two CLI commands, several workers) wait for
    each other instead of applying the same file twice.
    """
    conn.commit()
    applied: list[Migration] = []
    with conn.transaction():
        conn.execute(query("lock_migrations"))
        conn.execute(query("create_migrations_table"))
    try:
        for migration in pending_migrations(conn):
            try:
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute(query("record_migration"), (migration.version, migration.name, [migration.sql]))
            except psycopg.Error as exc:
                raise MigrationError(f"migration {migration.version}_{migration.name}.sql failed: {exc}") from exc
            applied.append(migration)
    finally:
        conn.execute(query("unlock_migrations"))
        conn.commit()
    return applied
