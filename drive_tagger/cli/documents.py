"""Commands that put documents in: ingest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from drive_tagger.cli.common import BackgroundOption, JsonOption, WorkspaceOption, context, handles_errors, print_json


@handles_errors
def ingest(
    workspace: WorkspaceOption,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders; .jsonl/.csv with id,title,text columns.")],
    background: BackgroundOption = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Delete documents whose files left the given folders.")
    ] = False,
    all_windows: Annotated[
        bool, typer.Option("--all-windows", help="Embed long texts' further windows now, not at the next refresh.")
    ] = False,
    as_json: JsonOption = False,
) -> int:
    """Read documents, store new and changed ones, embed texts that have no vector yet."""
    from drive_tagger.adapters.readers import read_sources

    ctx = context()
    if not background:
        ctx.warm_up_embedder()  # the model loads while the database starts
    db, batch_size = ctx.database, ctx.settings.ingest_batch_size
    job_id = None
    if background:
        from drive_tagger.services.background import submit_documents

        report, job_id = submit_documents(db.documents, db.jobs, workspace, read_sources(paths), batch_size=batch_size)
    else:
        from drive_tagger.services.ingest import ingest as ingest_documents

        report = ingest_documents(
            db.documents,
            db.refreshes,
            ctx.embedder,
            workspace,
            read_sources(paths),
            batch_size=batch_size,
            suggest_refresh_share=ctx.settings.suggest_refresh_share,
            first_windows_first=ctx.settings.first_windows_first and not all_windows,
        )
    pruned = _prune(db, workspace, paths, report) if prune else []
    for failure in report.failures:
        typer.echo(f"failed: {failure}", err=True)
    if as_json:
        print_json(
            {"workspace": workspace, **report.as_dict(), "pruned": pruned, **({"job_id": job_id} if background else {})}
        )
    elif background:
        typer.echo(
            f"{workspace}: read {report.read} ({report.inserted} new, {report.changed} changed), "
            f"failed {report.failed}; embedding queued as job {job_id}"
        )
    else:
        typer.echo(
            f"{workspace}: read {report.read} ({report.inserted} new, {report.changed} changed), "
            f"embedded {report.embedded}, skipped {report.skipped}, failed {report.failed}"
        )
        if report.tagged_on_arrival or report.poorly_matched:
            typer.echo(f"tagged on arrival: {report.tagged_on_arrival}, matched poorly: {report.poorly_matched}")
        if report.further_windows:
            typer.echo(
                f"{report.further_windows} long document(s) have their first window's vector; the next "
                f"`drive-tagger refresh` embeds the rest of them first"
            )
        if report.refresh_suggested:
            typer.echo(f"a refresh is suggested: run `drive-tagger refresh --workspace {workspace}`")
    if pruned and not as_json:
        typer.echo(f"pruned {len(pruned)} document(s) whose files are gone")
    return 1 if report.failures else 0


def _prune(db, workspace: str, paths: list[Path], report) -> list[str]:
    from drive_tagger.errors import InvalidInput
    from drive_tagger.services.deletion import prune_folder

    folders = [p for p in paths if p.is_dir()]
    if len(folders) != len(paths):
        raise InvalidInput("--prune takes folders only (it deletes what left them)")
    failed = [f.source for f in report.failures]
    return [doc for folder in folders for doc in prune_folder(db.documents, workspace, folder, report.read_ids, failed)]


@handles_errors
def sync(
    workspace: Annotated[str | None, typer.Option("--workspace", "-w", help="Only this workspace.")] = None,
    background: BackgroundOption = False,
    as_json: JsonOption = False,
) -> int:
    """Bring workspaces in step with the app's own documents table (DRIVE_TAGGER_SYNC_TABLE):
    changed rows in, deleted rows out, new and changed documents embedded and tagged from the
    active filters at once (as ingest does), then a refresh queued for a worker."""
    from drive_tagger.services.sync import sync_and_queue, sync_and_tag
    from drive_tagger.wiring import make_source

    ctx = context()
    db = ctx.database
    source = make_source(ctx.settings)
    batch_size = ctx.settings.ingest_batch_size
    if background:
        reports = sync_and_queue(db.documents, db.jobs, source, workspace, batch_size=batch_size)
    else:
        reports = sync_and_tag(
            db.documents,
            db.refreshes,
            db.jobs,
            ctx.embedder,
            source,
            workspace,
            batch_size=batch_size,
            suggest_refresh_share=ctx.settings.suggest_refresh_share,
        )
    for report in reports:
        for failure in report.failures:
            typer.echo(f"failed: {failure}", err=True)
        if not as_json:
            typer.echo(_sync_line(report))
    if as_json:
        print_json([report.as_dict() for report in reports])
    return 1 if any(r.failures for r in reports) else 0


def _sync_line(report) -> str:
    line = (
        f"{report.workspace}: read {report.read} changed row(s) ({report.inserted} new, "
        f"{report.changed} changed), deleted {report.deleted} in {report.seconds:.2f}s"
    )
    if report.refresh_job is not None:
        line += (
            f"; embedded {report.embedded}, tagged {report.tagged_on_arrival} from the active filters; "
            f"refresh queued as job {report.refresh_job} (a `drive-tagger worker` runs it)"
        )
    if report.embedding_job is not None:
        line += f"; embedding queued as job {report.embedding_job} (a `drive-tagger worker` embeds, tags and refreshes)"
    return line
