"""Naming a refresh's draft categories in one pass: a name a person pinned or a correction holds
stays, a name whose category barely moved stays, and the namer names the rest, each request
carrying its siblings so a name is chosen against them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from drive_tagger.core.describe import Described
from drive_tagger.core.keyphrases import Keyphrase
from drive_tagger.core.naming import Namer, NamingContext, NamingRequest, is_junk, keyword_description
from drive_tagger.core.types import Category, NamedBy
from drive_tagger.core.unit import unit_rows


@dataclass(frozen=True)
class DraftCategory:
    """A category of this refresh before it has a name: built once, named in one pass."""

    index: int  # position in the refresh: top-level drafts first, then sub-filters
    category_id: int
    parent: int | None  # index of the top-level draft a sub-filter sits in
    rows: np.ndarray = field(repr=False)  # rows of the vectors matrix it holds (best link at its level)
    centroid: np.ndarray = field(repr=False)
    fence: float | None  # lowest similarity that still counts as a member (top level only)
    described: Described = field(default=Described((), frozenset(), ()), repr=False)

    @property
    def keyphrases(self) -> tuple[Keyphrase, ...]:
        return self.described.keyphrases

    @property
    def keywords(self) -> tuple[str, ...]:
        return tuple(k.text for k in self.described.keyphrases)

    @property
    def size(self) -> int:
        return len(self.rows)

    @property
    def is_top_level(self) -> bool:
        return self.parent is None


def name_drafts(
    drafts: Sequence[DraftCategory],
    kept: dict[int, Category],
    namer: Namer,
    context: NamingContext,
    keep_similarity: float | None,
    *,
    held: frozenset[int] = frozenset(),
) -> tuple[Category, ...]:
    """Categories from drafts in one pass: a pinned name, a name a correction holds (`held`), or
    the name of a category that barely moved (keep_similarity; None: only pinned names), stays; the
    namer names the rest (top level first, larger first), each unique (case-insensitively) against
    every name in the workspace."""
    kept_names = {
        d.index: kept[d.category_id]
        for d in drafts
        if d.category_id in kept
        and (d.category_id in held or _keeps_name(kept[d.category_id], d, keep_similarity, namer))
    }
    context.names.update({i: c.name for i, c in kept_names.items()})
    todo = sorted(
        (d for d in drafts if d.index not in kept_names), key=lambda d: (d.parent is not None, -d.size, d.index)
    )
    chosen = {choice.index: choice for choice in namer.name([_request(d, drafts) for d in todo], context)}

    def category(d: DraftCategory) -> Category:
        before, choice = kept_names.get(d.index), chosen.get(d.index)
        if before is not None:
            name, named_by, description = before.name, NamedBy(before.named_by), before.description
        elif choice is not None:
            name, named_by, description = choice.name, choice.named_by, choice.description
        else:
            raise ValueError(f"the namer gave no name for filter {d.index}")
        description = description or keyword_description(d.keywords)
        return Category(
            category_id=d.category_id,
            name=name,
            keywords=d.keywords,
            size=d.size,
            centroid=d.centroid,
            description=description,
            named_by=named_by,
            fence=d.fence,
            form=d.described.form,
            parent_category_id=drafts[d.parent].category_id if d.parent is not None else None,
        )

    return tuple(category(d) for d in drafts)


def _keeps_name(before: Category, draft: DraftCategory, keep_similarity: float | None, namer: Namer) -> bool:
    """A pinned name always stays; another stays while the category's centroid (its fingerprint)
    barely moved, unless it was a fallback offline name and the namer could now do better, or
    today's rules would not give it (a name made before words like "Mln" or "Pct" were kept out
    of names is named again)."""
    if NamedBy(before.named_by) is NamedBy.USER:
        return True
    if keep_similarity is None or before.form != draft.described.form:  # a form names it, or did
        return False
    if NamedBy(before.named_by) is NamedBy.OFFLINE and namer.named_by is not NamedBy.OFFLINE:
        return False
    if is_junk(before.name, namer.lexicon.is_word, draft.described.known_words):
        return False
    pair = unit_rows(np.vstack([before.centroid, draft.centroid]).astype(np.float64))
    return float(pair[0] @ pair[1]) >= keep_similarity


def _request(draft: DraftCategory, drafts: Sequence[DraftCategory]) -> NamingRequest:
    """What the namer sees of a draft: its keyphrases, the words its titles capitalise, its
    representative texts, and the drafts its name must not fit better (its level's others; for
    a sub-filter, its siblings)."""
    peers = tuple(d.index for d in drafts if d.index != draft.index and d.parent == draft.parent)
    return NamingRequest(
        index=draft.index,
        keywords=draft.keywords,
        centroid=draft.centroid,
        documents=draft.described.documents,
        peers=peers,
        parent=draft.parent,
        keyphrases=draft.keyphrases,
        known_words=draft.described.known_words,
        kind=draft.described.kind,
        form=draft.described.form,
        together=draft.described.together,
    )
