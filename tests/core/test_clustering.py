import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import fowlkes_mallows_score

from drive_tagger.core.clustering import DocumentClusterer
from drive_tagger.core.params import ClusteringParams


def _blobs(n=600, centers=5, seed=0):
    vectors, truth = make_blobs(n_samples=n, n_features=384, centers=centers, cluster_std=4.0, random_state=seed)
    return vectors.astype(np.float32), truth


def test_separated_groups_are_recovered():
    vectors, truth = _blobs()
    labels = DocumentClusterer().fit(vectors).labels_
    clustered = labels >= 0
    assert clustered.mean() >= 0.9
    assert fowlkes_mallows_score(truth[clustered], labels[clustered]) >= 0.98


def test_same_input_gives_same_labels():
    vectors, _ = _blobs(seed=3)
    first = DocumentClusterer(ClusteringParams(seed=7)).fit(vectors).labels_
    second = DocumentClusterer(ClusteringParams(seed=7)).fit(vectors).labels_
    np.testing.assert_array_equal(first, second)


def test_too_few_documents_form_one_category():
    vectors, _ = _blobs(n=5, centers=2)
    assert set(DocumentClusterer().fit(vectors).labels_) == {0}


def test_fit_rejects_a_one_dimensional_array():
    with pytest.raises(ValueError, match="2-d"):
        DocumentClusterer().fit(np.zeros(384))
