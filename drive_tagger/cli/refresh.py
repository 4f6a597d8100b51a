"""Commands that compute filters: refresh, eval on a labelled corpus, and the demo."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
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


@handles_errors
def refresh(workspace: WorkspaceOption, background: BackgroundOption = False, as_json: JsonOption = False) -> None:
    """Recompute a workspace's filters: cluster, keyword, name, then switch to them at once."""
    started = time.perf_counter()
    ctx = context()
    db = ctx.database
    if background:
        from drive_tagger.services.background import request_refresh

        job_id, queued = request_refresh(db.jobs, workspace)
        if as_json:
            print_json({"workspace": workspace, "job_id": job_id, "queued": queued})
        else:
            typer.echo(f"{workspace}: refresh {'queued' if queued else 'already waiting'} as job {job_id}")
        return
    from drive_tagger.services.refresh import refresh_workspace

    report = refresh_workspace(
        db.documents,
        db.refreshes,
        workspace,
        ctx.refresh_params(),
        namer=ctx.namer(),
        complete_with=lambda: ctx.embedder,
        on_stage=stage_lines(f"refresh {workspace}", quiet=as_json),
    )
    if as_json:
        print_json(asdict(report))
        return
    typer.echo(
        f"{workspace}: {report.categories} filters ({report.subcategories} sub-filters) over "
        f"{report.documents} documents, {report.untagged} untagged ({time.perf_counter() - started:.1f}s)"
    )
    if report.unembedded:
        typer.echo(f"note: {report.unembedded} document(s) have no vector yet and were left out", err=True)
    _say_if_remade(report)


def _say_if_remade(report) -> None:
    if report.remade_under_rules is not None:
        typer.echo(
            f"note: the filters were made by an earlier version's rules; clustered and named afresh "
            f"(rules {report.remade_under_rules}; ids kept by overlap, pinned names kept)",
            err=True,
        )


@handles_errors
def evaluate(
    corpus: Annotated[Path, typer.Argument(help="Labelled JSONL(.gz): id, text, label, optional title.")],
    limit: Annotated[int | None, typer.Option(help="Evaluate a seeded random sample of this size.")] = None,
    assignments: Annotated[
        Path | None,
        typer.Option(help="Write each document's label, top-level and deepest filter to this CSV file."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run the real pipeline on a labelled corpus and print NMI, ARI, purity (also of the deepest
    filters), untagged share, stability, names and timings."""
    from drive_tagger.services.evaluate import evaluate as run_evaluation

    ctx = context()
    db = ctx.database
    result = run_evaluation(
        db.documents,
        db.refreshes,
        ctx.embedder,
        corpus,
        limit=limit,
        params=ctx.refresh_params(),
        namer=ctx.namer(),
        assignments=assignments is not None,
    )
    if assignments is not None:
        _write_assignments(assignments, result.pop("assignments"))
    if as_json:
        print_json(result)
        return
    typer.echo(f"{result['corpus']}: {result['documents']} documents, {result['embedded']} embedded now")
    typer.echo(
        f"NMI {result['nmi']:.3f}  ARI {result['ari']:.3f}  untagged {result['untagged']:.1%}  "
        f"purity {result['purity']:.3f} (deepest filters: NMI {result['leaf_nmi']:.3f}, "
        f"purity {result['leaf_purity']:.3f})  "
        f"filters {result['filters']} ({result['sub_filters']} sub-filters)  "
        f"stability {result['stability']:.3f}  name accuracy {result['name_accuracy']:.3f}"
    )
    typer.echo(
        f"best-match F1 {result['best_match_f1']:.3f}  name fidelity {_share(result['name_fidelity'])}"
        f" (top keywords: {_share(result['keyword_fidelity'])})"
    )
    typer.echo(f"filters: {'; '.join(result['filter_names'])}  (junk names: {result['junk_names']})")
    typer.echo("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in result["seconds"].items()))


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _write_assignments(path: Path, rows: list[dict]) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "label", "top_filter", "deepest_filter"])
        writer.writeheader()
        writer.writerows(rows)


@handles_errors
def demo(
    samples: Annotated[Path | None, typer.Option(help="Folder of documents (default: data/samples/docs).")] = None,
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="The workspace to fill.")] = "demo",
    as_json: JsonOption = False,
) -> int:
    """Ingest the sample drive, refresh it and print the filters it gets."""
    from drive_tagger.adapters.readers import read_sources
    from drive_tagger.services.demo import default_samples_dir, sample_label_agreement
    from drive_tagger.services.ingest import ingest
    from drive_tagger.services.query import filter_documents, list_filters
    from drive_tagger.services.refresh import refresh_workspace

    started = time.perf_counter()
    folder = samples or default_samples_dir()
    ctx = context()
    db = ctx.database
    report = ingest(db.documents, db.refreshes, ctx.embedder, workspace, read_sources([folder]), progress=not as_json)
    refreshed = refresh_workspace(db.documents, db.refreshes, workspace, ctx.refresh_params(), namer=ctx.namer())
    found = list_filters(db.refreshes, workspace)
    tops = {f.category_id: filter_documents(db.refreshes, workspace, str(f.category_id), limit=3)[1] for f in found}
    agreement = sample_label_agreement(db.refreshes, workspace, folder)
    for failure in report.failures:
        typer.echo(f"failed: {failure}", err=True)
    if as_json:
        print_json(
            {
                "ingest": report.as_dict(),
                "refresh": asdict(refreshed),
                "filters": [asdict(f) | {"first_documents": [asdict(d) for d in tops[f.category_id]]} for f in found],
                "agreement": agreement and agreement | {"kinds": [asdict(k) for k in agreement["kinds"]]},
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
        return 1 if report.failures else 0
    typer.echo(
        f"ingested {folder}: read {report.read}, embedded {report.embedded}, "
        f"skipped {report.skipped}, failed {report.failed}"
    )
    typer.echo(
        f"refreshed: {refreshed.categories} filters, {refreshed.subcategories} sub-filters, "
        f"{refreshed.untagged} untagged\n"
    )
    _say_if_remade(refreshed)
    for f in found:
        if f.parent_category_id is not None:
            typer.echo(f"      └ [{f.category_id}] {f.name} ({f.documents} docs)")
            continue
        typer.echo(f"[{f.category_id}] {f.name} ({f.documents} docs): {', '.join(f.keywords[:5])}")
        for d in tops[f.category_id]:
            typer.echo(f"      · {d.title}")
    if agreement:
        typer.echo(
            f"\nagreement with {folder.parent / 'labels.csv'}: NMI {agreement['nmi']:.2f}, "
            f"ARI {agreement['ari']:.2f}, untagged {agreement['untagged']:.0%}"
        )
        for kind in agreement["kinds"]:
            verdict = {True: "named for it", False: "named otherwise", None: "no names listed"}[kind.named_for_it]
            typer.echo(f"  {kind.kind:12} -> {kind.filter_name} ({kind.share:.0%} of {kind.documents}; {verdict})")
        named = sum(bool(k.named_for_it) for k in agreement["kinds"])
        typer.echo(f"  {named} of {len(agreement['kinds'])} kinds sit mostly in a filter named for them")
    typer.echo(f"demo took {time.perf_counter() - started:.1f}s")
    return 1 if report.failures else 0
