import numpy as np
import pytest

from drive_tagger.errors import EmbeddingError


def test_short_text_is_one_window(embedder):
    assert embedder.split_windows(["A short note about invoices."]) == [["A short note about invoices."]]


def test_long_text_is_split_into_windows_up_to_the_limit(embedder):
    windows = embedder.split_windows(["word " * 5000])[0]
    assert len(windows) == embedder.max_windows


def test_long_document_vector_is_the_normalized_mean_of_its_windows(embedder):
    text = " ".join(f"sentence {i} about quarterly budget planning and hiring" for i in range(120))
    windows = embedder.split_windows([text])[0]
    expected = embedder.model.encode(windows, normalize_embeddings=True).mean(axis=0)
    expected /= np.linalg.norm(expected)
    np.testing.assert_allclose(embedder.embed([text])[0], expected, atol=1e-5)


def test_vectors_match_sentence_transformers_for_one_window_text(embedder):
    text = "Mutual non-disclosure agreement between two companies."
    reference = embedder.model.encode([text], normalize_embeddings=True)[0]
    np.testing.assert_allclose(embedder.embed([text])[0], reference, atol=1e-5)


def test_empty_text_is_rejected(embedder):
    with pytest.raises(EmbeddingError, match="empty"):
        embedder.embed(["fine", "  "])
