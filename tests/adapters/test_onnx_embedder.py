import logging

import numpy as np
import pytest

from drive_tagger.adapters import onnx_embedder
from drive_tagger.adapters.embedders import SentenceTransformerEmbedder
from drive_tagger.adapters.onnx_embedder import (
    MODEL_FILE,
    SAME_MODEL_MIN_COSINE,
    OnnxInt8Embedder,
    cache_dir_for,
    int8_embedder,
)
from drive_tagger.adapters.readers import read_sources
from drive_tagger.core.text import embedding_text
from drive_tagger.errors import ModelMismatch
from drive_tagger.services.ingest import ingest
from drive_tagger.settings import BUNDLED_MODEL, Settings
from drive_tagger.wiring import make_embedder
from tests.fakes import HashingEmbedder


@pytest.fixture(scope="session")
def int8_data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("int8-data")


@pytest.fixture(scope="session")
def int8(int8_data_dir) -> OnnxInt8Embedder:
    """Exported once per session into a temporary data dir."""
    embedder = int8_embedder(BUNDLED_MODEL, int8_data_dir)
    assert isinstance(embedder, OnnxInt8Embedder)
    return embedder


@pytest.fixture(scope="session")
def sample_texts(samples_dir) -> list[str]:
    return [embedding_text(d.title, d.body) for d in read_sources([samples_dir])]


def test_int8_vectors_are_normalized_384d_and_agree_with_torch_on_the_samples(int8, sample_embedder, sample_texts):
    vectors = int8.embed(sample_texts)
    reference = sample_embedder.embed(sample_texts)
    assert vectors.shape == (len(sample_texts), int8.dimensions)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    agreement = float((vectors * reference).sum(axis=1).mean())
    declared_same = int8.model_id == BUNDLED_MODEL
    assert declared_same == (agreement >= SAME_MODEL_MIN_COSINE), f"measured mean cosine {agreement:.4f}"


def test_both_backends_cut_the_same_windows(int8, embedder):
    text = " ".join(f"clause {i}: the licensee indemnifies subcontractors notwithstanding" for i in range(200))
    tokenizer = embedder.model.tokenizer
    from_text = [tokenizer(w)["input_ids"] for w in embedder.split_windows([text])[0]]
    assert int8.windows([text])[0] == from_text and len(from_text) > 1


def test_the_export_is_cached_and_reused_on_the_second_construction(int8, int8_data_dir):
    model_file = cache_dir_for(int8_data_dir, BUNDLED_MODEL) / MODEL_FILE
    before = model_file.stat().st_mtime_ns
    again = make_embedder(Settings(data_dir=int8_data_dir, embedder=f"local-int8:{BUNDLED_MODEL}"))
    assert isinstance(again, OnnxInt8Embedder) and again.export_dir == int8.export_dir
    assert model_file.stat().st_mtime_ns == before
    assert [p.name for p in model_file.parent.parent.iterdir()] == [model_file.parent.name]  # no half exports


def test_a_failed_export_falls_back_to_torch_with_a_clear_message(tmp_path, caplog):
    data_dir = tmp_path / "not-a-dir"
    data_dir.write_text("a file where the cache directory should go")
    with caplog.at_level(logging.WARNING):
        embedder = int8_embedder(BUNDLED_MODEL, data_dir)
    assert isinstance(embedder, SentenceTransformerEmbedder) and embedder.model_id == BUNDLED_MODEL
    assert "int8 ONNX export of sentence-transformers/all-MiniLM-L6-v2 failed" in caplog.text
    assert "falling back to the torch backend" in caplog.text


def test_a_50000_character_document_is_cut_before_tokenizing(int8):
    huge = "indemnity clause " * 3000  # 51,000 characters
    encoding = int8.tokenize([huge])[0]
    assert len(huge) > 50_000 > int8.max_chars >= encoding.offsets[-1][1]
    assert len(int8.windows([huge])[0]) == int8.max_windows


def _drive(tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    (drive / "a.txt").write_text("Quarterly invoice for hosting services.")
    (drive / "b.txt").write_text("Minutes of the weekly engineering sync.")
    return drive


def test_backends_declared_the_same_model_share_a_workspace(db, embedder, int8, tmp_path):
    drive = _drive(tmp_path)
    ingest(db.documents, db.refreshes, embedder, "acme", read_sources([drive]), progress=False)
    report = ingest(db.documents, db.refreshes, int8, "acme", read_sources([drive]), progress=False)
    assert int8.model_id == embedder.model_id and report.embedded == 0


def test_backends_not_declared_the_same_model_never_mix_in_a_workspace(db, embedder, int8, tmp_path, monkeypatch):
    monkeypatch.setattr(onnx_embedder, "MEASURED_INT8_AGREEMENT", {})
    undeclared = OnnxInt8Embedder(int8.export_dir, onnx_embedder.int8_model_id(BUNDLED_MODEL))
    drive = _drive(tmp_path)
    ingest(db.documents, db.refreshes, embedder, "acme", read_sources([drive]), progress=False)
    (drive / "new.txt").write_text("A third note, about the office move.")
    with pytest.raises(ModelMismatch, match="workspaces set-model acme"):
        ingest(db.documents, db.refreshes, undeclared, "acme", read_sources([drive]), progress=False)
    workspace = db.documents.workspace("acme")
    assert undeclared.model_id == BUNDLED_MODEL + "#int8" and workspace.embedding_model == embedder.model_id
    assert len(db.documents.workspace_vectors(workspace.id, undeclared.model_id)[0]) == 0


def test_the_progress_bar_shows_docs_per_second_and_eta(db, tmp_path, capsys):
    ingest(db.documents, db.refreshes, HashingEmbedder(), "acme", read_sources([_drive(tmp_path)]), progress=True)
    err = capsys.readouterr().err
    assert "docs/s" in err and "ETA" in err
