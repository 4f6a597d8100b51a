"""Refresh parameters and their defaults: the one home of every tunable number of a refresh."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# The version of the rules that make and name filters. A workspace whose active filters were made
# under another version (or before versions were recorded) is clustered and named afresh by its
# next refresh, once: the keep rules would otherwise hold filters and names today's rules would
# not give. Ids still follow member overlap and names a person pinned stay. Raise it with any
# change to clustering, model selection or naming that a user should see on an unchanged drive.
RULES_VERSION = 11


@dataclass(frozen=True)
class ClusteringParams:
    # PCA dimensions leaves and model selection work in: density estimates degrade in 384-d.
    reduce_to: int = 16
    # Leaves are HDBSCAN leaf clusters from this many documents on; below it every document is a
    # leaf of its own, and a filter is split into sub-filters only where the split is clear.
    leaf_documents_from: int = 300
    # A small drive's filter splits when its best k-means split has at least this mean cosine
    # silhouette (Kaufman and Rousseeuw: 0.5 and above is "a reasonable structure").
    clear_split_silhouette: float = 0.5
    # None: max(3, sqrt(n)/4), so a 500-document drive and a 100k one both get leaves.
    min_cluster_size: int | None = None
    min_samples: int = 3
    # Top-level candidates are 2..max(k_max, sqrt(n)/2) filters (a large drive may need more),
    # at most sqrt(n) (a small drive's filters are not a few documents each).
    k_max: int = 15
    # Stability of a partition: mean ARI over stability_resamples samples of stability_fraction of
    # the documents (at most stability_sample_cap each). A partition is stable, a candidate for
    # the top level or a filter's sub-filters, from min_stability up.
    min_stability: float = 0.9
    # With no stable partition, or with today's stable partition into as many filters being the
    # previous one, the previous top level stays while the refresh that made it saw at least this
    # share of today's documents (a drive that doubled is clustered afresh).
    keep_unstable_share: float = 0.5
    # After such a refresh, another number of filters than the previous one is a candidate only
    # from min_stability + switch_margin up: a stability is the mean of a few resamples, and one
    # near the bar (0.85 in one refresh, 0.90 in the next) must not swap 5 filters for 11.
    switch_margin: float = 0.05
    # Structureless Gaussian clouds each candidate's silhouette is measured against (the part of a
    # silhouette any cloud of this shape gets, biased toward a two-way split, is not structure).
    null_references: int = 3
    # Fewer filters replace the best-scored number when their raw silhouette and stability are at
    # least as high and their separation beyond the reference is at least this share of the
    # best's: the reference falls as k grows, so two levels of one hierarchy drawn equally sharply
    # would otherwise go to the finer. Without it 1,500-article BBC subsets got 7-8 filters in 4 of
    # 8 seeds (median NMI 0.79), with it 5 in 7 of 8 (0.87); at 0.5 man pages' two-way split came
    # back (3 of 8 seeds of 60 documents).
    coarser_share: float = 0.8
    stability_resamples: int = 5
    stability_fraction: float = 0.7
    stability_sample_cap: int = 3_000
    # Model selection runs on a fixed sample: the topic structure, not every document, matters.
    max_fit: int = 20_000
    # Near-duplicates vote once in model selection, so fifteen copies of one note cannot outvote
    # 72 other documents: documents linked by a chain of cosine >= duplicate_similarity that is
    # also above the drive's 90th percentile of nearest-neighbour similarity (a drive of tight
    # topics is not one of copies). The sample drive's closest pair is 0.71 (90th percentile
    # 0.68); fifteen reworded copies of one note are 0.80-0.97. Checked on samples up to
    # duplicate_check_max documents (an n^2 product).
    duplicate_similarity: float = 0.85
    duplicate_check_max: int = 5_000
    silhouette_sample: int = 3_000
    # Without polishing, Ward cuts of fine centroids picked k=2 on AG News (NMI 0.40).
    polish_iterations: int = 10
    final_iterations: int = 5
    # Lower Tukey fence (Q1 - outlier_iqr * IQR) of similarity to the own centroid; None tags all.
    outlier_iqr: float | None = 1.5
    seed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RefreshParams:
    clustering: ClusteringParams = field(default_factory=ClusteringParams)
    # A document also carries its runner-up top-level filter when that scores within this
    # cosine margin of its first; None: one top-level filter per document.
    second_filter_margin: float | None = 0.02
    # A category that matches the previous refresh keeps its name, without asking the namer,
    # while its centroid stays this close (cosine) to the previous one: its members barely changed.
    keep_name_similarity: float = 0.97

    def as_dict(self) -> dict:
        """The parameters a refresh run records, with the rules version they ran under."""
        return asdict(self) | {"rules": RULES_VERSION}


@dataclass(frozen=True)
class EmbeddingParams:
    # Tokens per window ([CLS] and [SEP] included); longer documents are split into windows
    # and their vectors averaged.
    window_tokens: int = 256
    # Windows kept per document; text beyond them is cut before tokenizing.
    max_windows: int = 8
    # Windows per model call.
    batch_size: int = 32


# Documents read, embedded and stored per round of ingest.
INGEST_BATCH_SIZE = 256
# Suggest a refresh once this share of the documents tagged on arrival (at least 5) matched no filter well.
SUGGEST_REFRESH_SHARE = 0.2
# Names are chosen as classifiers (core/fidelity.py): each filter's sample of documents, the
# acceptable names tried per filter (most readable first), and how many of its sample's documents
# a more readable name may sort wrongly that a less readable one would sort right.
NAME_SAMPLE = 100
NAME_OPTIONS = 8
NAME_TOLERANCE = 0.25
# Characters of representative document text an LLM namer is sent per filter.
NAMER_DOCUMENT_CHARS = 4000

# A search whose best match is less similar than this found nothing close: the score that best
# separates related from unrelated queries on the bundled model (python -m benchmarks.search_floor).
SEARCH_FLOOR = 0.32
