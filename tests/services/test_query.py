import pytest

from drive_tagger.errors import InvalidInput, UnknownDocument, UnknownFilter
from drive_tagger.services.query import document_tags, filter_documents, list_filters


def test_top_level_sizes_add_up_to_the_tagged_documents_and_counts_include_second_tags(db, refreshed):
    top_level = [f for f in list_filters(db.refreshes, refreshed) if f.parent_category_id is None]
    tagged = db.documents.workspace_counts(db.documents.workspace(refreshed).id).tagged
    assert sum(f.size for f in top_level) == tagged
    assert all(f.documents >= f.size for f in top_level)


def test_a_filter_is_found_by_name_case_insensitively(db, refreshed):
    first = list_filters(db.refreshes, refreshed)[0]
    chosen, _ = filter_documents(db.refreshes, refreshed, first.name.upper())
    assert chosen.category_id == first.category_id


def test_filter_documents_pages_without_overlap(db, refreshed):
    first = list_filters(db.refreshes, refreshed)[0]
    _, page_one = filter_documents(db.refreshes, refreshed, str(first.category_id), limit=3, offset=0)
    _, page_two = filter_documents(db.refreshes, refreshed, str(first.category_id), limit=3, offset=3)
    assert len(page_one) == 3 and not {d.document_id for d in page_one} & {d.document_id for d in page_two}


def test_a_filter_lists_its_own_documents_before_those_carrying_it_as_a_second_tag(db, refreshed):
    pages = {
        f.category_id: filter_documents(db.refreshes, refreshed, str(f.category_id), limit=500)[1]
        for f in list_filters(db.refreshes, refreshed)
    }
    assert any(d.rank > 1 for page in pages.values() for d in page)  # the sample drive has second tags
    for page in pages.values():
        order = [(d.rank, -d.score) for d in page]
        assert order == sorted(order)


def test_document_tags_show_its_filter_and_score(db, refreshed):
    title, tags = document_tags(db.refreshes, refreshed, "contracts/mutual-nda-brightwave.md")
    assert "Non-Disclosure" in title or "NDA" in title
    assert tags and 0 < tags[0].score <= 1 and tags[0].rank == 1


def test_unknown_filter_lists_the_existing_ones(db, refreshed):
    with pytest.raises(UnknownFilter, match=r"no filter 'nonexistent'.*filters: "):
        filter_documents(db.refreshes, refreshed, "nonexistent")


def test_unknown_document_is_named(db, refreshed):
    with pytest.raises(UnknownDocument, match=r"no document 'missing\.md'"):
        document_tags(db.refreshes, refreshed, "missing.md")


def test_bad_page_size_is_rejected(db, refreshed):
    with pytest.raises(InvalidInput, match="page size"):
        filter_documents(db.refreshes, refreshed, "1", limit=0)


def test_filters_before_any_refresh_are_empty(db, sample_workspace):
    assert list_filters(db.refreshes, sample_workspace) == []


def test_filters_are_listed_each_top_level_filter_followed_by_its_sub_filters(db, refreshed):
    filters = list_filters(db.refreshes, refreshed)
    current_top = None
    for f in filters:
        if f.parent_category_id is None:
            current_top = f.category_id
        else:
            assert f.parent_category_id == current_top
