"""Evaluate the real pipeline (embed, store, refresh) on a labelled corpus in a throwaway workspace."""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from drive_tagger.adapters.tables import read_table_rows
from drive_tagger.core.fidelity import FIDELITY_PROMPT
from drive_tagger.core.keyphrases import capitalised_words
from drive_tagger.core.metrics import (
    best_match_f1,
    clustering_scores,
    majority_labels,
    name_accuracy,
    name_fidelity,
)
from drive_tagger.core.naming import Namer, junk_names, name_words
from drive_tagger.core.params import RefreshParams
from drive_tagger.core.ports import DocumentStore, Embedder, RefreshStore, WorkspaceStore
from drive_tagger.core.types import SourceDocument
from drive_tagger.errors import InvalidInput, UnknownWorkspace
from drive_tagger.services.ingest import ingest
from drive_tagger.services.refresh import refresh_workspace


@dataclass(frozen=True)
class LabelledCorpus:
    documents: list[SourceDocument]
    labels: list[str]


def read_labelled_corpus(path: Path, *, limit: int | None = None, seed: int = 0) -> LabelledCorpus:
    """Rows with id, text, label (title optional); --limit takes a seeded random sample."""
    if not Path(path).is_file():
        raise InvalidInput(f"{path}: no such corpus file")
    documents, labels, problems = [], [], []
    for location, row, problem in read_table_rows(Path(path)):
        if problem or row is None or not row.get("text") or row.get("label") in (None, "") or not row.get("id"):
            problems.append(f"{location}: {problem or 'needs id, text and label'}")
            continue
        title = row["title"] if isinstance(row.get("title"), str) else ""
        documents.append(SourceDocument(str(row["id"]), title, str(row["text"]), location))
        labels.append(str(row["label"]))
    if problems:
        raise InvalidInput(f"{len(problems)} unusable row(s) in {path}, first: {problems[0]}")
    if not documents:
        raise InvalidInput(f"{path}: no labelled documents")
    if limit is not None and limit < len(documents):
        keep = np.sort(np.random.default_rng(seed).choice(len(documents), size=limit, replace=False))
        documents = [documents[i] for i in keep]
        labels = [labels[i] for i in keep]
    return LabelledCorpus(documents, labels)


def eval_workspace_slug(path: Path) -> str:
    """A throwaway workspace per corpus and process: two evaluations of one corpus at once do not
    drop each other's workspace."""
    stem = Path(path).name.split(".")[0].lower()
    return f"eval-{(re.sub(r'[^a-z0-9._-]+', '-', stem).strip('-') or 'corpus')[:40]}-{os.getpid()}"


def evaluate(
    documents: DocumentStore,
    refreshes: RefreshStore,
    embedder: Embedder,
    path: Path,
    *,
    limit: int | None = None,
    params: RefreshParams | None = None,
    progress: bool | None = None,
    growth: float = 0.1,
    namer: Namer,
    assignments: bool = False,
) -> dict:
    """Scores the top-level filters against the gold labels (and leaf_nmi, leaf_purity: of each
    document's deepest filter, its sub-filter where it has one), and their stability: refresh on all
    but a `growth` share of the corpus, add the rest, refresh again, and count the original
    documents whose top-level filter id stayed the same. Scores are of the final refresh.
    name_accuracy is the share of top-level filters whose name is nearest (by the embedder) to
    the gold label of the filter's majority documents; junk_names counts the names (of every
    level) a person would not write, by the namer's word list. best_match_f1: each gold kind's
    best F1 against any filter or sub-filter (core/metrics.best_match_f1); name_fidelity and
    keyword_fidelity: the share of documents whose own filter's name (or top keyword) is the
    nearest of its siblings' to the document (core/metrics.name_fidelity). With `assignments`,
    each document's gold label, top-level and deepest filter (names; None where untagged).

    The workspace is dropped afterwards; vectors stay in the content-addressed store, so a
    second run embeds nothing."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    corpus = read_labelled_corpus(path, limit=limit)
    seconds["read"] = round(time.perf_counter() - started, 3)
    later = np.random.default_rng(1).random(len(corpus.documents)) < growth
    first = [d for d, late in zip(corpus.documents, later, strict=True) if not late]
    second = [d for d, late in zip(corpus.documents, later, strict=True) if late]

    slug = eval_workspace_slug(path)
    _drop_abandoned(documents, slug)
    try:
        started = time.perf_counter()
        embedded = ingest(documents, refreshes, embedder, slug, first, progress=progress).embedded
        seconds["embed"] = round(time.perf_counter() - started, 3)
        refresh_workspace(documents, refreshes, slug, params, namer=namer)
        workspace = refreshes.workspace(slug)
        before = refreshes.primary_top_level_tags(workspace.id)
        embedded += ingest(documents, refreshes, embedder, slug, second, progress=progress).embedded
        refreshed = refresh_workspace(documents, refreshes, slug, params, namer=namer)
        seconds.update({f"refresh_{k}": v for k, v in refreshed.seconds.items()})

        started = time.perf_counter()
        after = refreshes.primary_top_level_tags(workspace.id)
        predicted = _tag_array(after, corpus.documents)
        scores = clustering_scores(corpus.labels, predicted)
        leaf = _tag_array(refreshes.primary_leaf_tags(workspace.id), corpus.documents)
        leaf_scores = clustering_scores(corpus.labels, leaf)
        kept = [
            before[d.external_id] == after.get(d.external_id) for d in first if before.get(d.external_id) is not None
        ]
        every_filter = refreshes.filters(workspace.id)
        filters = [f for f in every_filter if f.parent_category_id is None]
        accuracy = _name_accuracy(embedder, corpus.labels, predicted, filters)
        junk = _junk_names(every_filter, corpus.documents, predicted, namer.lexicon.is_word)
        fidelity = _fidelities(documents, refreshes, embedder, workspace.id, corpus, predicted, leaf, every_filter)
        placed = _assignments(corpus, predicted, leaf, every_filter) if assignments else None
        seconds["score"] = round(time.perf_counter() - started, 3)
    finally:
        _drop_workspace(documents, slug)
    return {
        "corpus": str(path),
        "documents": len(corpus.documents),
        "embedded": embedded,
        "model": embedder.model_id,
        "nmi": round(scores["nmi"], 4),
        "ari": round(scores["ari"], 4),
        "untagged": round(scores["untagged"], 4),
        "purity": round(scores["purity"], 4),
        "leaf_nmi": round(leaf_scores["nmi"], 4),
        "leaf_purity": round(leaf_scores["purity"], 4),
        "filters": len(filters),
        "sub_filters": refreshed.subcategories,
        "stability": round(float(np.mean(kept)) if kept else 0.0, 4),
        "best_match_f1": round(best_match_f1(corpus.labels, [predicted, leaf]), 4),
        "name_accuracy": round(accuracy, 4),
        "name_fidelity": None if fidelity[0] is None else round(fidelity[0], 4),
        "keyword_fidelity": None if fidelity[1] is None else round(fidelity[1], 4),
        "duplicate_names": len(filters) - len({f.name.casefold() for f in filters}),
        "junk_names": len(junk),
        "junk": junk,
        "filter_names": [f.name for f in filters],
        "name_words": sorted({w for f in filters for w in name_words(f.name)}),
        "sub_filter_names": {
            f.name: [s.name for s in every_filter if s.parent_category_id == f.category_id] for f in filters
        },
        "seconds": seconds,
    } | ({"assignments": placed} if assignments else {})


def _tag_array(tags: dict[str, int | None], documents: list[SourceDocument]) -> np.ndarray:
    """Each document's filter id in corpus order, -1 where it has none."""
    return np.array([-1 if tags.get(d.external_id) is None else tags[d.external_id] for d in documents])


