"""The default local backend: the torch model with bfloat16 weights, on CPUs that compute in
bfloat16 natively (AMX or AVX512-BF16); elsewhere the int8 ONNX backend stands in for it."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from drive_tagger.adapters.embedders import EmbedderBase, SentenceTransformerEmbedder, resolve_local_model
from drive_tagger.adapters.windowed import WindowedEmbedder
from drive_tagger.core.params import EmbeddingParams
from drive_tagger.errors import EmbeddingError
from drive_tagger.settings import BUNDLED_MODEL

log = logging.getLogger(__name__)

# Measured mean cosine of bf16 vectors to the torch (float32) backend's, same windows: 0.99995
# per window (min 0.99992) on 300 windows of BBC articles; tests/adapters/test_bf16_embedder.py
# re-measures it on the samples. A model not listed gets a model id of its own ("#bf16").
MEASURED_BF16_AGREEMENT = {BUNDLED_MODEL: 0.9999}
SAME_MODEL_MIN_COSINE = 0.99
BF16_SUFFIX = "#bf16"
# CPU flags (Linux /proc/cpuinfo) of native bfloat16 arithmetic; without them torch emulates
# bfloat16 and is slower than float32, so the int8 backend is used instead.
NATIVE_BF16_FLAGS = {"amx_bf16", "avx512_bf16"}


def cpu_has_native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    try:
        text = cpuinfo.read_text()
    except OSError:
        return False
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    return bool(NATIVE_BF16_FLAGS & set(flags))


def bf16_model_id(model_id: str) -> str:
    if MEASURED_BF16_AGREEMENT.get(model_id, 0.0) >= SAME_MODEL_MIN_COSINE:
        return model_id
    return model_id + BF16_SUFFIX


@dataclass(frozen=True)
class ModelFiles:
    """A sentence-transformers model folder whose first module is the transformer (with a
    tokenizer.json) and whose pooling is the mean of the tokens."""

    transformer_dir: Path
    max_seq_length: int
    dimensions: int

    @classmethod
    def read(cls, location: str) -> ModelFiles:
        root = Path(location)
        try:
            modules = json.loads((root / "modules.json").read_text())
            transformer = root / modules[0]["path"]
            pooling = next(m for m in modules if m["type"].endswith("Pooling"))
            pool = json.loads((root / pooling["path"] / "config.json").read_text())
            max_seq = json.loads((transformer / "sentence_bert_config.json").read_text())["max_seq_length"]
        except (OSError, ValueError, KeyError, IndexError, StopIteration) as exc:
            raise EmbeddingError(f"{location}: not a local sentence-transformers model folder ({exc})") from exc
        needed = ("tokenizer.json", "config.json", "model.safetensors")
        if not pool.get("pooling_mode_mean_tokens") or not all((transformer / n).is_file() for n in needed):
            raise EmbeddingError(f"{location}: only mean-pooled models with {', '.join(needed)} run in bfloat16")
        return cls(transformer, int(max_seq), int(pool["word_embedding_dimension"]))


class TorchBf16Embedder(WindowedEmbedder):
    """The transformer in bfloat16 (matrix products on AMX tiles where the CPU has them), windows
    in length-sorted batches, pooling and normalization in float32."""

    # oneDNN builds its bfloat16 kernels per input shape: a width met for the first time cost
    # 11 ms more here (24.6 vs 13.5 ms at 40-140 tokens), and warming all 256 widths overflows
    # its kernel cache. Sixteen widths stay warm; the padding costs at most 15 tokens.
    lone_width_step = 16

    def __init__(
        self,
        files: ModelFiles,
        model_id: str,
        *,
        window_tokens: int = EmbeddingParams.window_tokens,
        max_windows: int = EmbeddingParams.max_windows,
        batch_size: int = EmbeddingParams.batch_size,
        threads: int | None = None,
    ):
        super().__init__(
            model_id,
            files.transformer_dir / "tokenizer.json",
            files.max_seq_length,
            window_tokens=window_tokens,
            max_windows=max_windows,
            batch_size=batch_size,
            threads=threads,
        )
        self.files = files
        self._model: BertBf16 | None = None

    @property
    def dimensions(self) -> int:
        return self.files.dimensions

    def _load(self) -> None:
        import torch

        # One thread per batch and one batch per core, side by side: each operation's threads
        # wait for one another at every step, which on cores shared with Postgres (or other
        # work) cost 2.6x the time of single-threaded batches here.
        torch.set_num_threads(1)
        self._model = BertBf16(self.files.transformer_dir)
        lanes = self._cores = self.threads or os.cpu_count() or 1
        if lanes > 1:
            self._lanes = ThreadPoolExecutor(lanes, thread_name_prefix="bf16")

    @contextmanager
    def _all_cores(self) -> Iterator[None]:
        # A lone window on two threads: 27 ms instead of 37 for 180 tokens (lanes run one each).
        import torch

        torch.set_num_threads(self._cores)
        try:
            yield
        finally:
            torch.set_num_threads(1)

    def _pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            mask_t = torch.from_numpy(mask)
            assert self._model is not None  # loaded: every embedding path runs warm_up (_load) first
            # Without padding no mask is needed, and attention takes its fastest path.
            hidden = self._model(torch.from_numpy(ids), None if mask.all() else mask_t.bool())
            weights = mask_t.unsqueeze(-1).to(torch.float32)
            return ((hidden.float() * weights).sum(dim=1) / weights.sum(dim=1)).numpy()


class BertBf16:
    """BERT's encoder as plain torch functions on bfloat16 weights read from model.safetensors.
    Written out (60 lines) rather than taken from transformers, for two measured reasons: importing
    transformers costs a command 2-6 s on these cores, and one fused query-key-value product per
    layer with attention on [batch, heads, tokens, head size] spares the copies its layers make."""

    def __init__(self, folder: Path):
        import torch
        from safetensors.torch import load_file

        config = json.loads((folder / "config.json").read_text())
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise EmbeddingError(f"{folder}: only BERT models with GELU run in bfloat16")
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise EmbeddingError(f"{folder}: only absolute position embeddings run in bfloat16")
        raw = load_file(str(folder / "model.safetensors"))
        w = {k.removeprefix("bert."): v.to(torch.bfloat16) for k, v in raw.items()}
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(config["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            qkv = [f"{p}attention.self.{n}" for n in ("query", "key", "value")]
            self.layers.append(
                (
                    torch.cat([w[f"{n}.weight"] for n in qkv]),
                    torch.cat([w[f"{n}.bias"] for n in qkv]),
                    w[f"{p}attention.output.dense.weight"],
                    w[f"{p}attention.output.dense.bias"],
                    (w[f"{p}attention.output.LayerNorm.weight"], w[f"{p}attention.output.LayerNorm.bias"]),
                    w[f"{p}intermediate.dense.weight"],
                    w[f"{p}intermediate.dense.bias"],
                    w[f"{p}output.dense.weight"],
                    w[f"{p}output.dense.bias"],
                    (w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"]),
                )
            )

    def __call__(self, ids, key_mask):
        """Hidden states [batch, tokens, hidden] of token ids [batch, tokens]; key_mask (bool,
        True where a token is real) or None when no window is padded."""
        from torch.nn import functional as F

        batch, tokens = ids.shape
        hidden = self.word.shape[1]
        size = hidden // self.heads
        x = self.word[ids] + self.position[:tokens] + self.token_type
        x = F.layer_norm(x, (hidden,), *self.norm, eps=self.eps)
        mask = None if key_mask is None else key_mask[:, None, None, :]
        for qkv_w, qkv_b, out_w, out_b, norm1, up_w, up_b, down_w, down_b, norm2 in self.layers:
            q, k, v = F.linear(x, qkv_w, qkv_b).view(batch, tokens, 3, self.heads, size).permute(2, 0, 3, 1, 4)
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            context = context.transpose(1, 2).reshape(batch, tokens, hidden)
            x = F.layer_norm(F.linear(context, out_w, out_b) + x, (hidden,), *norm1, eps=self.eps)
            x = F.layer_norm(
                F.linear(F.gelu(F.linear(x, up_w, up_b)), down_w, down_b) + x, (hidden,), *norm2, eps=self.eps
            )
        return x


def bf16_embedder(
    model: str,
    data_dir: Path,
    *,
    window_tokens: int = EmbeddingParams.window_tokens,
    max_windows: int = EmbeddingParams.max_windows,
    batch_size: int = EmbeddingParams.batch_size,
    threads: int | None = None,
    native_bf16: bool | None = None,
) -> EmbedderBase:
    """The bf16 backend where the CPU computes in bfloat16, else the int8 ONNX backend; a model
    that is not a local mean-pooled folder runs on the torch backend (with a warning)."""
    settings = {"window_tokens": window_tokens, "max_windows": max_windows, "batch_size": batch_size}
    if not (cpu_has_native_bf16() if native_bf16 is None else native_bf16):
        from drive_tagger.adapters.onnx_embedder import int8_embedder

        log.info("this CPU has no native bfloat16; embedding with the int8 ONNX backend")
        return int8_embedder(model, data_dir, threads=threads, **settings)
    model_id, location = resolve_local_model(model)
    try:
        files = ModelFiles.read(location)
    except EmbeddingError as exc:
        log.warning("%s; falling back to the torch backend (float32)", exc)
        return SentenceTransformerEmbedder(model, **settings)
    return TorchBf16Embedder(files, bf16_model_id(model_id), threads=threads, **settings)
