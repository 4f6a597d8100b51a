"""From a two-level clustering to named categories and links (pure: arrays and texts in)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from drive_tagger.core.assignment import cluster_centroids, combine, learned_links, level_links
from drive_tagger.core.changes import RefreshChanges
from drive_tagger.core.clustering import TwoLevelClustering
from drive_tagger.core.corrections import Corrected, Correction, Grouping, Kind, LearnedFilter, apply_corrections
from drive_tagger.core.describe import Shape, TextReader, describe
from drive_tagger.core.drafts import DraftCategory, name_drafts
from drive_tagger.core.forms import continued_forms, join_form_filters, rows_of
from drive_tagger.core.matching import Match, match_categories
from drive_tagger.core.naming import Namer, NamingContext
from drive_tagger.core.params import NAME_SAMPLE, RULES_VERSION, RefreshParams
from drive_tagger.core.sampling import bounded_sample
from drive_tagger.core.seeding import made_under_todays_rules
from drive_tagger.core.types import Assignments, Category, NamedBy, PreviousGeneration


@dataclass(frozen=True)
class Categorization:
    categories: tuple[Category, ...]  # top-level first, then sub-filters
    assignments: Assignments
    untagged: int
    next_category_id: int
    changes: RefreshChanges = field(default_factory=RefreshChanges)


@dataclass(frozen=True)
class _Level:
    labels: np.ndarray  # index into centroids per document, -1 none
    centroids: np.ndarray
    parents: np.ndarray  # per cluster: index of its top-level cluster (-1 at the top level)
    fences: np.ndarray  # per cluster: the lowest similarity that counts as a member (-1: none)


@dataclass(frozen=True)
class Matched:
    """Stage 1: the clustering's filters, with the ids the previous refresh's filters give them."""

    grouping: Grouping
    top_match: Match
    sub_match: Match
    top_ids: np.ndarray  # the id of each top-level cluster, as matching gave it
    sub_ids: np.ndarray
    form_of: dict[int, str]  # top-level id -> the form that sets it apart
    assigned: dict[int, np.ndarray]  # top-level id -> the centroid that assigned its documents


@dataclass(frozen=True)
class Linked:
    """Stage 3: both levels after the corrections, and every document's links to them."""

    top: _Level
    top_ids: np.ndarray
    sub: _Level
    sub_ids: np.ndarray
    assignments: Assignments
    untagged: int


