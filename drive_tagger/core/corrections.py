"""Corrections a person made, applied to every refresh (pure). Each is kept as a constraint on
documents, not on ids, so it survives re-clustering while its documents stay: a merge joins the
filters that hold its documents under the kept filter's id and name, a split parts the filter that
holds its groups, a move places its documents, and a learned filter takes the documents a person
picked (their first tag) and those like them.

A document a person placed (the latest standing move or pick naming it) carries that place only: no
second tag, no learned filter, and never a filter a move took it out of. An undone correction is no
longer applied, and the refresh after the undo reverses what an undone merge or split reshaped."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

import numpy as np

from drive_tagger.core.changes import CorrectionNote
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
    # split: sub-filter id -> members; merge: each filter's members; move: a filter the documents
    # carried when moved -> those documents
    groups: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    name: str | None = None  # learned
    other: int | None = None  # merge: the filter absorbed
    names: dict[int, str] = field(default_factory=dict)  # the filters it names, as shown when made
    absorbed_pin: str | None = None  # merge: the absorbed filter's pinned name
    made_at: datetime | None = None
    undone: bool = False  # no longer applied
    reverting: bool = False  # undone since the active refresh: this refresh reverses what it reshaped

    @property
    def target(self) -> int:
        """The filter it names: a merge's kept filter, the filter split, a learned filter's id."""
        if self.category_id is None:
            raise ValueError(f"correction {self.id} ({self.kind.value}) names no filter")
        return self.category_id


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
    seeds: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # rows a person placed in it


@dataclass(frozen=True)
class Corrected:
    """A grouping with the corrections applied, and what else they decide for this refresh."""

    grouping: Grouping
    learned: list[LearnedFilter]
    notes: list[CorrectionNote]  # per correction: whether it changed anything this refresh
    placed: np.ndarray  # per row: a person placed it, so it carries that place only
    names: dict[int, str]  # filter id -> the name it keeps (a merge's kept filter, a pin given back)


def apply_corrections(
    vectors: np.ndarray, document_ids: np.ndarray, grouping: Grouping, corrections: tuple[Correction, ...], fresh_id
) -> Corrected:
    """The grouping with what undone merges and splits reshaped reversed, then every standing
    correction applied in the order they were made (splits and merges reshape filters, moves and
    picks place documents); the learned filters; and a note per correction saying whether it
    changed anything this refresh. fresh_id() gives unused category ids."""
    notes: list[CorrectionNote] = []
    names: dict[int, str] = {}
    position = {int(d): i for i, d in enumerate(document_ids)}
    ordered = sorted(corrections, key=lambda c: c.id)
    for correction in (c for c in ordered if c.reverting and c.kind in (Kind.MERGE, Kind.SPLIT)):
        if correction.kind is Kind.MERGE:
            grouping, applied = _unmerge(vectors, grouping, correction, position, fresh_id)
            present = set(grouping.top.tolist())
            if correction.other is not None and correction.other in present and correction.absorbed_pin:
                names[correction.other] = correction.absorbed_pin
            if correction.category_id in present and correction.names.get(correction.target):
                names[correction.target] = correction.names[correction.target]
        else:
            parts = [_rows(m, position) for m in correction.groups.values()]
            rows = np.unique(np.concatenate(parts or [np.empty(0, np.int64)]))
            grouping, applied = _merge(grouping, correction.category_id, rows.astype(np.int64), fresh_id)
        notes.append(CorrectionNote(correction.id, correction.kind.value, applied, undone=True))
    standing = [c for c in ordered if not c.undone]
    place = {}  # row -> the id of the latest standing correction placing it (a move or a pick)
    for correction in standing:
        if correction.kind in (Kind.MOVE, Kind.LEARNED):
            place.update(dict.fromkeys(_rows(correction.document_ids, position).tolist(), correction.id))
    aliases = {int(c.other): c.target for c in standing if c.kind is Kind.MERGE and c.other is not None}
    for correction in standing:
        rows = _rows(correction.document_ids, position)
        own = np.array([r for r in rows.tolist() if place.get(r) == correction.id], dtype=np.int64)
        if correction.kind is Kind.SPLIT:
            grouping, applied = _split(vectors, grouping, correction, position, fresh_id)
        elif correction.kind is Kind.MERGE:
            grouping, applied = _merge(grouping, correction.category_id, rows, fresh_id)
        elif correction.kind is Kind.MOVE:
            target = _resolve(correction.category_id, aliases, grouping)
            sources = _sources(correction, position)
            grouping, applied = _move(vectors, grouping, target, own, sources)
        else:  # a pick: its documents leave the discovered filters for the learned one
            top, sub = grouping.top.copy(), grouping.sub.copy()
            top[own], sub[own] = -1, -1
            grouping, applied = replace(grouping, top=top, sub=sub), True
        notes.append(CorrectionNote(correction.id, correction.kind.value, applied))
    placed = np.zeros(len(document_ids), dtype=bool)
    placed[list(place)] = True
    learned = [
        _learned(
            vectors,
            grouping,
            c,
            _rows(c.document_ids, position),
            np.array([r for r, by in place.items() if by == c.id], dtype=np.int64),
            placed,
        )
        for c in standing
        if c.kind is Kind.LEARNED
    ]
    present = set(grouping.top.tolist())
    for c in standing:  # a merge's kept filter keeps the name it had when merged
        if c.kind is Kind.MERGE and c.category_id in present and c.names.get(c.target):
            names[c.target] = c.names[c.target]
    return Corrected(grouping, [f for f in learned if f is not None], notes, placed, names)


def _rows(document_ids: np.ndarray, position: dict[int, int]) -> np.ndarray:
    return np.array([position[int(d)] for d in document_ids if int(d) in position], dtype=np.int64)


def _split(vectors, grouping: Grouping, correction: Correction, position, fresh_id) -> tuple[Grouping, bool]:
    groups = {gid: _rows(members, position) for gid, members in correction.groups.items()}
    return _part(vectors, grouping, {gid: rows for gid, rows in groups.items() if len(rows)}, fresh_id)


def _part(vectors, grouping: Grouping, groups: dict[int, np.ndarray], fresh_id) -> tuple[Grouping, bool]:
    """Each filter holding two or more of the groups parted into them (each under the group's id
    when no other filter holds it); a member goes to the group it belongs to, or the nearest."""
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


def _unmerge(vectors, grouping: Grouping, correction: Correction, position, fresh_id) -> tuple[Grouping, bool]:
    """An undone merge reversed: the filter holding both filters' documents parted into them under
    their ids, or, when clustering parted them already, the absorbed filter's id given back to the
    filter mostly made of its documents."""
    keep, absorbed = correction.category_id, correction.other
    groups = {gid: _rows(members, position) for gid, members in correction.groups.items()}
    groups = {gid: rows for gid, rows in groups.items() if len(rows)}
    if absorbed is None or absorbed not in groups:
        return grouping, False
    grouping, changed = _part(vectors, grouping, groups, fresh_id)
    top = grouping.top
    if absorbed in set(top.tolist()):
        return grouping, changed
    held = top[groups[absorbed]]
    held = held[(held >= 0) & (held != keep)]
    if not len(held):
        return grouping, changed
    ids, counts = np.unique(held, return_counts=True)
    holder = int(ids[np.argmax(counts)])
    if np.isin(np.flatnonzero(top == holder), groups[absorbed]).mean() < MERGE_SHARE:
        return grouping, changed
    return _relabel(grouping, holder, int(absorbed)), True


def _relabel(grouping: Grouping, old: int, new: int) -> Grouping:
    top = np.where(grouping.top == old, new, grouping.top)
    parents = {s: (new if p == old else p) for s, p in grouping.parents.items()}
    fences = {(new if c == old else c): f for c, f in grouping.fences.items()}
    return replace(grouping, top=top, parents=parents, fences=fences)


def _merge(grouping: Grouping, keep: int | None, rows: np.ndarray, fresh_id) -> tuple[Grouping, bool]:
    if not len(rows) or keep is None:
        return grouping, False
    merged = np.zeros(len(grouping.top), dtype=bool)
    merged[rows] = True
    joining = [int(c) for c in np.unique(grouping.top) if c >= 0 and merged[grouping.top == c].mean() >= MERGE_SHARE]
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


def _resolve(target: int | None, aliases: dict[int, int], grouping: Grouping) -> int | None:
    """A move's target, or the filter a standing merge made it part of once its own id is gone."""
    present = set(grouping.top.tolist()) | set(grouping.parents)
    seen = set()
    while target is not None and target not in present and target in aliases and target not in seen:
        seen.add(target)
        target = aliases[target]
    return target


