"""OpenDocument files (.odt text, .ods sheets, .odp slides), read by odfpy: paragraphs and
headings in order, each sheet's name and first rows, each slide's text and speaker notes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from drive_tagger.adapters.archives import check_zip
from drive_tagger.adapters.extraction import Extracted, TextBudget
from drive_tagger.adapters.sheets import MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, sheet_rows_text

_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_DRAW_NS = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_PRESENTATION_NS = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
_PARAGRAPHS = {(_TEXT_NS, "p"), (_TEXT_NS, "h")}
_ROW_GROUPS = {(_TABLE_NS, "table-rows"), (_TABLE_NS, "table-header-rows"), (_TABLE_NS, "table-row-group")}


def read_opendocument(path: Path) -> Extracted:
    from odf import opendocument

    check_zip(path)
    document = opendocument.load(str(path))
    budget = TextBudget()
    suffix = path.suffix.lower()
    if suffix == ".ods":
        for table in _children(document.spreadsheet, _TABLE_NS, "table"):
            if budget.full:
                break
            budget.add(f"Sheet: {table.getAttrNS(_TABLE_NS, 'name') or ''}")
            sheet_rows_text(_table_rows(table), budget)
    elif suffix == ".odp":
        for number, page in enumerate(_children(document.presentation, _DRAW_NS, "page"), start=1):
            if budget.full:
                break
            name = page.getAttrNS(_DRAW_NS, "name") or ""
            budget.add(f"Slide {number}" + (f": {name}" if name and not name.startswith("page") else ""))
            for child in page.childNodes:
                if (child.qname or ("", ""))[1] == "notes":
                    notes = "\n".join(_paragraphs(child))
                    if notes.strip():
                        budget.add(f"Notes: {notes.strip()}")
                else:
                    for text in _paragraphs(child):
                        budget.add(text)
    else:
        for text in _paragraphs(document.text):
            if budget.full:
                break
            budget.add(text)
    return Extracted(_meta_title(document), budget.text())


def _meta_title(document) -> str:
    from odf import dc, teletype

    titles = document.meta.getElementsByType(dc.Title)
    return teletype.extractText(titles[0]).strip() if titles else ""


def _children(node, namespace: str, name: str) -> Iterator:
    for child in node.childNodes:
        if child.qname == (namespace, name):
            yield child


def _paragraphs(node) -> Iterator[str]:
    """The text of every paragraph and heading under node, in document order (iteratively: a
    deeply nested file cannot exhaust the stack)."""
    from odf import teletype

    stack = [node]
    while stack:
        current = stack.pop()
        if getattr(current, "qname", None) in _PARAGRAPHS:
            text = teletype.extractText(current).strip()
            if text:
                yield text
            continue
        stack.extend(reversed(getattr(current, "childNodes", [])))


def _table_rows(table) -> Iterator[list[str]]:
    """Rows of an ODF table; a row or cell repeated n times is read once per repeat up to the
    limits (a sheet padded with a million empty rows costs nothing)."""
    from odf import teletype

    for row in _rows_of(table):
        repeat = min(int(row.getAttrNS(_TABLE_NS, "number-rows-repeated") or 1), MAX_SHEET_ROWS)
        cells: list[str] = []
        for cell in row.childNodes:
            if cell.qname not in ((_TABLE_NS, "table-cell"), (_TABLE_NS, "covered-table-cell")):
                continue
            text = " ".join(teletype.extractText(cell).split())
            times = int(cell.getAttrNS(_TABLE_NS, "number-columns-repeated") or 1)
            cells.extend([text] * min(times, MAX_SHEET_COLUMNS - len(cells)))
            if len(cells) >= MAX_SHEET_COLUMNS:
                break
        if not any(cells):
            continue  # empty rows say nothing, however often they repeat
        for _ in range(repeat):
            yield cells


def _rows_of(table) -> Iterator:
    for child in table.childNodes:
        if child.qname == (_TABLE_NS, "table-row"):
            yield child
        elif child.qname in _ROW_GROUPS:
            yield from _rows_of(child)
