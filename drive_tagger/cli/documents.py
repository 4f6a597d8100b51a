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
    as_json: JsonOption = False,
) -> int:
    """Read documents, store new and changed ones, embed texts that have no vector yet."""
    from drive_tagger.adapters.readers import read_sources

    ctx = context()
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
        )
    for failure in report.failures:
        typer.echo(f"failed: {failure}", err=True)
    if as_json:
        print_json({"workspace": workspace, **report.as_dict(), **({"job_id": job_id} if background else {})})
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
        if report.refresh_suggested:
            typer.echo(f"a refresh is suggested: run `drive-tagger refresh --workspace {workspace}`")
    return 1 if report.failures else 0
