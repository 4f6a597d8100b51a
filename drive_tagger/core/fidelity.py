"""Names as classifiers (pure): how many of a level's documents its filters' names sort back into
their own filter, and choosing among each filter's acceptable names to sort more of them right."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from drive_tagger.core.unit import unit_rows

# How a filter's name is put to the model when names are compared with documents: a document is
# sorted to the sibling whose sentence is nearest it ("This document is about Invoices.").
FIDELITY_PROMPT = "This document is about {}."


def sorted_right(units: np.ndarray, owner: np.ndarray, prompts: np.ndarray) -> int:
    """How many documents (unit rows) have their own filter's prompt (unit rows, by position in
    `owner`'s numbering) as the nearest."""
    if not len(units):
        return 0
    return int((np.argmax(units @ prompts.T, axis=1) == owner).sum())


def sharpen(
    members: Sequence[np.ndarray],
    options: Sequence[np.ndarray],
    chosen: Sequence[int],
    allowed: Callable[[int, int, Sequence[int]], bool] = lambda position, option, chosen: True,
    *,
    tolerance: float,
    sweeps: int = 2,
) -> list[int]:
    """For one level of sibling filters, the option each takes (an index into its options).

    `members[p]`: vectors of (a sample of) filter p's documents; `options[p]`: the prompt vectors
    of the names p may take, most readable first; `chosen[p]`: where it starts; `allowed(p, j, chosen)`:
    whether name j of p may be given beside the names the others hold now (`chosen`). Each filter in turn
    (largest first, `sweeps` rounds) takes the most readable option that sorts nearly as many of
    the level's documents into their own filters as its best option does: within `tolerance`
    times its own sample's size. A name that reads well but pulls a sibling's documents, or
    leaves its own to a sibling's name, gives way to one that tells them apart."""
    chosen = list(chosen)
    if len(members) < 2:
        return chosen
    units = unit_rows(np.vstack([np.asarray(m, dtype=np.float64) for m in members]))
    owner = np.repeat(np.arange(len(members)), [len(m) for m in members])
    vectors = [unit_rows(np.asarray(o, dtype=np.float64)) for o in options]
    scores = units @ np.vstack([vectors[p][chosen[p]] for p in range(len(members))]).T
    order = sorted(range(len(members)), key=lambda p: -len(members[p]))
    for _ in range(sweeps):
        moved = False
        for p in order:
            if len(vectors[p]) < 2:
                continue
            trial = scores.copy()
            right = []
            for j in range(len(vectors[p])):
                trial[:, p] = units @ vectors[p][j]
                right.append(int((np.argmax(trial, axis=1) == owner).sum()))
            usable = [j for j in range(len(right)) if j == chosen[p] or allowed(p, j, chosen)]
            best = max(right[j] for j in usable)
            pick = next(j for j in usable if right[j] >= best - tolerance * len(members[p]))
            if pick != chosen[p]:
                chosen[p], moved = pick, True
                scores[:, p] = units @ vectors[p][pick]
        if not moved:
            break
    return chosen