def _sources(correction: Correction, position) -> dict[int, set[int]]:
    """row -> the filters its document carried when a move took it out of them."""
    sources: dict[int, set[int]] = {}
    for category_id, members in correction.groups.items():
        for row in _rows(members, position).tolist():
            sources.setdefault(row, set()).add(int(category_id))
    return sources


def _move(
    vectors, grouping: Grouping, target: int | None, rows: np.ndarray, sources: dict[int, set[int]]
) -> tuple[Grouping, bool]:
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
    else:  # the filter it named is gone: clustering places them, but never back where they were taken from
        return _keep_out(vectors, grouping, rows, sources)
    return replace(grouping, top=top, sub=sub), True


def _keep_out(vectors, grouping: Grouping, rows: np.ndarray, sources: dict[int, set[int]]) -> tuple[Grouping, bool]:
    """Documents clustering put back in a filter they were moved out of go to the nearest other
    filter that admits them, or out of every filter."""
    back = [r for r in rows.tolist() if {int(grouping.top[r]), int(grouping.sub[r])} & sources.get(r, set())]
    if not back:
        return grouping, False
    top, sub = grouping.top.copy(), grouping.sub.copy()
    ids = [int(c) for c in np.unique(top) if c >= 0]
    centroids = unit_rows(np.array([vectors[top == c].mean(axis=0) for c in ids])) if ids else None
    for row in back:
        sub[row] = -1
        if int(top[row]) not in sources[row]:  # only its sub-filter was a source
            continue
        allowed = [k for k, c in enumerate(ids) if c not in sources[row]]
        top[row] = -1
        if centroids is None or not allowed:
            continue
        similarity = centroids[allowed] @ vectors[row]
        best = int(np.argmax(similarity))
        if similarity[best] >= grouping.fences.get(ids[allowed[best]], -1.0):
            top[row] = ids[allowed[best]]
    return replace(grouping, top=top, sub=sub), True


