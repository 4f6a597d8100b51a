"""Which documents carry which category, with scores: centroids, two-level links, second tags,
and arrivals between refreshes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from drive_tagger.core.forms import admitting_topic
from drive_tagger.core.types import Assignments, Category
from drive_tagger.core.unit import unit_rows


def cluster_centroids(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cluster labels in ascending order, their L2-normalized mean vectors), -1 excluded."""
    rows = np.flatnonzero(labels >= 0)
    clusters, position = np.unique(labels[rows], return_inverse=True)
    if not len(clusters):
        return clusters, np.empty((0, vectors.shape[1]), dtype=np.float32)
    from scipy import sparse  # here, not at import: ingest imports this module and needs no scipy

    # A sparse one-hot product sums each cluster's rows without copying them (a million rows).
    onehot = sparse.csr_matrix(
        (np.ones(len(rows), dtype=vectors.dtype), (position, rows)), shape=(len(clusters), len(vectors))
    )
    return clusters, unit_rows(np.asarray(onehot @ vectors)).astype(np.float32)


def level_links(
    vectors: np.ndarray,
    labels: np.ndarray,
    centroids: np.ndarray,
    category_ids: np.ndarray,
    *,
    second_margin: float | None = None,
    second_floor: float = 0.0,
) -> Assignments:
    """Links of one level: each labelled document to its category (rank 1, scored by cosine to the
    centroid); with second_margin, also to its runner-up category when that scores within
    second_margin of the first and at least second_floor (rank 2) — a contract about an invoice
    dispute carries both filters.

    labels index into centroids / category_ids; -1 means no link at this level.
    """
    rows = np.flatnonzero(labels >= 0)
    own = labels[rows]
    seconds = second_margin is not None and centroids.shape[0] > 1
    own_score, runner_up, runner_score = _scores(vectors, rows, own, centroids, runners_up=seconds)
    doc, cat, score, rank = [rows], [category_ids[own]], [own_score], [np.ones(len(rows), dtype=np.int64)]
    if seconds and len(rows):
        close = (runner_score >= own_score - second_margin) & (runner_score >= second_floor)
        doc.append(rows[close])
        cat.append(category_ids[runner_up[close]])
        score.append(runner_score[close])
        rank.append(np.full(int(close.sum()), 2, dtype=np.int64))
    return Assignments(
        document_index=np.concatenate(doc).astype(np.int64),
        category_id=np.concatenate(cat).astype(np.int64),
        score=np.concatenate(score).astype(np.float32),
        rank=np.concatenate(rank),
    )


