"""From a two-level clustering to named categories and links (pure: arrays and texts in)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from drive_tagger.core.assignment import cluster_centroids, combine, learned_links, level_links
from drive_tagger.core.clustering import TwoLevelClustering
from drive_tagger.core.corrections import Correction, Grouping, Kind, LearnedFilter, apply_corrections
from drive_tagger.core.describe import Shape, TextReader, describe
from drive_tagger.core.drafts import DraftCategory, name_drafts
from drive_tagger.core.forms import continued_forms, join_form_filters, rows_of
from drive_tagger.core.matching import Match, match_categories
from drive_tagger.core.naming import (
    KeywordNamer,
    Namer,
    NamingContext,
)
from drive_tagger.core.params import RULES_VERSION, RefreshParams
from drive_tagger.core.seeding import made_under_todays_rules
from drive_tagger.core.types import Assignments, Category, NamedBy, PreviousGeneration


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
    fences: np.ndarray  # per cluster: the lowest similarity that counts as a member (-1: none)


def _index_labels(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labels renumbered 0..k-1 in order (-1 kept), and the original label of each index."""
    clusters = np.unique(labels[labels >= 0])
    return np.where(labels >= 0, np.searchsorted(clusters, labels), -1), clusters


def _levels(
    vectors: np.ndarray,
    clustering: TwoLevelClustering,
    forms: np.ndarray | None,
    document_ids: np.ndarray,
    previous: PreviousGeneration | None,
) -> tuple[_Level, _Level, dict[int, str]]:
    """Both levels of the clustering, and {top-level index: form} for the filters a form sets
    apart, which the drive's other documents of that form join (core/forms.py)."""
    top_index, top_clusters = _index_labels(clustering.top_labels)
    # The centroids that assigned the documents: seeding the next refresh with them gives the
    # same filters for the same documents.
    top_centroids = clustering.top_centroids[top_clusters]
    top_fences = clustering.top_fences[top_clusters]
    fine_labels, top_forms = clustering.fine_labels, {}
    if forms is not None:
        before = None
        if previous is not None and made_under_todays_rules(previous):  # their forms were recorded
            tops = previous.level(top=True)
            known = np.zeros(len(document_ids), dtype=bool)
            if previous.members:
                known[rows_of(document_ids, np.concatenate(list(previous.members.values())))[0]] = True
            before = continued_forms(top_index, vectors, known, [(c.form, c.centroid) for c in tops])
        joined, set_apart = join_form_filters(top_index, forms, vectors, top_centroids, top_fences, before)
        # A document a form moved in or out leaves its sub-filter.
        fine_labels = np.where(joined != top_index, -1, fine_labels)
        top_index, kept = _index_labels(joined)  # a filter all of whose documents left is gone
        top_centroids, top_fences = top_centroids[kept], top_fences[kept]
        top_forms = {k: set_apart[int(c)] for k, c in enumerate(kept) if int(c) in set_apart}
    fine_index, _ = _index_labels(fine_labels)
    fine_parent = np.array(
        [np.bincount(top_index[fine_index == f]).argmax() for f in range(fine_index.max() + 1)], dtype=np.int64
    )
    # A top-level filter with a single fine cluster needs no sub-filters: they would repeat it.
    siblings = np.bincount(fine_parent, minlength=len(top_centroids))
    kept = np.flatnonzero(siblings[fine_parent] >= 2)
    sub_index = np.where(np.isin(fine_index, kept), np.searchsorted(kept, fine_index), -1)
    _, sub_centroids = cluster_centroids(vectors, sub_index)
    top = _Level(top_index, top_centroids, np.full(len(top_centroids), -1), top_fences)
    sub = _Level(sub_index, sub_centroids, fine_parent[kept], np.full(len(kept), -1.0))
    return top, sub, top_forms


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
    read_texts: TextReader,
    clustering: TwoLevelClustering,
    *,
    document_ids: np.ndarray,
    next_category_id: int,
    previous: PreviousGeneration | None = None,
    params: RefreshParams = RefreshParams(),
    namer: Namer | None = None,
    model: str | None = None,
    corrections: tuple[Correction, ...] = (),
    forms: np.ndarray | None = None,
    on_stage: Callable[[str], None] = lambda stage: None,
) -> Categorization:
    """Top-level categories and their sub-filters with keyphrases and names.

    `read_texts` gives the texts of the rows asked for: only a bounded sample of each category
    is read (core/describe.py). The namer's lexicon says which words a person would write;
    keyphrases and names use no others (but the proper nouns a filter's titles capitalise).

    A category that matches one of the previous refresh (by member overlap) keeps its id; it
    keeps its name too when the name is pinned by a user, or when its centroid barely moved
    (params.keep_name_similarity) and the previous refresh ran under today's rules. Every other
    category is named by `namer` (default: keyword names), which sees its keywords and
    representative texts. A person's corrections are then applied (core/corrections.py). A
    document is linked at each level it belongs to, and at the top level it may carry a second
    filter (rank 2) within params.second_filter_margin of its first; a learned filter links the
    documents it takes (rank 1 when they have no other).
    """
    learned_ids = {c.category_id for c in corrections if c.kind is Kind.LEARNED}
    discovered = _without(previous, learned_ids)
    top, sub, top_forms = _levels(vectors, clustering, forms, document_ids, discovered)
    top_match = _match_level(top, document_ids, discovered, top=True)
    sub_match = _match_level(sub, document_ids, discovered, top=False)
    fresh = iter(range(next_category_id, next_category_id + 10**9))
    top_ids = np.array([i if i is not None else next(fresh) for i in top_match.ids], dtype=np.int64)
    sub_ids = np.array([i if i is not None else next(fresh) for i in sub_match.ids], dtype=np.int64)
    form_of = {int(top_ids[k]): form for k, form in top_forms.items()}
    grouping = Grouping(
        top=_ids_of(top.labels, top_ids),
        sub=_ids_of(sub.labels, sub_ids),
        parents={int(sub_ids[j]): int(top_ids[p]) for j, p in enumerate(sub.parents)},
        fences={int(top_ids[i]): float(f) for i, f in enumerate(top.fences)},
    )
    matched = (top_ids, sub_ids)  # the ids matching gave, before any correction: what _changes reports
    clustered = grouping.top
    corrected = apply_corrections(vectors, document_ids, grouping, corrections, lambda: next(fresh))
    grouping, learned, notes = corrected.grouping, corrected.learned, corrected.notes
    moved = clustered != grouping.top
    touched = set(clustered[moved].tolist()) | set(grouping.top[moved].tolist())
    assigned = {int(i): top.centroids[k] for k, i in enumerate(top_ids) if int(i) not in touched}
    (top, top_ids), (sub, sub_ids) = _levels_of(vectors, grouping, assigned)
    tagged = top.labels >= 0
    learned_parts = []
    for f in learned:  # a document no filter holds yet takes its first learned filter as first tag
        learned_parts.append(learned_links(vectors, f, tagged=tagged))
        tagged = tagged.copy()
        tagged[f.members] = True
    top_links = level_links(vectors, top.labels, top.centroids, top_ids, second_margin=params.second_filter_margin)
    assignments = combine(
        _placed_first_only(top_links, corrected.placed),
        level_links(vectors, sub.labels, sub.centroids, sub_ids),
        *learned_parts,
    )
    on_stage("assign")

    namer = namer or KeywordNamer()
    drafts = _drafts(top, sub, top_ids, sub_ids, learned)
    described = describe(
        [
            Shape(d.index, d.rows, d.centroid, d.parent, d.category_id in learned_ids, form_of.get(d.category_id))
            for d in drafts
        ],
        vectors,
        read_texts,
        namer.lexicon.is_word,
        is_phrase=namer.lexicon.is_name_phrase,
        seed=params.clustering.seed,
    )
    drafts = [replace(d, described=described[d.index]) for d in drafts]
    on_stage("keywords")

    kept = {c.category_id: c for c in (previous.categories if previous else ())}
    kept |= {f.category_id: _named_by_person(f) for f in learned}
    held = _held_names(kept, corrected.names)
    kept |= held
    context = NamingContext(np.array([d.centroid for d in drafts]), {}, model, namer.lexicon.is_word)
    remade = not made_under_todays_rules(previous)  # then only names a person pinned stay
    categories = name_drafts(
        drafts, kept, namer, context, None if remade else params.keep_name_similarity, held=frozenset(held)
    )
    on_stage("naming")
    changes = _changes(drafts, kept, top_match, sub_match, *matched)
    if remade:
        changes["remade_under_rules"] = RULES_VERSION
    return Categorization(
        categories,
        assignments,
        untagged=int((~tagged).sum()),
        next_category_id=next(fresh),
        changes={**changes, "corrections": notes} if notes else changes,
    )


