"""Corrections a person made, applied to every refresh (pure). Each is kept as a constraint on
documents, not on ids, so it survives re-clustering while its documents stay: a merge joins the
filters that hold its documents, a split parts the filter that holds its groups, a move places
its documents, and a learned filter takes the documents like the ones a person picked."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np

from drive_tagger.core.unit import unit_rows

# A current filter joins a merge when at least this share of its members was merged.
MERGE_SHARE = 0.5
# A current filter is split again when two or more of the split's groups each have at least
# this share of their documents in it.
SPLIT_SHARE = 0.25


class Kind(StrEnum):
    MOVE = "move"  # documents placed in a filter, or out of every filter
    MERGE = "merge"  # filters made one
    SPLIT = "split"  # a filter made into its sub-filters
    LEARNED = "learned"  # a filter from documents a person picked


@dataclass(frozen=True)
class Correction:
    id: int
    kind: Kind
    category_id: int | None  # move: target; merge: the filter kept; split: the filter split; learned: its id
    document_ids: np.ndarray = field(repr=False)  # move, merge, learned
    groups: dict[int, np.ndarray] = field(default_factory=dict, repr=False)  # split: sub-filter id -> members
    name: str | None = None  # learned


@dataclass(frozen=True)
class Grouping:
    """A refresh's filters as category ids per document (-1: none at that level)."""

    top: np.ndarray
    sub: np.ndarray
    parents: dict[int, int]  # sub-filter id -> top-level id
    fences: dict[int, float]  # top-level id -> fence


@dataclass(frozen=True)
class LearnedFilter:
    category_id: int
    name: str
    centroid: np.ndarray
    fence: float
    members: np.ndarray  # rows of the vectors matrix


def apply_corrections(
    vectors: np.ndarray, document_ids: np.ndarray, grouping: Grouping, corrections: tuple[Correction, ...], fresh_id
) -> tuple[Grouping, list[LearnedFilter], list]:
    """The grouping with every correction applied in the order they were made (splits and merges
    reshape filters, moves place documents), the learned filters, and a note per correction
    saying whether it changed anything this refresh. fresh_id() gives unused category ids."""
    notes = []
    position = {int(d): i for i, d in enumerate(document_ids)}
    for correction in sorted(corrections, key=lambda c: c.id):
        rows = _rows(correction.document_ids, position)
        if correction.kind is Kind.SPLIT:
            grouping, applied = _split(vectors, grouping, correction, position, fresh_id)
        elif correction.kind is Kind.MERGE:
            grouping, applied = _merge(grouping, correction, rows, fresh_id)
        elif correction.kind is Kind.MOVE:
            grouping, applied = _move(vectors, grouping, correction.category_id, rows)
        else:
            continue
        notes.append({"correction": correction.id, "kind": correction.kind.value, "applied": applied})
    learned = [
        _learned(vectors, grouping, c, _rows(c.document_ids, position)) for c in corrections if c.kind is Kind.LEARNED
    ]
    notes += [
        {"correction": c.id, "kind": c.kind.value, "applied": True} for c in corrections if c.kind is Kind.LEARNED
    ]
    return grouping, [f for f in learned if f is not None], notes


def _rows(document_ids: np.ndarray, position: dict[int, int]) -> np.ndarray:
    return np.array([position[int(d)] for d in document_ids if int(d) in position], dtype=np.int64)


def _split(vectors, grouping: Grouping, correction: Correction, position, fresh_id) -> tuple[Grouping, bool]:
    groups = {gid: _rows(members, position) for gid, members in correction.groups.items()}
    groups = {gid: rows for gid, rows in groups.items() if len(rows)}
    if len(groups) < 2:
        return grouping, False
    top, sub = grouping.top.copy(), grouping.sub.copy()
    changed = False
    for holder in [c for c in np.unique(top) if c >= 0]:
        inside = {gid: float(np.mean(top[rows] == holder)) for gid, rows in groups.items()}
        parts = [gid for gid, share in inside.items() if share >= SPLIT_SHARE]
        if len(parts) < 2:
            continue
        taken = (set(np.unique(top)) - {holder}) | set(np.unique(sub[top != holder]))
        ids = _free_ids(parts, taken, fresh_id)
        centroids = unit_rows(np.array([vectors[groups[gid]].mean(axis=0) for gid in parts]))
        members = np.flatnonzero(top == holder)
        choice = np.array(parts)[np.argmax(vectors[members] @ centroids.T, axis=1)]
        for gid in parts:  # a document of a recorded group stays with its group
            choice[np.isin(members, groups[gid])] = gid
        top[members] = [ids[g] for g in choice]
        sub[members] = -1
        changed = True
    fences = _inherit_fences(grouping.fences, top)
    return replace(grouping, top=top, sub=sub, fences=fences), changed


