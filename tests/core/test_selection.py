import numpy as np
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from drive_tagger.core.clustering import DocumentClusterer, _split_undivided
from drive_tagger.core.params import ClusteringParams
from drive_tagger.core.selection import (
    _coarsest_as_good,
    _most_structured,
    choose_top_level,
    leaf_clusters,
    reference_silhouettes,
)
from drive_tagger.core.unit import unit_rows


def _blobs(n, centers, seed=0, std=3.0):
    vectors, truth = make_blobs(n_samples=n, n_features=64, centers=centers, cluster_std=std, random_state=seed)
    return vectors.astype(np.float32), truth


def test_the_number_of_filters_follows_the_data_not_a_fixed_range():
    for centers in (3, 6):
        vectors, _truth = _blobs(40 * centers, centers)
        result = DocumentClusterer().fit(vectors).result_
        assert len(set(result.top_labels[result.top_labels >= 0])) == centers


def test_a_large_drive_may_have_more_than_fifteen_filters():
    vectors, _truth = _blobs(2_400, 24, std=1.0)
    result = DocumentClusterer().fit(vectors).result_
    assert len(set(result.top_labels[result.top_labels >= 0])) == 24


def test_every_candidate_is_scored_for_stability_and_the_choice_is_stable():
    vectors, _ = _blobs(600, 5)
    result = DocumentClusterer().fit(vectors).result_
    chosen = len(set(result.top_labels[result.top_labels >= 0]))
    assert set(result.stabilities) == set(result.silhouettes)
    assert result.stabilities[chosen] >= ClusteringParams().min_stability


def test_the_references_run_beside_the_resamples_yet_draw_as_if_after_them():
    params = ClusteringParams()
    vectors, _ = _blobs(600, 5)
    reduced = unit_rows(vectors[:, :16])
    leaves = leaf_clusters(reduced, params)
    choice = choose_top_level(reduced, leaves, params, np.random.RandomState(0))
    # The same draws in order: the silhouettes' sample, then each resample, then the references'.
    rng, n = np.random.RandomState(0), len(reduced)
    rng.choice(n, min(n, params.silhouette_sample), replace=False)
    for _ in range(params.stability_resamples):
        rng.choice(n, min(int(params.stability_fraction * n), params.stability_sample_cap), replace=False)
    assert choice.references == reference_silhouettes(reduced, max(choice.stabilities), params, rng)


def test_a_refresh_after_ten_percent_more_documents_keeps_the_previous_top_level():
    vectors, _ = _blobs(1_100, 4, std=6.0)
    first = DocumentClusterer().fit(vectors[:1_000]).result_
    centroids = np.array([vectors[:1_000][first.top_labels == k].mean(0) for k in range(first.top_labels.max() + 1)])
    second = DocumentClusterer().fit(vectors, previous_centroids=centroids).result_
    kept = (first.top_labels >= 0) & (second.top_labels[:1_000] >= 0)
    assert adjusted_rand_score(first.top_labels[kept], second.top_labels[:1_000][kept]) >= 0.97


def _structureless(n, seed=0):
    return np.random.default_rng(seed).standard_normal((n, 32)).astype(np.float32)


def test_where_no_partition_is_stable_the_previous_top_level_stays():
    vectors = _structureless(1_100)
    first = DocumentClusterer().fit(vectors[:1_000]).result_
    assert max(first.stabilities.values()) < ClusteringParams().min_stability
    second = DocumentClusterer().fit(vectors, first.top_centroids, previous_documents=1_000).result_
    both = (first.top_labels >= 0) & (second.top_labels[:1_000] >= 0)
    assert second.kept_previous and both.mean() >= 0.95
    np.testing.assert_array_equal(first.top_labels[both], second.top_labels[:1_000][both])


def test_an_unstable_previous_top_level_made_from_under_half_of_the_drive_is_not_kept():
    reduced = unit_rows(_structureless(600, seed=1))
    params, leaves = ClusteringParams(), np.arange(600)
    previous = np.random.default_rng(2).integers(0, 3, 600)
    kept = choose_top_level(reduced, leaves, params, np.random.RandomState(0), previous, previous_share=0.9)
    grown = choose_top_level(reduced, leaves, params, np.random.RandomState(0), previous, previous_share=0.3)
    assert kept.kept_previous and not grown.kept_previous


def test_seeding_a_refresh_with_its_own_centroids_gives_the_same_filters():
    vectors, _ = _blobs(1_000, 4, std=6.0)
    first = DocumentClusterer().fit(vectors).result_
    again = DocumentClusterer().fit(vectors, first.top_centroids, previous_documents=1_000).result_
    np.testing.assert_array_equal(first.top_labels, again.top_labels)
    np.testing.assert_allclose(first.top_centroids, again.top_centroids, atol=1e-6)


