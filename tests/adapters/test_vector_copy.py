import numpy as np
import pytest

from drive_tagger.adapters.postgres.vectors import copy_rows
from drive_tagger.core.text import content_hash


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
