import numpy as np

from drive_tagger.core.matching import match_categories


def _members(*groups):
    return [np.array(g, dtype=np.int64) for g in groups]


def _unit(rows):
    array = np.asarray(rows, dtype=np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def test_categories_with_the_same_members_keep_their_ids_whatever_their_order():
    match = match_categories(
        _members([4, 5, 6], [1, 2, 3]),
        _unit([[0, 1], [1, 0]]),
        [10, 20],
        _members([1, 2, 3], [4, 5, 6]),
        _unit([[1, 0], [0, 1]]),
    )
    assert match.ids == (20, 10)


def test_a_new_document_does_not_change_identity():
    match = match_categories(_members([1, 2, 3, 99]), _unit([[1, 0]]), [7], _members([1, 2, 3]), _unit([[1, 0]]))
    assert match.ids == (7,)


def test_a_brand_new_category_gets_no_previous_id():
    match = match_categories(
        _members([1, 2, 3], [50, 51, 52]), _unit([[1, 0], [0, 1]]), [7], _members([1, 2, 3]), _unit([[1, 0]])
    )
    assert match.ids == (7, None)


def test_a_split_is_recorded_with_both_halves():
    match = match_categories(
        _members([1, 2, 3], [4, 5, 6]), _unit([[1, 0], [0.9, 0.1]]), [7], _members([1, 2, 3, 4, 5, 6]), _unit([[1, 0]])
    )
    assert match.splits == {7: (0, 1)} and match.ids.count(7) == 1


def test_a_merge_is_recorded_with_the_absorbed_ids():
    match = match_categories(
        _members([1, 2, 3, 4, 5, 6]),
        _unit([[1, 0]]),
        [7, 8],
        _members([1, 2, 3], [4, 5, 6]),
        _unit([[1, 0], [0.9, 0.1]]),
    )
    assert match.merges == {0: (7, 8)}


def test_without_shared_documents_nearly_equal_centroids_match():
    match = match_categories(_members([100, 101]), _unit([[1, 0.01]]), [7], _members([1, 2]), _unit([[1, 0]]))
    assert match.ids == (7,)


def test_first_refresh_has_nothing_to_match():
    assert match_categories(_members([1]), _unit([[1, 0]]), [], [], np.empty((0, 2))).ids == (None,)
