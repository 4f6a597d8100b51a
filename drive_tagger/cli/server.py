"""Commands for running a deployment: worker, jobs, keys, serve."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from drive_tagger.cli.common import JsonOption, context, handles_errors, print_json
from drive_tagger.core.types import JobStatus

keys_app = typer.Typer(no_args_is_help=True, help="API keys for the HTTP API.")


@handles_errors
def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Jobs at once (default DRIVE_TAGGER_JOB_CONCURRENCY, 5).")
    ] = None,
    until_idle: Annotated[bool, typer.Option("--until-idle", help="Stop once the queue is empty.")] = False,
    name: Annotated[str | None, typer.Option(help="Worker name shown in logs.")] = None,
) -> None:
    """Run a worker: embed_pending and refresh jobs from the queue, until stopped."""
    import logging

    from drive_tagger.wiring import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx = context()
    ctx.override(job_concurrency=concurrency)
    run_worker(ctx.settings, wait=not until_idle, name=name)


@handles_errors
def jobs(
    workspace: Annotated[str | None, typer.Option("--workspace", "-w", help="Only this workspace's jobs.")] = None,
    status: Annotated[JobStatus | None, typer.Option(help="Only jobs with this status.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="The latest jobs at most.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """List recent background jobs with their status, attempts and last error."""
    found = context().database.jobs.jobs(workspace=workspace, status=status.value if status else None, limit=limit)
    if as_json:
        print_json([asdict(job) for job in found])
        return
    if not found:
        typer.echo("no jobs")
    for job in found:
        when = job.finished_at or job.started_at or job.queued_at
        line = f"#{job.id} {job.task_name}({job.workspace}) {job.status} attempts {job.attempts}" + (
            f" {when:%Y-%m-%d %H:%M:%S}" if when else ""
        )
        if job.error and job.status != "succeeded":
            line += f" — {job.error}"
        typer.echo(line)


@keys_app.command("create")
@handles_errors
def keys_create(
    workspace: Annotated[str | None, typer.Option("--workspace", "-w", help="The workspace the key may use.")] = None,
    admin: Annotated[
        bool, typer.Option("--admin", help="A key for every workspace that may create workspaces.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Create an API key and print its token once (only its sha256 is stored)."""
    from drive_tagger.services.keys import create_key

    token = create_key(context().database.access, workspace=workspace, admin=admin)
    if as_json:
        print_json({"token": token, "workspace": workspace, "admin": admin})
    else:
        typer.echo(token)
    typer.echo("store this token now: it is not shown again", err=True)


@keys_app.command("list")
@handles_errors
def keys_list(as_json: JsonOption = False) -> None:
    """List the API keys: id, workspace (or admin), created, and the head of the token's hash."""
    from drive_tagger.services.keys import list_keys

    found = list_keys(context().database.access)
    if as_json:
        print_json([asdict(k) for k in found])
        return
    if not found:
        typer.echo("no API keys; create one with `drive-tagger keys create --workspace W`")
    for key in found:
        scope = "admin" if key.is_admin else key.workspace
        typer.echo(f"#{key.id} {scope} created {key.created_at:%Y-%m-%d %H:%M} sha256 {key.fingerprint}…")


@keys_app.command("revoke")
@handles_errors
def keys_revoke(
    key_id: Annotated[int, typer.Argument(metavar="ID", help="The key's id, as `keys list` shows it.")],
    as_json: JsonOption = False,
) -> None:
    """Revoke an API key: every server refuses it from the next request on."""
    from drive_tagger.services.keys import revoke_key

    revoke_key(context().database.access, key_id)
    if as_json:
        print_json({"revoked": key_id})
    else:
        typer.echo(f"revoked key #{key_id}")


@handles_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[
        int | None, typer.Option(min=1, help="uvicorn worker processes (default: one per core).")
    ] = None,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log a line per request (uvicorn's access log). Off by default, as in gunicorn: "
            "under load its lines took about a tenth of the server's time.",
        ),
    ] = False,
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs) and the web page (at /), with a queue worker
    beside them unless DRIVE_TAGGER_SERVE_WORKER=false."""
    import os

    import uvicorn

    from drive_tagger.cli.beside import worker_beside

    # One process per core: a lone event loop shares its core with the clients' traffic and the
    # database, and its p95 under 20 clients was 6x that of two (benchmarks/million.py).
    workers = workers or os.cpu_count() or 1
    with worker_beside(context().settings):
        uvicorn.run(
            "drive_tagger.api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=access_log,
        )
