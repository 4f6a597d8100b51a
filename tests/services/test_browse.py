"""What the web page reads: the filter tree and the untagged count, pages of documents with
snippets, and semantic search in a workspace or one filter, on the refreshed sample drive."""

import pytest

from drive_tagger.core.types import SourceDocument
from drive_tagger.errors import InvalidInput, UnknownFilter
from drive_tagger.services import browse, corrections
from drive_tagger.services.query import document_tags, filter_documents, list_filters

NDA = "contracts/mutual-nda-brightwave.md"


def test_the_overview_nests_each_sub_filter_under_its_top_level_filter(db, refreshed):
    overview = browse.overview(db.browse, refreshed)
    assert overview.filters == list_filters(db.refreshes, refreshed)
    for branch in overview.branches:
        assert branch.filter.parent_category_id is None
        assert all(child.parent_category_id == branch.filter.category_id for child in branch.children)


def test_the_untagged_count_is_the_documents_no_filter_holds(db, refreshed):
    counts = db.documents.workspace_counts(db.documents.workspace(refreshed).id)
    assert browse.overview(db.browse, refreshed).untagged == counts.documents - counts.tagged


def test_a_document_moved_out_of_every_filter_is_counted_and_listed_untagged(db, refreshed):
    before = browse.overview(db.browse, refreshed).untagged
    corrections.move_documents(db.refreshes, refreshed, [NDA], None)
    page = browse.untagged_page(db.browse, refreshed)
    assert page.total == before + 1 and NDA in [row.external_id for row in page.rows]
    assert all(row.score is None for row in page.rows)


def test_the_sidebar_lists_filters_in_the_order_of_the_counts_it_shows_after_a_move(db, refreshed):
    tops = [b.filter for b in browse.overview(db.browse, refreshed).branches]
    largest, smallest = tops[0], tops[-1]
    moved = [row.external_id for row in browse.filter_page(db.browse, refreshed, largest.category_id, limit=6)[1].rows]
    corrections.move_documents(db.refreshes, refreshed, moved, str(smallest.category_id))
    shown = [b.filter for b in browse.overview(db.browse, refreshed).branches]
    counts = [(f.first_documents, f.documents) for f in shown]
    assert counts == sorted(counts, reverse=True) and shown[0].category_id == smallest.category_id


def test_before_any_refresh_every_document_is_untagged(db, sample_workspace):
    overview = browse.overview(db.browse, sample_workspace)
    assert overview.branches == () and overview.untagged == 75


def test_a_filter_page_matches_the_filters_documents_best_first_with_snippets(db, refreshed):
    largest = list_filters(db.refreshes, refreshed)[0]
    chosen, page = browse.filter_page(db.browse, refreshed, largest.category_id, limit=5)
    _, expected = filter_documents(db.refreshes, refreshed, str(largest.category_id), limit=5)
    assert chosen == largest and page.total == largest.documents
    assert [(r.external_id, r.title) for r in page.rows] == [(d.external_id, d.title) for d in expected]
    assert [r.score for r in page.rows] == pytest.approx([d.score for d in expected])
    assert all(0 < len(r.snippet) <= browse.SNIPPET_CHARS + 1 for r in page.rows)


def test_a_filter_page_lists_its_second_tags_last_and_marks_them(db, refreshed):
    pages = [
        browse.filter_page(db.browse, refreshed, f.category_id, limit=100)[1]
        for f in list_filters(db.refreshes, refreshed)
    ]
    ranks = [[r.rank for r in page.rows] for page in pages]
    assert any(2 in r for r in ranks) and all(r == sorted(r) for r in ranks)


def test_pages_of_a_filter_follow_each_other_without_overlap(db, refreshed):
    largest = list_filters(db.refreshes, refreshed)[0]
    _, first = browse.filter_page(db.browse, refreshed, largest.category_id, limit=4)
    _, second = browse.filter_page(db.browse, refreshed, largest.category_id, limit=4, offset=4)
    assert first.has_next and not {r.external_id for r in first.rows} & {r.external_id for r in second.rows}
    _, last = browse.filter_page(db.browse, refreshed, largest.category_id, limit=4, offset=largest.documents - 1)
    assert len(last.rows) == 1 and not last.has_next


def test_an_unknown_filter_or_a_bad_page_is_refused(db, refreshed):
    with pytest.raises(UnknownFilter):
        browse.filter_page(db.browse, refreshed, 9999)
    with pytest.raises(InvalidInput, match="page size"):
        browse.filter_page(db.browse, refreshed, 1, limit=0)


def test_a_snippet_drops_the_repeated_title_and_markdown_marks():
    text = "# Mutual NDA\n\nThis **Agreement** is made\n- [ ] on 3 February."
    assert browse.snippet("Mutual NDA", text) == "This Agreement is made on 3 February."


def test_a_long_snippet_is_cut_between_words_with_an_ellipsis():
    cut = browse.snippet("", "word " * 100, chars=22)
    assert cut == "word word word word…"


def test_search_puts_the_document_meant_first(db, refreshed, sample_embedder):
    query = sample_embedder.embed(["keeping information secret between two companies"])[0]
    within, rows = browse.search(db.browse, refreshed, query, limit=5)
    assert within is None and rows[0].external_id == NDA
    assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)


def test_search_within_a_filter_returns_only_its_documents(db, refreshed, sample_embedder):
    legal = document_tags(db.refreshes, refreshed, NDA)[1][0]
    query = sample_embedder.embed(["an invoice to be paid"])[0]
    within, rows = browse.search(db.browse, refreshed, query, category_id=legal.category_id, limit=10)
    members = {d.external_id for d in filter_documents(db.refreshes, refreshed, str(legal.category_id), limit=1000)[1]}
    assert within.category_id == legal.category_id and rows and {r.external_id for r in rows} <= members


def test_search_in_an_unknown_filter_is_refused(db, refreshed, sample_embedder):
    with pytest.raises(UnknownFilter):
        browse.search(db.browse, refreshed, sample_embedder.embed(["x"])[0], category_id=9999)


def test_search_in_a_workspace_with_no_vectors_finds_nothing(db, sample_embedder):
    workspace = db.documents.ensure_workspace("bare")
    db.documents.upsert_documents(workspace.id, [SourceDocument("a.txt", "A", "some text", "test")])
    assert browse.search(db.browse, "bare", sample_embedder.embed(["text"])[0]) == (None, ())


def test_a_search_text_is_kept_on_one_line_and_may_not_be_empty():
    assert browse.clean_query("  board\n minutes\t2025 ") == "board minutes 2025"
    with pytest.raises(InvalidInput):
        browse.clean_query(" \n\t ")
