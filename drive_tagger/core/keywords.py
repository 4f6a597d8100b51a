"""Distinctive keywords per cluster by class-based TF-IDF (a cluster's documents form one class)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

# Words of three or more letters (digits and codes make poor filter names).
_TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]{2,}\b"


@dataclass(frozen=True)
class TermCounts:
    """Term counts per document (sparse) and the vocabulary, computed once for every level."""

    counts: sparse.csr_matrix
    vocabulary: np.ndarray


def term_counts(texts: Sequence[str]) -> TermCounts | None:
    """Unigrams and bigrams of three-plus-letter words; None when the texts hold no usable words.

    Terms in more than half of the documents ("said" in news, "company" in a firm's drive)
    describe the whole drive, not one filter, so they are dropped in any sizeable collection.
    """
    sizeable = len(texts) >= 20
    vectorizer = CountVectorizer(
        stop_words="english",
        token_pattern=_TOKEN_PATTERN,
        ngram_range=(1, 2),
        min_df=2 if sizeable else 1,
        max_df=0.5 if sizeable else 1.0,
        lowercase=True,
        dtype=np.float32,
    )
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # no usable words at all (numbers only), or every term pruned
        return None
    return TermCounts(counts.tocsr(), vectorizer.get_feature_names_out())


def class_keywords(
    texts_or_counts: Sequence[str] | TermCounts | None, labels: np.ndarray, *, top_k: int = 10
) -> dict[int, tuple[str, ...]]:
    """{cluster label: its top_k terms}, ranked by c-TF-IDF; unlabelled documents (-1) are ignored.

    c-TF-IDF (BERTopic): a term's frequency in the class, L1-normalized, times
    log(1 + average words per class / the term's frequency over all classes), so terms
    frequent in one cluster and rare elsewhere win.
    """
    labels = np.asarray(labels)
    classes = np.unique(labels[labels >= 0])
    if len(classes) == 0:
        return {}
    terms = texts_or_counts if isinstance(texts_or_counts, TermCounts | None) else term_counts(texts_or_counts)
    if terms is None:
        return {int(c): () for c in classes}
    member = np.flatnonzero(labels >= 0)
    class_index = np.searchsorted(classes, labels[member])
    indicator = sparse.csr_matrix(
        (np.ones(len(member), dtype=np.float32), (class_index, member)),
        shape=(len(classes), len(labels)),
    )
    per_class = np.asarray((indicator @ terms.counts).todense(), dtype=np.float64)
    totals = per_class.sum(axis=1, keepdims=True)
    tf = per_class / np.where(totals == 0, 1.0, totals)
    average_words = per_class.sum() / len(classes)
    idf = np.log1p(average_words / np.maximum(per_class.sum(axis=0), 1.0))
    scores = tf * idf
    result = {}
    for row, cls in enumerate(classes):
        order = np.argsort(-scores[row], kind="stable")[: top_k * 5]
        ranked = [terms.vocabulary[i] for i in order if scores[row, i] > 0]
        result[int(cls)] = _drop_contained(ranked, top_k)
    return result


def _drop_contained(ranked: list[str], top_k: int) -> tuple[str, ...]:
    """Skips a unigram already inside a higher-ranked bigram, and vice versa, to avoid echoes."""
    kept: list[str] = []
    for term in ranked:
        words = set(term.split())
        if any(words <= set(k.split()) or set(k.split()) <= words for k in kept):
            continue
        kept.append(term)
        if len(kept) == top_k:
            break
    return tuple(kept)
