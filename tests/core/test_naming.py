from drive_tagger.core.naming import keyword_name, unique_offline_names


def test_name_joins_the_top_two_keywords():
    assert keyword_name(["invoice", "payment", "vat"], set()) == "Invoice and Payment"


def test_names_within_a_workspace_are_unique():
    names = unique_offline_names([["invoice", "payment"], ["invoice", "payment"], ["invoice", "payment"]])
    assert len({n.lower() for n in names}) == 3


def test_category_without_keywords_still_gets_a_name():
    names = unique_offline_names([[], []])
    assert len(set(names)) == 2 and all(names)