def _scores(
    vectors: np.ndarray,
    rows: np.ndarray,
    own: np.ndarray,
    centroids: np.ndarray,
    *,
    runners_up: bool,
    block: int = 65_536,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(each row's similarity to its own centroid, its runner-up centroid, that one's similarity),
    in blocks of rows: a million documents never need a copy of their vectors."""
    own_score = np.empty(len(rows), dtype=np.float32)
    runner_up = np.zeros(len(rows), dtype=np.int64)
    runner_score = np.full(len(rows), -np.inf, dtype=np.float32)
    for start in range(0, len(rows), block):
        part = slice(start, start + block)
        similarity = vectors[rows[part]] @ centroids.T
        at = np.arange(len(similarity))
        own_score[part] = similarity[at, own[part]]
        if runners_up:
            similarity[at, own[part]] = -np.inf
            runner_up[part] = similarity.argmax(axis=1)
            runner_score[part] = similarity[at, runner_up[part]]
    return own_score, runner_up, runner_score


def combine(*parts: Assignments) -> Assignments:
    return Assignments(
        document_index=np.concatenate([p.document_index for p in parts]),
        category_id=np.concatenate([p.category_id for p in parts]),
        score=np.concatenate([p.score for p in parts]),
        rank=np.concatenate([p.rank for p in parts]),
    )


def tag_arrivals(
    vectors: np.ndarray, categories: list[Category], forms: Sequence[str | None] = ()
) -> tuple[Assignments, np.ndarray]:
    """Tags documents that arrived after a refresh from its stored centroids, no re-clustering:
    the nearest top-level category if the similarity clears its fence, then the nearest of its
    sub-filters. A document whose form (`forms`, one per document) sets some filters apart joins
    the nearest of them, and one of another form leaves such a filter for the nearest filter no
    form sets apart that admits it, as a refresh would place them (core/forms.py). Returns the
    links and a mask of the documents that matched poorly (untagged)."""
    tops = [c for c in categories if c.is_top_level]
    if not tops or not len(vectors):
        empty = np.empty(0, dtype=np.int64)
        return Assignments(empty, empty, np.empty(0, np.float32), empty), np.ones(len(vectors), dtype=bool)
    top_similarity = vectors @ np.array([c.centroid for c in tops]).T
    nearest = top_similarity.argmax(axis=1)
    best = top_similarity[np.arange(len(vectors)), nearest]
    fences = np.array([c.fence if c.fence is not None else -1.0 for c in tops])
    joined = best >= fences[nearest]
    by_form = np.zeros(len(vectors), dtype=bool)  # joined a form's filter its topic did not give
    form_of = np.asarray(forms, dtype=object)
    for form in {c.form for c in tops if c.form} & set(form_of):
        homes = np.array([i for i, c in enumerate(tops) if c.form == form])
        rows = np.flatnonzero(form_of == form)
        home = homes[top_similarity[np.ix_(rows, homes)].argmax(axis=1)]
        by_form[rows] = home != nearest[rows]
        nearest[rows], best[rows], joined[rows] = home, top_similarity[rows, home], True
    if len(form_of) == len(vectors):
        _leave_form_filters(form_of, tops, top_similarity, fences, nearest, best, by_form)
    rows = np.flatnonzero(joined)
    links = [
        Assignments(
            rows,
            np.array([tops[i].category_id for i in nearest[rows]], dtype=np.int64),
            best[rows].astype(np.float32),
            np.ones(len(rows), dtype=np.int64),
        )
    ]
    for top_position, top in enumerate(tops):
        children = [c for c in categories if c.parent_category_id == top.category_id]
        # As in a refresh, a document that joined a form's filter takes none of its sub-filters.
        members = rows[(nearest[rows] == top_position) & ~by_form[rows]]
        if not children or not len(members):
            continue
        similarity = vectors[members] @ np.array([c.centroid for c in children]).T
        choice = similarity.argmax(axis=1)
        links.append(
            Assignments(
                members,
                np.array([children[i].category_id for i in choice], dtype=np.int64),
                similarity[np.arange(len(members)), choice].astype(np.float32),
                np.ones(len(members), dtype=np.int64),
            )
        )
    return combine(*links), ~joined


def _leave_form_filters(forms, tops, similarity, fences, nearest, best, by_form) -> None:
    """In place, as a refresh does: an arrival of another form nearest a filter a form sets
    apart goes to the nearest filter no form sets apart when its fence admits it."""
    form_of = np.array([c.form or None for c in tops], dtype=object)
    topics = np.flatnonzero([not c.form for c in tops])
    strays = np.flatnonzero((form_of[nearest] != None) & (forms != form_of[nearest]))  # noqa: E711 (elementwise)
    if not len(strays) or not len(topics):
        return
    choice = admitting_topic(similarity[np.ix_(strays, topics)], fences[topics])
    moved, to = strays[choice >= 0], topics[choice[choice >= 0]]
    nearest[moved], best[moved], by_form[moved] = to, similarity[moved, to], True


def learned_links(vectors: np.ndarray, learned, *, tagged: np.ndarray) -> Assignments:
    """A learned filter's links: rank 1 for a document no discovered filter holds, else rank 2
    (a facet next to the discovered filters), scored by cosine to its centroid."""
    rows = np.asarray(learned.members, dtype=np.int64)
    return Assignments(
        document_index=rows,
        category_id=np.full(len(rows), learned.category_id, dtype=np.int64),
        score=(vectors[rows] @ learned.centroid).astype(np.float32),
        rank=np.where(tagged[rows], 2, 1).astype(np.int64),
    )
