from drive_tagger.adapters.postgres.connection import connect
from drive_tagger.adapters.postgres.migrations import load_migrations, migrate, pending_migrations


def _columns(conn, table):
    return {
        r[0]: r[1]
        for r in conn.execute(
            "select column_name, udt_name from information_schema.columns "
            "where table_schema = 'drive_tagger' and table_name = %s",
            (table,),
        )
    }


def test_all_migrations_apply_to_an_empty_database_and_are_recorded(empty_database_url):
    with connect(empty_database_url, autocommit=True) as conn:
        applied = migrate(conn)
        recorded = [r[0] for r in conn.execute("select version from supabase_migrations.schema_migrations order by 1")]
    assert [m.version for m in applied] == [m.version for m in load_migrations()] == recorded


def test_migrating_twice_is_a_no_op(empty_database_url):
    with connect(empty_database_url, autocommit=True) as conn:
        migrate(conn)
        assert migrate(conn) == [] and pending_migrations(conn) == []


def test_schema_has_the_tables_and_columns_the_product_needs(database_url):
    with connect(database_url, autocommit=True) as conn:
        assert {"workspace_id", "external_id", "title", "body", "content_hash", "created_at", "updated_at"} <= set(
            _columns(conn, "documents")
        )
        assert _columns(conn, "embeddings")["embedding"] == "vector"
        assert {"name", "description", "keywords", "size", "centroid", "category_id", "parent_category_id"} <= set(
            _columns(conn, "categories")
        )
        assert {"document_id", "category_id", "score", "rank"} <= set(_columns(conn, "document_categories"))
        assert {"started_at", "finished_at", "documents", "categories", "untagged", "status", "seconds"} <= set(
            _columns(conn, "refresh_runs")
        )


def test_each_model_gets_its_own_index_at_its_own_length(db):
    import numpy as np

    for model, dims in (("m/small", 384), ("m/wide", 1536), ("m/huge", 3072)):
        db.documents.store_vectors(model, [f"{dims:064x}"], np.ones((1, dims), dtype=np.float32))
        db.documents.ensure_model_index(model)
    definitions = [r[0] for r in db.conn.execute("select indexdef from pg_indexes where tablename = 'embeddings'")]
    assert any("vector(384)" in d and "vector_cosine_ops" in d and "m/small" in d for d in definitions)
    assert any("vector(1536)" in d and "m/wide" in d for d in definitions)
    assert any("halfvec(3072)" in d and "halfvec_cosine_ops" in d and "m/huge" in d for d in definitions)


def test_pending_migrations_are_listed_before_migrating(empty_database_url):
    with connect(empty_database_url, autocommit=True) as conn:
        assert [m.version for m in pending_migrations(conn)] == [m.version for m in load_migrations()]
