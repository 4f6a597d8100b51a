"""The other clusterings benchmarks/robustness.py runs on the same subsets and vectors: KMeans told
the true number of kinds (the oracle), BERTopic (with reduce_outliers), EVōC and turftopic's
Topeax. Each takes unit vectors (and the texts, for the peers that build topic words) and gives
one flat label per document, -1 for none. The peers come from the `peers` extra, installed by
`make benchmark-robustness`; one that cannot be imported is reported, not skipped silently.

Each is run with its documented defaults, embeddings given (so nothing downloads a model).
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections.abc import Sequence

import numpy as np

PEERS = ("bertopic", "evoc", "topeax")


def kmeans_oracle(vectors: np.ndarray, texts: Sequence[str], k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=min(k, len(vectors)), n_init=10, random_state=seed).fit_predict(vectors)


def bertopic(vectors: np.ndarray, texts: Sequence[str], k: int, seed: int) -> np.ndarray:
    """BERTopic's defaults (UMAP 5-d, HDBSCAN min_cluster_size 10, c-TF-IDF), UMAP seeded, then
    reduce_outliers (its default strategy) so that every document has a topic, as its docs advise."""
    from bertopic import BERTopic
    from umap import UMAP

    umap = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed)
    model = BERTopic(umap_model=umap)
    topics, _ = model.fit_transform(list(texts), embeddings=vectors)
    topics = np.asarray(topics)
    if (topics >= 0).any() and (topics < 0).any():
        topics = np.asarray(model.reduce_outliers(list(texts), topics.tolist()))
    return topics


def evoc(vectors: np.ndarray, texts: Sequence[str], k: int, seed: int) -> np.ndarray:
    """EVōC's defaults: its chosen layer (labels_), noise -1."""
    import evoc as evoc_module

    return np.asarray(evoc_module.EVoC(random_state=seed).fit_predict(vectors))


def topeax(vectors: np.ndarray, texts: Sequence[str], k: int, seed: int) -> np.ndarray:
    """turftopic's Topeax with its defaults (t-SNE 2-d, perplexity 50, then Peax: density peaks as
    a Gaussian mixture); every document gets its most probable topic. Only its clustering is
    run: its topic-word step, which the labels do not depend on, fails on small or terse subsets
    (its default vocabulary keeps terms of 10 documents and more: none in 60 sayings; npmi breaks
    on a single topic) and would embed the whole vocabulary on every run."""
    from sklearn.feature_extraction.text import CountVectorizer
    from turftopic import Topeax

    class ClusteringOnly(Topeax):
        def estimate_components(self, *args, **kwargs) -> np.ndarray:
            self.components_ = np.zeros((self.doc_topic_matrix.shape[1], 1))
            return self.components_

    model = ClusteringOnly(encoder=_NoEncoder(), vectorizer=CountVectorizer(min_df=1), random_state=seed)
    matrix = model.fit_transform(list(texts), embeddings=vectors)
    return np.asarray(matrix).argmax(axis=1)


class _NoEncoder:
    """Stands in for the sentence model Topeax would load from the hub: the embeddings are given."""

    def encode(self, texts, **_) -> np.ndarray:
        raise AssertionError("Topeax was given embeddings and should encode nothing")


def run_peer(name: str, vectors: np.ndarray, texts: Sequence[str], k: int, seed: int) -> np.ndarray:
    """Labels of one peer; their progress bars and logs are kept off the benchmark's output."""
    function = {"oracle": kmeans_oracle, "bertopic": bertopic, "evoc": evoc, "topeax": topeax}[name]
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    quiet = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        warnings.simplefilter("ignore")
        return function(vectors, texts, k, seed)


def available(names: Sequence[str]) -> dict[str, str | None]:
    """Per peer: None when it imports, else why not (the import error, as measured here)."""
    modules = {"bertopic": "bertopic", "evoc": "evoc", "topeax": "turftopic"}
    out = {}
    for name in names:
        try:
            with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore")
                __import__(modules[name])
            out[name] = None
        except Exception as exc:  # reported in the tables, whatever the reason
            out[name] = f"{type(exc).__name__}: {exc}"
    return out
