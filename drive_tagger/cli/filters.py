"""Commands that read what refreshes made: filters, docs, tags, rename, workspaces, runs, map.
They import no model and no clustering code, so they start fast."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from drive_tagger.cli.common import JsonOption, WorkspaceOption, context, handles_errors, print_json
from drive_tagger.errors import UnknownFilter


@handles_errors
def filters(workspace: WorkspaceOption, as_json: JsonOption = False) -> None:
    """List the workspace's filters with their size and keywords."""
    from drive_tagger.services.query import list_filters

    found = list_filters(context().database.refreshes, workspace)
    if as_json:
        print_json([asdict(f) | {"second_documents": f.second_documents} for f in found])
        return
    if not found:
        typer.echo(f"{workspace}: no filters yet; run `drive-tagger refresh --workspace {workspace}`")
    for f in found:
        indent = "    " if f.parent_category_id is not None else ""
        second = f" +{f.second_documents} second" if f.second_documents else ""
        typer.echo(
            f"{indent}[{f.category_id}] {f.name} ({f.first_documents} docs{second}) — {', '.join(f.keywords[:6])}"
        )


@handles_errors
def docs(
    workspace: WorkspaceOption,
    filter_ref: Annotated[str, typer.Option("--filter", "-f", help="Filter id or name.")],
    limit: Annotated[int, typer.Option(help="Page size.")] = 50,
    offset: Annotated[int, typer.Option(help="Documents to skip.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Page through the documents of one filter: its own first, then those it is a second tag of
    (marked "second"). `--filter Untagged` lists the documents no filter holds."""
    from drive_tagger.services.query import filter_documents

    try:
        chosen, page = filter_documents(context().database.refreshes, workspace, filter_ref, limit=limit, offset=offset)
    except UnknownFilter:
        if filter_ref.strip().lower() != UNTAGGED.lower():
            raise
        _untagged(workspace, limit, offset, as_json)
        return
    if as_json:
        print_json({"filter": asdict(chosen), "offset": offset, "documents": [asdict(d) for d in page]})
        return
    typer.echo(f"[{chosen.category_id}] {chosen.name}: {chosen.documents} documents")
    for d in page:
        typer.echo(f"  {d.score:.2f}  {d.external_id}  {d.title}" + ("  (second)" if d.rank == 2 else ""))


# The name `docs --filter` takes for the documents no filter holds, unless a filter is named so.
UNTAGGED = "Untagged"


def _untagged(workspace: str, limit: int, offset: int, as_json: bool) -> None:
    from drive_tagger.services.browse import untagged_page

    page = untagged_page(context().database.browse, workspace, limit=limit, offset=offset)
    if as_json:
        rows = [{"external_id": r.external_id, "title": r.title} for r in page.rows]
        print_json({"filter": None, "untagged": page.total, "offset": offset, "documents": rows})
        return
    typer.echo(f"Untagged: {page.total} documents")
    for r in page.rows:
        typer.echo(f"  {r.external_id}  {r.title}")


@handles_errors
def tags(
    workspace: WorkspaceOption,
    document: Annotated[str, typer.Argument(help="The document's id (its path for files).")],
    as_json: JsonOption = False,
) -> None:
    """Show a document's filters with their scores."""
    from drive_tagger.services.query import document_tags

    title, found = document_tags(context().database.refreshes, workspace, document)
    if as_json:
        print_json({"document": document, "title": title, "tags": [asdict(t) for t in found]})
        return
    typer.echo(f"{document} — {title}")
    if not any(t.parent_category_id is None for t in found):
        typer.echo("  untagged")
    for t in found:
        which = "first" if t.rank == 1 else "second"
        level = "  sub-filter" if t.parent_category_id is not None else ""
        typer.echo(f"  {which:6} [{t.category_id}] {t.name}  score {t.score:.2f}{level}")


@handles_errors
def rename(
    workspace: WorkspaceOption,
    filter_ref: Annotated[str, typer.Argument(metavar="FILTER", help="Filter id or current name.")],
    name: Annotated[str, typer.Argument(help="The new name (pinned: later refreshes keep it).")],
    as_json: JsonOption = False,
) -> None:
    """Rename a filter; the name is pinned and survives later refreshes."""
    from drive_tagger.services.pins import rename_filter

    renamed = rename_filter(context().database.refreshes, workspace, filter_ref, name)
    if as_json:
        print_json(asdict(renamed))
        return
    typer.echo(f"[{renamed.category_id}] {renamed.name} (pinned)")


@handles_errors
def runs(
    workspace: WorkspaceOption,
    limit: Annotated[int, typer.Option(min=1, help="The latest runs at most.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Show the workspace's refresh history."""
    refreshes = context().database.refreshes
    history = refreshes.refresh_runs(refreshes.workspace(workspace).id, limit)
    if as_json:
        print_json([run.to_json() for run in history])
        return
    for run in history:
        detail = run.error or f"{run.categories} filters, {run.untagged} untagged"
        typer.echo(f"#{run.id} {run.started_at:%Y-%m-%d %H:%M:%S} {run.status}: {detail}")


@handles_errors
def map_(
    workspace: WorkspaceOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="The .html file to write.")] = Path("map.html"),
    as_json: JsonOption = False,
) -> None:
    """Write an interactive HTML map of the documents, coloured and labelled by filter."""
    from drive_tagger.services.maps import workspace_map, write_figure

    db = context().database
    written = write_figure(workspace_map(db.documents, db.refreshes, workspace), out)
    if as_json:
        print_json({"workspace": workspace, "wrote": str(written)})
    else:
        typer.echo(f"wrote {written}")


@handles_errors
def search(
    workspace: WorkspaceOption,
    text: Annotated[str, typer.Argument(metavar="QUERY", help="What to look for, in your own words.")],
    filter_ref: Annotated[str | None, typer.Option("--filter", "-f", help="Only in this filter (id or name).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Results at most.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Find documents by meaning: the nearest to the query, best first, each with its filter;
    those below the search floor (DRIVE_TAGGER_SEARCH_FLOOR) are marked as not close."""
    from drive_tagger.services.browse import clean_query, split_close
    from drive_tagger.services.browse import search as nearest
    from drive_tagger.services.embedding import workspace_embedder
    from drive_tagger.services.query import list_filters, resolve_filter

    ctx = context()
    db = ctx.database
    found = db.documents.workspace(workspace)
    query = clean_query(text)
    embedder = workspace_embedder(ctx.embedder, found)  # the workspace's own model, or a clear error
    listed = list_filters(db.refreshes, workspace)
    category_id = resolve_filter(listed, filter_ref, workspace).category_id if filter_ref else None
    _, rows = nearest(db.browse, workspace, embedder.embed([query])[0], category_id=category_id, limit=limit)
    floor = ctx.settings.search_floor
    close, _ = split_close(rows, floor)  # a prefix: rows come best first
    names = {f.category_id: f.name for f in listed}
    first = db.refreshes.primary_top_level_tags(found.id)
    results = [
        {
            "id": r.external_id,
            "title": r.title,
            "score": r.score,
            "filter": names.get(tag) if (tag := first.get(r.external_id)) is not None else None,
            "close": rank < len(close),
        }
        for rank, r in enumerate(rows)
    ]
    if as_json:
        print_json({"query": query, "floor": floor, "results": results})
        return
    if not results:
        typer.echo("no documents to search yet")
    elif not results[0]["close"]:
        typer.echo(f"no close matches (none as similar as {floor:.2f}); the nearest, all far from it:")
    for before, r in zip([None, *results], results, strict=False):
        if before is not None and before["close"] and not r["close"]:
            typer.echo(f"  -- not close (similarity below {floor:.2f}) --")
        typer.echo(f"  {r['score']:.2f}  {r['id']}  {r['title']}  [{r['filter'] or 'untagged'}]")
