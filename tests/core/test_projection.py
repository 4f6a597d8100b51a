import numpy as np

from drive_tagger.core.projection import label_positions, project_2d


def _blobs(seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, 384)) * 3
    return np.vstack([c + rng.standard_normal((20, 384)) * 0.3 for c in centres]), np.repeat([0, 1, 2], 20)


def test_projection_gives_two_coordinates_per_document():
    vectors, _ = _blobs()
    assert project_2d(vectors).shape == (60, 2)


def test_projection_is_deterministic():
    vectors, _ = _blobs()
    assert np.array_equal(project_2d(vectors), project_2d(vectors.copy()))


def test_projection_keeps_clusters_apart():
    vectors, labels = _blobs()
    coords = project_2d(vectors)
    centres = np.stack([coords[labels == k].mean(axis=0) for k in range(3)])
    spread = max(np.linalg.norm(coords[labels == k] - centres[k], axis=1).mean() for k in range(3))
    gaps = [np.linalg.norm(centres[a] - centres[b]) for a in range(3) for b in range(a + 1, 3)]
    assert min(gaps) > 2 * spread


def test_projection_of_one_document_or_identical_ones_is_the_origin():
    assert np.array_equal(project_2d(np.ones((1, 384))), np.zeros((1, 2)))
    assert np.allclose(project_2d(np.ones((4, 384))), 0)


def test_label_positions_are_member_medians_and_skip_noise():
    coords = np.array([[0.0, 0.0], [2.0, 2.0], [4.0, 4.0], [9.0, 9.0]])
    positions = label_positions(coords, np.array([5, 5, 5, -1]))
    assert positions == {5: (2.0, 2.0)}
