"""The rules for what people write hold for every caller, because they live in the database: a
filter name is stored in one form and refused for the same reasons whether the CLI, the API or a
Supabase app gives it (migration 20261127090000_filter_name_rules.sql); a correction naming a
document the workspace lacks records nothing; and each API role may execute exactly the SQL
functions it needs, each tested as the owner, a member, a non-member, anon and the service role."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import psycopg
import pytest
from pydantic import ValidationError

from drive_tagger.adapters.postgres.connection import connect
from drive_tagger.adapters.postgres.database import Database
from drive_tagger.adapters.postgres.migrations import load_migrations, migrate
from drive_tagger.adapters.postgres.sql import query
from drive_tagger.api.models import FilterCreate, FilterRename
from drive_tagger.core import naming
from drive_tagger.core.filter_names import MAX_FILTER_NAME_CHARS, normal_filter_name
from drive_tagger.errors import InvalidInput, UnknownDocument
from drive_tagger.services import corrections
from drive_tagger.services.ingest import ingest
from drive_tagger.services.pins import rename_filter
from drive_tagger.services.refresh import refresh_workspace
from tests.fakes import TopicEmbedder, topic_documents

ALICE = str(uuid.UUID(int=1))  # member of "acme"
BOB = str(uuid.UUID(int=2))  # member of "beta" only
RULES_MIGRATION = "20261127090000"


@pytest.fixture(scope="module")
def db(module_database_url, namer_for):
    """'acme' (refreshed: filters and sub-filters) with Alice as its member, and 'beta' with Bob.
    Every test works inside a transaction it rolls back, so they share this one database."""
    with Database(connect(module_database_url, autocommit=True)) as opened:
        embedder = TopicEmbedder()
        ingest(opened.documents, opened.refreshes, embedder, "acme", topic_documents(4, 2, 12), progress=False)
        refresh_workspace(opened.documents, opened.refreshes, "acme", namer=namer_for(embedder))
        ingest(opened.documents, opened.refreshes, embedder, "beta", topic_documents(1, 1, 5), progress=False)
        for slug, user in (("acme", ALICE), ("beta", BOB)):
            opened.conn.execute(
                "insert into workspace_members (workspace_id, user_id) values (%s, %s)",
                (opened.documents.workspace(slug).id, user),
            )
        yield opened


# Who calls: the backend (the tables' owner, no JWT), and PostgREST's roles with the JWT's claims.
CALLERS = {
    "owner": (None, None),
    "member": ("authenticated", ALICE),
    "non-member": ("authenticated", BOB),
    "anon": ("anon", None),
    "service role": ("service_role", None),
}


@contextmanager
def called_as(conn, caller: str):
    """A transaction run as PostgREST runs a request for the caller, rolled back at the end."""
    role, user = CALLERS[caller]
    with conn.transaction(force_rollback=True):
        if role:
            conn.execute(f"set local role {role}")
        claims = json.dumps({"role": role, **({"sub": user} if user else {})}) if role else ""
        conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
        yield conn


@contextmanager
def rolled_back(db):
    with db.conn.transaction(force_rollback=True):
        yield db


def _acme(db):
    return db.documents.workspace("acme")


def _filters(db):
    return db.refreshes.filters(_acme(db).id)


# -- every SQL function an app calls, as every caller ----------------------------------------------

DENIED = "permission denied"
UNKNOWN = "unknown workspace acme"

CALLS = {
    "category_filters": "select count(*) > 0 from category_filters(%(workspace)s)",
    "filter_documents": "select count(*) > 0 from filter_documents(%(workspace)s, %(top)s)",
    "document_tags": "select count(*) > 0 from document_tags(%(document)s)",
    "match_documents": "select count(*) > 0 from match_documents(%(vector)s, %(workspace)s, 5)",
    "request_user_id": "select request_user_id()::text",
    "member_workspace_ids": "select count(*) > 0 from member_workspace_ids()",
    "move_documents": "select move_documents(%(workspace)s, %(documents)s, %(top)s) > 0",
    "merge_filters": "select merge_filters(%(workspace)s, %(top)s, %(other_top)s) > 0",
    "split_filter": "select split_filter(%(workspace)s, %(top)s) > 0",
    "create_filter": "select create_filter(%(workspace)s, 'Board Papers', %(documents)s) > 0",
    "undo_correction": "select undo_correction(%(workspace)s, "
    "move_documents(%(workspace)s, %(documents)s, %(top)s)) > 0",
    "drive_tagger_check_filter_name": "select drive_tagger_check_filter_name(' Board  Papers')",
    "drive_tagger_filter_name_key": "select drive_tagger_filter_name_key('Board Papers')",
}

# What each caller gets: True/False for rows found or not (or a correction made), a value, or the error.
#                           owner           member          non-member      anon     service role
OUTCOMES = {
    "category_filters":     (True,          True,           False,          DENIED,  True),
    "filter_documents":     (True,          True,           False,          DENIED,  True),
    "document_tags":        (True,          True,           False,          DENIED,  True),
    "match_documents":      (True,          True,           False,          DENIED,  True),
    "request_user_id":      (None,          ALICE,          BOB,            DENIED,  DENIED),
    "member_workspace_ids": (False,         True,           True,           DENIED,  DENIED),
    "move_documents":       (UNKNOWN,       True,           UNKNOWN,        DENIED,  DENIED),
    "merge_filters":        (UNKNOWN,       True,           UNKNOWN,        DENIED,  DENIED),
    "split_filter":         (UNKNOWN,       True,           UNKNOWN,        DENIED,  DENIED),
    "create_filter":        (UNKNOWN,       True,           UNKNOWN,        DENIED,  DENIED),
    "undo_correction":      (UNKNOWN,       True,           UNKNOWN,        DENIED,  DENIED),
    "drive_tagger_check_filter_name":
                            ("Board Papers", "Board Papers", "Board Papers", DENIED,  "Board Papers"),
    "drive_tagger_filter_name_key":
                            ("board papers", "board papers", "board papers", DENIED,  "board papers"),
}  # fmt: skip


@pytest.fixture(scope="module")
def facts(db):
    """The arguments of the calls: a top-level filter with sub-filters, another, a document of the
    first, and that document's own vector."""
    workspace = _acme(db)
    filters = _filters(db)
    top = next(
        f
        for f in filters
        if f.parent_category_id is None and any(s.parent_category_id == f.category_id for s in filters)
    )
    other = next(f for f in filters if f.parent_category_id is None and f.category_id != top.category_id)
    member = db.refreshes.filter_documents(workspace.id, other.category_id, 1, 0)[0]
    ids, vectors = db.documents.workspace_vectors(workspace.id, workspace.embedding_model)
    return {
        "workspace": "acme",
        "top": top.category_id,
        "other_top": other.category_id,
        "document": member.document_id,
        "documents": [member.external_id],
        "vector": np.asarray(vectors[list(ids).index(member.document_id)]),
    }


