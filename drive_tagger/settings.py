"""Settings: the one pydantic-settings class, read from DRIVE_TAGGER_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from drive_tagger.core.params import (
    INGEST_BATCH_SIZE,
    NAMER_DOCUMENT_CHARS,
    SEARCH_FLOOR,
    SUGGEST_REFRESH_SHARE,
    ClusteringParams,
    EmbeddingParams,
    RefreshParams,
)

BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def _default_data_dir() -> Path:
    return platformdirs.user_data_path("drive_tagger")


def _number(default: float | None) -> float:
    """A params default (None there turns a step off) as the number a float setting takes."""
    if default is None:
        raise ValueError("a float setting needs a number as its default, not None")
    return default


class Settings(BaseSettings):
    """Everything a deployment can change; created by `load_settings()`, never at import.

    Each field is the environment variable `DRIVE_TAGGER_<NAME>`; its description is the
    reference the documentation prints (docs/reference/settings.md is generated from it).
    """

    model_config = SettingsConfigDict(env_prefix="DRIVE_TAGGER_", extra="ignore", populate_by_name=True)

    debug: bool = Field(
        default=False,
        description="The CLI shows the traceback of an unexpected error (normally one `error:` line).",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="Any PostgreSQL with pgvector, e.g. a Supabase connection string. "
        "Unset: an embedded PostgreSQL runs in `data_dir/postgres`.",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the embedded server keeps its data and the int8 model export is cached "
        "(default: the user data dir, `~/.local/share/drive_tagger` on Linux).",
    )
    auto_migrate: bool | None = Field(
        default=None,
        description="Apply pending migrations when a command opens the database. Unset: on for the "
        "embedded server; a configured database is migrated by `drive-tagger db migrate`.",
    )

    embedder: str = Field(
        default=f"local-bf16:{BUNDLED_MODEL}",
        description="`<backend>:<model>`. `local-bf16` (default): the model's encoder in bfloat16 on a CPU "
        "that computes in it natively, elsewhere `local-int8`. `sentence-transformers`: the torch backend "
        "(float32), any sentence-transformers model. `local-int8`: exported to ONNX and int8-quantized on "
        "first use, cached in `data_dir/models`. `openai`: OpenAI or a compatible server, e.g. "
        "`openai:text-embedding-3-small`.",
    )
    window_tokens: int = Field(
        default=EmbeddingParams.window_tokens,
        ge=16,
        le=8192,
        description="Tokens per window; longer documents are split into windows and their vectors averaged.",
    )
    max_windows: int = Field(
        default=EmbeddingParams.max_windows,
        ge=1,
        le=64,
        description="Windows kept per document; text beyond them is cut before tokenizing.",
    )
    embed_batch_size: int = Field(
        default=EmbeddingParams.batch_size, ge=1, le=1024, description="Windows per model call."
    )
    embed_threads: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="Inference threads of the `local-bf16` and `local-int8` backends; unset: every core.",
    )
    first_windows_first: bool = Field(
        default=True,
        description="`drive-tagger ingest` embeds each text's first window now and leaves a long text's "
        "further windows to the next refresh, which completes them before it clusters (documents are "
        "stored, tagged and searchable sooner). False, or `ingest --all-windows`: all of them now.",
    )
    ingest_batch_size: int = Field(
        default=INGEST_BATCH_SIZE,
        ge=1,
        le=100_000,
        description="Documents read, embedded and stored per round of ingest.",
    )

    untagged_fence_iqr: float = Field(
        default=_number(ClusteringParams.outlier_iqr),
        ge=0.0,
        description="A document is left untagged when its similarity to its filter's centroid falls below "
        "the filter's lower Tukey fence, Q1 - this × IQR; larger tags more documents.",
    )
    second_filter_margin: float = Field(
        default=_number(RefreshParams.second_filter_margin),
        ge=0.0,
        le=1.0,
        description="A document also carries its runner-up filter when that scores within this cosine margin.",
    )
    search_floor: float = Field(
        default=SEARCH_FLOOR,
        ge=-1.0,
        le=1.0,
        description="A search result less similar than this is shown as not close, and a search with none "
        "above it says it found no close matches. Measured for the bundled model by "
        "`python -m benchmarks.search_floor`; another model's scores run on another scale, so measure "
        "and set it for that model.",
    )
    suggest_refresh_share: float = Field(
        default=SUGGEST_REFRESH_SHARE,
        ge=0.0,
        le=1.0,
        description="New documents are tagged from the stored filters; once this share of them (and at "
        "least 5) match no filter well, the workspace records that a refresh is suggested.",
    )
    seed: int = Field(
        default=ClusteringParams.seed,
        description="Clustering seed: the same documents and settings give the same filters.",
    )

    job_concurrency: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Jobs one worker process runs at once: the cap on concurrent calls to the embedding "
        "provider per worker.",
    )
    job_retries: int = Field(
        default=2,
        ge=0,
        le=20,
        description="Retries of a job that failed for an outside reason (provider, network, database).",
    )
    job_retry_backoff_seconds: float = Field(
        default=2.0,
        ge=0.0,
        le=3600.0,
        description="A retried job waits this × 2^attempt seconds (2 s, 4 s, ...).",
    )
    worker_heartbeat_seconds: float = Field(
        default=10.0, gt=0.0, le=600.0, description="How often a worker beats its heartbeat."
    )
    worker_stalled_seconds: float = Field(
        default=30.0,
        gt=0.0,
        le=86_400.0,
        description="A job whose worker has been silent this long goes back to the queue for another worker.",
    )
    worker_poll_seconds: float = Field(
        default=2.0,
        gt=0.0,
        le=600.0,
        description="Longest wait between polls for new jobs (LISTEN/NOTIFY usually wakes workers sooner).",
    )
    worker_grace_seconds: float = Field(
        default=30.0,
        ge=0.0,
        le=3600.0,
        description="On SIGTERM or SIGINT a worker takes no new job and waits this long for its running jobs; "
        "then it exits, and what still ran goes back to the queue.",
    )

    sync_table: str | None = Field(
        default=None,
        description="Your app's own documents table to keep in step with (`schema.table`, or `table` for "
        "one in `public`; ours are in `drive_tagger`). Unset: no sync.",
    )
    sync_source_url: SecretStr | None = Field(
        default=None, description="The database that table is in; unset: drive_tagger's own database."
    )
    sync_id_column: str = Field(default="id", description="The row's id (any type, read as text).")
    sync_workspace_column: str = Field(default="workspace", description="The workspace (slug) a row belongs to.")
    sync_title_column: str | None = Field(default="title", description="The document's title (may be empty: none).")
    sync_text_column: str = Field(default="text", description="The document's text.")
    sync_updated_at_column: str = Field(
        default="updated_at",
        description="When the row last changed, set by the database (`default now()` and an update trigger).",
    )
    sync_deleted_column: str | None = Field(
        default=None,
        description="A soft-delete flag: a row with it set is deleted from its workspace, like a row that is gone.",
    )
    sync_schedule: str = Field(
        default="*/5 * * * *",
        description="When workers sync every workspace the table names (cron; a sixth field counts "
        "seconds); empty: never.",
    )

    api_pool_size: int = Field(
        default=10,
        ge=1,
        le=200,
        description="Connections in the API's pool: at most this many requests use the database at once.",
    )
    api_max_waiting: int = Field(
        default=512,
        ge=0,
        le=100_000,
        description="Past this many requests waiting for a connection the API answers 503 with Retry-After.",
    )
    api_wait_seconds: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="Past this long a wait for a connection the API answers 503 with Retry-After.",
    )
    api_embed_batch: int = Field(
        default=64,
        ge=1,
        le=1024,
        description="`POST /embed`: texts one model call takes from the requests waiting for it (those that "
        "arrive while a call runs share the next one); 1: each request its own call.",
    )
    api_read_cache_seconds: float = Field(
        default=2.0,
        ge=0,
        le=3600,
        description="The longest the API serves a filter list or a filter's page from memory. A change is "
        "normally seen at once (the database notifies the server); this bounds it where notifications "
        "cannot arrive (a pooler in transaction mode). 0: no read cache.",
    )
    serve_worker: bool = Field(
        default=True,
        description="`serve` runs a queue worker beside the API (a process of its own, started again if it "
        "ends), so a refresh asked for on the page or over HTTP always runs. false: for deployments whose "
        "workers run apart (`drive-tagger worker`).",
    )
    api_warm_model: bool = Field(
        default=True,
        description="`serve` loads the embedding model, with its kernels for a document arriving alone, "
        "before it answers, so no request waits for them (false: on the first request that embeds).",
    )

    namer: str = Field(
        default="offline",
        description="Who names new filters: `offline` (built-in taxonomy and keyphrases, no network) or "
        "`openai:<model>` (OpenAI or a compatible server: Ollama, vLLM, llama.cpp server).",
    )
    language: str = Field(
        default="en",
        pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$",
        description="The language of filter names: every word of a name is common in it (wordfreq's lists, "
        "Zipf ≥ 3: `en`, `de`, `fr`, `es`, ...) or a proper noun capitalised in the filter's own titles.",
    )
    keep_name_similarity: float = Field(
        default=RefreshParams.keep_name_similarity,
        ge=0.0,
        le=1.0,
        description="A filter that keeps its id keeps its name, with no namer call, while its centroid "
        "stays this close (cosine) to the previous one.",
    )
    namer_concurrency: int = Field(default=4, ge=1, le=64, description="LLM naming calls in flight at once.")
    namer_max_calls: int = Field(
        default=200, ge=0, description="LLM calls per refresh; past it, new filters are named offline."
    )
    namer_max_tokens: int = Field(
        default=200_000, ge=0, description="LLM tokens per refresh; past it, new filters are named offline."
    )
    namer_document_chars: int = Field(
        default=NAMER_DOCUMENT_CHARS,
        ge=200,
        le=100_000,
        description="Characters of representative document text sent to the LLM per filter.",
    )
    openai_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("DRIVE_TAGGER_OPENAI_API_KEY", "OPENAI_API_KEY", "openai_api_key"),
        description="The key for `openai:` backends (`OPENAI_API_KEY` works too); a local server needs none. "
        "Never printed.",
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DRIVE_TAGGER_OPENAI_BASE_URL", "OPENAI_BASE_URL", "openai_base_url"),
        description="The OpenAI-compatible server (`OPENAI_BASE_URL` works too); unset: OpenAI's.",
    )
    openai_timeout: float = Field(default=30.0, gt=0, description="Seconds per request to the OpenAI server.")
    openai_retries: int = Field(
        default=3,
        ge=0,
        le=10,
        description="Retries after a 429, a 5xx, a timeout or a lost connection (the client backs off "
        "exponentially and honours the server's Retry-After).",
    )
    openai_embedding_dimensions: int | None = Field(
        default=None,
        ge=1,
        le=16_000,
        description="Dimensions asked of an OpenAI embedding model; unset: the model's own (1,536 for "
        "`text-embedding-3-small`); `text-embedding-3` models shorten their vectors to any size asked.",
    )

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


def load_settings(**overrides: Any) -> Settings:
    """Reads the environment (and explicit overrides, e.g. from CLI flags)."""
    return Settings(**overrides)
