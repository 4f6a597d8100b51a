"""Reading tables of documents (.jsonl, .csv, optionally gzipped) row by row, so that one bad row
(bad bytes, bad JSON, bad quoting, a missing id) fails alone, named by its line, and every other
row is still read."""

from __future__ import annotations

import csv
import gzip
import json
import math
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from drive_tagger.core.types import ReadFailure, SourceDocument

# A field may hold a whole document; past this the row is refused (bodies are cut to
# core.inputs.MAX_BODY_CHARS when stored anyway).
CSV_FIELD_LIMIT = 64 * 1024 * 1024

Row = tuple[str, dict | None, str | None]  # (location, row, problem)
Line = tuple[int, str, str | None]  # (line number, text, problem)


def table_format(path: Path) -> str:
    """.jsonl or .csv, looking through a .gz suffix; '' for anything else."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] == [".gz"]:
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes and suffixes[-1] in (".jsonl", ".csv") else ""


def _lines(path: Path) -> Iterator[Line]:
    """(line number, text, problem) per physical line, each decoded on its own: one line of
    latin-1 fails that line, not the file (its text comes with replacement characters)."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield number, raw.decode("utf-8"), None
            except UnicodeDecodeError as exc:
                problem = f"not UTF-8 (invalid byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
                yield number, raw.decode("utf-8", "replace"), problem


def read_table_rows(path: Path) -> Iterator[Row]:
    """(location, row, problem) per JSONL line or CSV row; a file that cannot be opened at all
    gives one row with the problem."""
    try:
        yield from (_jsonl_rows if table_format(path) == ".jsonl" else _csv_rows)(path)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        yield str(path), None, f"cannot read: {exc}"


def _jsonl_rows(path: Path) -> Iterator[Row]:
    for number, line, problem in _lines(path):
        where = f"{path}:{number}"
        if problem:
            yield where, None, problem
            continue
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield where, None, f"malformed JSON ({exc.msg} at column {exc.colno})"
            continue
        except RecursionError:
            yield where, None, "malformed JSON (nested too deeply)"
            continue
        if not isinstance(row, dict):
            yield where, None, "a JSON object per line is expected"
            continue
        yield where, row, None


def _csv_rows(path: Path) -> Iterator[Row]:
    """Rows of a CSV with a header line. Parsing is strict; a row that breaks the quoting, holds
    undecodable bytes or has the wrong number of fields fails alone, and reading starts again
    on the line after the row's first, so an unbalanced quote loses one row, not the rest."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    feed = _LineFeed(_lines(path))
    reader = csv.reader(feed, strict=True)
    header = None
    problem: str | None
    while True:
        feed.consumed = []
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            fields, problem = None, f"malformed CSV ({exc})"
        else:
            problem = next((p for _, _, p in feed.consumed if p), None)
        if not feed.consumed or fields == []:
            continue
        first, last = feed.consumed[0][0], feed.consumed[-1][0]
        if header is None:
            if problem:
                yield f"{path}:{first}", None, f"header line: {problem}"
                return
            header = fields
            continue
        if problem is None:
            assert fields is not None  # only a csv.Error leaves no fields, and it sets a problem
            if len(fields) != len(header):
                problem = f"{len(fields)} fields where the header has {len(header)}"
            else:
                yield f"{path}:{first}", dict(zip(header, fields, strict=True)), None
                continue
        if last > first:
            problem += f" (the row ran over lines {first}-{last}; an unbalanced quote?)"
            feed.again(feed.consumed[1:])
        reader = csv.reader(feed, strict=True)  # a reader that raised cannot go on
        yield f"{path}:{first}", None, problem


class _LineFeed:
    """Lines for csv.reader that remembers which physical lines made the current row and can
    hand lines out again."""

    def __init__(self, lines: Iterator[Line]):
        self.lines = lines
        self.pending: deque[Line] = deque()
        self.consumed: list[Line] = []

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        item = self.pending.popleft() if self.pending else next(self.lines)
        self.consumed.append(item)
        return item[1]

    def again(self, items: list[Line]) -> None:
        self.pending.extendleft(reversed(items))


def rows_as_documents(path: Path) -> Iterator[SourceDocument | ReadFailure]:
    """A document per row with an id and a text; a failure naming the line for any other row.
    A later row with an id already seen replaces the earlier one, which is reported."""
    seen: dict[str, str] = {}
    rows = 0
    for where, row, problem in read_table_rows(path):
        rows += 1
        if problem:
            yield ReadFailure(where, problem)
            continue
        assert row is not None  # read_table_rows gives a row exactly when it gives no problem
        external_id, id_problem = _row_id(row.get("id"))
        text = row.get("text")
        if id_problem:
            yield ReadFailure(where, id_problem)
        elif not isinstance(text, str) or not text.strip():
            yield ReadFailure(where, "missing or empty 'text'")
        else:
            if external_id in seen:
                yield ReadFailure(
                    seen[external_id], f"id {external_id!r} appears again at {where}; the later row is kept"
                )
            seen[external_id] = where
            title = row.get("title")
            yield SourceDocument(external_id, title.strip() if isinstance(title, str) else "", text, where)
    if rows == 0:
        yield ReadFailure(str(path), "empty table (no rows)")


def _row_id(value: object) -> tuple[str, str | None]:
    """A row's id as text: strings as they are, whole numbers written plainly (0 is an id)."""
    if isinstance(value, bool) or value is None:
        return "", "missing 'id'" if value is None else "the 'id' must be text or a whole number"
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return "", f"the 'id' must be text or a whole number, got {value!r}"
        return str(int(value)), None
    if isinstance(value, str):
        return (value.strip(), None) if value.strip() else ("", "missing 'id'")
    return "", f"the 'id' must be text or a whole number, got a JSON {type(value).__name__}"
