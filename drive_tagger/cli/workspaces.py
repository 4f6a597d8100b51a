"""The `drive-tagger workspaces` commands: list the workspaces with their embedding model, create
one with its model, and change a workspace's model on purpose (which re-embeds it)."""

from __future__ import annotations

from typing import Annotated

import typer

from drive_tagger.cli.common import BackgroundOption, JsonOption, context, handles_errors, print_json

app = typer.Typer(
    invoke_without_command=True,
    help="Workspaces and the embedding model each owns (listed when no command is given).",
)

SlugArgument = Annotated[str, typer.Argument(metavar="WORKSPACE", help="Workspace name, e.g. acme.")]
MODEL_HELP = (
    "An embedding model as DRIVE_TAGGER_EMBEDDER names one (openai:text-embedding-3-small, "
    "local-bf16:sentence-transformers/all-MiniLM-L6-v2), or as `drive-tagger workspaces` shows it."
)


@app.callback()
def workspaces(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List workspaces with their document counts and embedding model."""
    if ctx.invoked_subcommand is None:
        list_workspaces(as_json)


@handles_errors
def list_workspaces(as_json: bool) -> None:
    found = context().database.workspaces.list_workspaces()
    if as_json:
        print_json([{"workspace": w.slug, "documents": w.documents, "model": w.embedding_model} for w in found])
        return
    for w in found:
        typer.echo(f"{w.slug}: {w.documents} documents ({w.embedding_model or 'not embedded'})")


@app.command("create")
@handles_errors
def create(
    workspace: SlugArgument,
    model: Annotated[str | None, typer.Option("--model", "-m", help=f"{MODEL_HELP} Default: the configured.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a workspace that embeds with MODEL (default: the configured DRIVE_TAGGER_EMBEDDER).
    Commands never change it; `drive-tagger workspaces set-model` does, on purpose."""
    from drive_tagger.core.types import check_workspace_slug
    from drive_tagger.services.workspaces import create_workspace
    from drive_tagger.wiring import configured_model_id, embedder_for_spec

    ctx = context()
    check_workspace_slug(workspace)  # before a model is built
    chosen = embedder_for_spec(ctx.settings, model).model_id if model else configured_model_id(ctx.settings)
    made = create_workspace(ctx.database.workspaces, workspace, chosen, asked=model)
    if as_json:
        print_json({"workspace": made.workspace, "created": made.created, "model": made.model})
        return
    shown = made.model or "the model of its first embedding"
    typer.echo(f"{'created' if made.created else 'exists already:'} {made.workspace}, which embeds with {shown}")


@app.command("set-model")
@handles_errors
def set_model(
    workspace: SlugArgument,
    model: Annotated[str, typer.Argument(metavar="MODEL", help=MODEL_HELP)],
    background: BackgroundOption = False,
    as_json: JsonOption = False,
) -> None:
    """Embed the workspace with MODEL from now on: every document is re-embedded with it (a text
    with a vector of that model stored keeps it), then the filters are refreshed from the new
    vectors; with --background both are queued for `drive-tagger worker`."""
    from drive_tagger.core.types import Task
    from drive_tagger.errors import NothingToRefresh
    from drive_tagger.services.embedding import embed_pending, switch_model
    from drive_tagger.services.refresh import refresh_workspace
    from drive_tagger.wiring import embedder_for_spec, make_namer

    ctx = context()
    db = ctx.database
    before = db.documents.workspace(workspace)
    embedder = embedder_for_spec(ctx.settings, model)
    after = switch_model(db.documents, embedder, before)
    result: dict = {"workspace": workspace, "from": before.embedding_model, "model": after.embedding_model}
    if background:
        result["job_id"], _ = db.jobs.defer(Task.EMBED_PENDING, workspace)
        _report(result, as_json, f"queued job {result['job_id']}: re-embed, then refresh")
        return
    embedded, failures = embed_pending(
        db.documents, embedder, after, batch_size=ctx.settings.ingest_batch_size, progress=False if as_json else None
    )
    result |= {"embedded": embedded, "failed": [str(f) for f in failures], "refresh_id": None, "filters": None}
    try:
        refreshed = refresh_workspace(
            db.documents,
            db.refreshes,
            workspace,
            ctx.refresh_params(),
            namer=make_namer(ctx.settings, embedder),
            complete_with=lambda: embedder,
        )
    except NothingToRefresh as exc:
        _report(result, as_json, f"re-embedded {embedded} text(s); no refresh: {exc}")
        return
    result |= {"refresh_id": refreshed.refresh_id, "filters": refreshed.categories}
    _report(result, as_json, f"re-embedded {embedded} text(s); refreshed: {refreshed.categories} filters")


def _report(result: dict, as_json: bool, done: str) -> None:
    if as_json:
        print_json(result)
        return
    typer.echo(f"{result['workspace']}: {result['from'] or 'no model'} -> {result['model']}; {done}")
    for failure in result.get("failed") or []:
        typer.echo(f"  failed: {failure}", err=True)


@app.command("delete")
@handles_errors
def delete(
    workspace: SlugArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete a workspace: its documents, filters, corrections, API keys and sync state, and the
    vectors no other workspace uses. Asks first unless --yes; cannot be undone."""
    import sys

    from drive_tagger.cli.common import fail
    from drive_tagger.services.deletion import delete_workspace

    db = context().database
    held = db.documents.workspace_counts(db.documents.workspace(workspace).id).documents
    if not yes:
        if not sys.stdin.isatty():
            fail(f"deleting workspace {workspace!r} ({held} documents) cannot be undone; pass --yes to confirm")
        typer.confirm(f"Delete workspace {workspace!r} with its {held} documents, filters and keys?", abort=True)
    deleted = delete_workspace(db.documents, workspace)
    if as_json:
        print_json({"workspace": workspace, "deleted": True, "documents": deleted})
    else:
        typer.echo(f"deleted workspace {workspace} ({deleted} documents)")
