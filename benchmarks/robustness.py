"""Benchmark (issue #27): how our filters and names hold up across collections, sizes and seeds,
beside KMeans told the true k (the oracle: the number of kinds in the subset), BERTopic, EVōC and turftopic's Topeax.

    .venv/bin/python -m benchmarks.robustness [--collections bbc,ag,samples] [--sizes 60,150,400,1500]
        [--seeds 8] [--quick] [--peers bertopic,evoc,topeax] [--out runs.json]

For each collection (benchmarks/robustness_collections.py: embedded once, vectors cached) and each
size, `seeds` seeded random subsets (plus the whole collection, capped at 3,000) run the real
pipeline in-process, without Postgres, exactly as `drive-tagger eval` runs it: the default
settings (wiring.refresh_params, wiring.make_namer: the offline namer), a first refresh on all but
a tenth of the subset, the rest added, a second refresh seeded by the first, its filters scored;
stability is the share of the first refresh's tagged documents whose top-level filter id stayed
(services/evaluate.py). The subset's order (the order a drive was ingested in) and which tenth
arrives later are the seed's.

Per run: top-level filters; NMI (untagged as one more group, core/metrics.clustering_scores);
best-match F1 (each true kind's best F1 against any filter or sub-filter, weighted by kind size);
the untagged share; stability; junk names (services/evaluate: core/naming.junk_names with the
namer's lexicon); name fidelity: each tagged document of a level is classified by the embedding of
"This document is about {name}." of each sibling filter alone (the nearest wins), and the share
landing in its own filter is the fidelity; the same with each filter's top keyword instead of its
name. The oracle and peers run on the same subset and vectors (flat labels; NMI and best-match F1).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from benchmarks import robustness_collections as collections_module
from benchmarks import robustness_peers as peers_module
from benchmarks.robustness_report import WHOLE, summary, table

SIZES = (60, 150, 400, 1500)
SEEDS = 8
QUICK_SIZES = (60, 150)
QUICK_SEEDS = 2
GROWTH = 0.1  # services/evaluate.py's default: the share added before the second refresh


@dataclass
class Pipeline:
    """What a refresh uses, built once: the embedder, the default namer and parameters."""

    embedder: object
    namer: object
    params: object
    prompts: dict

    def embed_prompts(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.prompts]
        if missing:
            self.prompts.update(zip(missing, self.embedder.embed(missing), strict=True))
        return (
            np.vstack([self.prompts[t] for t in texts])
            if texts
            else np.empty((0, self.embedder.dimensions), np.float32)
        )


def make_pipeline() -> Pipeline:
    from drive_tagger.settings import load_settings
    from drive_tagger.wiring import make_embedder, make_namer, refresh_params

    settings = load_settings()
    embedder = make_embedder(settings)
    return Pipeline(embedder, make_namer(settings, embedder), refresh_params(settings), {})


# ---- our pipeline, in-process ---------------------------------------------------------------


def _refresh(pipe: Pipeline, vectors, titles, texts, forms, previous, next_id: int):
    """services/refresh._refresh without the store: cluster, then categorize (keywords, names)."""
    from drive_tagger.core.categorize import categorize
    from drive_tagger.core.clustering import DocumentClusterer
    from drive_tagger.core.seeding import seed_centroids, seed_documents
    from drive_tagger.core.types import DocumentText
    from drive_tagger.services.refresh import TEXT_CHARS

    ids = np.arange(len(vectors), dtype=np.int64)
    clustering = (
        DocumentClusterer(pipe.params.clustering)
        .fit(vectors, seed_centroids(previous, ()), seed_documents(previous))
        .result_
    )
    return categorize(
        vectors,
        lambda rows: [DocumentText(titles[int(r)], texts[int(r)][:TEXT_CHARS]) for r in rows],
        clustering,
        document_ids=ids,
        next_category_id=next_id,
        previous=previous,
        params=pipe.params,
        namer=pipe.namer,
        model=pipe.embedder.model_id,
        forms=forms,
    )


def _primary(result, n: int, top: bool) -> np.ndarray:
    """Each document's best (rank 1) filter id at one level, -1 where it has none."""
    ids = {c.category_id for c in result.categories if c.is_top_level == top}
    a = result.assignments
    keep = (a.rank == 1) & np.isin(a.category_id, list(ids))
    out = np.full(n, -1, dtype=np.int64)
    out[a.document_index[keep]] = a.category_id[keep]
    return out