def _outcome(conn, sql: str, facts: dict):
    try:
        return conn.execute(sql, facts).fetchone()[0]
    except psycopg.errors.InsufficientPrivilege:
        return DENIED
    except psycopg.errors.NoDataFound as exc:
        return exc.diag.message_primary


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("function", list(CALLS))
def test_each_app_function_answers_each_caller_as_the_table_says(db, facts, function, caller):
    with called_as(db.conn, caller) as conn:
        assert _outcome(conn, CALLS[function], facts) == OUTCOMES[function][list(CALLERS).index(caller)]


def _executable_by(conn, role: str) -> set[str]:
    rows = conn.execute(
        """select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
           where n.nspname = 'drive_tagger' and has_function_privilege(%s, p.oid, 'execute')""",
        (role,),
    ).fetchall()
    return {r[0] for r in rows}


@pytest.mark.parametrize(
    "role, caller", [("anon", "anon"), ("authenticated", "member"), ("service_role", "service role")]
)
def test_each_api_role_may_execute_exactly_the_functions_it_needs(db, role, caller):
    needed = {f for f, outcomes in OUTCOMES.items() if outcomes[list(CALLERS).index(caller)] != DENIED}
    assert _executable_by(db.conn, role) == needed


def test_the_service_role_adds_and_removes_members(db):
    acme = _acme(db).id
    with called_as(db.conn, "service role") as conn:
        conn.execute("insert into workspace_members (workspace_id, user_id) values (%s, %s)", (acme, BOB))
        assert (
            conn.execute("select count(*) from workspace_members where workspace_id = %s", (acme,)).fetchone()[0] == 2
        )
        conn.execute("delete from workspace_members where workspace_id = %s and user_id = %s", (acme, BOB))


