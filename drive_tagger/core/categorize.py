"""From a two-level clustering to named categories and links (pure: arrays and texts in)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from drive_tagger.core.assignment import cluster_centroids, combine, level_links
from drive_tagger.core.clustering import TwoLevelClustering
from drive_tagger.core.keywords import class_keywords, term_counts
from drive_tagger.core.matching import Match, match_categories
from drive_tagger.core.naming import KeywordNamer, NamingContext, NamingRequest, keyword_description
from drive_tagger.core.representatives import representatives
from drive_tagger.core.types import Assignments, Category, NamedBy, PreviousGeneration

# A matched category keeps its name without asking the namer while its centroid stays this
# close (cosine) to the previous refresh's: its members barely changed.
KEEP_NAME_SIMILARITY = 0.97


@dataclass(frozen=True)
class Categorization:
    categories: tuple[Category, ...]  # top-level first, then sub-filters
    assignments: Assignments
    untagged: int
    next_category_id: int
    changes: dict = field(default_factory=dict)  # kept/new/retired ids, splits, merges


@dataclass(frozen=True)
class _Level:
    labels: np.ndarray  # index into centroids per document, -1 none
    centroids: np.ndarray
    parents: np.ndarray  # per cluster: index of its top-level cluster (-1 at the top level)
    fences: np.ndarray  # per cluster: the lowest similarity that counts as a member


def _index_labels(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labels renumbered 0..k-1 in order (-1 kept), and the original label of each index."""
    clusters = np.unique(labels[labels >= 0])
    return np.where(labels >= 0, np.searchsorted(clusters, labels), -1), clusters


def _levels(vectors: np.ndarray, clustering: TwoLevelClustering) -> tuple[_Level, _Level]:
    top_index, top_clusters = _index_labels(clustering.top_labels)
    _, top_centroids = cluster_centroids(vectors, top_index)
    fine_index, _ = _index_labels(clustering.fine_labels)
    fine_parent = np.array(
        [np.bincount(top_index[fine_index == f]).argmax() for f in range(fine_index.max() + 1)], dtype=np.int64
    )
    # A top-level filter with a single fine cluster needs no sub-filters: they would repeat it.
    siblings = np.bincount(fine_parent, minlength=len(top_centroids))
    kept = np.flatnonzero(siblings[fine_parent] >= 2)
    sub_index = np.where(np.isin(fine_index, kept), np.searchsorted(kept, fine_index), -1)
    _, sub_centroids = cluster_centroids(vectors, sub_index)
    top = _Level(top_index, top_centroids, np.full(len(top_centroids), -1), clustering.top_fences[top_clusters])
    sub = _Level(sub_index, sub_centroids, fine_parent[kept], np.full(len(kept), -1.0))
    return top, sub


def _members(document_ids: np.ndarray, labels: np.ndarray, k: int) -> list[np.ndarray]:
    return [np.sort(document_ids[labels == i]) for i in range(k)]


def _match_level(level: _Level, document_ids, previous: PreviousGeneration | None, top: bool) -> Match:
    k = len(level.centroids)
    before = previous.level(top) if previous else []
    return match_categories(
        _members(document_ids, level.labels, k),
        level.centroids,
        [c.category_id for c in before],
        [previous.members.get(c.category_id, np.empty(0, np.int64)) for c in before] if previous else [],
        np.array([c.centroid for c in before]) if before else np.empty((0, level.centroids.shape[1])),
    )


def categorize(
    vectors: np.ndarray,
    texts: Sequence[str],
    clustering: TwoLevelClustering,
    *,
    document_ids: np.ndarray,
    next_category_id: int,
    previous: PreviousGeneration | None = None,
    second_margin: float | None = 0.02,
    namer=None,
    model: str | None = None,
    keep_name_similarity: float = KEEP_NAME_SIMILARITY,
    on_stage: Callable[[str], None] = lambda stage: None,
) -> Categorization:
    """Top-level categories and their sub-filters with c-TF-IDF keywords and names.

    A category that matches one of the previous refresh (by member overlap) keeps its id; it
    keeps its name too when the name is pinned by a user, or when its centroid barely moved
    (keep_name_similarity). Every other category is named by `namer` (a Namer: `name(requests,
    context)`; default: keyword names), which sees its keywords and representative texts.
    A document is linked at each level it belongs to, and at the top level it may carry a
    second filter (rank 2) within second_margin of its first.
    """
    top, sub = _levels(vectors, clustering)
    top_match = _match_level(top, document_ids, previous, top=True)
    sub_match = _match_level(sub, document_ids, previous, top=False)
    ids_iter = iter(range(next_category_id, next_category_id + 10**9))
    top_ids = np.array([i if i is not None else next(ids_iter) for i in top_match.ids], dtype=np.int64)
    sub_ids = np.array([i if i is not None else next(ids_iter) for i in sub_match.ids], dtype=np.int64)
    assignments = combine(
        level_links(vectors, top.labels, top.centroids, top_ids, second_margin=second_margin),
        level_links(vectors, sub.labels, sub.centroids, sub_ids),
    )
    on_stage("assign")

    terms = term_counts(texts)
    keyword_lists = [class_keywords(terms, top.labels).get(i, ()) for i in range(len(top_ids))]
    sub_keywords = class_keywords(terms, sub.labels)
    keyword_lists += [sub_keywords.get(i, ()) for i in range(len(sub_ids))]
    on_stage("keywords")

    ids = np.concatenate([top_ids, sub_ids])
    kept = {c.category_id: c for c in (previous.categories if previous else ())}
    sizes = np.concatenate([np.bincount(top.labels[top.labels >= 0], minlength=len(top_ids)),
                            np.bincount(sub.labels[sub.labels >= 0], minlength=len(sub_ids))])
    centroids = np.vstack([top.centroids, sub.centroids])
    fences = np.concatenate([top.fences, sub.fences])
    parents = [None] * len(top_ids) + [int(top_ids[p]) for p in sub.parents]
    names, descriptions, named_by = _names(
        ids, keyword_lists, centroids, kept, keep_name_similarity, namer or KeywordNamer(), model,
        requests=lambda todo: _requests(todo, vectors, texts, (top.labels, sub.labels), sub.parents, sizes,
                                        keyword_lists, centroids),
    )
    categories = tuple(
        Category(
            category_id=int(ids[i]),
            parent_category_id=parents[i],
            name=names[i],
            description=descriptions[i],
            keywords=tuple(keyword_lists[i]),
            size=int(sizes[i]),
            centroid=centroids[i],
            named_by=named_by[i],
            fence=float(fences[i]) if fences[i] > -1 else None,
        )
        for i in range(len(ids))
    )
    on_stage("naming")
    return Categorization(
        categories, assignments, untagged=int((top.labels < 0).sum()),
        next_category_id=next(ids_iter), changes=_changes(ids, kept, top_match, sub_match, top_ids, sub_ids),
    )


