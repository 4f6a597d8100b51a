"""The one place where settings become adapters and parameters: database, embedder, namer,
refresh parameters, job queue, API pool. Heavy backends (torch, ONNX Runtime, openai,
procrastinate) are imported only when built, so a command that reads filters loads none."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from drive_tagger.adapters.postgres.connection import (
    connect,
    redact_url,
)
from drive_tagger.adapters.postgres.database import Database
from drive_tagger.adapters.postgres.embedded import embedded_server_url
from drive_tagger.adapters.postgres.migrations import migrate, pending_migrations
from drive_tagger.core.params import ClusteringParams, RefreshParams
from drive_tagger.errors import DriveTaggerError, InvalidInput, MigrationError
from drive_tagger.settings import BUNDLED_MODEL, Settings

if TYPE_CHECKING:
    from drive_tagger.adapters import queue
    from drive_tagger.adapters.embedders import EmbedderBase
    from drive_tagger.adapters.namers import GatedNamer
    from drive_tagger.adapters.openai_client import OpenAIOptions
    from drive_tagger.adapters.postgres.source import SourceTable

LOCAL_BACKENDS = {"sentence-transformers", "local"}
INT8_BACKENDS = {"local-int8"}
BF16_BACKENDS = {"local-bf16"}
REMOTE_BACKENDS = {"openai"}


def database_url(settings: Settings) -> str:
    """The configured URL, else the embedded server's (started on first use, then reused)."""
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    return embedded_server_url(settings.embedded_pgdata)


def open_database(settings: Settings) -> Database:
    """The stores on a migrated database. The embedded database is migrated on the spot; a configured
    one only when DRIVE_TAGGER_AUTO_MIGRATE is set, else pending migrations are an error."""
    url = database_url(settings)
    conn = connect(url, autocommit=True)
    try:
        auto = settings.auto_migrate if settings.auto_migrate is not None else settings.database_url is None
        if auto:
            migrate(conn)
        else:
            pending = pending_migrations(conn)
            if pending:
                names = ", ".join(f"{m.version}_{m.name}" for m in pending)
                raise MigrationError(
                    f"the database at {redact_url(url)} lacks {len(pending)} migration(s) ({names}); "
                    "run `drive-tagger db migrate`"
                )
        return Database(conn)
    except BaseException:
        conn.close()
        raise


def make_source(settings: Settings) -> SourceTable:
    """The app's own documents table sync reads, or InvalidInput when none is configured."""
    from drive_tagger.adapters.postgres.source import SourceColumns, SourceTable

    if not settings.sync_table:
        raise InvalidInput("no source table to sync: set DRIVE_TAGGER_SYNC_TABLE (and its column settings)")
    url = settings.sync_source_url.get_secret_value() if settings.sync_source_url else database_url(settings)
    return SourceTable(
        url,
        SourceColumns(
            table=settings.sync_table,
            id=settings.sync_id_column,
            workspace=settings.sync_workspace_column,
            text=settings.sync_text_column,
            updated_at=settings.sync_updated_at_column,
            title=settings.sync_title_column or None,
            deleted=settings.sync_deleted_column or None,
        ),
    )


def make_embedder(settings: Settings) -> EmbedderBase:
    """The configured embedder (DRIVE_TAGGER_EMBEDDER). It carries `for_model(model)`, which gives
    the embedder of another stored model id, for a workspace that owns that model
    (services/embedding.py: a workspace is embedded with its own model, or not at all)."""
    embedder = _backend_embedder(settings)
    embedder.for_model = ModelEmbedders(settings, embedder)
    return embedder


def embedder_for_spec(settings: Settings, spec: str) -> EmbedderBase:
    """The embedder of a model named as DRIVE_TAGGER_EMBEDDER names one ("openai:text-embedding-3-small",
    "local-int8:sentence-transformers/all-MiniLM-L6-v2"), or by the id its vectors are stored
    under ("openai/text-embedding-3-small", "sentence-transformers/all-MiniLM-L6-v2"), with this
    deployment's other settings; ModelMismatch when this deployment cannot embed with it."""
    backend, colon, name = spec.partition(":")
    known = LOCAL_BACKENDS | INT8_BACKENDS | BF16_BACKENDS | REMOTE_BACKENDS
    if colon and (backend not in known or not name):
        raise InvalidInput(
            f"no embedding model {spec!r}: name one as <backend>:<model> (backends: {', '.join(sorted(known))}) "
            "or by the id its vectors are stored under (e.g. openai/text-embedding-3-small)"
        )
    if colon:
        return make_embedder(settings.model_copy(update={"embedder": spec}))
    return ModelEmbedders(settings)(spec)


