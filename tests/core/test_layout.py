"""The map's layout (core/layout.py): filters as discs that never overlap, alike filters near each
other, each document inside its own filter's disc, the same map from the same vectors, and more
of each document's neighbours kept than a PCA keeps."""

import numpy as np
from sklearn.manifold import trustworthiness

from drive_tagger.core.layout import leaf_of_rows, map_layout
from drive_tagger.core.projection import project_2d
from drive_tagger.core.types import Assignments, Category


def _topics(seed=0, kinds=6, each=40):
    """`kinds` topics in 384-d, two pairs of them alike, each topic with two sub-topics."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((kinds, 384))
    centres[1] = centres[0] + 0.4 * rng.standard_normal(384)
    centres[3] = centres[2] + 0.4 * rng.standard_normal(384)
    subs = np.repeat(centres, 2, axis=0) + 0.5 * rng.standard_normal((2 * kinds, 384))
    vectors = np.vstack([s + 0.6 * rng.standard_normal((each // 2, 384)) for s in subs])
    return vectors.astype(np.float32), np.repeat(np.arange(kinds), each)


def _discs(xy, labels):
    ids = np.unique(labels)
    centres = np.array([np.median(xy[labels == i], axis=0) for i in ids])
    return ids, centres


def test_the_same_vectors_give_the_same_map():
    vectors, labels = _topics()
    assert np.array_equal(map_layout(vectors, labels), map_layout(vectors.copy(), labels.copy()))


def test_each_document_sits_nearer_its_own_filters_centre_than_any_other():
    vectors, labels = _topics()
    xy = map_layout(vectors, labels)
    ids, centres = _discs(xy, labels)
    nearest = ids[np.argmin(np.linalg.norm(xy[:, None] - centres[None], axis=2), axis=1)]
    assert (nearest == labels).mean() >= 0.97


def test_alike_filters_sit_nearer_each_other_than_unlike_ones():
    vectors, labels = _topics()
    _, centres = _discs(map_layout(vectors, labels), labels)
    apart = np.linalg.norm(centres[:, None] - centres[None], axis=2)
    assert apart[0, 1] < np.median(apart[0, 2:]) and apart[2, 3] < np.median(apart[2, [0, 1, 4, 5]])


def test_the_map_keeps_more_of_each_documents_neighbours_than_a_pca():
    vectors, labels = _topics()
    ours = trustworthiness(vectors, map_layout(vectors, labels), n_neighbors=10, metric="cosine")
    pca = trustworthiness(vectors, project_2d(vectors), n_neighbors=10, metric="cosine")
    assert ours > pca + 0.02


def test_untagged_documents_are_placed_with_the_filter_nearest_them():
    vectors, labels = _topics()
    leaves = labels.copy()
    leaves[::10] = -1
    xy = map_layout(vectors, leaves)
    ids, centres = _discs(xy[leaves >= 0], leaves[leaves >= 0])
    untagged = np.flatnonzero(leaves < 0)
    nearest = ids[np.argmin(np.linalg.norm(xy[untagged, None] - centres[None], axis=2), axis=1)]
    assert (nearest == labels[untagged]).mean() >= 0.9


def test_without_any_filter_the_map_is_a_pca_and_a_lone_document_sits_at_the_origin():
    vectors, _ = _topics()
    none = np.full(len(vectors), -1)
    assert np.allclose(map_layout(vectors, none), project_2d(vectors).astype(np.float32))
    assert map_layout(vectors[:1], np.array([3])).tolist() == [[0.0, 0.0]]
    assert map_layout(np.zeros((0, 384)), np.zeros(0)).shape == (0, 2)


def _category(category_id, parent=None):
    return Category(category_id, "name", (), 1, np.zeros(4, np.float32), parent_category_id=parent)


def test_a_documents_leaf_is_its_best_sub_filter_else_its_top_level_filter():
    links = Assignments(
        document_index=np.array([0, 0, 1, 1, 2]),
        category_id=np.array([10, 11, 10, 20, 20]),
        score=np.ones(5, np.float32),
        rank=np.array([1, 1, 1, 2, 2]),
    )
    leaves = leaf_of_rows(4, links, [_category(10), _category(11, parent=10), _category(20)])
    assert leaves.tolist() == [11, 10, -1, -1]