def _names(ids, keyword_lists, centroids, kept: dict[int, Category], keep_similarity: float, namer,
           model, *, requests) -> tuple[list[str], list[str], list[NamedBy]]:
    """Pinned names and names of barely-changed categories stay; the namer names the rest,
    unique (case-insensitively) against every name in the workspace."""
    n = len(ids)
    names: list[str | None] = [None] * n
    descriptions = [keyword_description(k) for k in keyword_lists]
    named_by = [NamedBy.OFFLINE] * n
    for i, category_id in enumerate(ids):
        before = kept.get(int(category_id))
        if before is not None and _keeps_name(before, centroids[i], keep_similarity, namer):
            names[i], named_by[i] = before.name, NamedBy(before.named_by)
            descriptions[i] = before.description or descriptions[i]
    todo = [i for i in range(n) if names[i] is None]
    if todo:
        context = NamingContext(centroids, {i: names[i] for i in range(n) if names[i] is not None}, model)
        for choice in namer.name(requests(todo), context):
            names[choice.index] = choice.name
            descriptions[choice.index] = choice.description or descriptions[choice.index]
            named_by[choice.index] = choice.named_by
    return names, descriptions, named_by


def _keeps_name(before: Category, centroid: np.ndarray, keep_similarity: float, namer) -> bool:
    """A pinned name always stays; another stays while the category's centroid (its fingerprint)
    barely moved, unless it was a fallback offline name and the namer could now do better."""
    if NamedBy(before.named_by) is NamedBy.USER:
        return True
    if NamedBy(before.named_by) is NamedBy.OFFLINE and getattr(namer, "named_by", NamedBy.OFFLINE) is not NamedBy.OFFLINE:
        return False
    a, b = np.asarray(before.centroid, np.float64), np.asarray(centroid, np.float64)
    denominator = np.linalg.norm(a) * np.linalg.norm(b)
    return bool(denominator) and float(a @ b) / denominator >= keep_similarity


def _requests(todo, vectors, texts, level_labels, sub_parents, sizes, keyword_lists, centroids) -> list[NamingRequest]:
    """Requests for the categories in todo: top level first, larger first; each with its
    representative texts and the categories its name must not fit better (its level's others,
    or for a sub-filter its siblings)."""
    top_labels, sub_labels = level_labels
    n_top = len(centroids) - len(sub_parents)
    parent = [None] * n_top + [int(p) for p in sub_parents]
    level = [list(range(n_top)) if i < n_top else
             [j for j in range(n_top, len(parent)) if parent[j] == parent[i]] for i in range(len(parent))]
    order = sorted(todo, key=lambda i: (i >= n_top, -int(sizes[i]), i))
    return [
        NamingRequest(
            index=i, keywords=tuple(keyword_lists[i]), centroid=centroids[i],
            documents=tuple(texts[r] for r in representatives(
                vectors, np.flatnonzero(top_labels == i if i < n_top else sub_labels == i - n_top), centroids[i])),
            peers=tuple(j for j in level[i] if j != i), parent=parent[i],
        )
        for i in order
    ]


def _changes(ids, kept, top_match: Match, sub_match: Match, top_ids, sub_ids) -> dict:
    current = {int(i) for i in ids}
    return {
        "kept": sorted(current & set(kept)),
        "new": sorted(current - set(kept)),
        "retired": sorted(set(kept) - current),
        "splits": {str(old): [int(top_ids[i]) for i in new] for old, new in top_match.splits.items()}
        | {str(old): [int(sub_ids[i]) for i in new] for old, new in sub_match.splits.items()},
        "merges": {str(int(top_ids[i])): list(old) for i, old in top_match.merges.items()}
        | {str(int(sub_ids[i])): list(old) for i, old in sub_match.merges.items()},
    }
