import numpy as np
import pytest

from drive_tagger.core.metrics import clustering_scores


def test_perfect_tagging_scores_one():
    scores = clustering_scores(["a", "a", "b"], np.array([5, 5, 7]))
    assert scores["nmi"] == pytest.approx(1.0) and scores["ari"] == pytest.approx(1.0)


def test_untagged_share_counts_minus_one():
    assert clustering_scores(["a", "b", "b", "a"], np.array([1, -1, -1, 1]))["untagged"] == 0.5


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError):
        clustering_scores(["a"], np.array([1, 2]))


def test_purity_is_the_tagged_share_sitting_with_their_groups_majority_kind():
    scores = clustering_scores(["a", "a", "b", "b", "b"], np.array([1, 1, 1, 2, -1]))
    assert scores["purity"] == pytest.approx(3 / 4)


def test_purity_of_a_tagging_that_tags_nothing_is_zero():
    assert clustering_scores(["a", "b"], np.array([-1, -1]))["purity"] == 0.0


def test_best_match_f1_finds_each_kind_at_whichever_level_holds_it():
    from drive_tagger.core.metrics import best_match_f1

    gold = ["news", "news", "sport", "sport", "film", "film"]
    top = np.array([0, 0, 1, 1, 1, 1])  # film and sport share a filter
    sub = np.array([-1, -1, 2, 2, 3, 3])  # and are apart as sub-filters
    assert best_match_f1(gold, [top]) == pytest.approx((2 * 1.0 + 4 * (2 * 2 / (2 + 4))) / 6)
    assert best_match_f1(gold, [top, sub]) == 1.0


def test_name_fidelity_is_the_share_of_documents_nearest_their_own_filters_label():
    from drive_tagger.core.metrics import name_fidelity

    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.6, 0.4]])
    assigned = np.array([7, 7, 8, 8])  # the last sits with 8 but reads like 7's label
    labels = {7: np.array([1.0, 0.0]), 8: np.array([0.0, 1.0])}
    assert name_fidelity(vectors, [(assigned, [7, 8])], labels) == 0.75
    assert name_fidelity(vectors, [(assigned, [7])], labels) is None  # one filter: nothing to tell apart
