"""The drive-tagger command line: a thin edge over the ingest, refresh, query and eval services."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from drive_tagger.errors import DriveTaggerError

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
                  help="Keeps a drive sorted: embeds documents, clusters them, names the clusters as filters.")

Workspace = Annotated[str, typer.Option("--workspace", "-w", help="Workspace name, e.g. acme.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
Background = Annotated[bool, typer.Option("--background", help="Queue the work for `drive-tagger worker`.")]


def main() -> None:
    app()


@contextmanager
def _store():
    from drive_tagger.settings import load_settings
    from drive_tagger.wiring import open_store

    store = open_store(load_settings())
    try:
        yield store
    finally:
        store.close()


def _run(action: Callable[[], int | None]) -> None:
    """Runs a command body; a DriveTaggerError becomes one clear line on stderr and exit code 1."""
    try:
        code = action() or 0
    except DriveTaggerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None
    raise typer.Exit(code)


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))


@app.command()
def ingest(
    workspace: Workspace,
    paths: Annotated[list[Path], typer.Argument(help="Files or folders; .jsonl/.csv with id,title,text columns.")],
    background: Background = False,
    as_json: AsJson = False,
) -> None:
    """Read documents, store new and changed ones, embed texts that have no vector yet."""

    def action() -> int:
        from drive_tagger.adapters.readers import read_sources
        from drive_tagger.services.background import submit_documents
        from drive_tagger.services.ingest import ingest as ingest_documents
        from drive_tagger.settings import load_settings
        from drive_tagger.wiring import make_embedder

        settings = load_settings()
        job_id = None
        with _store() as store:
            if background:
                report, job_id = submit_documents(store, workspace, read_sources(paths),
                                                  batch_size=settings.ingest_batch_size)
            else:
                report = ingest_documents(store, make_embedder(settings), workspace, read_sources(paths),
                                          batch_size=settings.ingest_batch_size,
                                          suggest_refresh_share=settings.suggest_refresh_share)
        for failure in report.failures:
            typer.echo(f"failed: {failure}", err=True)
        if as_json:
            _print_json({"workspace": workspace, **report.as_dict(), **({"job_id": job_id} if background else {})})
        elif background:
            typer.echo(f"{workspace}: read {report.read} ({report.inserted} new, {report.changed} changed), "
                       f"failed {report.failed}; embedding queued as job {job_id}")
        else:
            typer.echo(f"{workspace}: read {report.read} ({report.inserted} new, {report.changed} changed), "
                       f"embedded {report.embedded}, skipped {report.skipped}, failed {report.failed}")
            if report.tagged_on_arrival or report.poorly_matched:
                typer.echo(f"tagged on arrival: {report.tagged_on_arrival}, matched poorly: {report.poorly_matched}")
            if report.refresh_suggested:
                typer.echo(f"a refresh is suggested: run `drive-tagger refresh --workspace {workspace}`")
        return 1 if report.failures else 0

    _run(action)


@app.command()
def refresh(workspace: Workspace, background: Background = False, as_json: AsJson = False) -> None:
    """Recompute a workspace's filters: cluster, keyword, name, then switch to them at once."""

    def action() -> None:
        from drive_tagger.services.background import request_refresh
        from drive_tagger.services.refresh import refresh_workspace

        with _store() as store:
            if background:
                job_id, queued = request_refresh(store, workspace)
            else:
                report = refresh_workspace(store, workspace, _refresh_params(), _namer())
        if background:
            if as_json:
                _print_json({"workspace": workspace, "job_id": job_id, "queued": queued})
            else:
                typer.echo(f"{workspace}: refresh {'queued' if queued else 'already waiting'} as job {job_id}")
            return
        if as_json:
            _print_json(asdict(report))
            return
        typer.echo(f"{workspace}: {report.categories} filters ({report.subcategories} sub-filters) over "
                   f"{report.documents} documents, {report.untagged} untagged "
                   f"({sum(report.seconds.values()):.1f}s)")
        if report.unembedded:
            typer.echo(f"note: {report.unembedded} document(s) have no vector yet and were left out", err=True)

    _run(action)


def _refresh_params():
    from drive_tagger.settings import load_settings
    from drive_tagger.wiring import refresh_params

    return refresh_params(load_settings())


def _namer(embedder=None):
    from drive_tagger.settings import load_settings
    from drive_tagger.wiring import make_namer

    return make_namer(load_settings(), embedder)


