"""The fast local backend: a sentence-transformers model exported to ONNX, int8-quantized, cached."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from drive_tagger.adapters.embedders import (
    EmbedderBase,
    SentenceTransformerEmbedder,
    load_sentence_transformer,
    resolve_local_model,
)
from drive_tagger.adapters.windowed import WindowedEmbedder
from drive_tagger.core.params import EmbeddingParams
from drive_tagger.errors import EmbeddingError
from drive_tagger.settings import BUNDLED_MODEL

if TYPE_CHECKING:
    from onnxruntime import InferenceSession

log = logging.getLogger(__name__)

# Two backends of one model may share a workspace (same model id stored with the vectors) only
# if their vectors agree at least this well: mean cosine over the sample documents.
SAME_MODEL_MIN_COSINE = 0.99
# Measured mean cosine of int8 vectors to the torch backend's, same windows, on data/samples/docs
# (tests/test_onnx_embedder.py re-measures it on every run). Models not listed were never
# measured, so their int8 vectors get a model id of their own and a workspace re-embeds.
MEASURED_INT8_AGREEMENT = {BUNDLED_MODEL: 0.9940}  # min 0.9907, 72 documents, 142 windows
INT8_SUFFIX = "#int8"
EXPORT_FORMAT = 2  # bump when the exported files change, so old caches are rebuilt
MODEL_FILE = "model_int8.onnx"


def int8_model_id(model_id: str) -> str:
    """The id stored with int8 vectors: the torch model's own id if declared the same model."""
    if MEASURED_INT8_AGREEMENT.get(model_id, 0.0) >= SAME_MODEL_MIN_COSINE:
        return model_id
    return model_id + INT8_SUFFIX


def cache_dir_for(data_dir: Path, model_id: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "--", model_id)
    return Path(data_dir) / "models" / f"{slug}-onnx-int8"


def export_int8(location: str, model_id: str, target: Path) -> Path:
    """Exports the model's transformer to ONNX, quantizes it to int8 (dynamic, per channel) and
    saves it with its tokenizer in `target`. Reuses `target` when a finished export is there."""
    target = Path(target)
    manifest = target / "export.json"
    if manifest.is_file() and (target / MODEL_FILE).is_file():
        info = json.loads(manifest.read_text())
        if info.get("format") == EXPORT_FORMAT and info.get("model_id") == model_id:
            return target
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = load_sentence_transformer(location)
    transformer, pooling = model[0], model[1] if len(model) > 1 else None
    if pooling is None or getattr(pooling, "pooling_mode", None) != "mean":
        raise EmbeddingError(f"{model_id}: only mean-pooled models can be exported to int8")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    try:
        fp32 = work / "model_fp32.onnx"
        example = torch.ones(2, 16, dtype=torch.long)
        # The tracer warns that mask-shape checks become constants; padded batches of any
        # length still match torch (tests compare the vectors), so the warnings are noise.
        with torch.no_grad(), warnings.catch_warnings(), _eager_attention(transformer.auto_model):
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _hidden_states_module(transformer.auto_model),
                (example, example, torch.zeros_like(example)),
                str(fp32),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["hidden"],
                opset_version=17,
                dynamo=False,
                dynamic_axes={
                    name: {0: "batch", 1: "tokens"}
                    for name in ["input_ids", "attention_mask", "token_type_ids", "hidden"]
                },
            )
        quantize_dynamic(str(fp32), str(work / MODEL_FILE), per_channel=True, weight_type=QuantType.QInt8)
        fp32.unlink()
        model.tokenizer.backend_tokenizer.save(str(work / "tokenizer.json"))
        (work / "export.json").write_text(
            json.dumps(
                {
                    "format": EXPORT_FORMAT,
                    "model_id": model_id,
                    "max_seq_length": model.max_seq_length,
                    "dimensions": model.get_embedding_dimension(),
                }
            )
        )
        if target.exists():
            shutil.rmtree(target)
        os.replace(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


@contextmanager
def _eager_attention(auto_model):
    """Traces attention as plain matmuls: with the SDPA graph benchmarks/ingest_speed.py printed
    38.6 docs/s (1.72x), with the eager one 48.5 (2.19x), at the same mean cosine of 0.995. The
    loaded model is shared with the torch backend, so its attention implementation is restored."""
    previous = auto_model.config._attn_implementation
    auto_model.set_attn_implementation("eager")
    try:
        yield
    finally:
        auto_model.set_attn_implementation(previous)


def _hidden_states_module(auto_model):
    """The transformers model behind keyword arguments and one output, as the exporter wants it."""
    import torch

    class HiddenStates(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    return HiddenStates(auto_model).eval()


class OnnxInt8Embedder(WindowedEmbedder):
    """Same vectors as SentenceTransformerEmbedder (mean-pooled windows, their normalized mean),
    computed by ONNX Runtime on the int8 export."""

    def __init__(
        self,
        export_dir: Path,
        model_id: str,
        *,
        window_tokens: int = EmbeddingParams.window_tokens,
        max_windows: int = EmbeddingParams.max_windows,
        batch_size: int = EmbeddingParams.batch_size,
        threads: int | None = None,
        texts_per_call: int = 256,
    ):
        self.export_dir = Path(export_dir)
        info = json.loads((self.export_dir / "export.json").read_text())
        super().__init__(
            model_id,
            self.export_dir / "tokenizer.json",
            info["max_seq_length"],
            window_tokens=window_tokens,
            max_windows=max_windows,
            batch_size=batch_size,
            threads=threads,
            texts_per_call=texts_per_call,
        )
        self._dimensions = int(info["dimensions"])
        self._session: InferenceSession | None = None

    @property
    def dimensions(self) -> int:
        return self._dimensions

    def _load(self) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(self.export_dir / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )

    def _pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        assert self._session is not None  # loaded: every embedding path runs warm_up (_load) first
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        return (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)


def int8_embedder(
    model: str,
    data_dir: Path,
    *,
    window_tokens: int = EmbeddingParams.window_tokens,
    max_windows: int = EmbeddingParams.max_windows,
    batch_size: int = EmbeddingParams.batch_size,
    threads: int | None = None,
) -> EmbedderBase:
    """The int8 backend, exporting on first use into data_dir/models; if the export fails, the
    torch backend with a warning saying why (slower, and its own model id if not declared same)."""
    model_id, location = resolve_local_model(model)
    try:
        export_dir = export_int8(location, model_id, cache_dir_for(data_dir, model_id))
    except Exception as exc:
        log.warning(
            "int8 ONNX export of %s failed (%s: %s); falling back to the torch backend (slower)",
            model_id,
            type(exc).__name__,
            exc,
        )
        return SentenceTransformerEmbedder(
            model, window_tokens=window_tokens, max_windows=max_windows, batch_size=batch_size
        )
    return OnnxInt8Embedder(
        export_dir,
        int8_model_id(model_id),
        window_tokens=window_tokens,
        max_windows=max_windows,
        batch_size=batch_size,
        threads=threads,
    )