def _merge(grouping: Grouping, correction: Correction, rows: np.ndarray, fresh_id) -> tuple[Grouping, bool]:
    if not len(rows):
        return grouping, False
    merged = np.zeros(len(grouping.top), dtype=bool)
    merged[rows] = True
    joining = [int(c) for c in np.unique(grouping.top) if c >= 0 and merged[grouping.top == c].mean() >= MERGE_SHARE]
    keep = correction.category_id
    if not joining or (joining == [keep]):
        return grouping, False
    top, parents, fences = grouping.top.copy(), dict(grouping.parents), dict(grouping.fences)
    if keep not in joining and keep in set(np.unique(top)):  # the id is held by a filter outside the merge
        renamed = fresh_id()
        top[top == keep] = renamed
        parents = {s: (renamed if p == keep else p) for s, p in parents.items()}
        fences[renamed] = fences.get(keep, -1.0)
    fence = min(fences.get(c, -1.0) for c in joining)
    top[np.isin(top, joining)] = keep
    parents = {s: (keep if p in joining else p) for s, p in parents.items()}
    return replace(grouping, top=top, parents=parents, fences={**_inherit_fences(fences, top), keep: fence}), True


def _move(vectors, grouping: Grouping, target: int | None, rows: np.ndarray) -> tuple[Grouping, bool]:
    if not len(rows):
        return grouping, False
    top, sub = grouping.top.copy(), grouping.sub.copy()
    if target is None:
        top[rows], sub[rows] = -1, -1
    elif target in grouping.parents:
        top[rows], sub[rows] = grouping.parents[target], target
    elif target in set(np.unique(grouping.top)):
        top[rows] = target
        children = [s for s, p in grouping.parents.items() if p == target and (sub == s).any()]
        if children:
            centroids = unit_rows(np.array([vectors[sub == s].mean(axis=0) for s in children]))
            sub[rows] = np.array(children)[np.argmax(vectors[rows] @ centroids.T, axis=1)]
        else:
            sub[rows] = -1
    else:
        return grouping, False  # the filter it named is gone; the documents stay where clustering put them
    return replace(grouping, top=top, sub=sub), True


def _learned(vectors, grouping: Grouping, correction: Correction, seeds: np.ndarray) -> LearnedFilter | None:
    """The picked documents' mean direction; a document joins when it is at least as close to it
    as the picked ones are, or as close as discovered filters ask of their members."""
    if not len(seeds):
        return None
    centroid = unit_rows(vectors[seeds].mean(axis=0, keepdims=True))[0]
    discovered = [f for f in grouping.fences.values() if f > -1]
    fence = float(min(float((vectors[seeds] @ centroid).min()), np.median(discovered) if discovered else 1.0))
    members = np.union1d(np.flatnonzero(vectors @ centroid >= fence), seeds)
    return LearnedFilter(int(correction.category_id), str(correction.name), centroid, fence, members)


def _free_ids(wanted: list[int], taken: set, fresh_id) -> dict[int, int]:
    return {gid: (gid if gid not in taken else fresh_id()) for gid in wanted}


def _inherit_fences(fences: dict[int, float], top: np.ndarray) -> dict[int, float]:
    """Fences of the filters still present; a new filter takes the loosest fence of the rest."""
    present = {int(c) for c in np.unique(top) if c >= 0}
    kept = {c: f for c, f in fences.items() if c in present}
    loosest = min(kept.values(), default=-1.0)
    return {c: kept.get(c, loosest) for c in present}
