"""What each category of a refresh holds, in words (pure): a bounded sample of its documents is
read, and keyphrases are found per level (top-level filters against the whole drive, sub-filters
against their parent, a learned filter against everything it does not hold)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from drive_tagger.core.keyphrases import (
    Keyphrase,
    PhraseCounts,
    capitalised_words,
    count_phrases,
    distinctive_phrases,
    is_common_phrase,
    phrases_together,
    with_surface_forms,
)
from drive_tagger.core.representatives import representatives
from drive_tagger.core.sampling import bounded_sample
from drive_tagger.core.types import DocumentText

# Rows in, their texts out (same order): how a refresh reads only the documents it describes.
TextReader = Callable[[np.ndarray], Sequence[DocumentText]]

# Documents read per top-level filter and per sub-filter: enough to estimate which phrases a
# tenth of a filter uses, and bounded, so a filter of a million documents costs what one of
# two hundred does.
SAMPLE_PER_FILTER = 200
SAMPLE_PER_SUBFILTER = 60
# Characters of each body searched for phrases (the head says what a document is).
PHRASE_BODY_CHARS = 2000
# Documents read per category to learn how its phrases are written ("API", "iPhone").
CASING_DOCUMENTS = 50
# A title phrase names the kind of document a category holds when this share of its titles use
# it, in a category of at least MIN_KIND_DOCUMENTS.
KIND_COVERAGE = 0.4
MIN_KIND_DOCUMENTS = 3


@dataclass(frozen=True)
class Described:
    """One category in words: its keyphrases, the words its titles capitalise, the texts of its
    representative documents (most central first), and the kind of document it holds."""

    keyphrases: tuple[Keyphrase, ...]
    known_words: frozenset[str]
    documents: tuple[str, ...]
    # The kind of document its titles say it holds ("meeting notes", "invoice"), when a title
    # phrase sets it apart and covers at least KIND_COVERAGE of its titles.
    kind: Keyphrase | None = None
    # The form that sets a top-level filter apart from the rest of the drive ("Emails",
    # "Transcripts"; core/forms.py).
    form: str | None = None
    # Pairs of its keyphrases its documents use together (core/keyphrases.phrases_together):
    # the pairs that may name it as one thing ("Band and Album").
    together: frozenset[frozenset[str]] = frozenset()


@dataclass(frozen=True)
class Shape:
    """What describe needs of a category: its rows, centroid, and level."""

    index: int
    rows: np.ndarray
    centroid: np.ndarray
    parent: int | None  # index of its top-level category; None at the top level
    learned: bool = False  # a person's filter: described against everything it does not hold
    form: str | None = None  # the form that sets a top-level filter apart (core/forms.py)


def describe(
    shapes: Sequence[Shape],
    vectors: np.ndarray,
    read_texts: TextReader,
    is_word: Callable[[str], bool],
    *,
    is_phrase: Callable[[str], bool] = lambda phrase: True,
    seed: int = 0,
) -> dict[int, Described]:
    """{category index: Described} for every shape, reading each sampled document once; its
    keyphrases are made of words (is_word) and can name something (is_phrase)."""
    rng = np.random.default_rng(seed)
    sampled = {s.index: _sample(s, rng) for s in shapes}
    central = {s.index: representatives(vectors, s.rows, s.centroid) for s in shapes}
    rows = np.unique(np.concatenate([*sampled.values(), *map(np.asarray, central.values()), np.empty(0, np.int64)]))
    texts = list(read_texts(rows)) if len(rows) else []
    position = {int(r): i for i, r in enumerate(rows)}
    member_of = {s.index: np.isin(rows, s.rows) for s in shapes}
    counts = count_phrases([DocumentText(t.title, t.body[:PHRASE_BODY_CHARS]) for t in texts]) if texts else None
    phrases = _phrases_per_level(counts, shapes, member_of, len(rows), is_word, is_phrase)
    title_counts = count_phrases([DocumentText(t.title, "") for t in texts]) if texts else None
    title_phrases = _phrases_per_level(title_counts, shapes, member_of, len(rows), is_word, is_phrase)
    titles = counts.titles if counts else ()
    column = {text: j for j, text in enumerate(counts.vocabulary)} if counts else {}

    def described(shape: Shape) -> Described:
        held = np.flatnonzero(member_of[shape.index])
        shown = [_shown(texts[i]) for i in held[:CASING_DOCUMENTS]]
        kinds = [
            p
            for p in title_phrases.get(shape.index, ())
            if p.coverage >= KIND_COVERAGE and is_common_phrase(p.text, shown, is_word)
        ]
        own = phrases.get(shape.index, ())
        return Described(
            with_surface_forms(own, shown),
            capitalised_words([titles[i] for i in held]) if titles else frozenset(),
            tuple(_shown(texts[position[r]]) for r in central[shape.index]),
            with_surface_forms(kinds[:1], shown)[0] if kinds and len(held) >= MIN_KIND_DOCUMENTS else None,
            shape.form,
            phrases_together(counts, held, own, column) if counts is not None else frozenset(),
        )

    return {s.index: described(s) for s in shapes}


def _phrases_per_level(
    counts: PhraseCounts | None,
    shapes: Sequence[Shape],
    member_of: dict[int, np.ndarray],
    n: int,
    is_word: Callable[[str], bool],
    is_phrase: Callable[[str], bool],
) -> dict[int, tuple[Keyphrase, ...]]:
    """Keyphrases of every shape: top-level ones against all read documents, a learned filter's
    against everything it does not hold, sub-filters against their parent."""
    phrases: dict[int, tuple[Keyphrase, ...]] = {}
    discovered_tops = [s for s in shapes if s.parent is None and not s.learned]
    phrases |= distinctive_phrases(
        counts, _groups(n, discovered_tops, member_of, outside=-1), is_word, is_phrase=is_phrase
    )
    for shape in shapes:
        if shape.learned:
            phrases[shape.index] = distinctive_phrases(
                counts, np.where(member_of[shape.index], 0, -1), is_word, is_phrase=is_phrase
            )[0]
    for top in discovered_tops:
        children = [s for s in shapes if s.parent == top.index]
        if children:
            groups = _groups(n, children, member_of, outside=-2)
            groups[(groups == -2) & member_of[top.index]] = -1
            phrases |= distinctive_phrases(counts, groups, is_word, is_phrase=is_phrase)
    return phrases


def _sample(shape: Shape, rng: np.random.Generator) -> np.ndarray:
    limit = SAMPLE_PER_SUBFILTER if shape.parent is not None else SAMPLE_PER_FILTER
    return bounded_sample(np.asarray(shape.rows, dtype=np.int64), limit, rng)


def _groups(n: int, shapes: Sequence[Shape], member_of: dict[int, np.ndarray], *, outside: int) -> np.ndarray:
    """Per read row: the index of the shape holding it (the first, if several), else `outside`."""
    groups = np.full(n, outside, dtype=np.int64)
    for shape in reversed(shapes):
        groups[member_of[shape.index]] = shape.index
    return groups


def _shown(text: DocumentText) -> str:
    return f"{text.title}\n{text.body}" if text.title else text.body
