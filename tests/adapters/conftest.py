"""Fixtures of the adapters' tests: the workspace and callers the SQL-rule modules share."""

import pytest

from tests.sql_callers import apps_database, call_arguments


@pytest.fixture(scope="module")
def apps_db(module_database_url, namer_for):
    yield from apps_database(module_database_url, namer_for)


@pytest.fixture(scope="module")
def apps_facts(apps_db):
    return call_arguments(apps_db)
