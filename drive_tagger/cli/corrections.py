"""Commands for what a person decides: delete documents, move them, merge or split filters, make a
filter from picked documents, and list the corrections a workspace keeps."""

from __future__ import annotations

from typing import Annotated

import typer

from drive_tagger.cli.common import BackgroundOption, JsonOption, WorkspaceOption, context, handles_errors, print_json

Documents = Annotated[list[str], typer.Argument(help="Document ids (a file's id is its path in the folder).")]


@handles_errors
def delete(workspace: WorkspaceOption, documents: Documents, as_json: JsonOption = False) -> int:
    """Delete documents: they leave every filter at once, and their vectors once unused."""
    from drive_tagger.services.deletion import delete_documents

    report = delete_documents(context().database.documents, workspace, documents)
    if as_json:
        print_json({"workspace": workspace, "deleted": report.deleted, "unknown": report.unknown})
    else:
        typer.echo(f"{workspace}: deleted {len(report.deleted)} document(s)")
    for missing in report.unknown:
        typer.echo(f"failed: {missing}: no such document in workspace {workspace!r}", err=True)
    return 1 if report.unknown else 0


@handles_errors
def move(
    workspace: WorkspaceOption,
    documents: Documents,
    to: Annotated[str | None, typer.Option("--to", help="The filter (id or name) to place them in.")] = None,
    out: Annotated[bool, typer.Option("--out", help="Take them out of every filter.")] = False,
) -> None:
    """Place documents in a filter (or out of every filter); later refreshes keep them there."""
    from drive_tagger.errors import InvalidInput
    from drive_tagger.services.corrections import move_documents

    if (to is None) == (not out):
        raise InvalidInput("say where: --to FILTER, or --out for no filter")
    correction = move_documents(context().database.refreshes, workspace, documents, to)
    typer.echo(
        f"{workspace}: moved {len(documents)} document(s) {'out of every filter' if out else 'to ' + repr(to)}"
        f" (correction #{correction}; refreshes keep it)"
    )


@handles_errors
def merge(
    workspace: WorkspaceOption,
    keep: Annotated[str, typer.Argument(help="The filter that stays (id or name).")],
    absorb: Annotated[str, typer.Argument(help="The filter merged into it.")],
    background: BackgroundOption = False,
) -> None:
    """Make two filters one; later refreshes keep them one while their documents stay."""
    from drive_tagger.services.corrections import merge_filters

    _then_refresh(workspace, merge_filters(context().database.refreshes, workspace, keep, absorb), background)


@handles_errors
def split(
    workspace: WorkspaceOption,
    filter_ref: Annotated[str, typer.Argument(metavar="FILTER", help="The filter to split (id or name).")],
    background: BackgroundOption = False,
) -> None:
    """Make each sub-filter of a filter a filter of its own; later refreshes keep them apart."""
    from drive_tagger.services.corrections import split_filter

    _then_refresh(workspace, split_filter(context().database.refreshes, workspace, filter_ref), background)


@handles_errors
def create_filter(
    workspace: WorkspaceOption,
    name: Annotated[str, typer.Argument(help="The filter's name, e.g. 'Board Papers'.")],
    documents: Documents,
    background: BackgroundOption = False,
) -> None:
    """Make a filter from documents you pick; documents like them join it, now and later."""
    from drive_tagger.services.corrections import create_filter as create

    _then_refresh(workspace, create(context().database.refreshes, workspace, name, documents), background)


@handles_errors
def corrections(workspace: WorkspaceOption, as_json: JsonOption = False) -> None:
    """List what people decided in a workspace (refreshes apply all of it)."""
    refreshes = context().database.refreshes
    found = refreshes.corrections(refreshes.workspace(workspace).id)
    if as_json:
        print_json(
            [
                {
                    "id": c.id,
                    "kind": c.kind.value,
                    "category_id": c.category_id,
                    "name": c.name,
                    "documents": len(c.document_ids),
                    "groups": sorted(c.groups),
                }
                for c in found
            ]
        )
        return
    if not found:
        typer.echo(f"{workspace}: no corrections")
    for c in found:
        target = c.name or (f"filter {c.category_id}" if c.category_id is not None else "no filter")
        typer.echo(f"#{c.id} {c.kind.value}: {target}, {len(c.document_ids) or len(c.groups)} item(s)")


def _then_refresh(workspace: str, correction: int, background: bool) -> None:
    """Merges, splits and new filters take effect at a refresh: now, or queued with --background."""
    ctx = context()
    if background:
        from drive_tagger.services.background import request_refresh

        job_id, _ = request_refresh(ctx.database.jobs, workspace)
        typer.echo(f"{workspace}: correction #{correction} recorded; refresh queued as job {job_id}")
        return
    from drive_tagger.services.refresh import refresh_workspace

    db = ctx.database
    report = refresh_workspace(
        db.documents, db.refreshes, workspace, ctx.refresh_params(), ctx.namer(), complete_with=lambda: ctx.embedder
    )
    typer.echo(
        f"{workspace}: correction #{correction} applied; {report.categories} filters now "
        f"(run `drive-tagger filters -w {workspace}`)"
    )
