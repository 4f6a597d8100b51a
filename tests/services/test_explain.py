"""Why a document is in its filters, and what the last refresh changed, on the sample drive."""

import pytest

from drive_tagger.errors import UnknownDocument
from drive_tagger.services import corrections, explain
from drive_tagger.services.query import filter_documents, list_filters
from drive_tagger.services.refresh import refresh_workspace

NDA = "contracts/mutual-nda-brightwave.md"


def test_keywords_are_shared_when_each_of_their_words_is_in_the_text():
    text = "These Terms of Service bind the parties; payment is due in 30 days."
    assert explain.shared_keywords(["terms service", "payment", "invoice", "due days"], text) == (
        "terms service",
        "payment",
        "due days",
    )


def test_a_document_is_explained_by_its_filters_keywords_and_nearest_neighbours_there(db, refreshed):
    found = explain.explain_document(db.browse, refreshed, NDA)
    home = found.memberships[0]
    keywords = next(f.keywords for f in list_filters(db.refreshes, refreshed) if f.category_id == home.tag.category_id)
    members = {d.external_id for d in filter_documents(db.refreshes, refreshed, str(home.tag.category_id))[1]}
    assert found.title == "Mutual Non-Disclosure Agreement" and home.tag.rank == 1
    assert home.keywords and set(home.keywords) <= set(keywords)
    assert len(home.neighbours) == explain.NEIGHBOURS and {n.external_id for n in home.neighbours} <= members - {NDA}
    similarities = [n.similarity for n in home.neighbours]
    assert similarities == sorted(similarities, reverse=True)


def test_a_document_out_of_every_filter_has_no_memberships(db, refreshed):
    corrections.move_documents(db.refreshes, refreshed, [NDA], None)
    assert explain.explain_document(db.browse, refreshed, NDA).memberships == ()


def test_an_unknown_document_is_named(db, refreshed):
    with pytest.raises(UnknownDocument, match=r"missing\.md"):
        explain.explain_document(db.browse, refreshed, "missing.md")


def test_before_any_refresh_there_are_no_changes(db, sample_workspace):
    assert explain.last_refresh_changes(db.browse, sample_workspace) is None


def test_the_first_refresh_lists_every_filter_as_new(db, refreshed):
    changes = explain.last_refresh_changes(db.browse, refreshed)
    assert changes.first and sorted(changes.new) == sorted(f.name for f in list_filters(db.refreshes, refreshed))
    assert changes.documents == 75 and changes.gone == () and changes.corrections == ()


def test_a_merge_shows_in_the_next_refreshs_changes_by_name(db, refreshed, namer):
    keep, absorb = [f for f in list_filters(db.refreshes, refreshed) if f.parent_category_id is None][:2]
    corrections.merge_filters(db.refreshes, refreshed, str(keep.category_id), str(absorb.category_id))
    refresh_workspace(db.documents, db.refreshes, refreshed, namer=namer)
    changes = explain.last_refresh_changes(db.browse, refreshed)
    kept_name = next(f.name for f in list_filters(db.refreshes, refreshed) if f.category_id == keep.category_id)
    assert not changes.first
    assert absorb.name in changes.gone or any(absorb.name in before for before, _ in changes.merged)
    assert changes.corrections == (f"Merge into “{kept_name}”: applied",)


def test_a_refresh_that_changes_nothing_reports_every_filter_kept(db, refreshed, namer):
    refresh_workspace(db.documents, db.refreshes, refreshed, namer=namer)
    changes = explain.last_refresh_changes(db.browse, refreshed)
    assert changes.kept == len(list_filters(db.refreshes, refreshed))
    assert (changes.new, changes.gone, changes.merged, changes.split) == ((), (), (), ())
