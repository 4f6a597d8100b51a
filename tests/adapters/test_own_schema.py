"""drive_tagger in a schema of its own (migration 20261207090000_own_schema.sql): a fresh install
beside an app whose own `public.documents`, `public.workspaces` and `public.categories` exist
first, and an install made before the move, moved in place with its rows."""

from __future__ import annotations

import pytest

from drive_tagger.adapters.postgres import migrations
from drive_tagger.adapters.postgres.connection import connect
from drive_tagger.adapters.postgres.database import Database
from drive_tagger.adapters.postgres.source import SourceColumns, SourceTable
from drive_tagger.services import refresh as refresh_module
from drive_tagger.services.refresh import refresh_workspace
from drive_tagger.services.sync import sync_and_tag

# The app's own tables, as a Supabase app's seed would have them: its documents with the
# `updated_at` trigger sync relies on, and tables whose names drive_tagger once used itself.
APP = """
    create table public.workspaces (id bigint generated always as identity primary key, name text not null);
    create table public.categories (id bigint generated always as identity primary key, label text not null);
    create table public.documents (
        id bigint generated always as identity primary key,
        workspace text not null,
        title text,
        body text not null,
        updated_at timestamptz not null default now()
    );
    create function public.touch_updated_at() returns trigger language plpgsql as $$
    begin new.updated_at := now(); return new; end $$;
    create trigger documents_touch before update on public.documents
        for each row execute function public.touch_updated_at();
    insert into public.workspaces (name) values ('the app''s own');
    insert into public.categories (label) values ('the app''s own');
"""

TOPICS = {
    "invoice": "Invoice {i}: payment due for consulting services, VAT included, bank transfer within 30 days.",
    "travel": "Trip {i}: flight to Lisbon, hotel for three nights, airport taxi and meals on the travel card.",
    "legal": "Agreement {i}: either party may terminate on written notice after a material breach of this contract.",
}


def _rows(conn, count_per_topic: int = 8) -> None:
    for topic, text in TOPICS.items():
        for i in range(count_per_topic):
            conn.execute(
                "insert into public.documents (workspace, title, body) values ('acme', %s, %s)",
                (f"{topic} {i}", text.format(i=i)),
            )


def _source(url: str) -> SourceTable:
    # A bare table name is the app's, in public: ours is first on our search_path.
    return SourceTable(url, SourceColumns("documents", "id", "workspace", "body", "updated_at", title="title"))


def _objects_in(conn, schema: str) -> set[str]:
    rows = conn.execute(
        """select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = %s and c.relkind in ('r', 'p')
           union all
           select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = %s""",
        (schema, schema),
    )
    return {r[0] for r in rows}


def test_the_whole_product_runs_beside_an_apps_own_documents_workspaces_and_categories(
    empty_database_url, sample_embedder, namer
):
    with connect(empty_database_url, autocommit=True) as conn:
        conn.execute(APP)
        _rows(conn)
        migrations.migrate(conn)  # "relation documents already exists" before the move
    with Database(connect(empty_database_url, autocommit=True)) as db:
        reports = sync_and_tag(db.documents, db.refreshes, db.jobs, sample_embedder, _source(empty_database_url))
        assert [(r.workspace, r.inserted) for r in reports] == [("acme", 24)]
        refresh_workspace(db.documents, db.refreshes, "acme", namer=namer)
        filters = db.refreshes.filters(db.documents.workspace("acme").id)
        assert len([f for f in filters if f.parent_category_id is None]) >= 2
        # An app calls the same SQL functions through the schema.
        named = db.conn.execute("select name from drive_tagger.category_filters('acme')").fetchall()
        assert {n for (n,) in named} == {f.name for f in filters}
        # The app's tables are as the app left them, and nothing of ours is in public.
        assert db.conn.execute("select name from public.workspaces").fetchall() == [("the app's own",)]
        assert db.conn.execute("select label from public.categories").fetchall() == [("the app's own",)]
        assert db.conn.execute("select count(*) from public.documents").fetchone() == (24,)
        assert _objects_in(db.conn, "public") == {"workspaces", "categories", "documents", "touch_updated_at"}
        # An edit in the app's table reaches its document at the next sync.
        db.conn.execute("update public.documents set body = body || ' Revised.' where title = 'travel 0'")
        again = sync_and_tag(db.documents, db.refreshes, db.jobs, sample_embedder, _source(empty_database_url))
        assert [(r.workspace, r.changed) for r in again] == [("acme", 1)]