def test_a_member_searches_their_workspace_by_meaning(db, facts):
    with called_as(db.conn, "member") as conn:
        rows = conn.execute("select * from match_documents(%(vector)s, 'acme', 3)", facts).fetchall()
    assert rows[0][0] == facts["document"] and rows[0][3] == pytest.approx(1.0, abs=1e-4)


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


# -- documents named by a correction -----------------------------------------------------------------


def test_a_move_naming_an_unknown_document_is_refused_in_the_words_of_the_cli_and_api(db, facts):
    """Refused, the call records nothing and queues nothing (it recorded an empty correction and
    queued a refresh, where the API answers 404)."""
    given = [*facts["documents"], "nope.txt"]
    with called_as(db.conn, "member") as conn, pytest.raises(psycopg.errors.NoDataFound) as refused:
        conn.execute("select move_documents('acme', %s, %s)", (given, facts["top"]))
    with pytest.raises(UnknownDocument) as refused_by_the_service:
        corrections.move_documents(db.refreshes, "acme", given, str(facts["top"]))
    assert refused.value.diag.message_primary == str(refused_by_the_service.value)
    assert str(refused_by_the_service.value) == "no document 'nope.txt' in workspace 'acme'"


def test_a_filter_made_from_an_unknown_document_is_refused(db):
    with called_as(db.conn, "member") as conn, pytest.raises(psycopg.errors.NoDataFound, match="no document 'nope"):
        conn.execute("select create_filter('acme', 'Board Papers', array['nope.txt'])")


def test_a_move_of_no_documents_is_refused(db, facts):
    with (
        called_as(db.conn, "member") as conn,
        pytest.raises(psycopg.errors.InvalidParameterValue, match="at least one"),
    ):
        conn.execute("select move_documents('acme', '{}', %s)", (facts["top"],))


def test_a_document_named_twice_in_one_correction_counts_once(db, facts):
    twice = facts["documents"] * 2
    with called_as(db.conn, "member") as conn:
        made = conn.execute("select move_documents('acme', %s, %s)", (twice, facts["top"])).fetchone()[0]
        conn.execute("reset role")
        moved = conn.execute("select document_ids from corrections where id = %s", (made,)).fetchone()[0]
        assert moved == [facts["document"]]
    with rolled_back(db):
        corrections.create_filter(db.refreshes, "acme", "Board Papers", twice)
        assert len(db.refreshes.corrections(_acme(db).id)[-1].document_ids) == 1


def test_a_members_move_shows_at_once_and_queues_no_refresh_as_the_apis_does(db, facts):
    jobs = "select count(*) from procrastinate_jobs"
    queued = db.conn.execute(jobs).fetchone()[0]
    tagged = "select count(*) from document_tags(%(document)s) where category_id = %(top)s"
    with called_as(db.conn, "member") as conn:
        assert conn.execute(tagged, facts).fetchone()[0] == 0
        conn.execute("select move_documents('acme', %(documents)s, %(top)s)", facts)
        assert conn.execute(tagged, facts).fetchone()[0] == 1
        conn.execute("reset role")
        assert conn.execute(jobs).fetchone()[0] == queued


def test_a_members_undo_of_a_move_shows_at_once_and_of_a_merge_queues_a_refresh(db, facts):
    jobs = "select count(*) from procrastinate_jobs"
    tagged = "select count(*) from document_tags(%(document)s) where category_id = %(top)s"
    with called_as(db.conn, "member") as conn:
        moved = conn.execute("select move_documents('acme', %(documents)s, %(top)s)", facts).fetchone()[0]
        conn.execute("select undo_correction('acme', %s)", (moved,))
        assert conn.execute(tagged, facts).fetchone()[0] == 0, "back where it was"
        merged = conn.execute("select merge_filters('acme', %(top)s, %(other_top)s)", facts).fetchone()[0]
        conn.execute("reset role")
        queued = conn.execute(jobs).fetchone()[0]
        conn.execute("set local role authenticated")
        assert conn.execute("select undo_correction('acme', %s)", (merged,)).fetchone()[0] == merged
        conn.execute("reset role")
        assert conn.execute("select count(*) from corrections where undone_at is not null").fetchone()[0] == 2
        assert conn.execute(jobs).fetchone()[0] >= queued


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
