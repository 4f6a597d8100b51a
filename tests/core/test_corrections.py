"""Corrections applied to a grouping (pure): merges, splits, moves and learned filters on arrays."""

import numpy as np
from sklearn.preprocessing import normalize

from drive_tagger.core.corrections import Correction, Grouping, Kind, apply_corrections


def _setup():
    rng = np.random.default_rng(0)
    centres = normalize(rng.standard_normal((3, 16))) * 4
    vectors = normalize(np.vstack([c + rng.standard_normal((10, 16)) * 0.3 for c in centres])).astype(np.float32)
    top = np.repeat([10, 20, 30], 10)
    sub = np.concatenate([np.repeat([11, 12], 5), np.repeat([21, 22], 5), np.full(10, -1)])
    grouping = Grouping(top, sub, {11: 10, 12: 10, 21: 20, 22: 20}, {10: 0.5, 20: 0.4, 30: 0.6})
    return vectors, np.arange(100, 130), grouping


def _fresh():
    ids = iter(range(1000, 2000))
    return lambda: next(ids)


def test_a_merge_joins_every_filter_mostly_made_of_its_documents_under_the_kept_id():
    vectors, ids, grouping = _setup()
    merge = Correction(1, Kind.MERGE, 20, np.arange(100, 120))
    merged, _, notes = apply_corrections(vectors, ids, grouping, (merge,), _fresh())
    assert set(merged.top[:20]) == {20} and set(merged.top[20:]) == {30}
    assert merged.parents[11] == 20 and notes == [{"correction": 1, "kind": "merge", "applied": True}]


def test_a_split_parts_the_filter_holding_its_groups_and_gives_them_their_ids():
    vectors, ids, grouping = _setup()
    split = Correction(2, Kind.SPLIT, 10, np.empty(0, np.int64), {11: np.arange(100, 105), 12: np.arange(105, 110)})
    parted, _, _ = apply_corrections(vectors, ids, grouping, (split,), _fresh())
    assert set(parted.top[:5]) == {11} and set(parted.top[5:10]) == {12} and set(parted.sub[:10]) == {-1}


def test_moves_place_documents_in_a_filter_a_sub_filter_or_none_and_skip_a_gone_filter():
    vectors, ids, grouping = _setup()
    moves = (
        Correction(3, Kind.MOVE, 30, np.array([100])),
        Correction(4, Kind.MOVE, 22, np.array([101])),
        Correction(5, Kind.MOVE, None, np.array([102])),
        Correction(6, Kind.MOVE, 999, np.array([103])),
    )
    moved, _, notes = apply_corrections(vectors, ids, grouping, moves, _fresh())
    assert (moved.top[0], moved.top[1], moved.sub[1], moved.top[2], moved.sub[2], moved.top[3]) == (
        30,
        20,
        22,
        -1,
        -1,
        10,
    )
    assert [n["applied"] for n in notes] == [True, True, True, False]


def test_a_learned_filter_takes_its_picked_documents_and_those_like_them():
    vectors, ids, grouping = _setup()
    learned = Correction(7, Kind.LEARNED, 50, np.array([120, 121]), name="Board Papers")
    _, filters, _ = apply_corrections(vectors, ids, grouping, (learned,), _fresh())
    assert filters[0].name == "Board Papers" and {20, 21} <= set(filters[0].members.tolist())
    assert set(filters[0].members.tolist()) <= set(range(20, 30))


def test_a_correction_whose_documents_are_all_gone_changes_nothing():
    vectors, ids, grouping = _setup()
    merged, _, notes = apply_corrections(
        vectors, ids, grouping, (Correction(8, Kind.MERGE, 10, np.array([7])),), _fresh()
    )
    assert np.array_equal(merged.top, grouping.top) and notes[0]["applied"] is False
