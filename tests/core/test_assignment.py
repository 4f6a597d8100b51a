import numpy as np

from drive_tagger.core.assignment import assign_to_centroids, cluster_centroids


def _unit(*rows):
    array = np.array(rows, dtype=np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def test_centroids_are_normalized_means_of_members():
    vectors = _unit([1, 0], [1, 0.2], [0, 1])
    clusters, centroids = cluster_centroids(vectors, np.array([0, 0, -1]))
    assert clusters.tolist() == [0]
    np.testing.assert_allclose(np.linalg.norm(centroids, axis=1), 1.0, rtol=1e-6)


def test_noise_close_to_a_centroid_joins_it():
    centroids = _unit([1, 0], [0, 1])
    vectors = _unit([1, 0], [0.9, 0.1])
    result = assign_to_centroids(vectors, np.array([0, -1]), centroids, np.array([10, 11]), join_similarity=0.5)
    assert result.category_id.tolist() == [10, 10]


def test_noise_far_from_every_centroid_stays_untagged():
    centroids = _unit([1, 0, 0], [0, 1, 0])
    vectors = _unit([1, 0, 0], [0, 0, 1])
    result = assign_to_centroids(vectors, np.array([0, -1]), centroids, np.array([10, 11]), join_similarity=0.5)
    assert result.document_index.tolist() == [0]


def test_members_keep_their_cluster_and_score_their_similarity():
    centroids = _unit([1, 0], [0, 1])
    vectors = _unit([0.6, 0.8])
    result = assign_to_centroids(vectors, np.array([0]), centroids, np.array([1, 2]), join_similarity=0.99)
    assert result.category_id.tolist() == [1]
    assert abs(float(result.score[0]) - 0.6) < 1e-5
