"""Corrections applied to a grouping (pure): merges, splits, moves and learned filters on arrays;
where people placed documents, and undone corrections reversed."""

from dataclasses import replace

import numpy as np
from sklearn.preprocessing import normalize

from drive_tagger.core.changes import CorrectionNote
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
    corrected = apply_corrections(vectors, ids, grouping, (merge,), _fresh())
    merged, notes = corrected.grouping, corrected.notes
    assert set(merged.top[:20]) == {20} and set(merged.top[20:]) == {30}
    assert merged.parents[11] == 20 and notes == [CorrectionNote(1, "merge", applied=True)]


def test_a_split_parts_the_filter_holding_its_groups_and_gives_them_their_ids():
    vectors, ids, grouping = _setup()
    split = Correction(2, Kind.SPLIT, 10, np.empty(0, np.int64), {11: np.arange(100, 105), 12: np.arange(105, 110)})
    parted = apply_corrections(vectors, ids, grouping, (split,), _fresh()).grouping
    assert set(parted.top[:5]) == {11} and set(parted.top[5:10]) == {12} and set(parted.sub[:10]) == {-1}


def test_moves_place_documents_in_a_filter_a_sub_filter_or_none_and_skip_a_gone_filter():
    vectors, ids, grouping = _setup()
    moves = (
        Correction(3, Kind.MOVE, 30, np.array([100])),
        Correction(4, Kind.MOVE, 22, np.array([101])),
        Correction(5, Kind.MOVE, None, np.array([102])),
        Correction(6, Kind.MOVE, 999, np.array([103])),
    )
    corrected = apply_corrections(vectors, ids, grouping, moves, _fresh())
    moved, notes = corrected.grouping, corrected.notes
    assert (moved.top[0], moved.top[1], moved.sub[1], moved.top[2], moved.sub[2], moved.top[3]) == (
        30,
        20,
        22,
        -1,
        -1,
        10,
    )
    assert [n.applied for n in notes] == [True, True, True, False]


def test_a_learned_filter_takes_its_picked_documents_and_those_like_them():
    vectors, ids, grouping = _setup()
    learned = Correction(7, Kind.LEARNED, 50, np.array([120, 121]), name="Board Papers")
    filters = apply_corrections(vectors, ids, grouping, (learned,), _fresh()).learned
    assert filters[0].name == "Board Papers" and {20, 21} <= set(filters[0].members.tolist())
    assert set(filters[0].members.tolist()) <= set(range(20, 30))


def test_a_correction_whose_documents_are_all_gone_changes_nothing():
    vectors, ids, grouping = _setup()
    corrected = apply_corrections(vectors, ids, grouping, (Correction(8, Kind.MERGE, 10, np.array([7])),), _fresh())
    merged, notes = corrected.grouping, corrected.notes
    assert np.array_equal(merged.top, grouping.top) and notes[0].applied is False


def test_picked_documents_leave_their_filter_for_the_new_one_as_its_seeds():
    vectors, ids, grouping = _setup()
    learned = Correction(9, Kind.LEARNED, 50, np.array([120, 121]), name="Board Papers")
    corrected = apply_corrections(vectors, ids, grouping, (learned,), _fresh())
    assert corrected.grouping.top[20] == corrected.grouping.top[21] == -1, "no discovered filter holds them"
    assert corrected.learned[0].seeds.tolist() == [20, 21] and corrected.placed[[20, 21]].all()


def test_the_latest_placement_wins_and_a_placed_document_joins_no_other_learned_filter():
    vectors, ids, grouping = _setup()
    corrections = (
        Correction(1, Kind.MOVE, None, np.array([122])),  # out of every filter
        Correction(2, Kind.LEARNED, 50, np.array([120, 121]), name="Board Papers"),
        Correction(3, Kind.MOVE, 10, np.array([121])),  # a pick moved on afterwards
    )
    corrected = apply_corrections(vectors, ids, grouping, corrections, _fresh())
    board = corrected.learned[0]
    assert 122 - 100 not in board.members, "moved out of every filter means out of a learned filter too"
    assert corrected.grouping.top[21] == 10 and 21 not in board.members and board.seeds.tolist() == [20]


def test_a_move_whose_filter_is_gone_never_goes_back_where_it_was_taken_from():
    vectors, ids, grouping = _setup()
    move = Correction(4, Kind.MOVE, 999, np.array([100]), groups={10: np.array([100]), 11: np.array([100])})
    corrected = apply_corrections(vectors, ids, grouping, (move,), _fresh())
    assert corrected.grouping.top[0] not in (10,) and corrected.grouping.sub[0] == -1


def test_a_move_to_a_filter_merged_away_follows_it_into_the_kept_filter():
    vectors, ids, grouping = _setup()
    corrections = (
        Correction(1, Kind.MOVE, 40, np.array([100])),  # 40: a filter since merged into 30
        Correction(2, Kind.MERGE, 30, np.arange(120, 130), other=40),
    )
    corrected = apply_corrections(vectors, ids, grouping, corrections, _fresh())
    assert corrected.grouping.top[0] == 30


def test_a_merge_holds_the_kept_filters_name_and_its_undo_gives_back_both_ids_and_the_pin():
    vectors, ids, grouping = _setup()
    members = {10: np.arange(100, 110), 20: np.arange(110, 120)}
    merge = Correction(
        5,
        Kind.MERGE,
        10,
        np.arange(100, 120),
        members,
        other=20,
        names={10: "Legal", 20: "Finance"},
        absorbed_pin="Money",
    )
    corrected = apply_corrections(vectors, ids, grouping, (merge,), _fresh())
    assert set(corrected.grouping.top[:20]) == {10} and corrected.names == {10: "Legal"}
    undone = replace(merge, undone=True, reverting=True)
    reverted = apply_corrections(vectors, ids, corrected.grouping, (undone,), _fresh())
    assert set(reverted.grouping.top[:10]) == {10} and set(reverted.grouping.top[10:20]) == {20}
    assert reverted.names == {10: "Legal", 20: "Money"}
    assert reverted.notes == [CorrectionNote(5, "merge", applied=True, undone=True)]
    later = apply_corrections(vectors, ids, corrected.grouping, (replace(undone, reverting=False),), _fresh())
    assert np.array_equal(later.grouping.top, corrected.grouping.top) and later.notes == [], "undone: not applied"


def test_the_undo_of_a_split_joins_its_parts_again_under_the_filter_split():
    vectors, ids, grouping = _setup()
    split = Correction(6, Kind.SPLIT, 10, np.empty(0, np.int64), {11: np.arange(100, 105), 12: np.arange(105, 110)})
    parted = apply_corrections(vectors, ids, grouping, (split,), _fresh()).grouping
    rejoined = apply_corrections(vectors, ids, parted, (replace(split, undone=True, reverting=True),), _fresh())
    assert set(rejoined.grouping.top[:10]) == {10}