def test_previous_centroids_of_another_model_are_ignored():
    vectors, _ = _blobs(200, 3)
    alone = DocumentClusterer().fit(vectors).labels_
    seeded = DocumentClusterer().fit(vectors, previous_centroids=np.ones((3, 12))).labels_
    np.testing.assert_array_equal(alone, seeded)


def test_a_small_drive_splits_a_filter_into_sub_filters_only_where_the_split_is_clear():
    from tests.fakes import TopicEmbedder, topic_documents

    docs = topic_documents(topics=3, parts=2, per_part=15)
    two_part_topics = TopicEmbedder()._embed_batch([d.body for d in docs])
    parts = np.repeat(np.arange(6), 15)
    result = DocumentClusterer().fit(two_part_topics).result_
    tagged = result.top_labels >= 0
    # Each of the six parts is found, as a filter of its own or as a sub-filter of its topic.
    assert len(set(result.top_labels[tagged])) in (3, 6)
    assert adjusted_rand_score(parts[tagged], result.fine_labels[tagged]) == 1.0
    one_piece_topics, _ = _blobs(90, 3)
    result = DocumentClusterer().fit(one_piece_topics).result_
    tagged = result.top_labels >= 0
    assert len(set(result.fine_labels[tagged])) == len(set(result.top_labels[tagged])) == 3


def test_a_large_filter_of_one_leaf_splits_where_its_own_documents_part_stably():
    parts, truth = _blobs(600, 2, std=1.0)
    whole = np.zeros(600, dtype=np.int64)
    fine = _split_undivided(unit_rows(parts), whole, whole, 1, ClusteringParams(), np.random.RandomState(0))
    assert adjusted_rand_score(truth, fine) == 1.0


def test_a_large_filter_without_parts_stays_whole():
    one_blob, _ = _blobs(600, 1)
    whole = np.zeros(600, dtype=np.int64)
    fine = _split_undivided(unit_rows(one_blob), whole, whole, 1, ClusteringParams(), np.random.RandomState(0))
    assert set(fine) == {0}


def test_the_number_of_filters_is_the_best_separation_beyond_the_reference_times_stability():
    beyond = {2: 0.03, 4: 0.10, 5: 0.11, 9: -0.02}
    stabilities = {2: 0.93, 4: 0.80, 5: 0.60, 9: -0.10}  # 9: bad on both counts, not "good" by their product
    assert _most_structured([2, 4, 5, 9], beyond, stabilities) == 4
    # Where nothing separates beyond the reference, the least bad separation wins.
    assert _most_structured([2, 3], {2: -0.05, 3: -0.01}, {2: 0.99, 3: 0.5}) == 3


def test_a_coarser_level_drawn_as_sharply_and_reliably_is_the_top_level():
    params = ClusteringParams()
    # Five sections or eight finer topics: as sharp and as reliable; eight wins only by the reference.
    silhouettes, stabilities = {2: 0.25, 5: 0.363, 8: 0.359}, {2: 0.77, 5: 0.99, 8: 0.97}
    beyond = {2: 0.05, 5: 0.228, 8: 0.235}
    assert _coarsest_as_good([2, 5, 8], 8, silhouettes, stabilities, beyond, params) == 5
    # A two-way split drawn sharper still, but with half the structure beyond its reference, is not.
    silhouettes, stabilities, beyond = {2: 0.47, 10: 0.45}, {2: 0.99, 10: 0.85}, {2: 0.135, 10: 0.295}
    assert _coarsest_as_good([2, 10], 10, silhouettes, stabilities, beyond, params) == 10


def _elongated_cloud(n, seed):
    """A cloud without topics whose spread falls from one direction to the next, as documents'
    reduced vectors do: splitting it in two along its long axis looks well separated."""
    rng = np.random.default_rng(seed)
    return unit_rows(rng.standard_normal((n, 16)) * np.geomspace(3, 0.3, 16)).astype(np.float32)


def test_a_cloud_without_topics_separates_no_better_than_its_reference():
    from drive_tagger.core import selection

    params = ClusteringParams()
    for seed in range(3):
        cloud = _elongated_cloud(400, seed)
        leaves = selection.leaf_clusters(cloud, params)
        leaves = np.arange(400) % 40 if leaves is None else leaves
        partitions = selection.candidate_partitions(cloud, leaves, 8, params.polish_iterations)
        references = reference_silhouettes(cloud, 8, params, np.random.RandomState(seed))
        assert references[2] > 0.2  # the two-way bias a raw silhouette carries
        for k, labels in partitions.items():
            assert abs(selection._silhouette(cloud, labels) - references[k]) < 0.05, (seed, k)


