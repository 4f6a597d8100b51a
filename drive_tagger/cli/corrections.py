"""Commands for what a person decides: delete documents, move them, merge or split filters, make a
filter from picked documents, and list the corrections a workspace keeps."""

from __future__ import annotations

from typing import Annotated

import typer

from drive_tagger.cli.common import (
    BackgroundOption,
    JsonOption,
    WorkspaceOption,
    context,
    handles_errors,
    print_json,
    stage_lines,
)

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
    as_json: JsonOption = False,
) -> None:
    """Place documents in a filter (or out of every filter); later refreshes keep them there."""
    from drive_tagger.errors import InvalidInput
    from drive_tagger.services.corrections import move_documents

    if to is not None and out:
        raise InvalidInput("--to and --out exclude each other: --to FILTER places them, --out takes them out")
    if to is None and not out:
        raise InvalidInput("say where: --to FILTER, or --out for no filter")
    correction = move_documents(context().database.refreshes, workspace, documents, to)
    moved = len(dict.fromkeys(documents))
    if as_json:
        print_json({"workspace": workspace, "correction": correction, "moved": moved, "to": to})
        return
    typer.echo(
        f"{workspace}: moved {moved} document(s) {'out of every filter' if out else 'to ' + repr(to)}"
        f" (correction #{correction}; refreshes keep it)"
    )


@handles_errors
def merge(
    workspace: WorkspaceOption,
    keep: Annotated[str, typer.Argument(help="The filter that stays (id or name).")],
    absorb: Annotated[str, typer.Argument(help="The filter merged into it.")],
    background: BackgroundOption = False,
    as_json: JsonOption = False,
) -> None:
    """Make two filters one; later refreshes keep them one while their documents stay."""
    from drive_tagger.services.corrections import merge_filters

    merged = merge_filters(context().database.refreshes, workspace, keep, absorb)
    if not as_json:
        typer.echo(f"{workspace}: “{merged.absorbed}” goes into “{merged.kept}”, which keeps its name")
    if merged.absorbed_pin and not as_json:
        typer.echo(
            f"{workspace}: “{merged.absorbed}” had the pinned name “{merged.absorbed_pin}”; correction "
            f"#{merged.correction} keeps it, and `drive-tagger corrections undo {merged.correction} -w {workspace}` "
            "gives it back"
        )
    done = _then_refresh(workspace, merged.correction, background, quiet=as_json)
    if as_json:
        print_json(
            {"kept": merged.kept, "absorbed": merged.absorbed, "absorbed_pinned_name": merged.absorbed_pin} | done
        )


@handles_errors
def split(
    workspace: WorkspaceOption,
    filter_ref: Annotated[str, typer.Argument(metavar="FILTER", help="The filter to split (id or name).")],
    background: BackgroundOption = False,
    as_json: JsonOption = False,
) -> None:
    """Make each sub-filter of a filter a filter of its own; later refreshes keep them apart."""
    from drive_tagger.services.corrections import split_filter

    correction = split_filter(context().database.refreshes, workspace, filter_ref)
    done = _then_refresh(workspace, correction, background, quiet=as_json)
    if as_json:
        print_json(done)


@handles_errors
def create_filter(
    workspace: WorkspaceOption,
    name: Annotated[str, typer.Argument(help="The filter's name, e.g. 'Board Papers'.")],
    documents: Documents,
    background: BackgroundOption = False,
    as_json: JsonOption = False,
) -> None:
    """Make a filter from documents you pick; documents like them join it, now and later."""
    from drive_tagger.services.corrections import create_filter as create

    done = _then_refresh(
        workspace, create(context().database.refreshes, workspace, name, documents), background, quiet=as_json
    )
    if as_json:
        print_json({"name": name} | done)


@handles_errors
def corrections(
    workspace: WorkspaceOption,
    action: Annotated[
        str | None, typer.Argument(metavar="[undo ID]", help="`undo ID`: undo correction ID (see the list).")
    ] = None,
    correction: Annotated[
        int | None, typer.Argument(metavar="", show_default=False, help="The correction to undo.")
    ] = None,
    as_json: JsonOption = False,
    background: BackgroundOption = False,
) -> None:
    """List what people decided in a workspace (refreshes apply all of it), or undo one decision."""
    from drive_tagger.errors import InvalidInput
    from drive_tagger.services.corrections import list_corrections, undo_correction

    refreshes = context().database.refreshes
    if action is not None:
        if action != "undo" or correction is None:
            raise InvalidInput("say `drive-tagger corrections undo ID`, or nothing to list them")
        undone = undo_correction(refreshes, workspace, correction)
        if as_json:
            print_json(undone.as_dict())
        else:
            typer.echo(f"{workspace}: undid #{undone.id}, which {undone.summary}")
        if undone.kind == "move":
            if not as_json:
                typer.echo(f"{workspace}: its documents are back where the other corrections or their meaning put them")
        else:
            _then_refresh(workspace, undone.id, background, quiet=as_json, what="the undo of correction")
        return
    found = list_corrections(refreshes, workspace)
    if as_json:
        print_json([c.as_dict() for c in found])
        return
    if not found:
        typer.echo(f"{workspace}: no corrections")
    for c in found:
        documents = ", ".join(c.shown) + (f", … ({c.documents} in all)" if c.documents > len(c.shown) else "")
        undone_note = f"  [undone {c.undone_at:%Y-%m-%d %H:%M}]" if c.undone_at else ""
        typer.echo(f"#{c.id} {c.made_at:%Y-%m-%d %H:%M} {c.kind}: {c.summary}{undone_note}")
        if c.documents:
            typer.echo(f"    documents: {documents or f'{c.documents}, none still here'}")


def _then_refresh(
    workspace: str, correction: int, background: bool, *, quiet: bool = False, what: str = "correction"
) -> dict:
    """Merges, splits and new filters (and undoing them) take effect at a refresh: now, or queued
    with --background. Returns what happened, for --json."""
    ctx = context()
    if background:
        from drive_tagger.services.background import request_refresh

        job_id, _ = request_refresh(ctx.database.jobs, workspace)
        if not quiet:
            typer.echo(f"{workspace}: {what} #{correction} recorded; refresh queued as job {job_id}")
        return {"workspace": workspace, "correction": correction, "refresh_job": job_id, "filters": None}
    from drive_tagger.services.refresh import refresh_workspace

    db = ctx.database
    report = refresh_workspace(
        db.documents,
        db.refreshes,
        workspace,
        ctx.refresh_params(),
        namer=ctx.namer(),
        complete_with=lambda: ctx.embedder,
        on_stage=stage_lines(f"refresh {workspace}", quiet=quiet),
    )
    result = {"workspace": workspace, "correction": correction, "refresh_job": None, "filters": report.categories}
    if not quiet:
        typer.echo(
            f"{workspace}: {what} #{correction} applied; {report.categories} filters now "
            f"(run `drive-tagger filters -w {workspace}`)"
        )
    return result
