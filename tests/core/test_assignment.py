import numpy as np

from drive_tagger.core.assignment import cluster_centroids, combine, level_links


def _unit(*rows):
    array = np.array(rows, dtype=np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def test_centroids_are_normalized_means_of_members():
    vectors = _unit([1, 0], [1, 0.2], [0, 1])
    clusters, centroids = cluster_centroids(vectors, np.array([0, 0, -1]))
    assert clusters.tolist() == [0]
    np.testing.assert_allclose(np.linalg.norm(centroids, axis=1), 1.0, rtol=1e-6)


def test_each_labelled_document_links_to_its_category_scored_by_cosine():
    centroids = _unit([1, 0], [0, 1])
    links = level_links(_unit([0.6, 0.8]), np.array([0]), centroids, np.array([7, 8]))
    assert links.category_id.tolist() == [7] and links.rank.tolist() == [1]
    assert abs(float(links.score[0]) - 0.6) < 1e-5


def test_untagged_documents_get_no_link():
    links = level_links(_unit([1, 0], [0, 1]), np.array([0, -1]), _unit([1, 0]), np.array([3]))
    assert links.document_index.tolist() == [0]


def test_a_document_close_to_a_second_category_carries_it_as_rank_two():
    centroids = _unit([1, 0], [0, 1])
    between = _unit([1, 0.95])
    links = level_links(between, np.array([0]), centroids, np.array([1, 2]), second_margin=0.05)
    assert sorted(zip(links.rank.tolist(), links.category_id.tolist(), strict=True)) == [(1, 1), (2, 2)]


def test_a_document_far_from_other_categories_carries_one():
    centroids = _unit([1, 0], [0, 1])
    links = level_links(_unit([1, 0.1]), np.array([0]), centroids, np.array([1, 2]), second_margin=0.05)
    assert links.category_id.tolist() == [1]


def test_combine_concatenates_links():
    a = level_links(_unit([1, 0]), np.array([0]), _unit([1, 0]), np.array([1]))
    assert len(combine(a, a)) == 2


def _category(category_id, centroid, parent=None, fence=None, form=None):
    from drive_tagger.core.types import Category

    return Category(
        category_id, f"c{category_id}", (), 1, _unit(centroid)[0], parent_category_id=parent, fence=fence, form=form
    )


def test_an_arrival_joins_the_nearest_filter_and_its_nearest_sub_filter():
    from drive_tagger.core.assignment import tag_arrivals

    categories = [
        _category(1, [1, 0, 0], fence=0.5),
        _category(2, [0, 1, 0], fence=0.5),
        _category(3, [1, 0.3, 0], parent=1),
        _category(4, [1, -0.3, 0], parent=1),
    ]
    links, poor = tag_arrivals(_unit([1, 0.25, 0]), categories)
    assert sorted(links.category_id.tolist()) == [1, 3] and not poor.any()


def test_an_arrival_below_the_fence_stays_untagged_and_counts_as_poorly_matched():
    from drive_tagger.core.assignment import tag_arrivals

    links, poor = tag_arrivals(_unit([0, 0, 1]), [_category(1, [1, 0, 0], fence=0.5)])
    assert len(links) == 0 and poor.tolist() == [True]


def test_an_arrival_of_no_form_leaves_a_form_filter_for_the_nearest_topic_that_admits_it():
    from drive_tagger.core.assignment import tag_arrivals

    categories = [
        _category(1, [1, 0, 0], fence=0.5),
        _category(2, [0, 1, 0], fence=0.5, form="Meeting Notes"),
    ]
    budget, poem, minutes = _unit([0.6, 0.8, 0]), _unit([0, 0.6, 0.8]), _unit([0.6, 0.8, 0])
    links, poor = tag_arrivals(np.vstack([budget, poem, minutes]), categories, [None, None, "Meeting Notes"])
    assert links.category_id.tolist() == [1, 2, 2] and not poor.any()  # no topic admits the poem


def test_an_arrival_of_a_form_that_sets_filters_apart_joins_the_nearest_of_them_past_any_fence():
    from drive_tagger.core.assignment import tag_arrivals

    categories = [
        _category(1, [1, 0, 0], fence=0.5),
        _category(2, [0, 1, 0], fence=0.9, form="Emails"),
        _category(3, [0, 0, 1], fence=0.9, form="Emails"),
    ]
    arrivals = _unit([1, 0.1, 0.2], [1, 0.1, 0.2], [0, 0.2, 1])
    links, poor = tag_arrivals(arrivals, categories, ["Emails", None, "Emails"])
    assert links.category_id.tolist() == [3, 1, 3] and not poor.any()
