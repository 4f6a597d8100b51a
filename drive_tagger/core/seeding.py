"""What a refresh takes from the previous one (pure): its top-level centroids as seeds and the
number of documents they were made from, only when that refresh ran under today's rules."""

from __future__ import annotations

import numpy as np

from drive_tagger.core.corrections import Correction, Kind
from drive_tagger.core.params import RULES_VERSION
from drive_tagger.core.types import PreviousGeneration


def made_under_todays_rules(previous: PreviousGeneration | None) -> bool:
    """Whether the previous filters were made by this version's rules (core.params.RULES_VERSION);
    when not, the next refresh clusters and names afresh instead of keeping them."""
    return previous is None or previous.rules == RULES_VERSION


def seed_documents(previous: PreviousGeneration | None) -> int:
    """How many documents the previous refresh's top level was made from (0: nothing to keep)."""
    if not made_under_todays_rules(previous):
        return 0
    return sum(c.size for c in previous.level(top=True)) if previous else 0


def seed_centroids(previous: PreviousGeneration | None, corrections: tuple[Correction, ...]) -> np.ndarray | None:
    """The previous refresh's discovered top-level centroids, which seed the next clustering
    (learned filters are a person's, not the clustering's); None when there are none."""
    if not made_under_todays_rules(previous):
        return None
    learned = {c.category_id for c in corrections if c.kind is Kind.LEARNED}
    tops = [c.centroid for c in (previous.level(top=True) if previous else []) if c.category_id not in learned]
    return np.array(tops, dtype=np.float32) if tops else None
