"""Postgres + pgvector adapter: connections, the embedded server, migrations, the store."""