@app.command()
def filters(workspace: Workspace, as_json: AsJson = False) -> None:
    """List the workspace's filters with their size and keywords."""

    def action() -> None:
        from drive_tagger.services.query import list_filters

        with _store() as store:
            found = list_filters(store, workspace)
        if as_json:
            _print_json([asdict(f) for f in found])
            return
        if not found:
            typer.echo(f"{workspace}: no filters yet; run `drive-tagger refresh --workspace {workspace}`")
        for f in found:
            indent = "    " if f.parent_category_id is not None else ""
            typer.echo(f"{indent}[{f.category_id}] {f.name} ({f.documents} docs) — {', '.join(f.keywords[:6])}")

    _run(action)


@app.command()
def docs(
    workspace: Workspace,
    filter_ref: Annotated[str, typer.Option("--filter", "-f", help="Filter id or name.")],
    limit: Annotated[int, typer.Option(help="Page size.")] = 50,
    offset: Annotated[int, typer.Option(help="Documents to skip.")] = 0,
    as_json: AsJson = False,
) -> None:
    """Page through the documents of one filter, best match first."""

    def action() -> None:
        from drive_tagger.services.query import filter_documents

        with _store() as store:
            chosen, page = filter_documents(store, workspace, filter_ref, limit=limit, offset=offset)
        if as_json:
            _print_json({"filter": asdict(chosen), "offset": offset, "documents": [asdict(d) for d in page]})
            return
        typer.echo(f"[{chosen.category_id}] {chosen.name}: {chosen.documents} documents")
        for d in page:
            typer.echo(f"  {d.score:.2f}  {d.external_id}  {d.title}")

    _run(action)


@app.command()
def tags(
    workspace: Workspace,
    document: Annotated[str, typer.Argument(help="The document's id (its path for files).")],
    as_json: AsJson = False,
) -> None:
    """Show a document's filters with their scores."""

    def action() -> None:
        from drive_tagger.services.query import document_tags

        with _store() as store:
            title, found = document_tags(store, workspace, document)
        if as_json:
            _print_json({"document": document, "title": title, "tags": [asdict(t) for t in found]})
            return
        typer.echo(f"{document} — {title}")
        if not found:
            typer.echo("  untagged")
        for t in found:
            typer.echo(f"  [{t.category_id}] {t.name}  score {t.score:.2f}")

    _run(action)


@app.command()
def rename(
    workspace: Workspace,
    filter_ref: Annotated[str, typer.Argument(metavar="FILTER", help="Filter id or current name.")],
    name: Annotated[str, typer.Argument(help="The new name (pinned: later refreshes keep it).")],
    as_json: AsJson = False,
) -> None:
    """Rename a filter; the name is pinned and survives later refreshes."""

    def action() -> None:
        from drive_tagger.services.pins import rename_filter

        with _store() as store:
            renamed = rename_filter(store, workspace, filter_ref, name)
        if as_json:
            _print_json(asdict(renamed))
            return
        typer.echo(f"[{renamed.category_id}] {renamed.name} (pinned)")

    _run(action)


