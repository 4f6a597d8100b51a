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