def _fidelities(documents, refreshes, embedder, workspace_id, corpus, top, leaf, every) -> tuple:
    """(name fidelity, top-keyword fidelity) of the final filters, on the documents' stored vectors:
    the top level's filters are siblings, and so are each filter's sub-filters."""
    ids, matrix = documents.workspace_vectors(workspace_id, embedder.model_id)
    external = {row.document_id: row.external_id for row in refreshes.document_filters(workspace_id)}
    row_of = {external.get(int(i)): r for r, i in enumerate(ids)}
    rows = [row_of.get(d.external_id) for d in corpus.documents]
    have = np.array([r is not None for r in rows], dtype=bool)
    vectors = matrix[[r for r in rows if r is not None]]
    tops = [f.category_id for f in every if f.parent_category_id is None]
    levels = [(top[have], tops)] + [
        (leaf[have], [c.category_id for c in every if c.parent_category_id == t]) for t in tops
    ]
    results = []
    for label in (lambda f: f.name, lambda f: f.keywords[0] if f.keywords else f.name):
        texts = [FIDELITY_PROMPT.format(label(f)) for f in every]
        label_vectors = dict(zip([f.category_id for f in every], embedder.embed(texts), strict=True)) if every else {}
        results.append(name_fidelity(vectors, levels, label_vectors))
    return tuple(results)


def _assignments(corpus, top, leaf, every_filter) -> list[dict]:
    name_of = {f.category_id: f.name for f in every_filter}
    return [
        {
            "id": d.external_id,
            "label": label,
            "top_filter": name_of.get(int(t)),
            "deepest_filter": name_of.get(int(f)),
        }
        for d, label, t, f in zip(corpus.documents, corpus.labels, top.tolist(), leaf.tolist(), strict=True)
    ]


def _name_accuracy(embedder: Embedder, gold: list[str], predicted: np.ndarray, filters) -> float:
    majority = majority_labels(gold, predicted.tolist(), [f.category_id for f in filters])
    named = [(f.name, m) for f, m in zip(filters, majority, strict=True) if m is not None]
    if not named:
        return 0.0
    labels = sorted(set(gold))
    return name_accuracy(
        embedder.embed([n for n, _ in named]), embedder.embed(labels), [labels.index(m) for _, m in named]
    )


def _junk_names(filters, documents: list[SourceDocument], predicted: np.ndarray, is_word) -> list[str]:
    """Names (top level and sub-filters) a person would not write (core/naming.junk_names); the
    proper nouns a filter may use are those its documents' titles capitalise (a sub-filter's:
    its parent's)."""
    titles_of: dict[int, list[str]] = {}
    for document, filter_id in zip(documents, predicted.tolist(), strict=True):
        titles_of.setdefault(filter_id, []).append(document.title)
    top_of = {f.category_id: f.parent_category_id or f.category_id for f in filters}
    known = [capitalised_words(titles_of.get(top_of[f.category_id], [])) for f in filters]
    return junk_names([f.name for f in filters], known, is_word)


def _drop_workspace(store: WorkspaceStore, slug: str) -> None:
    with contextlib.suppress(UnknownWorkspace):
        store.delete_workspace(store.workspace(slug).id, keep_vectors=True)  # the next eval reuses them


def _drop_abandoned(store: WorkspaceStore, slug: str) -> None:
    """Drops the workspaces evaluations of the same corpus left behind when their process died."""
    stem = slug.rsplit("-", 1)[0]
    for workspace in store.list_workspaces():
        prefix, _, pid = workspace.slug.rpartition("-")
        if prefix == stem and pid.isdigit() and not _running(int(pid)):
            _drop_workspace(store, workspace.slug)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