def configured_model_id(settings: Settings) -> str | None:
    """The id the configured embedder stores its vectors under, known without loading a model (a
    workspace created now owns it); None when only loading it tells (a local model other than the
    bundled one on local-bf16, whose id depends on the CPU): the workspace's first embedding then
    sets it."""
    backend, _, model = settings.embedder.partition(":")
    if backend in REMOTE_BACKENDS:
        size = settings.openai_embedding_dimensions
        return f"openai/{model}" + (f"@{size}" if size else "")
    local = BUNDLED_MODEL if model in {BUNDLED_MODEL, BUNDLED_MODEL.split("/")[1]} else model
    if backend in LOCAL_BACKENDS:
        return local
    if backend in INT8_BACKENDS:
        from drive_tagger.adapters.onnx_embedder import int8_model_id

        return int8_model_id(local)
    if backend in BF16_BACKENDS and local == BUNDLED_MODEL:
        return local  # its bf16 and int8 vectors are measured to be the same model's
    return None


class ModelEmbedders:
    """Embedders of stored model ids, each built on first use and kept: an `openai/<model>[@<dims>]`
    id by the openai backend when this deployment reaches an OpenAI-compatible server (a key or a
    base URL is set, or the configured backend is openai); a local id by the local backend its
    suffix names (#int8, #bf16), and one without a suffix by sentence-transformers, or by the
    configured (else the default) local backend for the bundled model, whose backends share its id.
    ModelMismatch when none of them makes that model's vectors."""

    def __init__(self, settings: Settings, configured: EmbedderBase | None = None):
        self.settings = settings
        self._built: dict[str, EmbedderBase] = {configured.model_id: configured} if configured else {}
        self._lock = threading.Lock()

    def __call__(self, model: str) -> EmbedderBase:
        with self._lock:
            if model not in self._built:
                self._built[model] = self._build(model)
            return self._built[model]

    def _build(self, model: str) -> EmbedderBase:
        from drive_tagger.errors import ModelMismatch

        if model.startswith("openai/") and not self._reaches_openai():
            raise ModelMismatch(
                "no OpenAI-compatible server is configured here "
                "(DRIVE_TAGGER_OPENAI_API_KEY or DRIVE_TAGGER_OPENAI_BASE_URL)"
            )
        made = []
        for settings in self._candidates(model):
            embedder = _backend_embedder(settings)
            if embedder.model_id == model:
                return embedder
            made.append(f"{settings.embedder} makes {embedder.model_id} vectors")
        raise ModelMismatch("; ".join(made) or f"no backend makes {model} vectors")

    def _reaches_openai(self) -> bool:
        s = self.settings
        return bool(s.openai_api_key or s.openai_base_url) or s.embedder.partition(":")[0] in REMOTE_BACKENDS

    def _candidates(self, model: str) -> list[Settings]:
        def using(spec: str, **update) -> Settings:
            return self.settings.model_copy(update={"embedder": spec, **update})

        if model.startswith("openai/"):
            name, _, dimensions = model.removeprefix("openai/").partition("@")
            size = int(dimensions) if dimensions.isdigit() else None
            return [using(f"openai:{name}", openai_embedding_dimensions=size)]
        for suffix, backend in (("#int8", "local-int8"), ("#bf16", "local-bf16")):
            if model.endswith(suffix):
                return [using(f"{backend}:{model.removesuffix(suffix)}")]
        if model == BUNDLED_MODEL:
            backend = self.settings.embedder.partition(":")[0]
            local = LOCAL_BACKENDS | INT8_BACKENDS | BF16_BACKENDS
            default = Settings.model_fields["embedder"].default.partition(":")[0]
            return [using(f"{backend if backend in local else default}:{model}")]
        return [using(f"sentence-transformers:{model}")]


def _backend_embedder(settings: Settings) -> EmbedderBase:
    backend, _, model = settings.embedder.partition(":")
    if backend in LOCAL_BACKENDS:
        from drive_tagger.adapters.embedders import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(
            model,
            window_tokens=settings.window_tokens,
            max_windows=settings.max_windows,
            batch_size=settings.embed_batch_size,
        )
    if backend in INT8_BACKENDS:
        from drive_tagger.adapters.onnx_embedder import int8_embedder

        return int8_embedder(
            model,
            settings.data_dir,
            window_tokens=settings.window_tokens,
            max_windows=settings.max_windows,
            batch_size=settings.embed_batch_size,
            threads=settings.embed_threads,
        )
    if backend in BF16_BACKENDS:
        from drive_tagger.adapters.bf16_embedder import bf16_embedder

        return bf16_embedder(
            model,
            settings.data_dir,
            window_tokens=settings.window_tokens,
            max_windows=settings.max_windows,
            batch_size=settings.embed_batch_size,
            threads=settings.embed_threads,
        )
    if backend in REMOTE_BACKENDS:
        from drive_tagger.adapters.openai_embedder import OpenAIEmbedder

        return OpenAIEmbedder(
            model,
            dimensions=settings.openai_embedding_dimensions,
            options=openai_options(settings),
            batch_size=max(settings.embed_batch_size, 64),
        )
    raise DriveTaggerError(
        f"unknown embedder backend {backend!r} in DRIVE_TAGGER_EMBEDDER={settings.embedder!r}; "
        f"known: {', '.join(sorted(LOCAL_BACKENDS | INT8_BACKENDS | BF16_BACKENDS | REMOTE_BACKENDS))}"
    )