def _learned(
    vectors, grouping: Grouping, correction: Correction, picked: np.ndarray, seeds: np.ndarray, placed: np.ndarray
) -> LearnedFilter | None:
    """The picked documents' mean direction; a document joins when it is at least as close to it
    as the picked ones are, or as close as discovered filters ask of their members, unless a person
    placed it elsewhere. Its seeds (the picked documents still placed in it) are first-tag members."""
    if not len(picked):
        return None
    centroid = unit_rows(vectors[picked].mean(axis=0, keepdims=True))[0]
    discovered = [f for f in grouping.fences.values() if f > -1]
    fence = float(min(float((vectors[picked] @ centroid).min()), np.median(discovered) if discovered else 1.0))
    near = np.flatnonzero(vectors @ centroid >= fence)
    members = np.union1d(near[~placed[near]], seeds)
    return LearnedFilter(correction.target, str(correction.name), centroid, fence, members, seeds)


def _free_ids(wanted: list[int], taken: set, fresh_id) -> dict[int, int]:
    return {gid: (gid if gid not in taken else fresh_id()) for gid in wanted}


def _inherit_fences(fences: dict[int, float], top: np.ndarray) -> dict[int, float]:
    """Fences of the filters still present; a new filter takes the loosest fence of the rest."""
    present = {int(c) for c in np.unique(top) if c >= 0}
    kept = {c: f for c, f in fences.items() if c in present}
    loosest = min(kept.values(), default=-1.0)
    return {c: kept.get(c, loosest) for c in present}
