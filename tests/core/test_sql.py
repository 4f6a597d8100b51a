import pytest

from drive_tagger.adapters.postgres.sql import parse_queries, queries


def test_queries_are_split_by_name_headers():
    parsed = parse_queries("-- header\n\n-- one --\n-- what it does\nselect 1;\n\n-- two --\nselect 2;\n")
    assert parsed == {"one": "select 1;", "two": "select 2;"}


def test_a_name_defined_twice_is_an_error():
    with pytest.raises(ValueError, match="more than once"):
        parse_queries("-- a --\nselect 1;\n-- a --\nselect 2;\n")


def test_shipped_queries_file_parses_and_every_query_has_sql():
    loaded = queries()
    assert "upsert_documents" in loaded and all(body.strip() for body in loaded.values())
