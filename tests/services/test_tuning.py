"""Tuning: one evaluate() run per setting, on the labelled sample drive."""

from drive_tagger.core.params import ClusteringParams, RefreshParams
from drive_tagger.services.corpora import samples_labelled_corpus
from drive_tagger.services.tuning import tune_clustering


def test_tuning_scores_each_setting_on_the_same_sample(db, sample_embedder, tmp_path, namer):
    grid = {
        "default": RefreshParams(),
        "PCA to 8, tag all": RefreshParams(ClusteringParams(reduce_to=8, outlier_iqr=None)),
    }
    results = tune_clustering(
        db.documents, db.refreshes, sample_embedder, samples_labelled_corpus(tmp_path), grid, limit=40, namer=namer
    )
    assert list(results["setting"]) == list(grid) and (results["documents"] == 40).all()
    assert results[["nmi", "untagged"]].apply(lambda c: c.between(0, 1)).all().all()
    assert results.loc[1, "reduce_to"] == 8 and results.loc[1, "untagged"] == 0
    assert db.documents.list_workspaces() == []
