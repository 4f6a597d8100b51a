"""Settings: the one pydantic-settings class, read from DRIVE_TAGGER_* environment variables."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from drive_tagger.core.params import (
    INGEST_BATCH_SIZE,
    NAMER_DOCUMENT_CHARS,
    ClusteringParams,
    EmbeddingParams,
    RefreshParams,
)

BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def _default_data_dir() -> Path:
    return platformdirs.user_data_path("drive_tagger")


class Settings(BaseSettings):
    """Everything a deployment can change; created by `load_settings()`, never at import."""

    model_config = SettingsConfigDict(env_prefix="DRIVE_TAGGER_", extra="ignore", populate_by_name=True)

    # Show the traceback of an unexpected error in the CLI (normally one `error:` line).
    debug: bool = False
    # Unset: an embedded PostgreSQL (with pgvector) runs in data_dir/postgres.
    database_url: SecretStr | None = None
    data_dir: Path = Field(default_factory=_default_data_dir)
    # Apply pending migrations when a command opens the database. Unset: only for the
    # embedded server; a configured database is migrated by `drive-tagger db migrate`.
    auto_migrate: bool | None = None

    # "<backend>:<model>". Backends: local-bf16 (the default: the torch model in bfloat16 on CPUs
    # that compute in it natively, else local-int8), sentence-transformers (local torch, float32;
    # the bundled model needs no hub access, any other name is loaded by sentence-transformers),
    # local-int8 (the model exported to ONNX and int8-quantized on first use, cached in
    # data_dir/models) and openai (e.g. openai:text-embedding-3-small, at the model's length or
    # openai_embedding_dimensions).
    embedder: str = f"local-bf16:{BUNDLED_MODEL}"
    # Tokens per window; longer documents are split into windows and their vectors averaged.
    window_tokens: int = Field(default=EmbeddingParams.window_tokens, ge=16, le=8192)
    # Windows kept per document; text beyond them is cut before tokenizing.
    max_windows: int = Field(default=EmbeddingParams.max_windows, ge=1, le=64)
    embed_batch_size: int = Field(default=EmbeddingParams.batch_size, ge=1, le=1024)
    # Inference threads of the local-bf16 and local-int8 backends; unset = every core.
    embed_threads: int | None = Field(default=None, ge=1, le=256)
    # `drive-tagger ingest` embeds each text's first window and leaves a long text's further
    # windows to the next refresh, which completes them before it clusters (documents are
    # stored, tagged and searchable sooner); false, or `ingest --all-windows`: all of them now.
    first_windows_first: bool = True
    # Documents read, embedded and stored per round of ingest.
    ingest_batch_size: int = Field(default=INGEST_BATCH_SIZE, ge=1, le=100_000)

    # A document is left untagged when its similarity to its filter's centroid falls below the
    # filter's lower Tukey fence, Q1 - untagged_fence_iqr * IQR; larger tags more documents.
    untagged_fence_iqr: float = Field(default=ClusteringParams.outlier_iqr, ge=0.0)
    # A document also carries its runner-up filter when that scores within this cosine margin.
    second_filter_margin: float = Field(default=RefreshParams.second_filter_margin, ge=0.0, le=1.0)
    # Suggest a refresh once this share of documents tagged on arrival matched no filter well.
    suggest_refresh_share: float = Field(default=0.2, ge=0.0, le=1.0)
    seed: int = ClusteringParams.seed

    # Background jobs (procrastinate on the same database). Jobs one worker runs at once: the
    # cap on concurrent calls to the embedding provider per worker process.
    job_concurrency: int = Field(default=5, ge=1, le=100)
    # Retries of a job that failed for an outside reason, waiting backoff * 2**attempt seconds.
    job_retries: int = Field(default=2, ge=0, le=20)
    job_retry_backoff_seconds: float = Field(default=2.0, ge=0.0, le=3600.0)
    # A worker beats every heartbeat seconds; a job whose worker has been silent for
    # stalled seconds is given back to the queue for another worker.
    worker_heartbeat_seconds: float = Field(default=10.0, gt=0.0, le=600.0)
    worker_stalled_seconds: float = Field(default=30.0, gt=0.0, le=86_400.0)
    # Longest wait between polls for new jobs (LISTEN/NOTIFY usually wakes workers sooner).
    worker_poll_seconds: float = Field(default=2.0, gt=0.0, le=600.0)
    # On SIGTERM or SIGINT a worker takes no new job and waits this long for its running jobs;
    # then it exits, and what still ran goes back to the queue once its heartbeat is stale.
    worker_grace_seconds: float = Field(default=30.0, ge=0.0, le=3600.0)

    # Sync from the app's own documents table (`drive-tagger sync`, and a periodic job when a
    # worker runs): the table, in our database or the one at sync_source_url, and its columns.
    # A row's workspace column names its workspace; a row with the deleted column set, or gone,
    # is deleted from its workspace. A table without a schema is the app's in public (ours are in
    # drive_tagger). Unset sync_table: no sync.
    sync_table: str | None = None
    sync_source_url: SecretStr | None = None
    sync_id_column: str = "id"
    sync_workspace_column: str = "workspace"
    sync_title_column: str | None = "title"
    sync_text_column: str = "text"
    sync_updated_at_column: str = "updated_at"
    sync_deleted_column: str | None = None
    # When workers sync every workspace (cron; a sixth field counts seconds); empty: never.
    sync_schedule: str = "*/5 * * * *"

    # HTTP API: connections in the pool, which is also how many requests use the database at
    # once; past api_max_waiting waiting requests, or api_wait_seconds of waiting, the answer is
    # 503 with Retry-After rather than a long queue.
    api_pool_size: int = Field(default=10, ge=1, le=200)
    api_max_waiting: int = Field(default=512, ge=0, le=100_000)
    api_wait_seconds: float = Field(default=10.0, gt=0, le=600)
    # POST /embed: texts one model call takes from the requests waiting for it (requests that
    # arrive while a call runs go together in the next); 1 = each request its own call.
    api_embed_batch: int = Field(default=64, ge=1, le=1024)
    # The longest an answer of the filter list or a filter's page is served from memory. A change
    # is normally seen at once (the database notifies the server); this bounds it where
    # notifications cannot arrive (a pooler in transaction mode). 0 turns the read cache off.
    api_read_cache_seconds: float = Field(default=2.0, ge=0, le=3600)
    # The server loads the embedding model, with its kernels for a document arriving alone,
    # before it answers (a few seconds), so no request waits for them (false: on the first embed).
    api_warm_model: bool = True

    # Who names new filters: "offline" (built-in taxonomy and keywords, no network) or
    # "openai:<model>" (OpenAI or a compatible server: Ollama, vLLM, llama.cpp server).
    namer: str = "offline"
    # The language of filter names: a name's words must be common in it (wordfreq's lists,
    # e.g. "en", "de", "fr", "es"), unless a filter's titles capitalise them (proper nouns).
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
    # A filter that matches the previous refresh keeps its name while its centroid stays this close.
    keep_name_similarity: float = Field(default=RefreshParams.keep_name_similarity, ge=0.0, le=1.0)
    namer_concurrency: int = Field(default=4, ge=1, le=64)
    # Per refresh: LLM calls and tokens; past either, new filters are named offline.
    namer_max_calls: int = Field(default=200, ge=0)
    namer_max_tokens: int = Field(default=200_000, ge=0)
    # Characters of representative document text sent per filter (shared by its documents).
    namer_document_chars: int = Field(default=NAMER_DOCUMENT_CHARS, ge=200, le=100_000)
    # The OpenAI(-compatible) server, also read from the usual OPENAI_API_KEY / OPENAI_BASE_URL.
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DRIVE_TAGGER_OPENAI_API_KEY", "OPENAI_API_KEY", "openai_api_key")
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DRIVE_TAGGER_OPENAI_BASE_URL", "OPENAI_BASE_URL", "openai_base_url"),
    )
    openai_timeout: float = Field(default=30.0, gt=0)  # seconds per request
    # Retries after a 429, a 5xx, a timeout or a lost connection (the client backs off
    # exponentially and honours the server's Retry-After).
    openai_retries: int = Field(default=3, ge=0, le=10)
    # Dimensions asked of an OpenAI embedding model; unset = the model's own (1,536 for
    # text-embedding-3-small); text-embedding-3 models shorten their vectors to any size asked.
    openai_embedding_dimensions: int | None = Field(default=None, ge=1, le=16_000)

    @field_validator("namer")
    @classmethod
    def _namer_is_known(cls, value: str) -> str:
        kind, _, model = value.partition(":")
        if value != "offline" and not (kind == "openai" and model):
            raise ValueError(f"namer must be 'offline' or 'openai:<model>', got {value!r}")
        return value

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
