import numpy as np
import pytest

from drive_tagger.core.clustering import DocumentClusterer
from drive_tagger.core.types import Assignments
from drive_tagger.errors import NothingToRefresh, UnknownWorkspace
from drive_tagger.services.refresh import refresh_workspace


def test_refresh_tags_documents_with_named_filters(store, sample_workspace):
    report = refresh_workspace(store, sample_workspace)
    filters = store.filters(store.workspace(sample_workspace).id)
    assert report.documents == 72 and len(filters) == report.categories >= 2
    assert all(f.name and f.keywords for f in filters)
    assert len({f.name.lower() for f in filters}) == len(filters)


def test_refresh_reports_untagged_documents_consistently(store, sample_workspace):
    report = refresh_workspace(store, sample_workspace)
    documents, tagged = store.workspace_counts(store.workspace(sample_workspace).id)
    assert documents - tagged == report.untagged


def test_refresh_is_recorded_with_stage_timings(store, sample_workspace):
    refresh_workspace(store, sample_workspace)
    run = store.refresh_runs(store.workspace(sample_workspace).id)[0]
    assert run["status"] == "succeeded" and {"load", "cluster", "keywords", "naming"} <= set(run["seconds"])


def test_same_input_gives_the_same_filters(store, sample_workspace):
    refresh_workspace(store, sample_workspace)
    workspace = store.workspace(sample_workspace)
    first = [(f.name, f.documents) for f in store.filters(workspace.id)]
    refresh_workspace(store, sample_workspace)
    second = [(f.name, f.documents) for f in store.filters(workspace.id)]
    assert first == second


def test_failed_refresh_leaves_previous_filters_intact(store, sample_workspace, monkeypatch):
    refresh_workspace(store, sample_workspace)
    workspace = store.workspace(sample_workspace)
    before = store.filters(workspace.id)

    def explode(self, vectors):
        raise RuntimeError("clustering crashed")

    monkeypatch.setattr(DocumentClusterer, "fit", explode)
    with pytest.raises(RuntimeError):
        refresh_workspace(store, sample_workspace)
    assert store.filters(workspace.id) == before
    run = store.refresh_runs(workspace.id)[0]
    assert run["status"] == "failed" and "clustering crashed" in run["error"]


def test_a_commit_that_fails_midway_writes_nothing(store, sample_workspace):
    refresh_workspace(store, sample_workspace)
    workspace = store.workspace(sample_workspace)
    before = store.filters(workspace.id)
    categories = store.active_categories(workspace.id)
    ids, _ = store.workspace_vectors(workspace.id, workspace.embedding_model)
    refresh_id = store.start_refresh_run(workspace.id, {})
    # The second link names a category this refresh does not have: the foreign key fails
    # after the categories were inserted, so the whole transaction must roll back.
    broken = Assignments(np.array([0, 1]), np.array([categories[0].category_id, 999]),
                         np.array([0.9, 0.9], np.float32), np.array([1, 1]))
    with pytest.raises(Exception):
        store.commit_refresh(workspace, refresh_id, categories, broken, ids, untagged=0, seconds={})
    assert store.filters(workspace.id) == before
    assert store.workspace(sample_workspace).active_refresh_id == workspace.active_refresh_id


def test_refresh_of_an_unknown_workspace_names_it(store):
    with pytest.raises(UnknownWorkspace, match="unknown workspace 'ghost'"):
        refresh_workspace(store, "ghost")


def test_refresh_of_a_workspace_without_vectors_says_to_ingest(store):
    store.ensure_workspace("blank")
    with pytest.raises(NothingToRefresh, match="ingest first"):
        refresh_workspace(store, "blank")


def test_only_the_active_and_previous_generations_are_kept(store, sample_workspace):
    for _ in range(3):
        refresh_workspace(store, sample_workspace)
    workspace = store.workspace(sample_workspace)
    generations = store.conn.execute(
        "select count(distinct refresh_id) from categories where workspace_id = %s", (workspace.id,)
    ).fetchone()[0]
    assert generations == 2 and len(store.refresh_runs(workspace.id)) == 3


def _top_tags(store, slug):
    return store.primary_top_level_tags(store.workspace(slug).id)


def test_refreshing_again_keeps_every_filter_id(store, sample_workspace):
    refresh_workspace(store, sample_workspace)
    before = _top_tags(store, sample_workspace)
    refresh_workspace(store, sample_workspace)
    assert _top_tags(store, sample_workspace) == before
    run = store.refresh_runs(store.workspace(sample_workspace).id)[0]
    assert run["changes"]["new"] == [] and run["changes"]["retired"] == []


def test_a_refresh_after_new_documents_keeps_ids_of_the_filters_that_stayed(store, sample_embedder, samples_dir, tmp_path):
    import shutil

    from drive_tagger.adapters.readers import read_sources
    from drive_tagger.services.ingest import ingest

    drive = tmp_path / "drive"
    shutil.copytree(samples_dir, drive)
    late = sorted(drive.rglob("*.md"))[::6]
    held_back = {p: p.read_text() for p in late}
    for p in late:
        p.unlink()
    ingest(store, sample_embedder, "grow", read_sources([drive]), progress=False)
    refresh_workspace(store, "grow")
    before = _top_tags(store, "grow")
    for p, text in held_back.items():
        p.write_text(text)
    ingest(store, sample_embedder, "grow", read_sources([drive]), progress=False)
    refresh_workspace(store, "grow")
    after = _top_tags(store, "grow")
    shared = [k for k in before if before[k] is not None and after.get(k) is not None]
    continuing = 0
    for new_id in {after[k] for k in shared}:
        new_members = {k for k in shared if after[k] == new_id}
        for old_id in {before[k] for k in shared}:
            old_members = {k for k in shared if before[k] == old_id}
            if len(new_members & old_members) / len(new_members | old_members) >= 0.5:
                assert new_id == old_id  # a filter that clearly continues keeps its id
                continuing += 1
    assert continuing >= 1
