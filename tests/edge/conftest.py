"""The web page's harness, shared by its browser tests: one embedded database, one `drive-tagger
serve` (with its own queue worker, as by default) and one headless Chromium per module; every test
gets the sample drive in a workspace of its own with a key for it."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pytest

from drive_tagger.adapters.postgres.connection import connect
from drive_tagger.adapters.postgres.database import Database
from drive_tagger.adapters.readers import read_sources
from drive_tagger.services.ingest import ingest
from drive_tagger.services.keys import create_key
from drive_tagger.services.refresh import refresh_workspace
from tests.browser import Page, Served, chromium

WAIT = 30
_numbers = itertools.count()


@dataclass(frozen=True)
class Drive:
    slug: str
    key: str


@pytest.fixture(scope="module")
def module_db(module_database_url):
    with Database(connect(module_database_url, autocommit=True)) as opened:
        yield opened


@pytest.fixture(scope="module")
def site_env(module_database_url, tmp_path_factory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("site") / "data"
    return {"DRIVE_TAGGER_DATABASE_URL": module_database_url, "DRIVE_TAGGER_DATA_DIR": str(data)}


@pytest.fixture(scope="module")
def site(site_env, tmp_path_factory) -> str:
    served = Served(site_env, tmp_path_factory.mktemp("serve") / "serve.log")
    yield served.url
    served.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = chromium(tmp_path_factory.mktemp("chromium"))
    yield driver
    driver.quit()


@pytest.fixture
def drive(module_db, sample_embedder, samples_dir, request, namer) -> Drive:
    """The sample drive in a workspace of this test's own, refreshed, with a key for it."""
    slug = re.sub(r"[^a-z0-9-]+", "-", f"t{next(_numbers)}-{request.node.name.removeprefix('test_')}".lower())[:40]
    read = ingest(
        module_db.documents, module_db.refreshes, sample_embedder, slug, read_sources([samples_dir]), progress=False
    )
    assert read.failed == 0
    refresh_workspace(module_db.documents, module_db.refreshes, slug, namer=namer)
    return Drive(slug, create_key(module_db.access, workspace=slug))


@pytest.fixture
def page(browser, site, tmp_path) -> Page:
    return Page(browser, site, tmp_path, wait=WAIT)
