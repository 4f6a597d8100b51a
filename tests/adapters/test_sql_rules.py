"""The rules for what people write hold for every caller, because they live in the database: a
filter name is stored in one form and refused for the same reasons whether the CLI, the API or a
Supabase app gives it (migration 20261127090000_filter_name_rules.sql)."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
import pytest
from pydantic import ValidationError

from drive_tagger.adapters.postgres.connection import connect
from drive_tagger.adapters.postgres.migrations import load_migrations, migrate
from drive_tagger.adapters.postgres.sql import query
from drive_tagger.api.models import FilterCreate, FilterRename
from drive_tagger.core import naming
from drive_tagger.core.filter_names import MAX_FILTER_NAME_CHARS, normal_filter_name
from drive_tagger.errors import InvalidInput
from drive_tagger.services import corrections
from drive_tagger.services.pins import rename_filter
from tests.sql_callers import acme as _acme
from tests.sql_callers import called_as, rolled_back
from tests.sql_callers import filters as _filters

RULES_MIGRATION = "20261127090000"


@pytest.fixture(scope="module")
def db(apps_db):
    return apps_db


@pytest.fixture(scope="module")
def facts(apps_facts):
    return apps_facts


# -- filter names, by every way one is written -------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    words: str  # what the refusal says


ALREADY = {"Travel": 0, "Café": 1, "Cape": 2}  # names pinned on the first filters before each case

NAMES = [
    # given                                 stored as, or refused with these words
    ("Board Papers",                        "Board Papers"),
    ("  Board \u00a0  Papers ",             "Board Papers"),
    ("Cafe\u0301 Receipts",                 "Café Receipts"),  # decomposed, stored composed (NFC)
    ("Счета",                               "Счета"),  # all Cyrillic, and like no existing name
    ("Invoices-Счета",                      "Invoices-Счета"),  # two words, each in one alphabet
    ("فواتير",                              "فواتير"),  # right-to-left text needs no controls
    ("Travel Plans",                        "Travel Plans"),
    ("x" * MAX_FILTER_NAME_CHARS,           "x" * MAX_FILTER_NAME_CHARS),
    ("x" * (MAX_FILTER_NAME_CHARS + 1),     Refused(f"at most {MAX_FILTER_NAME_CHARS}")),
    ("<img src=x onerror=alert(1)>",        Refused("markup")),
    ("Invoices \u202egpj.exe",              Refused("bidirectional control")),
    ("\u200b\u2060",                        Refused("no visible characters")),
    ("Line one\nLine two",                  Refused("control character")),
    ("Tab\there",                           Refused("control character")),
    ("Тrаvel",                              Refused("mixes Latin, Cyrillic or Greek")),  # Cyrillic Т and а
    ("travel",                              Refused("filter 0 is already called 'Travel'; names are unique")),
    ("ＴＲＡＶＥＬ",                          Refused("is already called 'Travel'; names")),  # NFKC
    ("Tra\u200bvel",                        Refused("is already called 'Travel', which looks the same")),
    ("Cafe\u0301",                          Refused("is already called 'Café'; names")),  # NFD twin
    ("Саре",                                Refused("is already called 'Cape', which looks the same")),  # Cyrillic
]  # fmt: skip


def _name_some_filters(db) -> dict[int, int]:
    """Pins ALREADY's names; returns {index in ALREADY: filter id}."""
    filters = _filters(db)
    for name, i in ALREADY.items():
        assert db.refreshes.pin_category_name(_acme(db).id, filters[i].category_id, name)
    return {i: filters[i].category_id for i in ALREADY.values()}


def _an_unnamed_filter(db) -> int:
    return _filters(db)[len(ALREADY)].category_id


def _documents(db) -> list[str]:
    return ["t0-p0-00.txt"]


def _learned_name(db) -> str:
    return db.refreshes.corrections(_acme(db).id)[-1].name


def _cli_rename(db, given):
    return rename_filter(db.refreshes, "acme", str(_an_unnamed_filter(db)), given).name


def _cli_create(db, given):
    corrections.create_filter(db.refreshes, "acme", given, _documents(db))
    return _learned_name(db)


def _api_rename(db, given):
    body = FilterRename(name=given)
    return rename_filter(db.refreshes, "acme", str(_an_unnamed_filter(db)), body.name).name


def _api_create(db, given):
    body = FilterCreate(name=given, documents=_documents(db))
    corrections.create_filter(db.refreshes, "acme", body.name, body.documents)
    return _learned_name(db)


def _app_create_filter(db, given):
    with called_as(db.conn, "member") as conn:
        conn.execute("select create_filter('acme', %s, %s)", (given, _documents(db)))
        return conn.execute("select name from corrections order by id desc limit 1").fetchone()[0]


def _app_pin(db, given):
    """A member's own write to category_pins, as supabase-js `from('category_pins').upsert(...)`."""
    with called_as(db.conn, "member") as conn:
        return conn.execute(
            """insert into category_pins (workspace_id, category_id, name) values (%s, %s, %s)
               on conflict (workspace_id, category_id) do update set name = excluded.name returning name""",
            (_acme(db).id, _an_unnamed_filter(db), given),
        ).fetchone()[0]


WAYS = {
    "cli rename": _cli_rename,
    "cli create-filter": _cli_create,
    "api rename": _api_rename,
    "api create filter": _api_create,
    "app create_filter": _app_create_filter,
    "app category_pins": _app_pin,
}


def _written(db, way, given):
    """('stored', name) or ('refused', message)."""
    try:
        with db.conn.transaction():
            return "stored", WAYS[way](db, given)
    except (InvalidInput, psycopg.errors.InvalidParameterValue, ValidationError) as exc:
        return "refused", str(exc)


