"""The drive-tagger command line: the typer app, built from the command modules (a thin edge over
the services)."""

from __future__ import annotations

from collections.abc import Callable

import typer

from drive_tagger.cli import corrections, db, documents, filters, refresh, server, workspaces
from drive_tagger.cli.common import open_context

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    help="Keeps a drive sorted: embeds documents, clusters them, names the clusters as filters.",
)
app.callback()(open_context)

command: Callable[..., object]  # the commands' signatures differ; typer reads each at run time
for command in (
    documents.ingest,
    documents.sync,
    refresh.refresh,
    filters.filters,
    filters.docs,
    filters.tags,
    filters.rename,
    filters.search,
):
    app.command()(command)
app.command("eval")(refresh.evaluate)
app.command()(refresh.demo)
app.command("map")(filters.map_)
for command in (filters.runs, server.worker, server.jobs, server.serve):
    app.command()(command)
for command in (corrections.delete, corrections.move, corrections.merge, corrections.split, corrections.corrections):
    app.command()(command)
app.command("create-filter")(corrections.create_filter)
app.add_typer(db.app, name="db")
app.add_typer(workspaces.app, name="workspaces")
app.add_typer(server.keys_app, name="keys")


def main() -> None:
    app()
