"""Matching the filters of two refreshes by shared members, to show what changed between them."""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from enum import StrEnum


class Change(StrEnum):
    SAME = "same"  # the same members under the same name
    RENAMED = "renamed"  # the same members under another name
    CHANGED = "changed"  # grew, shrank or swapped members; matched by most shared members
    NEW = "new"  # shares no member (and no id) with any previous filter
    GONE = "gone"  # a previous filter no current filter was matched to


@dataclass(frozen=True)
class GenerationCategory:
    """One filter of one refresh, as much as is needed to compare it."""

    category_id: int
    name: str
    size: int
    members: frozenset[int]  # document ids


@dataclass(frozen=True)
class CategoryChange:
    category_id: int | None  # None for a GONE filter
    name: str | None
    size: int | None
    previous_category_id: int | None  # None for a NEW filter
    previous_name: str | None
    previous_size: int | None
    shared: int  # documents in both
    jaccard: float  # shared / documents in either
    change: Change


def _jaccard(a: Set[int], b: Set[int]) -> tuple[int, float]:
    shared = len(a & b)
    union = len(a | b)
    return shared, (shared / union if union else 0.0)


def compare_generations(
    previous: Mapping[int, GenerationCategory] | list[GenerationCategory],
    current: Mapping[int, GenerationCategory] | list[GenerationCategory],
) -> list[CategoryChange]:
    """Each current filter against the previous one it shares most members with (ties: the same
    category id, then the lower id); with no shared member, the previous filter of the same id if
    there is one (for generations whose memberships are not kept). Previous filters no current
    filter matched come last, as GONE. Current filters keep their given order."""
    previous = list(previous.values()) if isinstance(previous, Mapping) else list(previous)
    current = list(current.values()) if isinstance(current, Mapping) else list(current)
    by_id = {p.category_id: p for p in previous}
    changes: list[CategoryChange] = []
    matched: set[int] = set()
    for cat in current:
        best, best_key = None, (0, 0.0, False, 0)
        for old in previous:
            shared, jaccard = _jaccard(cat.members, old.members)
            key = (shared, jaccard, old.category_id == cat.category_id, -old.category_id)
            if shared and key > best_key:
                best, best_key = old, key
        if best is None:
            best = by_id.get(cat.category_id)
        if best is None:
            changes.append(CategoryChange(cat.category_id, cat.name, cat.size, None, None, None, 0, 0.0, Change.NEW))
            continue
        matched.add(best.category_id)
        shared, jaccard = _jaccard(cat.members, best.members)
        if cat.members == best.members and cat.size == best.size:
            change = Change.SAME if cat.name == best.name else Change.RENAMED
        else:
            change = Change.CHANGED
        changes.append(
            CategoryChange(
                cat.category_id,
                cat.name,
                cat.size,
                best.category_id,
                best.name,
                best.size,
                shared,
                round(jaccard, 4),
                change,
            )
        )
    for old in previous:
        if old.category_id not in matched:
            changes.append(CategoryChange(None, None, None, old.category_id, old.name, old.size, 0, 0.0, Change.GONE))
    return changes
