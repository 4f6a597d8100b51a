from drive_tagger.core.generations import Change, GenerationCategory, compare_generations


def cat(category_id, name, members):
    return GenerationCategory(category_id, name, len(members), frozenset(members))


def test_identical_members_under_a_new_id_are_the_same_filter():
    [change] = compare_generations([cat(1, "Contracts", {1, 2, 3})], [cat(7, "Contracts", {1, 2, 3})])
    assert (change.previous_category_id, change.change, change.jaccard) == (1, Change.SAME, 1.0)


def test_same_members_with_another_name_are_renamed():
    [change] = compare_generations([cat(1, "Contracts", {1, 2})], [cat(1, "Agreements", {1, 2})])
    assert change.change is Change.RENAMED and change.previous_name == "Contracts"


def test_a_filter_matches_the_previous_one_it_shares_most_members_with():
    previous = [cat(1, "A", {1, 2}), cat(2, "B", {3, 4, 5, 6})]
    [change, gone] = compare_generations(previous, [cat(9, "C", {2, 3, 4, 5})])
    assert (change.previous_category_id, change.shared, change.change) == (2, 3, Change.CHANGED)
    assert (gone.previous_category_id, gone.change) == (1, Change.GONE)


def test_a_filter_sharing_nothing_is_new():
    [old, new] = compare_generations([], [cat(1, "A", {1}), cat(2, "B", {2})])
    assert old.change is Change.NEW and new.change is Change.NEW and new.previous_category_id is None


def test_without_kept_members_filters_are_matched_by_id():
    previous = [GenerationCategory(3, "Travel", 9, frozenset())]
    [change] = compare_generations(previous, [GenerationCategory(3, "Trips", 9, frozenset())])
    assert change.change is Change.RENAMED
