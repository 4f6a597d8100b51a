"""Each API role may execute exactly the SQL functions it needs, each tested as the owner, a member,
a non-member, anon and the service role; a member's corrections through those functions behave as
the CLI's and the API's, and one naming a document the workspace lacks records nothing."""

from __future__ import annotations

import psycopg
import pytest

from drive_tagger.errors import UnknownDocument
from drive_tagger.services import corrections
from tests.sql_callers import ALICE, BOB, CALLERS, called_as, rolled_back
from tests.sql_callers import acme as _acme


@pytest.fixture(scope="module")
def db(apps_db):
    return apps_db


@pytest.fixture(scope="module")
def facts(apps_facts):
    return apps_facts


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
