"""From a two-level clustering to named categories and links (pure: arrays and texts in)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.preprocessing import normalize

from drive_tagger.core.assignment import cluster_centroids, combine, level_links
from drive_tagger.core.clustering import TwoLevelClustering
from drive_tagger.core.keywords import class_keywords, term_counts
from drive_tagger.core.matching import Match, match_categories
from drive_tagger.core.naming import KeywordNamer, Namer, NamingContext, NamingRequest, keyword_description
from drive_tagger.core.params import RefreshParams
from drive_tagger.core.representatives import representatives
from drive_tagger.core.types import Assignments, Category, NamedBy, PreviousGeneration


@dataclass(frozen=True)
class Categorization:
    categories: tuple[Category, ...]  # top-level first, then sub-filters
    assignments: Assignments
    untagged: int
    next_category_id: int
    changes: dict = field(default_factory=dict)  # kept/new/retired ids, splits, merges


@dataclass(frozen=True)
class DraftCategory:
    """A category of this refresh before it has a name: built once, named in one pass."""

    index: int  # position in the refresh: top-level drafts first, then sub-filters
    category_id: int
    parent: int | None  # index of the top-level draft a sub-filter sits in
    rows: np.ndarray = field(repr=False)  # rows of the vectors matrix it holds (best link at its level)
    centroid: np.ndarray = field(repr=False)
    keywords: tuple[str, ...]
    fence: float | None  # lowest similarity that still counts as a member (top level only)

    @property
    def size(self) -> int:
        return len(self.rows)

    @property
    def is_top_level(self) -> bool:
        return self.parent is None


@dataclass(frozen=True)
class _Level:
    labels: np.ndarray  # index into centroids per document, -1 none
    centroids: np.ndarray
    parents: np.ndarray  # per cluster: index of its top-level cluster (-1 at the top level)
    fences: np.ndarray  # per cluster: the lowest similarity that counts as a member (-1: none)


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


def _match_level(level: _Level, document_ids, previous: PreviousGeneration | None, top: bool) -> Match:
    before = previous.level(top) if previous else []
    return match_categories(
        [np.sort(document_ids[level.labels == i]) for i in range(len(level.centroids))],
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
    params: RefreshParams = RefreshParams(),
    namer: Namer | None = None,
    model: str | None = None,
    on_stage: Callable[[str], None] = lambda stage: None,
) -> Categorization:
    """Top-level categories and their sub-filters with c-TF-IDF keywords and names.

    A category that matches one of the previous refresh (by member overlap) keeps its id; it
    keeps its name too when the name is pinned by a user, or when its centroid barely moved
    (params.keep_name_similarity). Every other category is named by `namer` (default: keyword
    names), which sees its keywords and representative texts. A document is linked at each level
    it belongs to, and at the top level it may carry a second filter (rank 2) within
    params.second_filter_margin of its first.
    """
    top, sub = _levels(vectors, clustering)
    top_match = _match_level(top, document_ids, previous, top=True)
    sub_match = _match_level(sub, document_ids, previous, top=False)
    fresh_ids = iter(range(next_category_id, next_category_id + 10**9))
    top_ids = np.array([i if i is not None else next(fresh_ids) for i in top_match.ids], dtype=np.int64)
    sub_ids = np.array([i if i is not None else next(fresh_ids) for i in sub_match.ids], dtype=np.int64)
    assignments = combine(
        level_links(vectors, top.labels, top.centroids, top_ids, second_margin=params.second_filter_margin),
        level_links(vectors, sub.labels, sub.centroids, sub_ids),
    )
    on_stage("assign")

    drafts = _drafts(top, sub, top_ids, sub_ids, term_counts(texts))
    on_stage("keywords")

    kept = {c.category_id: c for c in (previous.categories if previous else ())}
    categories = name_drafts(drafts, vectors, texts, kept, namer or KeywordNamer(), model, params.keep_name_similarity)
    on_stage("naming")
    return Categorization(
        categories,
        assignments,
        untagged=int((top.labels < 0).sum()),
        next_category_id=next(fresh_ids),
        changes=_changes(drafts, kept, top_match, sub_match, top_ids, sub_ids),
    )


def _drafts(top: _Level, sub: _Level, top_ids: np.ndarray, sub_ids: np.ndarray, terms) -> list[DraftCategory]:
    """One draft per category, top level first, each with its c-TF-IDF keywords."""
    drafts = []
    for level, ids, offset in ((top, top_ids, 0), (sub, sub_ids, len(top_ids))):
        keywords = class_keywords(terms, level.labels)
        for i, category_id in enumerate(ids):
            parent = int(level.parents[i]) if level.parents[i] >= 0 else None
            fence = float(level.fences[i]) if level.fences[i] > -1 else None
            drafts.append(
                DraftCategory(
                    offset + i,
                    int(category_id),
                    parent,
                    np.flatnonzero(level.labels == i),
                    level.centroids[i],
                    keywords.get(i, ()),
                    fence,
                )
            )
    return drafts


def name_drafts(
    drafts: Sequence[DraftCategory],
    vectors: np.ndarray,
    texts: Sequence[str],
    kept: dict[int, Category],
    namer: Namer,
    model: str | None,
    keep_similarity: float,
) -> tuple[Category, ...]:
    """Categories from drafts in one pass: a pinned name, or the name of a category that barely
    moved, stays; the namer names the rest (top level first, larger first), each unique
    (case-insensitively) against every name in the workspace."""
    kept_names = {
        d.index: kept[d.category_id]
        for d in drafts
        if d.category_id in kept and _keeps_name(kept[d.category_id], d.centroid, keep_similarity, namer)
    }
    centroids = np.array([d.centroid for d in drafts])
    context = NamingContext(centroids, {i: c.name for i, c in kept_names.items()}, model)
    todo = sorted(
        (d for d in drafts if d.index not in kept_names), key=lambda d: (d.parent is not None, -d.size, d.index)
    )
    chosen = {
        choice.index: choice for choice in namer.name([_request(d, drafts, vectors, texts) for d in todo], context)
    }

    def category(d: DraftCategory) -> Category:
        before, choice = kept_names.get(d.index), chosen.get(d.index)
        name, named_by = (before.name, NamedBy(before.named_by)) if before else (choice.name, choice.named_by)
        description = (before.description if before else choice.description) or keyword_description(d.keywords)
        return Category(
            category_id=d.category_id,
            name=name,
            keywords=d.keywords,
            size=d.size,
            centroid=d.centroid,
            description=description,
            named_by=named_by,
            fence=d.fence,
            parent_category_id=drafts[d.parent].category_id if d.parent is not None else None,
        )

    return tuple(category(d) for d in drafts)


def _keeps_name(before: Category, centroid: np.ndarray, keep_similarity: float, namer: Namer) -> bool:
    """A pinned name always stays; another stays while the category's centroid (its fingerprint)
    barely moved, unless it was a fallback offline name and the namer could now do better."""
    if NamedBy(before.named_by) is NamedBy.USER:
        return True
    if NamedBy(before.named_by) is NamedBy.OFFLINE and namer.named_by is not NamedBy.OFFLINE:
        return False
    pair = normalize(np.vstack([before.centroid, centroid]).astype(np.float64))
    return float(pair[0] @ pair[1]) >= keep_similarity


def _request(
    draft: DraftCategory, drafts: Sequence[DraftCategory], vectors: np.ndarray, texts: Sequence[str]
) -> NamingRequest:
    """What the namer sees of a draft: its keywords and representative texts, and the drafts its
    name must not fit better (its level's others; for a sub-filter, its siblings)."""
    peers = tuple(d.index for d in drafts if d.index != draft.index and d.parent == draft.parent)
    return NamingRequest(
        index=draft.index,
        keywords=draft.keywords,
        centroid=draft.centroid,
        documents=tuple(texts[r] for r in representatives(vectors, draft.rows, draft.centroid)),
        peers=peers,
        parent=draft.parent,
    )


def _changes(drafts, kept, top_match: Match, sub_match: Match, top_ids, sub_ids) -> dict:
    current = {d.category_id for d in drafts}
    return {
        "kept": sorted(current & set(kept)),
        "new": sorted(current - set(kept)),
        "retired": sorted(set(kept) - current),
        "splits": {str(old): [int(top_ids[i]) for i in new] for old, new in top_match.splits.items()}
        | {str(old): [int(sub_ids[i]) for i in new] for old, new in sub_match.splits.items()},
        "merges": {str(int(top_ids[i])): list(old) for i, old in top_match.merges.items()}
        | {str(int(sub_ids[i])): list(old) for i, old in sub_match.merges.items()},
    }
