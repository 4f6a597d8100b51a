"""Settings: the one pydantic-settings class, read from DRIVE_TAGGER_* environment variables."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def _default_data_dir() -> Path:
    return platformdirs.user_data_path("drive_tagger")


class Settings(BaseSettings):
    """Everything a deployment can change; created by `load_settings()`, never at import."""

    model_config = SettingsConfigDict(env_prefix="DRIVE_TAGGER_", extra="ignore")

    # Unset: an embedded PostgreSQL (with pgvector) runs in data_dir/postgres.
    database_url: SecretStr | None = None
    data_dir: Path = Field(default_factory=_default_data_dir)
    # Apply pending migrations when a command opens the database. Unset: only for the
    # embedded server; a configured database is migrated by `drive-tagger db migrate`.
    auto_migrate: bool | None = None

    # "<backend>:<model>". Backends: sentence-transformers (local torch; the bundled model needs
    # no hub access, any other name is loaded by sentence-transformers) and local-int8 (the same
    # model exported to ONNX and int8-quantized on first use, cached in data_dir/models).
    embedder: str = f"sentence-transformers:{BUNDLED_MODEL}"
    # Tokens per window; longer documents are split into windows and their vectors averaged.
    window_tokens: int = Field(default=256, ge=16, le=8192)
    # Windows kept per document; text beyond them is cut before tokenizing.
    max_windows: int = Field(default=8, ge=1, le=64)
    embed_batch_size: int = Field(default=32, ge=1, le=1024)
    # Inference threads of the local-int8 backend; unset = every core.
    embed_threads: int | None = Field(default=None, ge=1, le=256)
    # Documents read, embedded and stored per round of ingest.
    ingest_batch_size: int = Field(default=256, ge=1, le=100_000)

    # A document is left untagged when its similarity to its filter's centroid falls below the
    # filter's lower Tukey fence, Q1 - untagged_fence_iqr * IQR; larger tags more documents.
    untagged_fence_iqr: float = Field(default=1.5, ge=0.0)
    # A document also carries its runner-up filter when that scores within this cosine margin.
    second_filter_margin: float = Field(default=0.02, ge=0.0, le=1.0)
    # Suggest a refresh once this share of documents tagged on arrival matched no filter well.
    suggest_refresh_share: float = Field(default=0.2, ge=0.0, le=1.0)
    seed: int = 0

    @field_validator("embedder")
    @classmethod
    def _embedder_has_backend(cls, value: str) -> str:
        backend, sep, model = value.partition(":")
        if not sep or not backend or not model:
            raise ValueError(f"embedder must look like '<backend>:<model>', got {value!r}")
        return value

    @property
    def embedded_pgdata(self) -> Path:
        return self.data_dir / "postgres"


def load_settings(**overrides: object) -> Settings:
    """Reads the environment (and explicit overrides, e.g. from CLI flags)."""
    return Settings(**overrides)
