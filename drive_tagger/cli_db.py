"""The drive-tagger db commands: migrations and the embedded PostgreSQL server."""

from __future__ import annotations

import typer

from drive_tagger.cli import _run, app

db_app = typer.Typer(no_args_is_help=True, help="The database: migrations and the embedded server.")
app.add_typer(db_app, name="db")


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply pending migrations from supabase/migrations/ (running it twice is a no-op)."""

    def action() -> None:
        from drive_tagger.adapters.postgres.connection import connect
        from drive_tagger.adapters.postgres.migrations import migrate
        from drive_tagger.settings import load_settings
        from drive_tagger.wiring import database_url

        with connect(database_url(load_settings()), autocommit=True, register_types=False) as conn:
            applied = migrate(conn)
        for m in applied:
            typer.echo(f"applied {m.version}_{m.name}")
        typer.echo(f"{len(applied)} migration(s) applied" if applied else "schema is up to date")

    _run(action)


@db_app.command("status")
def db_status() -> None:
    """Show which database is used and which migrations are pending."""

    def action() -> None:
        from drive_tagger.adapters.postgres.connection import connect, redact_url
        from drive_tagger.adapters.postgres.migrations import load_migrations, pending_migrations
        from drive_tagger.settings import load_settings
        from drive_tagger.wiring import database_url

        url = database_url(load_settings())
        with connect(url, autocommit=True, register_types=False) as conn:
            pending = pending_migrations(conn)
        typer.echo(f"database: {redact_url(url)}")
        typer.echo(f"migrations: {len(load_migrations()) - len(pending)} applied, {len(pending)} pending")

    _run(action)


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL server (it otherwise keeps running between commands)."""

    def action() -> None:
        from drive_tagger.adapters.postgres.embedded import stop_embedded_server
        from drive_tagger.settings import load_settings

        stopped = stop_embedded_server(load_settings().embedded_pgdata)
        typer.echo("stopped the embedded server" if stopped else "the embedded server was not running")

    _run(action)
