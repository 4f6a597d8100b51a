"""The similarity below which a search has found nothing close: measured, not guessed.

For each labelled collection (benchmarks/robustness_collections.py), a seeded drive of DRIVE
documents is searched with two kinds of query, each embedded as the page embeds a search:
- related: the titles (or, without one, the first words) of held-out documents of the same
  collection, and the collection's kind names: what a person who knows the drive would type;
- unrelated: word salads of 2-4 words drawn from the other collections' vocabularies, and
  strings of random letters: what a drive does not hold.
A query's score is its best match's similarity (what the page shows first). The floor is the
score that best separates the two (highest balanced accuracy over every collection at once);
the table shows where it stands on each. The product's default, core/params.SEARCH_FLOOR, is this
figure for the bundled model.

    python -m benchmarks.search_floor [--collections samples,bbc,...] [--seed 0]
"""

from __future__ import annotations

import argparse
import re
import string

import numpy as np

from benchmarks import robustness_collections as collections

DRIVE = 300
RELATED = 60
UNRELATED = 60
GIBBERISH = 20
WORD = re.compile(r"[A-Za-z]{4,12}")


def _first_words(text: str, count: int = 8) -> str:
    return " ".join(text.split()[:count])


def _queries(col, rng: np.random.Generator, others_vocabulary: list[str]) -> tuple[np.ndarray, list[str], list[str]]:
    """(the drive's rows, related queries, unrelated queries)."""
    order = rng.permutation(len(col))
    drive, held = order[:DRIVE], order[DRIVE : DRIVE + RELATED]
    if len(held) < RELATED // 2:  # a small collection: hold out a third of it instead
        cut = len(col) * 2 // 3
        drive, held = order[:cut], order[cut:]
    related = [(col.titles[i] or _first_words(col.texts[i])).strip() for i in held]
    related += sorted(set(col.labels.tolist()))
    salads = [" ".join(rng.choice(others_vocabulary, size=rng.integers(2, 5))) for _ in range(UNRELATED)]
    letters = list(string.ascii_lowercase)
    gibberish = ["".join(rng.choice(letters, size=rng.integers(5, 14))) for _ in range(GIBBERISH)]
    return drive, [q for q in related if q], salads + gibberish


def _best_scores(embedder, vectors: np.ndarray, queries: list[str]) -> np.ndarray:
    return (embedder.embed(queries) @ vectors.T).max(axis=1)


def _balanced_accuracy(related: np.ndarray, unrelated: np.ndarray, floor: float) -> float:
    return ((related >= floor).mean() + (unrelated < floor).mean()) / 2


def best_floor(related: np.ndarray, unrelated: np.ndarray) -> float:
    """The floor (on a 0.01 grid) with the highest balanced accuracy; the middle of a tie."""
    grid = np.round(np.arange(0.0, 1.0, 0.01), 2)
    accuracy = np.array([_balanced_accuracy(related, unrelated, f) for f in grid])
    best = np.flatnonzero(accuracy >= accuracy.max() - 1e-9)
    return float(grid[best[len(best) // 2]])


def main() -> None:
    from drive_tagger.core.params import SEARCH_FLOOR
    from drive_tagger.settings import load_settings
    from drive_tagger.wiring import make_embedder

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", default=",".join(collections.SOURCES))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    names = [n for n in args.collections.split(",") if n]
    embedder = make_embedder(load_settings())
    loaded = {name: collections.load(name, embedder) for name in names}
    vocabulary = {name: sorted(set(WORD.findall(" ".join(c.texts[:400]).lower()))) for name, c in loaded.items()}
    scores: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, col in loaded.items():
        rng = np.random.default_rng(args.seed)
        elsewhere = {w for other, words in vocabulary.items() if other != name for w in words}
        others = sorted(elsewhere - set(vocabulary[name]))
        drive, related, unrelated = _queries(col, rng, others)
        vectors = col.vectors[drive]
        scores[name] = (_best_scores(embedder, vectors, related), _best_scores(embedder, vectors, unrelated))
    pooled_related = np.concatenate([r for r, _ in scores.values()])
    pooled_unrelated = np.concatenate([u for _, u in scores.values()])
    floor = best_floor(pooled_related, pooled_unrelated)
    print(f"search floor on {embedder.model_id}: drives of {DRIVE} documents, seed {args.seed}")
    print(
        "| collection | related p10 / median | unrelated median / p90 | its own best floor "
        f"| balanced accuracy at {floor:.2f} | at the default {SEARCH_FLOOR:.2f} |"
    )
    print("|---|---|---|---|---|---|")
    for name, (related_scores, unrelated_scores) in scores.items():
        print(
            f"| {name} | {np.percentile(related_scores, 10):.2f} / {np.median(related_scores):.2f} "
            f"| {np.median(unrelated_scores):.2f} / {np.percentile(unrelated_scores, 90):.2f} "
            f"| {best_floor(related_scores, unrelated_scores):.2f} "
            f"| {_balanced_accuracy(related_scores, unrelated_scores, floor):.3f} "
            f"| {_balanced_accuracy(related_scores, unrelated_scores, SEARCH_FLOOR):.3f} |"
        )
    print(
        f"| all | {np.percentile(pooled_related, 10):.2f} / {np.median(pooled_related):.2f} "
        f"| {np.median(pooled_unrelated):.2f} / {np.percentile(pooled_unrelated, 90):.2f} | {floor:.2f} "
        f"| {_balanced_accuracy(pooled_related, pooled_unrelated, floor):.3f} "
        f"| {_balanced_accuracy(pooled_related, pooled_unrelated, SEARCH_FLOOR):.3f} |"
    )


if __name__ == "__main__":
    main()
