"""Reading documents from files and folders (.txt .md .html .pdf .docx) and tables (.jsonl .csv)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from drive_tagger.core.types import ReadFailure, SourceDocument

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
TABLE_SUFFIXES = {".jsonl", ".csv"}


class UnreadableFile(Exception):
    """Raised by a per-format reader; becomes a ReadFailure naming the file."""


def read_sources(paths: Sequence[Path]) -> Iterator[SourceDocument | ReadFailure]:
    """Yields a document or a failure per file (per row for tables); one bad input never stops the rest.

    External ids: a file inside a given folder is named by its path relative to that folder;
    a file given by itself, by its name; a table row, by its id column.
    """
    for path in paths:
        path = Path(path)
        if not path.exists():
            yield ReadFailure(str(path), "no such file or directory")
        elif path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p.relative_to(path)))
            if not files:
                yield ReadFailure(str(path), "folder holds no files")
            for file in files:
                yield from _read_one(file, file.relative_to(path).as_posix())
        else:
            yield from _read_one(path, path.name)


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _read_one(path: Path, external_id: str) -> Iterator[SourceDocument | ReadFailure]:
    suffix = _format_suffix(path)
    if suffix in TABLE_SUFFIXES:
        yield from _read_table(path, suffix)
        return
    reader = _FILE_READERS.get(suffix)
    if reader is None:
        supported = ", ".join(sorted(set(_FILE_READERS) | TABLE_SUFFIXES))
        yield ReadFailure(str(path), f"unsupported file type {suffix or '(none)'!r}; supported: {supported}")
        return
    try:
        title, body = reader(path)
    except UnreadableFile as exc:
        yield ReadFailure(str(path), str(exc))
        return
    except OSError as exc:
        yield ReadFailure(str(path), f"cannot read: {exc.strerror or exc}")
        return
    body = _tidy(body)
    if not body:
        yield ReadFailure(str(path), "empty document (no text)")
        return
    yield SourceDocument(external_id=external_id, title=title.strip() or path.stem, body=body, source=str(path))


def _format_suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] == [".gz"] and len(suffixes) >= 2:
        return suffixes[-2]
    return suffixes[-1] if suffixes else ""


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\x00", "")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise UnreadableFile("binary content, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def _read_text(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    if not data.strip():
        raise UnreadableFile("empty file")
    text = _decode(data)
    for line in text.splitlines():
        line = line.strip()
        if line:
            heading = line.lstrip("#").strip()
            return (heading if len(heading) <= 120 else path.stem), text
    return path.stem, text


def _read_html(path: Path) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    data = path.read_bytes()
    if not data.strip():
        raise UnreadableFile("empty file")
    soup = BeautifulSoup(_decode(data), "html.parser")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    heading = soup.title or soup.find("h1")
    title = heading.get_text(" ", strip=True) if heading else path.stem
    return title, soup.get_text("\n", strip=True)


def _read_pdf(path: Path) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path)
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or path.stem
    except (PyPdfError, ValueError, KeyError) as exc:
        raise UnreadableFile(f"unreadable PDF: {exc}") from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise UnreadableFile("PDF has no extractable text (a scan without OCR?)")
    return str(title), text


def _read_docx(path: Path) -> tuple[str, str]:
    import zipfile

    import docx

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableFile(f"unreadable .docx: {exc}") from None
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append(" | ".join(cell.text.strip() for cell in row.cells))
    title = document.core_properties.title or (paragraphs[0][:120] if paragraphs else path.stem)
    return title, "\n".join(paragraphs)


_FILE_READERS: dict[str, Callable[[Path], tuple[str, str]]] = {
    **dict.fromkeys(TEXT_SUFFIXES, _read_text),
    **dict.fromkeys(HTML_SUFFIXES, _read_html),
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}


def _open_table(path: Path) -> io.TextIOBase:
    raw = gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def read_table_rows(path: Path) -> Iterator[tuple[str, dict | None, str | None]]:
    """(location, row, problem) per line of a .jsonl or row of a .csv (optionally gzipped)."""
    suffix = _format_suffix(path)
    try:
        with _open_table(path) as handle:
            if suffix == ".jsonl":
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as exc:
                        yield f"{path}:{number}", None, f"malformed JSON ({exc.msg} at column {exc.colno})"
                        continue
                    if not isinstance(row, dict):
                        yield f"{path}:{number}", None, "a JSON object per line is expected"
                        continue
                    yield f"{path}:{number}", row, None
            else:
                for number, row in enumerate(csv.DictReader(handle), start=2):
                    yield f"{path}:{number}", row, None
    except UnicodeDecodeError as exc:
        yield str(path), None, f"not UTF-8 text (invalid byte at offset {exc.start})"
    except (OSError, EOFError, gzip.BadGzipFile, csv.Error) as exc:
        yield str(path), None, f"cannot read: {exc}"


def _read_table(path: Path, suffix: str) -> Iterator[SourceDocument | ReadFailure]:
    rows = 0
    for location, row, problem in read_table_rows(path):
        rows += 1
        if problem:
            yield ReadFailure(location, problem)
            continue
        external_id = str(row.get("id") or "").strip()
        text = row.get("text")
        if not external_id:
            yield ReadFailure(location, "missing 'id'")
        elif not isinstance(text, str) or not text.strip():
            yield ReadFailure(location, "missing or empty 'text'")
        else:
            title = row.get("title")
            yield SourceDocument(
                external_id=external_id,
                title=title.strip() if isinstance(title, str) else "",
                body=_tidy(text),
                source=location,
            )
    if rows == 0:
        yield ReadFailure(str(path), "empty table (no rows)")
