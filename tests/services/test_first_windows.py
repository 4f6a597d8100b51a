"""First windows first: an ingest may store a long text's first window's vector and leave its
further windows to the next refresh, which completes them before it clusters."""

import numpy as np
import pytest

from drive_tagger.adapters.readers import read_sources
from drive_tagger.core.text import embedding_text
from drive_tagger.services.embedding import embed_further_windows
from drive_tagger.services.ingest import ingest
from drive_tagger.services.refresh import refresh_workspace

LONG = "The board approved the merger after a long review. " * 60 + "Rainfall flooded the river valley. " * 60
SHORT = "Invoice 42: two chairs, one desk, due in thirty days."


@pytest.fixture(scope="module")
def sample_texts(samples_dir) -> list[str]:
    return [embedding_text(d.title, d.body) for d in read_sources([samples_dir])]


def test_first_and_further_windows_together_make_the_whole_vector(bf16):
    first, windows = bf16.embed_first_windows([LONG, SHORT])
    whole = bf16.embed_further_windows([LONG, SHORT], first)
    assert windows.tolist()[1] == 1 and windows[0] > 1
    assert float(first[0] @ bf16.embed([LONG])[0]) < 0.99  # the first window alone is not the document
    np.testing.assert_allclose((whole * bf16.embed([LONG, SHORT])).sum(axis=1), 1.0, atol=1e-4)


def test_an_ingest_with_first_windows_first_leaves_only_long_texts_pending(db, bf16, samples_dir, sample_texts):
    report = ingest(
        db.documents, db.refreshes, bf16, "acme", read_sources([samples_dir]), progress=False, first_windows_first=True
    )
    long_texts = sum(len(w) > 1 for w in bf16.windows(sample_texts))
    workspace = db.documents.workspace("acme")
    assert long_texts > 0 and report.further_windows == long_texts
    assert len(db.documents.hashes_with_further_windows(workspace.id, bf16.model_id)) == long_texts
    assert (
        report.embedded == len(sample_texts)
        and db.documents.count_documents_missing_vectors(workspace.id, bf16.model_id) == 0
    )


def test_a_refresh_completes_pending_vectors_before_it_clusters(db, bf16, samples_dir, namer):
    docs = list(read_sources([samples_dir]))
    ingest(db.documents, db.refreshes, bf16, "acme", docs, progress=False, first_windows_first=True)
    report = refresh_workspace(db.documents, db.refreshes, "acme", complete_with=lambda: bf16, namer=namer)
    workspace = db.documents.workspace("acme")
    assert db.documents.hashes_with_further_windows(workspace.id, bf16.model_id) == []
    assert report.seconds["further_windows"] > 0
    ids, vectors = db.documents.workspace_vectors(workspace.id, bf16.model_id)
    by_external = db.documents.document_ids(workspace.id, [d.external_id for d in docs])
    order = [list(ids).index(by_external[d.external_id]) for d in docs]
    expected = bf16.embed([embedding_text(d.title, d.body) for d in docs])
    assert (vectors[order] * expected).sum(axis=1).min() > 0.9999


def test_completing_with_nothing_pending_builds_no_embedder(db, bf16, samples_dir):
    ingest(db.documents, db.refreshes, bf16, "acme", read_sources([samples_dir / "contracts"]), progress=False)

    def must_not_build():
        raise AssertionError("the embedder was built with nothing to complete")

    assert embed_further_windows(db.documents, must_not_build, db.documents.workspace("acme")) == 0


def test_a_text_already_whole_is_not_marked_pending_again(db, bf16):
    from drive_tagger.core.types import SourceDocument

    whole = [SourceDocument("a.txt", "Merger", LONG, "test")]
    ingest(db.documents, db.refreshes, bf16, "acme", whole, progress=False)
    ingest(db.documents, db.refreshes, bf16, "beta", whole, progress=False, first_windows_first=True)
    assert db.documents.hashes_with_further_windows(db.documents.workspace("beta").id, bf16.model_id) == []