def _as_before_the_move(sql: str) -> str:
    """A migration as it was written before 20261207090000_own_schema.sql: everything in public."""
    return (
        sql.replace("set search_path = drive_tagger, extensions, public;", "set search_path = public, extensions;")
        .replace("search_path = drive_tagger", "search_path = public")
        .replace("schema drive_tagger", "schema public")
    )


@pytest.fixture
def install_made_before_the_move(empty_database_url, tmp_path, monkeypatch, sample_embedder, namer):
    """A database migrated as it was before the move, holding a refreshed workspace."""
    before = [m for m in migrations.load_migrations() if m.version < "20261207090000"]
    for m in before:
        (tmp_path / f"{m.version}_{m.name}.sql").write_text(_as_before_the_move(m.sql))
    with monkeypatch.context() as patched:
        patched.setattr(migrations, "migrations_dir", lambda: tmp_path)
        with connect(empty_database_url, autocommit=True) as conn:
            assert [m.version for m in migrations.migrate(conn)] == [m.version for m in before]
            assert "documents" in _objects_in(conn, "public") and not _objects_in(conn, "drive_tagger")
    with Database(connect(empty_database_url, autocommit=True)) as db:
        # The app's tables beside ours (then, under other names than ours).
        db.conn.execute("create table public.app_workspaces (id bigint primary key, name text)")
        db.conn.execute(
            "create table public.app_documents (id bigint generated always as identity primary key,"
            " workspace text not null, title text, body text not null, updated_at timestamptz not null default now())"
        )
        for topic, text in TOPICS.items():
            for i in range(8):
                db.conn.execute(
                    "insert into public.app_documents (workspace, title, body) values ('acme', %s, %s)",
                    (f"{topic} {i}", text.format(i=i)),
                )
        source = SourceTable(
            empty_database_url,
            SourceColumns("public.app_documents", "id", "workspace", "body", "updated_at", title="title"),
        )
        sync_and_tag(db.documents, db.refreshes, db.jobs, sample_embedder, source)
        with monkeypatch.context() as as_then:
            # Refreshed as it was then: that install has no refresh_maps (a later migration), so the
            # refresh stores no map (commit_refresh writes one only when it is given one); the
            # first-choice counts a later migration adds are written, then dropped with their column.
            as_then.setattr(refresh_module, "map_layout", lambda vectors, leaves: None)
            db.conn.execute("alter table public.categories add column first_documents integer not null default 0")
            refresh_workspace(db.documents, db.refreshes, "acme", namer=namer)
            names = sorted(f.name for f in db.refreshes.filters(db.documents.workspace("acme").id))
            db.conn.execute("alter table public.categories drop column first_documents")
    return empty_database_url, names


def test_an_install_made_before_moves_into_its_schema_in_place_with_its_rows(install_made_before_the_move, namer):
    url, names = install_made_before_the_move
    with connect(url, autocommit=True) as conn:
        applied = migrations.migrate(conn)
        assert applied[0].name == "own_schema"  # then those made after it
        left = _objects_in(conn, "public")
        assert left == {"app_workspaces", "app_documents"}, left
        moved = _objects_in(conn, "drive_tagger")
        assert {"documents", "workspaces", "categories", "procrastinate_jobs", "category_filters"} <= moved
        # Links partitions moved with their parent.
        assert any(name.startswith("document_categories_r") for name in moved)
        config = conn.execute(
            "select proconfig from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
            " where n.nspname = 'drive_tagger' and proname = 'category_filters'"
        ).fetchone()[0]
        assert config and not any("public" in setting for setting in config)
    with Database(connect(url, autocommit=True)) as db:
        workspace = db.documents.workspace("acme")
        filters = db.refreshes.filters(workspace.id)
        assert sorted(f.name for f in filters) == names
        # The first-choice counts, counted from the links by the migration that added them.
        firsts = sum(f.first_documents for f in filters if f.parent_category_id is None)
        assert firsts > 0 and firsts + db.browse.untagged_count(workspace.id) == 24
        assert db.conn.execute("select count(*) from drive_tagger.documents").fetchone() == (24,)
        refresh_workspace(db.documents, db.refreshes, "acme", namer=namer)  # and the product goes on working
        named = db.conn.execute("select name from drive_tagger.category_filters('acme')").fetchall()
        assert sorted(n for (n,) in named) == sorted(
            f.name for f in db.refreshes.filters(db.documents.workspace("acme").id)
        )
