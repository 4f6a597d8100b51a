from drive_tagger.adapters.postgres.connection import connect
from drive_tagger.adapters.postgres.migrations import load_migrations, migrate, pending_migrations


def _columns(conn, table):
    return {
        r[0]: r[1]
        for r in conn.execute(
            "select column_name, udt_name from information_schema.columns "
            "where table_schema = 'public' and table_name = %s",
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


def test_embeddings_have_a_384_dimension_hnsw_cosine_index(database_url):
    with connect(database_url, autocommit=True) as conn:
        definition = conn.execute(
            "select indexdef from pg_indexes where tablename = 'embeddings' and indexdef ilike '%hnsw%'"
        ).fetchone()[0]
        dims = conn.execute(
            "select format_type(atttypid, atttypmod) from pg_attribute "
            "where attrelid = 'embeddings'::regclass and attname = 'embedding'"
        ).fetchone()[0]
    assert "vector_cosine_ops" in definition and dims.endswith("vector(384)")


def test_pending_migrations_are_listed_before_migrating(empty_database_url):
    with connect(empty_database_url, autocommit=True) as conn:
        assert [m.version for m in pending_migrations(conn)] == [m.version for m in load_migrations()]
