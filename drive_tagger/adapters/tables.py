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


def table_format(path: Path) -> str:
    """.jsonl or .csv, looking through a .gz suffix; '' for anything else."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] == [".gz"]:
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes and suffixes[-1] in (".jsonl", ".csv") else ""


def _lines(path: Path) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text, problem) per physical line, each decoded on its own: one line of
    latin-1 fails that line, not the file."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield number, raw.decode("utf-8"), None
            except UnicodeDecodeError as exc:
                yield number, None, f"not UTF-8 (invalid byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"


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
    lines = _lines(path)
    header = None
    for number, line, problem in lines:
        if problem:
            yield f"{path}:{number}", None, f"header line {problem}"
            return
        if line.strip():
            header, error = _parse([line])
            if error:
                yield f"{path}:{number}", None, f"header line: {error}"
                return
            break
    if header is None:
        return
    pending: deque[tuple[int, str | None, str | None]] = deque()  # lines of rows not yet parsed
    source = iter(lines)
    while True:
        row_lines = _take_row(pending, source)
        if row_lines is None:
            return
        first = row_lines[0][0]
        where = f"{path}:{first}"
        bad = next((p for _, _, p in row_lines if p), None)
        fields, error = _parse([text or "" for _, text, _ in row_lines])
        if bad or error or (fields is not None and len(fields) != len(header)):
            reason = bad or error or f"{len(fields)} fields where the header has {len(header)}"
            if len(row_lines) > 1:
                reason += f" (the row ran over lines {first}-{row_lines[-1][0]}; an unbalanced quote?)"
                pending.extendleft(reversed(row_lines[1:]))  # read again from the line after the row's first
            yield where, None, reason
            continue
        if fields is not None:
            yield where, dict(zip(header, fields, strict=True)), None


def _take_row(pending: deque, source: Iterator) -> list | None:
    """The physical lines of the next CSV row (a quoted field may span lines), or None at the end."""
    taken: list = []
    quotes = 0
    while True:
        item = pending.popleft() if pending else next(source, None)
        if item is None:
            return taken or None
        if not taken and item[1] is not None and not item[1].strip():
            continue  # blank line between rows
        taken.append(item)
        quotes += (item[1] or "").count('"')
        if item[2] is not None or quotes % 2 == 0:
            return taken


def _parse(row_lines: list[str]) -> tuple[list[str] | None, str | None]:
    try:
        rows = list(csv.reader(row_lines, strict=True))
    except csv.Error as exc:
        return None, f"malformed CSV ({exc})"
    if not rows:
        return None, None
    if len(rows) > 1:
        return None, "malformed CSV (a quote closes in the middle of a field)"
    return rows[0], None


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
