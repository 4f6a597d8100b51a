import logging

import numpy as np
import pytest

from drive_tagger.adapters.bf16_embedder import (
    SAME_MODEL_MIN_COSINE,
    TorchBf16Embedder,
    bf16_embedder,
    cpu_has_native_bf16,
)
from drive_tagger.adapters.embedders import SentenceTransformerEmbedder
from drive_tagger.adapters.onnx_embedder import OnnxInt8Embedder
from drive_tagger.adapters.readers import read_sources
from drive_tagger.core.text import embedding_text
from drive_tagger.settings import BUNDLED_MODEL, Settings
from drive_tagger.wiring import make_embedder


@pytest.fixture(scope="session")
def sample_texts(samples_dir) -> list[str]:
    return [embedding_text(d.title, d.body) for d in read_sources([samples_dir])]


def test_bf16_vectors_agree_with_torch_and_are_declared_the_same_model(bf16, sample_embedder, sample_texts):
    vectors = bf16.embed(sample_texts)
    reference = sample_embedder.embed(sample_texts)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    agreement = (vectors * reference).sum(axis=1)
    assert agreement.mean() >= 0.999 > SAME_MODEL_MIN_COSINE, f"measured mean cosine {agreement.mean():.5f}"
    assert bf16.model_id == BUNDLED_MODEL


def test_bf16_cuts_the_same_windows_as_torch(bf16, embedder):
    text = " ".join(f"clause {i}: the licensee indemnifies subcontractors notwithstanding" for i in range(200))
    tokenizer = embedder.model.tokenizer
    from_text = [tokenizer(w)["input_ids"] for w in embedder.split_windows([text])[0]]
    assert bf16.windows([text])[0] == from_text and len(from_text) > 1


def test_a_long_document_is_more_than_its_first_window(bf16):
    text = "The board approved the merger. " * 40 + "Quarterly rainfall flooded the river valley. " * 40
    assert len(bf16.windows([text])[0]) > 1
    whole = bf16.embed([text])[0]
    first = TorchBf16Embedder(bf16.files, bf16.model_id, max_windows=1).embed([text])[0]
    assert float(whole @ first) < 0.99


def _widths_run(embedder: TorchBf16Embedder, work) -> list[int]:
    widths, pooled = [], embedder._pooled

    def spy(ids, mask):
        widths.append(ids.shape[1])
        return pooled(ids, mask)

    embedder._pooled = spy
    try:
        work()
    finally:
        del embedder._pooled
    return widths


def test_a_document_arriving_alone_runs_at_a_padded_width_with_the_same_vector(bf16, sample_embedder):
    text = "Invoice 1042 from Northwind Analytics: consulting services for March, due in 30 days."
    tokens = len(bf16.windows([text])[0][0])
    assert tokens % bf16.lone_width_step
    vector = bf16.embed([text])
    widths = _widths_run(bf16, lambda: bf16.embed([text]))
    assert widths == [-(-tokens // bf16.lone_width_step) * bf16.lone_width_step]
    assert float(vector[0] @ sample_embedder.embed([text])[0]) >= 0.999


def test_warming_up_for_lone_documents_runs_every_padded_width_once(bf16):
    fresh = TorchBf16Embedder(bf16.files, bf16.model_id)
    fresh.warm_up()
    widths = _widths_run(fresh, lambda: fresh.warm_up(lone_shapes=True))
    assert widths == list(range(bf16.lone_width_step, 257, bf16.lone_width_step))
    assert _widths_run(fresh, lambda: fresh.warm_up(lone_shapes=True)) == []


def test_the_default_backend_is_bf16_where_the_cpu_computes_in_it(tmp_path):
    embedder = make_embedder(Settings(data_dir=tmp_path))
    assert isinstance(embedder, TorchBf16Embedder if cpu_has_native_bf16() else OnnxInt8Embedder)
    assert embedder.model_id == BUNDLED_MODEL


def test_a_cpu_without_native_bf16_gets_the_int8_backend(tmp_path):
    assert isinstance(bf16_embedder(BUNDLED_MODEL, tmp_path, native_bf16=False), OnnxInt8Embedder)


def test_cpu_flags_decide_native_bf16(tmp_path):
    with_amx = tmp_path / "amx"
    with_amx.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f amx_bf16 amx_tile\n")
    without = tmp_path / "plain"
    without.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f\n")
    assert cpu_has_native_bf16(with_amx) and not cpu_has_native_bf16(without)
    assert not cpu_has_native_bf16(tmp_path / "missing")


def test_a_model_that_is_no_local_bert_folder_runs_on_torch_with_a_warning(tmp_path, caplog):
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    with caplog.at_level(logging.WARNING):
        embedder = bf16_embedder(str(folder), tmp_path, native_bf16=True)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert "not a local sentence-transformers model folder" in caplog.text