def test_four_topics_in_two_far_apart_pairs_get_four_filters_not_two():
    for seed in range(3):
        rng = np.random.default_rng(seed)
        pairs = rng.standard_normal((2, 64)) * 10
        centres = np.vstack([pairs[i // 2] + rng.standard_normal(64) * 6.0 for i in range(4)])
        vectors = np.vstack([c + rng.standard_normal((100, 64)) * 3.0 for c in centres]).astype(np.float32)
        truth = np.repeat(np.arange(4), 100)
        result = DocumentClusterer().fit(vectors).result_
        tagged = result.top_labels >= 0
        assert adjusted_rand_score(truth[tagged], result.top_labels[tagged]) >= 0.95, seed


def _drive_with_previous_top_level(centers, filters, moved_share):
    """Reduced vectors of `centers` blobs, their leaves, and a previous top level: today's
    partition into `filters`, with moved_share of the documents moved at random."""
    from drive_tagger.core import selection

    vectors, _ = make_blobs(n_samples=600, n_features=16, centers=centers, cluster_std=1.0, random_state=3)
    reduced, params = unit_rows(vectors.astype(np.float32)), ClusteringParams()
    leaves = selection.leaf_clusters(reduced, params)
    previous = selection.candidate_partitions(reduced, leaves, 10, params.polish_iterations)[filters].copy()
    moved = np.random.default_rng(0).random(600) < moved_share
    previous[moved] = np.random.default_rng(1).integers(0, filters, moved.sum())
    return reduced, leaves, previous


def test_a_number_of_filters_near_the_stability_bar_does_not_replace_a_still_stable_previous_one(monkeypatch):
    from dataclasses import replace

    from drive_tagger.core import selection

    params = ClusteringParams()
    reduced, leaves, previous = _drive_with_previous_top_level(6, 3, 0.15)  # not quite today's three
    # Three filters reproduce well; six (better separated) only just pass the bar.
    stabilities = {3: 0.97, 6: 0.92}
    monkeypatch.setattr(
        selection,
        "_stabilities",
        lambda r, partitions, p, samples, leaves=None, beside=None: (
            {k: stabilities.get(k, 0.5) for k in partitions},
            beside() if beside else None,
        ),
    )

    def choice(margin):
        rng = np.random.RandomState(0)
        return choose_top_level(reduced, leaves, replace(params, switch_margin=margin), rng, previous, 0.9)

    assert choice(params.switch_margin).kept_previous
    assert int(choice(0.0).labels.max()) + 1 == 6  # without the margin, 0.92 swaps three filters for six


def test_the_silhouette_is_scikit_learns_with_the_cosine_metric():
    from sklearn.metrics import silhouette_score

    from drive_tagger.core.selection import _silhouette

    vectors, truth = _blobs(300, 4)
    reduced = unit_rows(vectors)
    truth[0] = 9  # a document alone in its group scores 0
    expected = silhouette_score(reduced, truth, metric="cosine")
    assert abs(_silhouette(reduced, truth) - expected) < 1e-5
    assert _silhouette(reduced, np.zeros(300, dtype=int)) == -1.0


def test_a_previous_two_way_top_level_is_judged_beyond_its_reference_as_a_fresh_one_is(monkeypatch):
    from drive_tagger.core import selection

    params = ClusteringParams()
    reduced, leaves, previous = _drive_with_previous_top_level(4, 2, 0.6)  # no longer today's two
    # Two filters separate a little better than four, but no better than a topic-less cloud cut in two.
    monkeypatch.setattr(
        selection,
        "_stabilities",
        lambda r, partitions, p, samples, leaves=None, beside=None: (
            {k: 0.99 if k in (2, 4) else 0.5 for k in partitions},
            beside() if beside else None,
        ),
    )
    monkeypatch.setattr(selection, "_silhouette", lambda d, labels: {2: 0.345, 4: 0.336}.get(len(set(labels)), 0.1))
    monkeypatch.setattr(selection, "_silhouette_noise", lambda *args: 0.001)

    def choice(two_way_reference):
        monkeypatch.setattr(
            selection,
            "reference_silhouettes",
            lambda r, k_max, p, rng: dict.fromkeys(range(2, k_max + 1), 0.1) | {2: two_way_reference},
        )
        return choose_top_level(reduced, leaves, params, np.random.RandomState(0), previous, 0.9)

    assert int(choice(0.2).labels.max()) + 1 == 4
    assert choice(0.1).kept_previous  # were the two-way reference no higher, the previous two filters would stay


def test_a_drive_of_copies_is_clustered_without_failing():
    rng = np.random.default_rng(0)
    one = np.tile(rng.standard_normal((1, 64)), (30, 1)).astype(np.float32)
    three = np.repeat(rng.standard_normal((3, 64)), 10, axis=0).astype(np.float32)
    four = np.repeat(rng.standard_normal((4, 64)), 100, axis=0).astype(np.float32)
    for copies in (one, three, four):
        result = DocumentClusterer().fit(copies).result_
        assert (result.top_labels >= 0).all() and len(result.fine_labels) == len(copies)
        # Copies of one document share its filter.
        assert all(len(set(result.top_labels[np.all(copies == row, axis=1)])) == 1 for row in np.unique(copies, axis=0))
