"""Spreadsheets (.xlsx by openpyxl, .xls by xlrd): one document per workbook, holding each sheet's
name and its first rows. Rows are read one at a time and reading stops at the row, column and
character limits, so a sheet of 200 MB is cut, never loaded whole."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path

from drive_tagger.adapters.archives import check_zip
from drive_tagger.adapters.extraction import Extracted, TextBudget

# The first rows and columns of each sheet are read; the rest says little more about what the
# workbook is (embedding reads a few thousand words of it at most).
MAX_SHEET_ROWS = 1_000
MAX_SHEET_COLUMNS = 200


def read_xlsx(path: Path) -> Extracted:
    import openpyxl

    check_zip(path)
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = (
            (sheet.title, sheet.iter_rows(max_col=MAX_SHEET_COLUMNS, values_only=True)) for sheet in workbook.worksheets
        )
        body = _sheets_text(sheets)
        title = workbook.properties.title or ""
    finally:
        workbook.close()
    return Extracted(title, body)


def read_xls(path: Path) -> Extracted:
    import xlrd

    workbook = xlrd.open_workbook(str(path), on_demand=True)
    try:

        def rows(sheet) -> Iterator[list]:
            for number in range(min(sheet.nrows, MAX_SHEET_ROWS)):
                yield sheet.row_values(number, end_colx=min(sheet.ncols, MAX_SHEET_COLUMNS))

        sheets = ((name, rows(workbook.sheet_by_name(name))) for name in workbook.sheet_names())
        body = _sheets_text(sheets)
    finally:
        workbook.release_resources()
    return Extracted("", body)


def sheet_rows_text(rows: Iterable[Iterable[object]], budget: TextBudget) -> None:
    """Adds the first MAX_SHEET_ROWS non-empty rows to the budget, cells joined by ' | '."""
    taken = 0
    for row in rows:
        if taken >= MAX_SHEET_ROWS or budget.full:
            return
        cells = [_cell(value) for value in row]
        while cells and not cells[-1]:
            cells.pop()
        if any(cells):
            budget.add(" | ".join(cells))
            taken += 1


def _sheets_text(sheets: Iterable[tuple[str, Iterable[Iterable[object]]]]) -> str:
    budget = TextBudget()
    for name, rows in sheets:
        if budget.full:
            break
        budget.add(f"Sheet: {name}")
        sheet_rows_text(rows, budget)
    return budget.text()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return " ".join(str(value).split())