def _previous(result):
    """The generation a store would hand the next refresh: categories and rank-1 members."""
    from drive_tagger.core.params import RULES_VERSION
    from drive_tagger.core.types import PreviousGeneration

    a = result.assignments
    first = a.rank == 1
    members = {
        c.category_id: np.sort(a.document_index[first & (a.category_id == c.category_id)]).astype(np.int64)
        for c in result.categories
    }
    return PreviousGeneration(result.categories, members, rules=RULES_VERSION)


def run_ours(pipe: Pipeline, col, rows: np.ndarray, seed: int) -> dict:
    """Two refreshes as `drive-tagger eval` runs them; rows are in ingest order."""
    from drive_tagger.core.forms import document_form
    from drive_tagger.services.evaluate import _junk_names

    started = time.perf_counter()
    late = np.random.default_rng(1000 + seed).random(len(rows)) < GROWTH
    rows = np.concatenate([rows[~late], rows[late]])  # the later tenth is ingested last
    first_n = int((~late).sum())
    vectors = col.vectors[rows]
    titles = [col.titles[i] for i in rows]
    texts = [col.texts[i] for i in rows]
    forms = np.array([document_form(t) for t in texts], dtype=object)  # as ingest reads them

    first = _refresh(pipe, vectors[:first_n], titles[:first_n], texts[:first_n], forms[:first_n], None, 1)
    before = _primary(first, first_n, top=True)
    result = _refresh(pipe, vectors, titles, texts, forms, _previous(first), first.next_category_id)
    seconds = time.perf_counter() - started
    n = len(rows)
    top = _primary(result, n, top=True)
    sub = _primary(result, n, top=False)
    gold = col.labels[rows]
    tagged_before = before >= 0
    stability = float(np.mean(top[:first_n][tagged_before] == before[tagged_before])) if tagged_before.any() else 0.0
    categories = result.categories
    tops = [c for c in categories if c.is_top_level]
    groups = [(top, [c.category_id for c in tops])]
    for parent in tops:
        children = [c.category_id for c in categories if c.parent_category_id == parent.category_id]
        groups.append((sub, children))
    junk = _junk_names(list(categories), [SimpleNamespace(title=t) for t in titles], top, pipe.namer.lexicon.is_word)
    by_id = {c.category_id: c for c in categories}
    names = {i: c.name for i, c in by_id.items()}
    keywords = {i: (c.keywords[0] if c.keywords else c.name) for i, c in by_id.items()}
    return {
        **_scores(gold, top, [top, sub]),
        "filters": len(tops),
        "sub_filters": len(categories) - len(tops),
        "stability": round(stability, 4),
        "junk_names": len(junk),
        "junk": junk,
        "fidelity_names": _fidelity(pipe, vectors, groups, names),
        "fidelity_keywords": _fidelity(pipe, vectors, groups, keywords),
        "names": [c.name for c in tops],
        "sub_names": {c.name: [s.name for s in categories if s.parent_category_id == c.category_id] for c in tops},
        "seconds": round(seconds, 2),
    }


def _fidelity(pipe: Pipeline, vectors: np.ndarray, groups, label_of: dict[int, str]) -> float | None:
    """core/metrics.name_fidelity with each filter's label put to the model as `drive-tagger eval`
    puts it (per level: the top-level filters; each filter's sub-filters)."""
    from drive_tagger.core.fidelity import FIDELITY_PROMPT
    from drive_tagger.core.metrics import name_fidelity

    ids = list(label_of)
    prompts = pipe.embed_prompts([FIDELITY_PROMPT.format(label_of[i]) for i in ids])
    fidelity = name_fidelity(vectors, groups, dict(zip(ids, prompts, strict=True)))
    return None if fidelity is None else round(fidelity, 4)


# ---- scores ---------------------------------------------------------------------------------


def _scores(gold: np.ndarray, top: np.ndarray, levels: list[np.ndarray]) -> dict:
    from drive_tagger.core.metrics import best_match_f1, clustering_scores

    scores = clustering_scores(gold.tolist(), top)
    return {
        "nmi": round(scores["nmi"], 4),
        "untagged": round(scores["untagged"], 4),
        "best_f1": round(best_match_f1(gold, levels), 4),
    }


