import numpy as np
import pytest

from drive_tagger.adapters.postgres.documents import ARRAY_ROWS_MAX
from drive_tagger.adapters.postgres.vectors import copy_rows, id_vector_rows
from drive_tagger.core.text import content_hash
from drive_tagger.core.types import SourceDocument


def test_vectors_stored_by_binary_copy_read_back_exactly(db):
    rng = np.random.default_rng(0)
    hashes = [content_hash("title", f"body {i}") for i in range(300)]
    vectors = rng.standard_normal((300, 384)).astype(np.float32)
    db.documents.store_vectors("test/model", hashes, vectors)
    rows = db.conn.execute(
        "select content_hash, embedding::real[] from embeddings where model = 'test/model' order by content_hash"
    ).fetchall()
    stored = dict(rows)
    assert len(stored) == 300
    np.testing.assert_array_equal(np.array([stored[h] for h in hashes], dtype=np.float32), vectors)


def test_copy_rows_refuses_keys_of_different_lengths():
    with pytest.raises(ValueError):
        copy_rows(["a" * 64, "b" * 63], np.zeros((2, 4), dtype=np.float32))


def _id_vector_copy(ids: np.ndarray, vectors: np.ndarray) -> bytes:
    from drive_tagger.adapters.postgres.vectors import COPY_HEADER, COPY_TRAILER, _id_vector_row

    rows = np.empty(len(ids), dtype=_id_vector_row(vectors.shape[1]))
    rows["fields"], rows["id_length"], rows["id"] = 2, 8, ids
    rows["vector_length"], rows["dims"], rows["unused"], rows["values"] = (
        4 + 4 * vectors.shape[1],
        vectors.shape[1],
        0,
        vectors,
    )
    return COPY_HEADER + rows.tobytes() + COPY_TRAILER


def test_copied_rows_are_read_whatever_the_block_boundaries_and_beyond_the_expected_count():
    rng = np.random.default_rng(1)
    ids, vectors = np.arange(5000, dtype=np.int64) * 3, rng.standard_normal((5000, 7)).astype(np.float32)
    data = _id_vector_copy(ids, vectors)
    blocks = [data[i : i + 1001] for i in range(0, len(data), 1001)]
    got_ids, got = id_vector_rows(blocks, capacity=10)
    np.testing.assert_array_equal(got_ids, ids)
    np.testing.assert_array_equal(got, vectors)


def test_copy_data_cut_mid_row_is_an_error():
    data = _id_vector_copy(np.arange(3, dtype=np.int64), np.ones((3, 4), dtype=np.float32))
    with pytest.raises(ValueError):
        id_vector_rows([data[:-20]], capacity=3)


def test_the_workspace_vectors_are_read_back_in_document_order(db, sample_workspace):
    workspace = db.documents.workspace(sample_workspace)
    ids, vectors = db.documents.workspace_vectors(workspace.id, workspace.embedding_model)
    assert len(ids) == 75 and (np.diff(ids) > 0).all() and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_a_document_still_without_a_vector_is_left_out_of_the_workspace_vectors(db, sample_workspace):
    from drive_tagger.core.types import SourceDocument
    from drive_tagger.services.ingest import store_documents

    store_documents(db.documents, sample_workspace, [SourceDocument("late.txt", "Late", "not embedded yet", "test")])
    workspace = db.documents.workspace(sample_workspace)
    ids, vectors = db.documents.workspace_vectors(workspace.id, workspace.embedding_model)
    late = db.documents.document_ids(workspace.id, ["late.txt"])["late.txt"]
    assert len(ids) == len(vectors) == 75 and late not in ids and (np.diff(ids) > 0).all()


@pytest.mark.parametrize("size", [3, ARRAY_ROWS_MAX + 5], ids=["by arrays", "by copy"])
def test_the_last_row_given_for_an_id_wins_and_only_changes_count(db, size):
    workspace = db.documents.ensure_workspace("stored-alike")
    docs = [SourceDocument(f"doc-{i}", f"Title {i}", f"text {i}", "test") for i in range(size)]
    inserted, changed = db.documents.upsert_documents(workspace.id, [*docs, SourceDocument("doc-0", "T", "last", "x")])
    assert (len(inserted), changed) == (size, [])
    again = [SourceDocument("doc-1", "Title 1", "text 1, edited", "test"), docs[2]]
    assert db.documents.upsert_documents(workspace.id, again) == ([], [inserted[1]])
    assert db.documents.document_texts(np.array(inserted[:2]), 100)[0].body == "last"


@pytest.mark.parametrize("size", [2, ARRAY_ROWS_MAX + 5], ids=["by arrays", "by copy"])
def test_stored_vectors_read_back_exactly_and_mark_first_windows(db, size):
    workspace = db.documents.ensure_workspace("vectors-alike")
    db.documents.set_workspace_model(workspace.id, "test-model")
    docs = [SourceDocument(f"doc-{i}", "", f"text {i}", "test") for i in range(size)]
    db.documents.upsert_documents(workspace.id, docs)
    hashes = [content_hash(d.title, d.body) for d in docs]
    vectors = np.random.default_rng(0).standard_normal((size, 4)).astype(np.float32)
    db.documents.store_vectors("test-model", hashes, vectors, first_windows_only=hashes[:1])
    stored = db.documents.vectors_by_hash("test-model", hashes)
    np.testing.assert_array_equal(np.array([stored[h] for h in hashes]), vectors)
    assert db.documents.hashes_with_further_windows(workspace.id, "test-model") == hashes[:1]
    assert db.documents.hashes_missing_vectors(workspace.id, "test-model") == []
