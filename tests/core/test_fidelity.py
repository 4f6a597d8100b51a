import numpy as np

from drive_tagger.core.fidelity import sharpen, sorted_right

EAST, NORTH, UP = np.eye(3)


def _near(direction, n=10, seed=0):
    """n unit-ish vectors scattered a little around a direction."""
    rng = np.random.default_rng(seed)
    return direction + 0.1 * rng.standard_normal((n, 3))


def test_documents_are_sorted_right_when_their_own_filters_prompt_is_nearest():
    units = np.vstack([EAST, NORTH, NORTH])
    assert sorted_right(units, np.array([0, 1, 0]), np.vstack([EAST, NORTH])) == 2


def test_a_readable_name_that_pulls_a_siblings_documents_gives_way_to_one_that_tells_them_apart():
    members = [_near(EAST), _near(NORTH, seed=1)]
    # Filter 0's most readable name means what filter 1 holds; its second means its own.
    options = [np.vstack([NORTH - 0.3 * EAST, EAST]), NORTH[None]]
    assert sharpen(members, options, [0, 0], tolerance=0.1) == [1, 0]


def test_the_most_readable_name_stays_while_it_sorts_nearly_as_well_as_the_best():
    members = [_near(EAST), _near(NORTH, seed=1)]
    options = [np.vstack([EAST + 0.3 * UP, EAST]), NORTH[None]]  # both sort every document right
    assert sharpen(members, options, [1, 0], tolerance=0.1) == [0, 0]


def test_a_name_the_gate_would_refuse_beside_the_others_is_not_taken():
    members = [_near(EAST), _near(NORTH, seed=1)]
    options = [np.vstack([NORTH, EAST]), NORTH[None]]
    never_second = sharpen(members, options, [0, 0], lambda position, option, chosen: option == 0, tolerance=0.1)
    assert never_second == [0, 0]


def test_a_lone_filter_keeps_its_name():
    assert sharpen([_near(EAST)], [np.vstack([NORTH, EAST])], [0], tolerance=0.1) == [0]
