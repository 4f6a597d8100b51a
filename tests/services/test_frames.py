"""pandas access to a workspace, on the real embedded Postgres and the sample drive."""

import numpy as np

from drive_tagger.core.params import ClusteringParams, RefreshParams
from drive_tagger.core.types import NamedBy
from drive_tagger.services.frames import (
    documents_frame,
    filter_changes,
    filters_frame,
    refresh_history,
    representative_documents,
    untagged_documents,
)
from drive_tagger.services.refresh import refresh_workspace


def test_documents_frame_has_every_document_with_filter_score_and_coordinates(db, refreshed):
    frame = documents_frame(db.documents, db.refreshes, refreshed)
    assert len(frame) == 75 and frame["document_id"].is_unique
    assert frame[["x", "y"]].notna().all().all()
    tagged = frame[frame["category_id"].notna()]
    assert len(tagged) and tagged["score"].between(-1, 1).all()
    assert (frame.loc[frame["category_id"].isna(), "filter"] == "untagged").all()


def test_document_coordinates_are_the_same_on_every_read(db, refreshed):
    first, second = (
        documents_frame(db.documents, db.refreshes, refreshed),
        documents_frame(db.documents, db.refreshes, refreshed),
    )
    assert np.array_equal(first[["x", "y"]].to_numpy(), second[["x", "y"]].to_numpy())


def test_documents_frame_before_any_refresh_is_all_untagged(db, sample_workspace):
    frame = documents_frame(db.documents, db.refreshes, sample_workspace)
    assert len(frame) == 75 and frame["category_id"].isna().all()


def test_filters_frame_has_size_keywords_name_and_how_it_was_named(db, refreshed):
    frame = filters_frame(db.refreshes, refreshed)
    assert len(frame) >= 2 and frame["name"].is_unique
    assert (frame["size"] > 0).all() and frame["keywords"].map(len).gt(0).all()
    assert set(frame["named_by"]) <= {n.value for n in NamedBy}


def test_every_top_level_filter_is_some_documents_best_filter(db, refreshed):
    documents, filters = documents_frame(db.documents, db.refreshes, refreshed), filters_frame(db.refreshes, refreshed)
    counts = documents["category_id"].value_counts()
    top = filters[filters["parent_category_id"].isna()]
    assert all(0 < counts.get(row.category_id, 0) <= row.documents for row in top.itertuples())
    assert set(documents["category_id"].dropna()) <= set(top["category_id"])


def test_representative_documents_are_the_best_scored_few_per_filter(db, refreshed):
    frame = representative_documents(db.refreshes, refreshed, per_filter=2)
    assert frame.groupby("category_id").size().max() == 2
    assert all(g["score"].is_monotonic_decreasing for _, g in frame.groupby("category_id"))


def test_untagged_documents_are_those_without_a_filter(db, refreshed):
    untagged = untagged_documents(db.documents, db.refreshes, refreshed)
    documents = documents_frame(db.documents, db.refreshes, refreshed, coordinates=False)
    assert set(untagged["document_id"]) == set(documents.loc[documents["category_id"].isna(), "document_id"])


def test_refresh_history_lists_runs_newest_first_and_marks_the_active_one(db, refreshed, namer):
    refresh_workspace(db.documents, db.refreshes, refreshed, namer=namer)
    history = refresh_history(db.refreshes, refreshed)
    assert list(history["status"]) == ["succeeded", "succeeded"]
    assert list(history["active"]) == [True, False] and (history["total_seconds"] > 0).all()


def test_no_previous_refresh_means_no_changes(db, refreshed):
    assert filter_changes(db.refreshes, refreshed).empty


def test_refreshing_again_with_the_same_settings_changes_nothing(db, refreshed, namer):
    refresh_workspace(db.documents, db.refreshes, refreshed, namer=namer)
    changes = filter_changes(db.refreshes, refreshed)
    assert len(changes) == len(filters_frame(db.refreshes, refreshed))
    assert set(changes["change"]) == {"same"} and (changes["jaccard"] == 1.0).all()
    assert (changes["category_id"] == changes["previous_category_id"]).all()


def test_other_settings_show_up_as_changed_new_or_gone_filters(db, refreshed, namer):
    refresh_workspace(
        db.documents, db.refreshes, refreshed, RefreshParams(ClusteringParams(outlier_iqr=0.0)), namer=namer
    )
    changes = filter_changes(db.refreshes, refreshed)
    assert "changed" in set(changes["change"]) and (changes["jaccard"] < 1).any()
    assert changes["previous_keywords"].notna().any()


def test_a_notebook_and_the_page_tell_the_same_story_of_a_merge(db, refreshed, namer):
    from drive_tagger.services import corrections
    from drive_tagger.services.explain import last_refresh_changes

    filters = db.refreshes.filters(db.documents.workspace(refreshed).id)
    keep, absorb = [f for f in filters if f.parent_category_id is None][:2]
    corrections.merge_filters(db.refreshes, refreshed, str(keep.category_id), str(absorb.category_id))
    refresh_workspace(db.documents, db.refreshes, refreshed, namer=namer)
    frame, page = filter_changes(db.refreshes, refreshed), last_refresh_changes(db.browse, refreshed)
    gone_or_merged = set(frame.loc[frame["change"].isin(["gone", "merged"]), "previous_name"])
    assert absorb.name in gone_or_merged
    assert absorb.name in {name for before, _ in page.merged for name in before} | set(page.gone)
    assert set(frame.loc[frame["change"] == "new", "name"]) == set(page.new)
