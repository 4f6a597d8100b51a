"""Named SQL queries: loads queries.sql once into a dict keyed by each `-- name --` header."""

from __future__ import annotations

import functools
import re
from importlib import resources

# A header line `-- name --` followed by optional `-- description` comment lines.
_HEADER = re.compile(r"(?:\n|^)-- ([a-z0-9_]+) --\n(?:-- .*\n)*", re.MULTILINE)


def parse_queries(text: str) -> dict[str, str]:
    """Splits a queries file into {name: sql}; text before the first header is ignored."""
    parts = _HEADER.split(text)
    names, bodies = parts[1::2], parts[2::2]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise ValueError(f"queries.sql defines {sorted(duplicates)} more than once")
    return {name: body.strip() for name, body in zip(names, bodies, strict=True)}


@functools.cache
def queries() -> dict[str, str]:
    text = resources.files(__package__).joinpath("queries.sql").read_text(encoding="utf-8")
    return parse_queries(text)


def query(name: str) -> str:
    return queries()[name]