def _ids_of(labels: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The category id of each document's label (-1 stays -1)."""
    out = np.full(len(labels), -1, dtype=np.int64)
    out[labels >= 0] = ids[labels[labels >= 0]]
    return out


def _levels_of(
    vectors: np.ndarray, grouping: Grouping, assigned: dict[int, np.ndarray] | None = None
) -> tuple[tuple[_Level, np.ndarray], tuple[_Level, np.ndarray]]:
    """Both levels (labels indexing sorted ids, centroids, parents, fences) from a grouping; a
    top-level filter left with fewer than two sub-filters shows none. A top-level filter no
    correction touched keeps the centroid that assigned its documents (`assigned`, by id)."""
    top_ids = np.unique(grouping.top[grouping.top >= 0])
    top_labels = np.where(grouping.top >= 0, np.searchsorted(top_ids, grouping.top), -1)
    _, top_centroids = cluster_centroids(vectors, top_labels)
    for k, category_id in enumerate(top_ids.tolist()):
        if assigned and category_id in assigned:
            top_centroids[k] = assigned[category_id]
    fences = np.array([grouping.fences.get(int(c), -1.0) for c in top_ids], dtype=np.float32)
    sub_ids = np.unique(grouping.sub[(grouping.sub >= 0) & (grouping.top >= 0)])
    parent = np.array([grouping.parents.get(int(s), -1) for s in sub_ids], dtype=np.int64)
    siblings = {p: int((parent == p).sum()) for p in set(parent.tolist())}
    sub_ids = sub_ids[[p in set(top_ids.tolist()) and siblings[p] >= 2 for p in parent.tolist()]]
    sub_labels = np.where(
        np.isin(grouping.sub, sub_ids) & (grouping.top >= 0), np.searchsorted(sub_ids, grouping.sub), -1
    )
    _, sub_centroids = cluster_centroids(vectors, sub_labels)
    sub_parents = np.searchsorted(top_ids, [grouping.parents[int(s)] for s in sub_ids]).astype(np.int64)
    top = _Level(top_labels, top_centroids, np.full(len(top_ids), -1), fences)
    sub = _Level(sub_labels, sub_centroids, sub_parents, np.full(len(sub_ids), -1.0))
    return (top, top_ids.astype(np.int64)), (sub, sub_ids.astype(np.int64))


def _without(previous: PreviousGeneration | None, ids: set[int]) -> PreviousGeneration | None:
    """The previous generation without the learned filters: discovered clusters never take their ids."""
    if previous is None or not ids:
        return previous
    kept = tuple(c for c in previous.categories if c.category_id not in ids)
    return PreviousGeneration(kept, previous.members, previous.rules)


def _placed_first_only(links: Assignments, placed: np.ndarray) -> Assignments:
    """The links without the second tags of documents a person placed: they carry their place only."""
    keep = (links.rank == 1) | ~placed[links.document_index]
    return Assignments(links.document_index[keep], links.category_id[keep], links.score[keep], links.rank[keep])


def _held_names(kept: dict[int, Category], names: dict[int, str]) -> dict[int, Category]:
    """The categories whose names corrections hold (core/corrections.py: a merge's kept filter, a
    pinned name an undone merge gives back), as the names they keep; a pin held now wins."""
    held = {}
    for category_id, name in names.items():
        before = kept.get(category_id)
        if before is not None and NamedBy(before.named_by) is NamedBy.USER:
            continue
        if before is not None:
            held[category_id] = replace(before, name=name)
        else:  # a filter given back by an undo: its pinned name shows again
            dims = next(iter(kept.values())).centroid.shape if kept else (0,)
            held[category_id] = Category(category_id, name, (), 0, np.zeros(dims, np.float32), named_by=NamedBy.USER)
    return held


def _named_by_person(learned: LearnedFilter) -> Category:
    return Category(
        learned.category_id, learned.name, (), len(learned.members), learned.centroid, named_by=NamedBy.USER
    )


def _drafts(
    top: _Level, sub: _Level, top_ids: np.ndarray, sub_ids: np.ndarray, learned: list[LearnedFilter]
) -> list[DraftCategory]:
    """One draft per category: top level first, then the learned filters, then sub-filters."""
    drafts = []
    for i, category_id in enumerate(top_ids):
        fence = float(top.fences[i]) if top.fences[i] > -1 else None
        drafts.append(
            DraftCategory(i, int(category_id), None, np.flatnonzero(top.labels == i), top.centroids[i], fence)
        )
    for f in learned:
        drafts.append(DraftCategory(len(drafts), f.category_id, None, f.members, f.centroid, f.fence))
    offset = len(drafts)
    for j, category_id in enumerate(sub_ids):
        rows = np.flatnonzero(sub.labels == j)
        drafts.append(DraftCategory(offset + j, int(category_id), int(sub.parents[j]), rows, sub.centroids[j], None))
    return drafts


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