@app.command("eval")
def evaluate(
    corpus: Annotated[Path, typer.Argument(help="Labelled JSONL(.gz): id, text, label, optional title.")],
    limit: Annotated[int | None, typer.Option(help="Evaluate a seeded random sample of this size.")] = None,
    as_json: AsJson = False,
) -> None:
    """Run the real pipeline on a labelled corpus and print NMI, ARI, untagged share and timings."""

    def action() -> None:
        from drive_tagger.services.evaluate import evaluate as run_evaluation
        from drive_tagger.settings import load_settings
        from drive_tagger.wiring import make_embedder

        embedder = make_embedder(load_settings())
        with _store() as store:
            result = run_evaluation(store, embedder, corpus, limit=limit, params=_refresh_params(),
                                    namer=_namer(embedder))
        if as_json:
            _print_json(result)
            return
        typer.echo(f"{result['corpus']}: {result['documents']} documents, {result['embedded']} embedded now")
        typer.echo(f"NMI {result['nmi']:.3f}  ARI {result['ari']:.3f}  untagged {result['untagged']:.1%}  "
                   f"filters {result['filters']} ({result['sub_filters']} sub-filters)  "
                   f"stability {result['stability']:.3f}  name accuracy {result['name_accuracy']:.3f}")
        typer.echo("filters: " + "; ".join(result["filter_names"]))
        typer.echo("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in result["seconds"].items()))

    _run(action)


@app.command()
def demo(
    samples: Annotated[Path | None, typer.Option(help="Folder of documents (default: data/samples/docs).")] = None,
    workspace: Annotated[str, typer.Option("--workspace", "-w")] = "demo",
) -> None:
    """Ingest the sample drive, refresh it and print the filters it gets."""

    def action() -> int:
        from drive_tagger.adapters.readers import read_sources
        from drive_tagger.services.demo import default_samples_dir, sample_label_agreement
        from drive_tagger.services.ingest import ingest as ingest_documents
        from drive_tagger.services.query import filter_documents, list_filters
        from drive_tagger.services.refresh import refresh_workspace
        from drive_tagger.settings import load_settings
        from drive_tagger.wiring import make_embedder

        started = time.perf_counter()
        folder = samples or default_samples_dir()
        embedder = make_embedder(load_settings())
        with _store() as store:
            report = ingest_documents(store, embedder, workspace, read_sources([folder]))
            typer.echo(f"ingested {folder}: read {report.read}, embedded {report.embedded}, "
                       f"skipped {report.skipped}, failed {report.failed}")
            refreshed = refresh_workspace(store, workspace, _refresh_params(), _namer(embedder))
            typer.echo(f"refreshed: {refreshed.categories} filters, {refreshed.subcategories} sub-filters, "
                       f"{refreshed.untagged} untagged\n")
            for f in list_filters(store, workspace):
                if f.parent_category_id is not None:
                    typer.echo(f"      └ [{f.category_id}] {f.name} ({f.documents} docs)")
                    continue
                _, top = filter_documents(store, workspace, str(f.category_id), limit=3)
                typer.echo(f"[{f.category_id}] {f.name} ({f.documents} docs): {', '.join(f.keywords[:5])}")
                for d in top:
                    typer.echo(f"      · {d.title}")
            agreement = sample_label_agreement(store, workspace, folder)
        if agreement:
            typer.echo(f"\nagreement with {folder.parent / 'labels.csv'}: NMI {agreement['nmi']:.2f}, "
                       f"ARI {agreement['ari']:.2f}, untagged {agreement['untagged']:.0%}")
        typer.echo(f"demo took {time.perf_counter() - started:.1f}s")
        for failure in report.failures:
            typer.echo(f"failed: {failure}", err=True)
        return 1 if report.failures else 0

    _run(action)


@app.command("map")
def map_(
    workspace: Workspace,
    out: Annotated[Path, typer.Option("--out", "-o", help="The .html file to write.")] = Path("map.html"),
) -> None:
    """Write an interactive HTML map of the documents, coloured and labelled by filter."""

    def action() -> None:
        from drive_tagger.services.maps import workspace_map, write_figure

        with _store() as store:
            figure = workspace_map(store, workspace)
        typer.echo(f"wrote {write_figure(figure, out)}")

    _run(action)


@app.command()
def workspaces(as_json: AsJson = False) -> None:
    """List workspaces with their document counts."""

    def action() -> None:
        with _store() as store:
            rows = store.list_workspaces()
        if as_json:
            _print_json([{"workspace": r[0], "documents": r[1], "model": r[2]} for r in rows])
            return
        for slug, count, model, _ in rows:
            typer.echo(f"{slug}: {count} documents ({model or 'not embedded'})")

    _run(action)


@app.command()
def runs(workspace: Workspace, limit: int = 10, as_json: AsJson = False) -> None:
    """Show the workspace's refresh history."""

    def action() -> None:
        with _store() as store:
            history = store.refresh_runs(store.workspace(workspace).id, limit)
        if as_json:
            _print_json(history)
            return
        for run in history:
            detail = run["error"] or f"{run['categories']} filters, {run['untagged']} untagged"
            typer.echo(f"#{run['id']} {run['started_at']:%Y-%m-%d %H:%M:%S} {run['status']}: {detail}")

    _run(action)


from drive_tagger import cli_db  # noqa: E402,F401  (registers db migrate, status, stop)
from drive_tagger import cli_server  # noqa: E402,F401  (registers worker, jobs, keys, serve)

if __name__ == "__main__":
    sys.exit(main())