def _index_labels(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labels renumbered 0..k-1 in order (-1 kept), and the original label of each index."""
    clusters = np.unique(labels[labels >= 0])
    return np.where(labels >= 0, np.searchsorted(clusters, labels), -1), clusters


def _clustered(
    vectors: np.ndarray,
    clustering: TwoLevelClustering,
    forms: np.ndarray | None,
    document_ids: np.ndarray,
    previous: PreviousGeneration | None,
) -> tuple[Grouping, dict[int, np.ndarray], dict[int, str]]:
    """The clustering as a grouping whose ids are cluster indices (top level 0..k-1, sub-filters
    after them), the centroid that assigned each top-level cluster's documents, and {top-level
    index: form} for the filters a form sets apart, which the drive's other documents of that form
    join (core/forms.py)."""
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
    k = len(top_centroids)
    grouping = Grouping(
        top=top_index,
        sub=np.where(fine_index >= 0, fine_index + k, -1),
        parents={f + k: int(p) for f, p in enumerate(fine_parent)},
        fences={i: float(f) for i, f in enumerate(top_fences)},
    )
    return grouping, dict(enumerate(top_centroids)), top_forms


def _match(
    vectors: np.ndarray,
    clustering: TwoLevelClustering,
    forms: np.ndarray | None,
    document_ids: np.ndarray,
    previous: PreviousGeneration | None,
    fresh: Iterator[int],
) -> Matched:
    """Stage 1: the clustering's two levels, matched to the previous refresh's filters by members
    (a match keeps its id; the rest take fresh ids)."""
    clustered, centroids, top_forms = _clustered(vectors, clustering, forms, document_ids, previous)
    (top, top_index), (sub, sub_index) = _levels_of(vectors, clustered, centroids)
    top_match = _match_level(top, document_ids, previous, top=True)
    sub_match = _match_level(sub, document_ids, previous, top=False)
    top_ids = np.array([i if i is not None else next(fresh) for i in top_match.ids], dtype=np.int64)
    sub_ids = np.array([i if i is not None else next(fresh) for i in sub_match.ids], dtype=np.int64)
    id_of = dict(zip(top_index.tolist(), top_ids.tolist(), strict=True))
    id_of |= dict(zip(sub_index.tolist(), sub_ids.tolist(), strict=True))
    grouping = Grouping(
        top=_ids_of(top.labels, top_ids),
        sub=_ids_of(sub.labels, sub_ids),
        parents={int(sub_ids[j]): int(top_ids[p]) for j, p in enumerate(sub.parents)},
        fences={id_of[i]: f for i, f in clustered.fences.items()},
    )
    return Matched(
        grouping,
        top_match,
        sub_match,
        top_ids,
        sub_ids,
        form_of={int(top_ids[k]): form for k, form in top_forms.items()},
        assigned={int(top_ids[k]): top.centroids[k] for k in range(len(top_ids))},
    )


def _match_level(level: _Level, document_ids, previous: PreviousGeneration | None, top: bool) -> Match:
    before = previous.level(top) if previous else []
    return match_categories(
        [np.sort(document_ids[level.labels == i]) for i in range(len(level.centroids))],
        level.centroids,
        [c.category_id for c in before],
        [previous.members.get(c.category_id, np.empty(0, np.int64)) for c in before] if previous else [],
        np.array([c.centroid for c in before]) if before else np.empty((0, level.centroids.shape[1])),
    )


def _link(vectors: np.ndarray, matched: Matched, corrected: Corrected, params: RefreshParams) -> Linked:
    """Stage 3: both levels of the corrected grouping (a top-level filter no correction touched keeps
    the centroid that assigned its documents) and the links: a document a person placed carries
    that place only, and one no filter holds takes its first learned filter as its first tag."""
    clustered, grouping = matched.grouping.top, corrected.grouping
    moved = clustered != grouping.top
    touched = set(clustered[moved].tolist()) | set(grouping.top[moved].tolist())
    assigned = {i: c for i, c in matched.assigned.items() if i not in touched}
    (top, top_ids), (sub, sub_ids) = _levels_of(vectors, grouping, assigned)
    tagged = top.labels >= 0
    learned_parts = []
    for f in corrected.learned:
        learned_parts.append(learned_links(vectors, f, tagged=tagged))
        tagged = tagged.copy()
        tagged[f.members] = True
    top_links = level_links(vectors, top.labels, top.centroids, top_ids, second_margin=params.second_filter_margin)
    assignments = combine(
        _placed_first_only(top_links, corrected.placed),
        level_links(vectors, sub.labels, sub.centroids, sub_ids),
        *learned_parts,
    )
    return Linked(top, top_ids, sub, sub_ids, assignments, untagged=int((~tagged).sum()))


def _described(
    vectors: np.ndarray,
    read_texts: TextReader,
    linked: Linked,
    corrected: Corrected,
    matched: Matched,
    learned_ids: set[int],
    namer: Namer,
    params: RefreshParams,
) -> list[DraftCategory]:
    """Stage 4: one draft per filter with what it holds, in words (core/describe.py)."""
    form_of = matched.form_of
    drafts = _drafts(linked.top, linked.sub, linked.top_ids, linked.sub_ids, corrected.learned)
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
    return [replace(d, described=described[d.index]) for d in drafts]


def _named(
    vectors: np.ndarray,
    drafts: list[DraftCategory],
    previous: PreviousGeneration | None,
    corrected: Corrected,
    namer: Namer,
    model: str | None,
    params: RefreshParams,
) -> tuple[tuple[Category, ...], dict[int, Category], bool]:
    """Stage 5: names. A pinned name, a name a correction holds, and (under today's rules) the name
    of a filter that barely moved stay; the namer names the rest. Also the previous filters by id
    (with the learned and held ones) and whether the refresh remade everything under new rules."""
    kept = {c.category_id: c for c in (previous.categories if previous else ())}
    kept |= {f.category_id: _named_by_person(f) for f in corrected.learned}
    held = _held_names(kept, corrected.names)
    kept |= held
    rng = np.random.default_rng(params.clustering.seed)
    members = {d.index: vectors[bounded_sample(d.rows, NAME_SAMPLE, rng)] for d in drafts}
    context = NamingContext(np.array([d.centroid for d in drafts]), {}, model, namer.lexicon.is_word, members)
    remade = not made_under_todays_rules(previous)  # then only names a person pinned stay
    categories = name_drafts(
        drafts, kept, namer, context, None if remade else params.keep_name_similarity, held=frozenset(held)
    )
    return categories, kept, remade


def categorize(
    vectors: np.ndarray,
    read_texts: TextReader,
    clustering: TwoLevelClustering,
    *,
    document_ids: np.ndarray,
    next_category_id: int,
    namer: Namer,
    previous: PreviousGeneration | None = None,
    params: RefreshParams = RefreshParams(),
    model: str | None = None,
    corrections: tuple[Correction, ...] = (),
    forms: np.ndarray | None = None,
    on_stage: Callable[[str], None] = lambda stage: None,
) -> Categorization:
    """Top-level categories and their sub-filters with keyphrases and names, in five stages:

    1. match: a category that matches one of the previous refresh (by member overlap) keeps its id;
    2. corrections: a person's corrections are applied (core/corrections.py);
    3. link: a document is linked at each level it belongs to, and at the top level it may carry a
       second filter (rank 2) within params.second_filter_margin of its first; a learned filter
       links the documents it takes (rank 1 when they have no other);
    4. describe: keyphrases from a bounded sample of each category (`read_texts` gives the texts of
       the rows asked for; the namer's lexicon says which words a person would write);
    5. name: a category keeps its name when a user pinned it, or when its centroid barely moved
       (params.keep_name_similarity) and the previous refresh ran under today's rules; `namer`
       names every other one.
    """
    learned_ids = {c.target for c in corrections if c.kind is Kind.LEARNED}
    discovered = _without(previous, learned_ids)  # discovered clusters never take a learned filter's id
    fresh = iter(range(next_category_id, next_category_id + 10**9))
    matched = _match(vectors, clustering, forms, document_ids, discovered, fresh)
    corrected = apply_corrections(vectors, document_ids, matched.grouping, corrections, lambda: next(fresh))
    linked = _link(vectors, matched, corrected, params)
    on_stage("assign")
    drafts = _described(vectors, read_texts, linked, corrected, matched, learned_ids, namer, params)
    on_stage("keywords")
    categories, kept, remade = _named(vectors, drafts, previous, corrected, namer, model, params)
    on_stage("naming")
    changes = _changes(drafts, kept, matched.top_match, matched.sub_match, matched.top_ids, matched.sub_ids)
    return Categorization(
        categories,
        linked.assignments,
        untagged=linked.untagged,
        next_category_id=next(fresh),
        changes=replace(
            changes, corrections=tuple(corrected.notes), remade_under_rules=RULES_VERSION if remade else None
        ),
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


def _changes(drafts, kept, top_match: Match, sub_match: Match, top_ids, sub_ids) -> RefreshChanges:
    current = {d.category_id for d in drafts}
    return RefreshChanges(
        kept=tuple(sorted(current & set(kept))),
        new=tuple(sorted(current - set(kept))),
        retired=tuple(sorted(set(kept) - current)),
        splits={int(old): tuple(int(top_ids[i]) for i in new) for old, new in top_match.splits.items()}
        | {int(old): tuple(int(sub_ids[i]) for i in new) for old, new in sub_match.splits.items()},
        merges={int(top_ids[i]): tuple(int(o) for o in old) for i, old in top_match.merges.items()}
        | {int(sub_ids[i]): tuple(int(o) for o in old) for i, old in sub_match.merges.items()},
    )