def openai_options(settings: Settings) -> OpenAIOptions:
    from drive_tagger.adapters.openai_client import OpenAIOptions

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    return OpenAIOptions(
        api_key=key, base_url=settings.openai_base_url, timeout=settings.openai_timeout, retries=settings.openai_retries
    )


def make_namer(settings: Settings, embedder: EmbedderBase | None = None) -> GatedNamer:
    """The namer for refreshes; it embeds names and taxonomy labels with the configured embedder
    (names are only compared with centroids of that same model)."""
    from drive_tagger.adapters.lexicon import WordFrequencyLexicon
    from drive_tagger.adapters.namers import OfflineNamer

    embedder = embedder or make_embedder(settings)
    lexicon = WordFrequencyLexicon(settings.language)
    kind, _, model = settings.namer.partition(":")
    if kind == "openai":
        from drive_tagger.adapters.openai_namer import OpenAINamer

        return OpenAINamer(
            model,
            embedder,
            options=openai_options(settings),
            concurrency=settings.namer_concurrency,
            max_calls=settings.namer_max_calls,
            max_tokens=settings.namer_max_tokens,
            document_chars=settings.namer_document_chars,
            lexicon=lexicon,
        )
    return OfflineNamer(embedder, lexicon=lexicon)


def refresh_params(settings: Settings) -> RefreshParams:
    return RefreshParams(
        clustering=ClusteringParams(seed=settings.seed, outlier_iqr=settings.untagged_fence_iqr),
        second_filter_margin=settings.second_filter_margin,
        keep_name_similarity=settings.keep_name_similarity,
    )


def lazy_embedder(settings: Settings) -> Callable[[], EmbedderBase]:
    """The embedder, built on first use (loading a model takes seconds) and then shared, also
    between threads; a process that never embeds never loads the model."""
    lock = threading.Lock()
    built: list[EmbedderBase] = []

    def get() -> EmbedderBase:
        with lock:
            if not built:
                built.append(make_embedder(settings))
        return built[0]

    return get


def warm_quietly(load: Callable[[], None]) -> None:
    """Runs load (a model's warm-up); a failure is left to the first call that needs the model,
    which retries it and reports it in its own words."""
    try:
        load()
    except Exception:
        return


def warm_in_background(load: Callable[[], None]) -> None:
    """warm_quietly in a daemon thread."""
    threading.Thread(target=warm_quietly, args=(load,), name="warm-up", daemon=True).start()


def queue_options(settings: Settings) -> queue.QueueOptions:
    from drive_tagger.adapters import queue

    return queue.QueueOptions(
        concurrency=settings.job_concurrency,
        retries=settings.job_retries,
        backoff_seconds=settings.job_retry_backoff_seconds,
        heartbeat_seconds=settings.worker_heartbeat_seconds,
        stalled_seconds=settings.worker_stalled_seconds,
        poll_seconds=settings.worker_poll_seconds,
        grace_seconds=settings.worker_grace_seconds,
    )


def run_worker(settings: Settings, *, wait: bool = True, name: str | None = None) -> None:
    """A worker on the configured database: the schema is checked (or migrated) once, then each
    job opens its own connection; the embedder is loaded on the first embedding job."""
    from drive_tagger.adapters import queue
    from drive_tagger.jobs import record_error, worker_tasks

    open_database(settings).close()
    url = database_url(settings)

    def job_database() -> Database:
        return Database(connect(url, autocommit=True))

    embedder = lazy_embedder(settings)
    tasks, periodic = worker_tasks(
        job_database,
        embedder,
        refresh_params(settings),
        make_namer=lambda: make_namer(settings, embedder()),
        make_source=(lambda: make_source(settings)) if settings.sync_table else None,
        batch_size=settings.ingest_batch_size,
        suggest_refresh_share=settings.suggest_refresh_share,
    )
    schedules = {name: (settings.sync_schedule, func) for name, func in periodic.items() if settings.sync_schedule}
    queue.run_worker(
        url,
        tasks,
        queue_options(settings),
        periodic=schedules,
        on_stalled=lambda job_id, attempt, message: record_error(job_database, job_id, attempt, message),
        wait=wait,
        name=name,
    )
