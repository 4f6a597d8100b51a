"""The SQL functions for Supabase apps and the Row Level Security policies, called through a real
Postgres connection as the `authenticated` role with request.jwt.claims set like PostgREST does."""

import json
import uuid
from contextlib import contextmanager

import numpy as np
import pytest

from drive_tagger.core.types import SourceDocument
from drive_tagger.services.ingest import ingest
from drive_tagger.services.refresh import refresh_workspace
from tests.fakes import HashingEmbedder

ALICE = str(uuid.UUID(int=1))  # member of "samples"
BOB = str(uuid.UUID(int=2))  # member of "beta"


@pytest.fixture
def two_workspaces(db, sample_workspace, namer):
    """'samples' (refreshed, real vectors) and 'beta' (other texts), one member each."""
    refresh_workspace(db.documents, db.refreshes, sample_workspace, namer=namer)
    docs = [SourceDocument(f"b{i}", f"Beta note {i}", f"private beta text number {i}", "test") for i in range(5)]
    ingest(db.documents, db.refreshes, HashingEmbedder(), "beta", docs, progress=False)
    for slug, user in ((sample_workspace, ALICE), ("beta", BOB)):
        db.conn.execute(
            "insert into workspace_members (workspace_id, user_id) values (%s, %s)",
            (db.documents.workspace(slug).id, user),
        )
    return sample_workspace, "beta"


@contextmanager
def as_user(conn, user_id: str | None):
    """A transaction run as PostgREST runs a request: role authenticated, the JWT's claims set."""
    with conn.transaction(force_rollback=True):
        conn.execute("set local role authenticated")
        claims = json.dumps({"sub": user_id, "role": "authenticated"}) if user_id else ""
        conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
        yield conn


def _count(conn, table):
    return conn.execute(f"select count(*) from {table}").fetchone()[0]


def test_category_filters_lists_the_active_filters_with_counts(db, two_workspaces):
    rows = db.conn.execute("select * from category_filters(workspace => 'samples')").fetchall()
    expected = db.refreshes.filters(db.documents.workspace("samples").id)
    assert [(r[0], r[2], r[6]) for r in rows] == [(f.category_id, f.name, f.documents) for f in expected]


def test_filter_documents_pages_through_a_filter_best_first(db, two_workspaces):
    top = db.refreshes.filters(db.documents.workspace("samples").id)[0]
    call = 'select * from filter_documents(workspace => \'samples\', category => %s, "limit" => %s, "offset" => %s)'
    first = db.conn.execute(call, (top.category_id, 3, 0)).fetchall()
    second = db.conn.execute(call, (top.category_id, 3, 3)).fetchall()
    order = [(r[4], -r[3]) for r in first + second]  # first tags first, each best match first
    assert len(first) == 3 and order == sorted(order)
    assert not {r[0] for r in first} & {r[0] for r in second}


def test_document_tags_gives_a_documents_filters(db, two_workspaces):
    workspace = db.documents.workspace("samples")
    top = db.refreshes.filters(workspace.id)[0]
    document_id = db.refreshes.filter_documents(workspace.id, top.category_id, 1, 0)[0].document_id
    rows = db.conn.execute("select * from document_tags(document => %s)", (document_id,)).fetchall()
    assert [r[0] for r in rows] == [t.category_id for t in db.refreshes.document_tags(workspace.id, document_id)]
    assert top.category_id in [r[0] for r in rows]


def test_match_documents_finds_a_document_by_its_own_vector(db, two_workspaces):
    workspace = db.documents.workspace("samples")
    ids, vectors = db.documents.workspace_vectors(workspace.id, workspace.embedding_model)
    rows = db.conn.execute(
        "select * from match_documents(query_embedding => %s, workspace => 'samples', match_count => 5)",
        (np.asarray(vectors[7]),),
    ).fetchall()
    assert len(rows) == 5 and rows[0][0] == ids[7] and rows[0][3] == pytest.approx(1.0, abs=1e-4)


def test_a_member_finds_a_document_by_its_own_vector(db, two_workspaces):
    workspace = db.documents.workspace("samples")
    ids, vectors = db.documents.workspace_vectors(workspace.id, workspace.embedding_model)
    with as_user(db.conn, ALICE) as conn:
        rows = conn.execute("select * from match_documents(%s, 'samples', 5)", (np.asarray(vectors[7]),)).fetchall()
    assert len(rows) == 5 and rows[0][0] == ids[7] and rows[0][3] == pytest.approx(1.0, abs=1e-4)


def test_a_member_reads_only_their_workspaces_rows(db, two_workspaces):
    samples = db.documents.workspace("samples").id
    with as_user(db.conn, ALICE) as conn:
        assert [r[0] for r in conn.execute("select id from workspaces")] == [samples]
        assert _count(conn, "documents") == 75
        assert (
            _count(conn, "embeddings")
            == conn.execute("select count(distinct content_hash) from documents").fetchone()[0]
        )
        assert conn.execute("select count(*) from categories where workspace_id <> %s", (samples,)).fetchone()[0] == 0
        assert _count(conn, "document_categories") > 0
    with as_user(db.conn, BOB) as conn:
        assert _count(conn, "documents") == 5 and _count(conn, "embeddings") == 5
        assert _count(conn, "categories") == 0 and _count(conn, "document_categories") == 0


