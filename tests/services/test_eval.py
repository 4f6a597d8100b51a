import subprocess

import pytest

from drive_tagger.errors import InvalidInput
from drive_tagger.services.corpora import samples_labelled_corpus
from drive_tagger.services.evaluate import eval_workspace_slug, evaluate, read_labelled_corpus


@pytest.fixture
def labelled_corpus(tmp_path, samples_dir):
    """The sample drive as a labelled JSONL.gz corpus, the format of ../shared/data."""
    return samples_labelled_corpus(tmp_path, samples_dir)


def test_eval_reports_scores_filters_and_stage_seconds(db, sample_embedder, labelled_corpus, namer):
    result = evaluate(db.documents, db.refreshes, sample_embedder, labelled_corpus, progress=False, namer=namer)
    assert {"nmi", "ari", "purity", "leaf_nmi", "leaf_purity", "untagged", "filters", "seconds"} <= set(result)
    assert 0 <= result["nmi"] <= 1 and -1 <= result["ari"] <= 1 and 0 <= result["untagged"] <= 1
    assert 0 <= result["leaf_nmi"] <= 1 and 0 <= result["purity"] <= result["leaf_purity"] <= 1
    assert result["filters"] >= 2 and {"read", "embed", "refresh_cluster"} <= set(result["seconds"])


def test_second_eval_run_reuses_every_embedding(db, sample_embedder, labelled_corpus, namer):
    evaluate(db.documents, db.refreshes, sample_embedder, labelled_corpus, limit=20, progress=False, namer=namer)
    again = evaluate(
        db.documents, db.refreshes, sample_embedder, labelled_corpus, limit=20, progress=False, namer=namer
    )
    assert again["embedded"] == 0 and again["documents"] == 20


def test_eval_drops_its_throwaway_workspace(db, sample_embedder, labelled_corpus, namer):
    evaluate(db.documents, db.refreshes, sample_embedder, labelled_corpus, limit=10, progress=False, namer=namer)
    assert db.documents.list_workspaces() == []


def test_eval_drops_workspaces_a_dead_evaluation_of_the_corpus_left_behind(db, sample_embedder, labelled_corpus, namer):
    ended = subprocess.Popen(["true"])
    ended.wait()  # its pid now names no running process
    stem = eval_workspace_slug(labelled_corpus).rsplit("-", 1)[0]
    db.documents.ensure_workspace(f"{stem}-{ended.pid}")
    db.documents.ensure_workspace("eval-other-corpus-1")
    evaluate(db.documents, db.refreshes, sample_embedder, labelled_corpus, limit=10, progress=False, namer=namer)
    assert [w.slug for w in db.documents.list_workspaces()] == ["eval-other-corpus-1"]


def test_limit_takes_the_same_seeded_sample_each_time(labelled_corpus):
    first = read_labelled_corpus(labelled_corpus, limit=15)
    second = read_labelled_corpus(labelled_corpus, limit=15)
    assert [d.external_id for d in first.documents] == [d.external_id for d in second.documents]


def test_corpus_rows_without_labels_are_rejected_with_their_location(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "1", "text": "x", "label": "a"}\n{"id": "2", "text": "y"}\n')
    with pytest.raises(InvalidInput, match=r"c.jsonl:2"):
        read_labelled_corpus(path)


def test_eval_reports_the_stability_of_filter_ids_as_the_corpus_grows(db, sample_embedder, labelled_corpus, namer):
    result = evaluate(db.documents, db.refreshes, sample_embedder, labelled_corpus, progress=False, namer=namer)
    assert 0.0 <= result["stability"] <= 1.0 and result["documents"] == 75


def test_eval_reports_best_match_f1_name_and_keyword_fidelity(db, sample_embedder, labelled_corpus, namer):
    result = evaluate(db.documents, db.refreshes, sample_embedder, labelled_corpus, progress=False, namer=namer)
    assert 0.3 <= result["best_match_f1"] <= 1.0
    assert 0.0 <= result["name_fidelity"] <= 1.0 and 0.0 <= result["keyword_fidelity"] <= 1.0
    assert "assignments" not in result


def test_eval_assignments_name_each_documents_top_level_and_deepest_filter(tmp_path, labelled_corpus):
    import csv
    import os
    import sys
    from pathlib import Path

    out = tmp_path / "assignments.csv"
    env = {**os.environ, "DRIVE_TAGGER_DATA_DIR": str(tmp_path / "data")}
    cli = Path(sys.executable).parent / "drive-tagger"
    done = subprocess.run(
        [cli, "eval", str(labelled_corpus), "--assignments", str(out)], env=env, capture_output=True, text=True
    )
    subprocess.run([cli, "db", "stop"], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert "best-match F1" in done.stdout and "name fidelity" in done.stdout
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 75 and set(rows[0]) == {"id", "label", "top_filter", "deepest_filter"}
    filters = next(line for line in done.stdout.splitlines() if line.startswith("filters:"))
    assert all(r["top_filter"] in filters for r in rows if r["top_filter"])
