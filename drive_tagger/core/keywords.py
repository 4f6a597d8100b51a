"""Distinctive keywords per cluster by class-based TF-IDF (a cluster's documents form one class)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

# Words of three or more letters (digits and codes make poor filter names).
_TOKEN_PATTERN = r"(?u)\b[^\W\d_][^\W\d_]{2,}\b"


def class_keywords(
    texts: Sequence[str], labels: np.ndarray, *, top_k: int = 10
) -> dict[int, tuple[str, ...]]:
    """{cluster label: its top_k terms}, ranked by c-TF-IDF; noise (-1) is ignored.

    c-TF-IDF (BERTopic): a term's frequency in the class, L1-normalized, times
    log(1 + average words per class / the term's frequency over all classes), so terms
    frequent in one cluster and rare elsewhere win.
    """
    labels = np.asarray(labels)
    classes = np.unique(labels[labels >= 0])
    if len(classes) == 0:
        return {}
    member = labels >= 0
    member_texts = [t for t, m in zip(texts, member, strict=True) if m]
    vectorizer = CountVectorizer(
        stop_words="english",
        token_pattern=_TOKEN_PATTERN,
        ngram_range=(1, 2),
        # A term must occur in two documents unless the collection is tiny.
        min_df=2 if len(member_texts) >= 20 else 1,
        lowercase=True,
    )
    try:
        counts = vectorizer.fit_transform(member_texts)
    except ValueError:  # no usable words at all (e.g. numbers only)
        return {int(c): () for c in classes}
    class_index = np.searchsorted(classes, labels[member])
    indicator = sparse.csr_matrix(
        (np.ones(len(class_index)), (class_index, np.arange(len(class_index)))),
        shape=(len(classes), len(class_index)),
    )
    per_class = (indicator @ counts).toarray().astype(np.float64)
    totals = per_class.sum(axis=1, keepdims=True)
    tf = per_class / np.where(totals == 0, 1.0, totals)
    average_words = per_class.sum() / len(classes)
    idf = np.log1p(average_words / np.maximum(per_class.sum(axis=0), 1.0))
    scores = tf * idf
    vocabulary = vectorizer.get_feature_names_out()
    result = {}
    for row, cls in enumerate(classes):
        order = np.argsort(-scores[row], kind="stable")
        ranked = [vocabulary[i] for i in order if scores[row, i] > 0]
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