def test_a_member_cannot_read_another_workspace_through_the_functions(db, two_workspaces):
    top = db.refreshes.filters(db.documents.workspace("samples").id)[0]
    workspace = db.documents.workspace("samples")
    document_id = db.refreshes.filter_documents(workspace.id, top.category_id, 1, 0)[0].document_id
    _, vectors = db.documents.workspace_vectors(workspace.id, workspace.embedding_model)
    with as_user(db.conn, BOB) as conn:
        assert conn.execute("select * from category_filters('samples')").fetchall() == []
        assert conn.execute("select * from filter_documents('samples', %s)", (top.category_id,)).fetchall() == []
        assert conn.execute("select * from document_tags(%s)", (document_id,)).fetchall() == []
        assert (
            conn.execute("select * from match_documents(%s, 'samples', 5)", (np.asarray(vectors[0]),)).fetchall() == []
        )
    with as_user(db.conn, ALICE) as conn:
        assert len(conn.execute("select * from category_filters('samples')").fetchall()) == len(
            db.refreshes.filters(workspace.id)
        )


def test_a_caller_without_claims_sees_nothing(db, two_workspaces):
    with as_user(db.conn, None) as conn:
        assert _count(conn, "workspaces") == 0 and _count(conn, "documents") == 0 and _count(conn, "embeddings") == 0


def test_backend_tables_are_closed_to_api_roles(db, two_workspaces):
    with as_user(db.conn, ALICE) as conn:
        with pytest.raises(Exception, match="permission denied"):
            conn.execute("select count(*) from api_keys")


def test_a_pinned_name_shows_in_filters_tags_and_the_sql_function(db, two_workspaces):
    workspace = db.documents.workspace("samples")
    top = db.refreshes.filters(workspace.id)[0]
    assert db.refreshes.pin_category_name(workspace.id, top.category_id, "Our Contracts")
    renamed = db.refreshes.filters(workspace.id)[0]
    assert (renamed.name, renamed.named_by) == ("Our Contracts", "user")
    document_id = db.refreshes.filter_documents(workspace.id, top.category_id, 1, 0)[0].document_id
    assert "Our Contracts" in [t.name for t in db.refreshes.document_tags(workspace.id, document_id)]
    row = db.conn.execute(
        "select name, pinned from category_filters('samples') where category_id = %s", (top.category_id,)
    ).fetchone()
    assert row == ("Our Contracts", True)


def test_pinning_a_filter_that_is_not_active_is_refused(db, two_workspaces):
    assert not db.refreshes.pin_category_name(db.documents.workspace("samples").id, 99_999, "Ghost")


def _executable_by(db, role: str) -> set[str]:
    rows = db.conn.execute(
        """select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
           where n.nspname = 'drive_tagger' and has_function_privilege(%s, p.oid, 'execute')""",
        (role,),
    ).fetchall()
    return {r[0] for r in rows}


# Which functions each API role may execute, each as every caller: tests/adapters/test_sql_rules.py.


def test_a_function_created_later_is_not_executable_by_the_api_roles(db):
    db.conn.execute("create function later_helper() returns int language sql as 'select 1'")
    assert "later_helper" not in _executable_by(db, "anon") | _executable_by(db, "authenticated")


def test_a_member_moves_a_document_and_it_shows_at_once(db, two_workspaces):
    samples, _ = two_workspaces
    target = db.refreshes.filters(db.documents.workspace(samples).id)[-1].category_id
    with as_user(db.conn, ALICE):
        db.conn.execute(
            "select move_documents(%s, %s, %s)", (samples, ["contracts/data-processing-agreement-fieldnote.md"], target)
        )
        tags = db.conn.execute(
            "select category_id from document_tags((select id from documents where "
            "external_id = 'contracts/data-processing-agreement-fieldnote.md'))"
        ).fetchall()
        assert target in {t[0] for t in tags}


def test_a_member_cannot_correct_another_workspace(db, two_workspaces):
    import psycopg

    samples, _ = two_workspaces
    with as_user(db.conn, BOB), pytest.raises(psycopg.errors.NoDataFound, match="unknown workspace"):
        db.conn.execute("select split_filter(%s, 1)", (samples,))


def test_a_members_merge_is_recorded_and_queues_a_refresh(db, two_workspaces):
    samples, _ = two_workspaces
    tops = [
        f.category_id for f in db.refreshes.filters(db.documents.workspace(samples).id) if f.parent_category_id is None
    ]
    with as_user(db.conn, ALICE):
        db.conn.execute("select merge_filters(%s, %s, %s)", (samples, tops[0], tops[1]))
        db.conn.execute("reset role")  # the rest is read as the backend reads it
        merge = db.refreshes.corrections(db.documents.workspace(samples).id)[-1]
        assert merge.kind.value == "merge" and merge.category_id == tops[0] and len(merge.document_ids) > 0
        queued = db.conn.execute("select count(*) from procrastinate_jobs where task_name = 'refresh'").fetchone()[0]
        assert queued == 1


def test_every_function_an_app_may_call_carries_its_description_in_the_database(db):
    callable_by_apps = db.conn.execute(
        "select p.proname, obj_description(p.oid, 'pg_proc') from pg_proc p"
        " join pg_namespace n on n.oid = p.pronamespace"
        " where n.nspname = 'drive_tagger' and has_function_privilege('authenticated', p.oid, 'execute')"
    ).fetchall()
    assert {"category_filters", "filter_documents", "match_documents", "move_documents"} <= {
        name for name, _ in callable_by_apps
    }
    assert [name for name, description in callable_by_apps if not description] == []
