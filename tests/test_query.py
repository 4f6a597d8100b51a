import pytest

from drive_tagger.errors import InvalidInput, UnknownDocument, UnknownFilter
from drive_tagger.services.query import document_tags, filter_documents, list_filters


def test_top_level_sizes_add_up_to_the_tagged_documents_and_counts_include_second_tags(store, refreshed):
    top_level = [f for f in list_filters(store, refreshed) if f.parent_category_id is None]
    _, tagged = store.workspace_counts(store.workspace(refreshed).id)
    assert sum(f.size for f in top_level) == tagged
    assert all(f.documents >= f.size for f in top_level)


def test_a_filter_is_found_by_name_case_insensitively(store, refreshed):
    first = list_filters(store, refreshed)[0]
    chosen, _ = filter_documents(store, refreshed, first.name.upper())
    assert chosen.category_id == first.category_id


def test_filter_documents_pages_without_overlap(store, refreshed):
    first = list_filters(store, refreshed)[0]
    _, page_one = filter_documents(store, refreshed, str(first.category_id), limit=3, offset=0)
    _, page_two = filter_documents(store, refreshed, str(first.category_id), limit=3, offset=3)
    assert len(page_one) == 3 and not {d.document_id for d in page_one} & {d.document_id for d in page_two}
    assert [d.score for d in page_one] == sorted((d.score for d in page_one), reverse=True)


def test_document_tags_show_its_filter_and_score(store, refreshed):
    title, tags = document_tags(store, refreshed, "contracts/mutual-nda-brightwave.md")
    assert "Non-Disclosure" in title or "NDA" in title
    assert tags and 0 < tags[0].score <= 1 and tags[0].rank == 1


def test_unknown_filter_lists_the_existing_ones(store, refreshed):
    with pytest.raises(UnknownFilter, match="no filter 'nonexistent'.*filters: "):
        filter_documents(store, refreshed, "nonexistent")


def test_unknown_document_is_named(store, refreshed):
    with pytest.raises(UnknownDocument, match="no document 'missing.md'"):
        document_tags(store, refreshed, "missing.md")


def test_bad_page_size_is_rejected(store, refreshed):
    with pytest.raises(InvalidInput, match="page size"):
        filter_documents(store, refreshed, "1", limit=0)


def test_filters_before_any_refresh_are_empty(store, sample_workspace):
    assert list_filters(store, sample_workspace) == []


def test_filters_are_listed_each_top_level_filter_followed_by_its_sub_filters(store, refreshed):
    filters = list_filters(store, refreshed)
    current_top = None
    for f in filters:
        if f.parent_category_id is None:
            current_top = f.category_id
        else:
            assert f.parent_category_id == current_top