@pytest.mark.parametrize("way", list(WAYS))
@pytest.mark.parametrize("given, expected", NAMES)
def test_a_name_is_stored_or_refused_alike_by_every_way_it_is_written(db, way, given, expected):
    with rolled_back(db):
        named = _name_some_filters(db)
        outcome = _written(db, way, given)
    if isinstance(expected, Refused):
        words = expected.words.replace("filter 0", f"filter {named[0]}")
        assert outcome[0] == "refused" and words in outcome[1], outcome
    else:
        assert outcome == ("stored", expected)


@pytest.mark.parametrize("given, expected", [(g, e) for g, e in NAMES if not isinstance(e, Refused)])
def test_the_database_stores_a_name_in_the_form_core_gives_it(db, given, expected):
    stored = db.conn.execute("select drive_tagger_check_filter_name(%s)", (given,)).fetchone()[0]
    assert stored == normal_filter_name(given) == expected


def test_one_limit_holds_a_name_in_the_api_the_services_and_the_database(db):
    def max_length(schema):
        name = schema["properties"]["name"]
        return next(s["maxLength"] for s in name.get("anyOf", [name]) if "maxLength" in s)

    assert max_length(FilterCreate.model_json_schema()) == max_length(FilterRename.model_json_schema())
    assert max_length(FilterCreate.model_json_schema()) == MAX_FILTER_NAME_CHARS
    check = "select drive_tagger_check_filter_name(%s)"
    assert db.conn.execute(check, ("é" * MAX_FILTER_NAME_CHARS,)).fetchone()[0] == "é" * MAX_FILTER_NAME_CHARS
    with pytest.raises(psycopg.errors.InvalidParameterValue, match=f"at most {MAX_FILTER_NAME_CHARS} "):
        db.conn.execute(check, ("é" * (MAX_FILTER_NAME_CHARS + 1),))
    assert naming.MAX_NAME_CHARS <= MAX_FILTER_NAME_CHARS, "a generated name fits the limit too"


def test_an_over_long_decomposed_name_is_measured_as_stored(db):
    decomposed = "e\u0301" * MAX_FILTER_NAME_CHARS  # twice the limit in code points, the limit once composed
    assert FilterCreate(name=decomposed, documents=["a"]).name == "é" * MAX_FILTER_NAME_CHARS


def test_a_name_waiting_for_the_next_refresh_is_taken(db):
    with rolled_back(db):
        corrections.create_filter(db.refreshes, "acme", "Board Papers", _documents(db))
        assert _written(db, "app create_filter", "board papers")[0] == "refused"
        assert "(the next refresh makes it)" in _written(db, "cli rename", "BOARD PAPERS")[1]


def test_renaming_a_filter_to_its_own_name_in_another_case_is_allowed(db):
    with rolled_back(db):
        _name_some_filters(db)
        travel = next(f for f in _filters(db) if f.name == "Travel")
        assert rename_filter(db.refreshes, "acme", str(travel.category_id), "TRAVEL").name == "TRAVEL"


def test_a_non_member_cannot_pin_a_name_nor_learn_another_workspaces_names(db):
    with rolled_back(db):
        _name_some_filters(db)
        pin = (_acme(db).id, _an_unnamed_filter(db))
        with called_as(db.conn, "non-member") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
            conn.execute("insert into category_pins (workspace_id, category_id, name) values (%s, %s, 'travel')", pin)
    assert "row-level security" in str(refused.value) and "Travel" not in str(refused.value)


# -- an install made before the rules ------------------------------------------------------------------


def test_names_stored_before_the_rules_stay_and_new_writes_follow_them(empty_database_url):
    legacy = ["Invoices \u202egpj.exe", "x" * 150, "Cafe\u0301", "Line one\nLine two"]
    with connect(empty_database_url, autocommit=True) as conn:
        conn.execute(query("create_migrations_table"))
        for migration in load_migrations():
            if migration.version < RULES_MIGRATION:
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute(query("record_migration"), (migration.version, migration.name, [migration.sql]))
        ws = conn.execute("insert into workspaces (slug) values ('old') returning id").fetchone()[0]
        run = conn.execute(
            "insert into refresh_runs (workspace_id, status) values (%s, 'succeeded') returning id", (ws,)
        ).fetchone()[0]
        for category in range(1, 6):
            conn.execute(
                "insert into categories (refresh_id, workspace_id, category_id, name, size, centroid) "
                "values (%s, %s, %s, %s, 1, '[1,0,0]')",
                (run, ws, category, f"Generated {category}"),
            )
        conn.execute("update workspaces set active_refresh_id = %s where id = %s", (run, ws))
        for category, name in enumerate(legacy, start=1):
            conn.execute(
                "insert into category_pins (workspace_id, category_id, name) values (%s, %s, %s)", (ws, category, name)
            )
        conn.execute(
            "insert into corrections (workspace_id, kind, category_id, name) values (%s, 'learned', 9, %s)",
            (ws, legacy[0]),
        )

        assert migrate(conn)[0].version == RULES_MIGRATION

        pins = conn.execute("select name from category_pins order by category_id").fetchall()
        assert [p[0] for p in pins] == legacy, "names stored before are left as they were"
        conn.execute("update category_pins set name = 'Travel' where category_id = 1")
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="bidirectional"):
            conn.execute("update category_pins set name = %s where category_id = 2", (legacy[0],))
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="filter 3 is already called"):
            conn.execute("update category_pins set name = 'café' where category_id = 2")  # 3 is "Cafe\u0301"
