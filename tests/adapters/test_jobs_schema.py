from procrastinate.schema import SchemaManager

from drive_tagger.adapters.postgres.migrations import load_migrations


def test_the_queue_migration_is_the_installed_procrastinate_schema_verbatim():
    migration = next(m for m in load_migrations() if m.name == "procrastinate_schema")
    assert migration.sql.endswith(SchemaManager.get_schema())
