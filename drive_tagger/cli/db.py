"""The `drive-tagger db` commands: migrations and the embedded PostgreSQL server."""

from __future__ import annotations

import typer

from drive_tagger.cli.common import JsonOption, context, handles_errors, print_json

app = typer.Typer(no_args_is_help=True, help="The database: migrations and the embedded server.")


@app.command("migrate")
@handles_errors
def migrate() -> None:
    """Apply pending migrations from supabase/migrations/ (running it twice is a no-op)."""
    from drive_tagger.adapters.postgres.connection import connect
    from drive_tagger.adapters.postgres.migrations import migrate as apply_migrations
    from drive_tagger.wiring import database_url

    with connect(database_url(context().settings), autocommit=True) as conn:
        applied = apply_migrations(conn)
    for m in applied:
        typer.echo(f"applied {m.version}_{m.name}")
    typer.echo(f"{len(applied)} migration(s) applied" if applied else "schema is up to date")


@app.command("status")
@handles_errors
def status(as_json: JsonOption = False) -> None:
    """Show which database is used and which migrations are pending."""
    from drive_tagger.adapters.postgres.connection import connect, redact_url
    from drive_tagger.adapters.postgres.migrations import load_migrations, pending_migrations
    from drive_tagger.wiring import database_url

    url = database_url(context().settings)
    with connect(url, autocommit=True) as conn:
        pending = pending_migrations(conn)
    applied = len(load_migrations()) - len(pending)
    if as_json:
        print_json({"database": redact_url(url), "applied": applied, "pending": [m.name for m in pending]})
        return
    typer.echo(f"database: {redact_url(url)}")
    typer.echo(f"migrations: {applied} applied, {len(pending)} pending")


@app.command("stop")
@handles_errors
def stop() -> None:
    """Stop the embedded PostgreSQL server (it otherwise keeps running between commands)."""
    from drive_tagger.adapters.postgres.embedded import stop_embedded_server

    stopped = stop_embedded_server(context().settings.embedded_pgdata)
    typer.echo("stopped the embedded server" if stopped else "the embedded server was not running")