def run_other(name: str, pipe: Pipeline, col, rows: np.ndarray, seed: int) -> dict:
    started = time.perf_counter()
    try:
        kinds = len(np.unique(col.labels[rows]))  # the oracle's k: the kinds this subset holds
        labels = peers_module.run_peer(name, col.vectors[rows], [col.texts[i] for i in rows], kinds, seed)
    except Exception as exc:  # a peer that fails on a subset is recorded, with why
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    labels = np.asarray(labels, dtype=np.int64)
    return {
        **_scores(col.labels[rows], labels, [labels]),
        "filters": len(np.unique(labels[labels >= 0])),
        "seconds": round(time.perf_counter() - started, 2),
    }


# ---- the runs -------------------------------------------------------------------------------


def subsets(n: int, sizes, seeds: int, whole: bool):
    """(size label, seed, rows in ingest order): seeded random subsets of each size below n, and
    the whole collection (in a seeded order); a size at or above n is the whole."""
    plans = []
    labels = [s for s in sizes if s < n]
    if whole or any(s >= n for s in sizes):
        labels.append(WHOLE)
    for size in labels:
        for seed in range(seeds):
            rng = np.random.default_rng(seed)
            rows = rng.permutation(n) if size == WHOLE else rng.choice(n, size=size, replace=False)
            plans.append((size, seed, rows))
    return plans


def run_collection(pipe: Pipeline, col, sizes, seeds: int, whole: bool, others, log) -> list[dict]:
    runs = []
    for size, seed, rows in subsets(len(col), sizes, seeds, whole):
        run = {"collection": col.name, "size": size, "documents": len(rows), "seed": seed}
        run["ours"] = run_ours(pipe, col, rows, seed)
        for name in others:
            run[name] = run_other(name, pipe, col, rows, seed)
        runs.append(run)
        log(
            f"{col.name} {size} seed {seed}: ours {run['ours']['filters']} filters, NMI {run['ours']['nmi']:.3f}, "
            f"{run['ours']['seconds']:.1f}s; " + ", ".join(f"{k} {run[k].get('nmi', float('nan')):.3f}" for k in others)
        )
    return runs


# ---- tables ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", default=",".join(collections_module.SOURCES))
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="subset sizes (the whole is added)")
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SEEDS} seeds, sizes 60,150, no whole")
    parser.add_argument("--peers", default=",".join(peers_module.PEERS), help="'' for none (the oracle always runs)")
    parser.add_argument("--cap", type=int, default=collections_module.WHOLE_CAP, help="documents of a whole collection")
    parser.add_argument("--out", type=Path, help="a JSON file of every run")
    args = parser.parse_args()
    sizes = QUICK_SIZES if args.quick else tuple(int(s) for s in args.sizes.split(",") if s)
    seeds = QUICK_SEEDS if args.quick else args.seeds

    started = time.perf_counter()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    wanted = [p for p in args.peers.split(",") if p]
    missing = peers_module.available(wanted)
    for peer, why in missing.items():
        if why:
            log(f"peer {peer} not run: {why} (`make benchmark-robustness` installs the `peers` extra)")
    peers = [p for p in wanted if not missing[p]]
    others = ["oracle", *peers]
    pipe = make_pipeline()
    results, every = {}, []
    for name in args.collections.split(","):
        col = collections_module.load(name, pipe.embedder, args.cap, log)
        runs = run_collection(pipe, col, sizes, seeds, not args.quick, others, log)
        results[name] = (col.kinds, runs)
        every += runs
        print(table(name, col.kinds, len(col), runs, others), flush=True)
    print(summary(results, peers))
    not_run = {p: why for p, why in missing.items() if why}
    print(
        f"\n{len(every)} runs in {time.perf_counter() - started:.0f}s; our pipeline: default settings "
        f"({pipe.embedder.model_id}, {type(pipe.namer).__name__}); * = the whole collection"
        + (f"; peers not run: {', '.join(not_run)}" if not_run else "")
    )
    if args.out:
        args.out.write_text(json.dumps({"runs": every, "peers_not_run": not_run}, indent=1, default=str))


if __name__ == "__main__":
    main()
