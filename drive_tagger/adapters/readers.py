"""Reading documents from files and folders: which reader reads which file type (text, HTML, PDF
and Word here; slides, sheets, mail, OpenDocument, e-books and data files in their own modules;
tables via tables.py). Whatever a file holds, reading it gives a document or a failure naming
it, never an exception; nothing outside a folder given to read is read, whatever links inside
it point at."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from drive_tagger.adapters import datafiles, ebooks, mail, opendocument, sheets, slides
from drive_tagger.adapters.archives import check_zip
from drive_tagger.adapters.extraction import Attachment, Extracted, UnreadableFile
from drive_tagger.adapters.tables import rows_as_documents, table_format
from drive_tagger.core.types import ReadFailure, SourceDocument

__all__ = ["ReadFailure", "UnreadableFile", "read_sources"]

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
# Byte order marks of the Unicode encodings a text file may come in, longest first.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def read_sources(paths: Sequence[Path]) -> Iterator[SourceDocument | ReadFailure]:
    """Yields a document or a failure per file (per row for tables); one bad input never stops the rest.

    External ids: a file inside a given folder is named by its path relative to that folder;
    a file given by itself, by its name; a table row, by its id column.
    """
    taken: dict[str, str] = {}  # id -> where the first document with it came from
    for path in paths:
        path = Path(path)
        if not path.exists():
            yield ReadFailure(
                _shown(path), "no such file or directory" + (" (a broken link)" if path.is_symlink() else "")
            )
        elif path.is_dir():
            yield from _once_per_id(_read_folder(path), taken, path)
        else:
            yield from _once_per_id(_read_one(path, _text_id(path.name)), taken, path)


def _once_per_id(
    items: Iterator[SourceDocument | ReadFailure], taken: dict[str, str], given: Path
) -> Iterator[SourceDocument | ReadFailure]:
    """Two inputs of one ingest that would give the same id (notes.txt in two folders): the
    first keeps it and the later one fails, naming both, instead of silently replacing it."""
    mine: set[str] = set()
    for item in items:
        if isinstance(item, SourceDocument):
            first = taken.get(item.external_id)
            if first is not None and item.external_id not in mine:
                yield ReadFailure(
                    item.source,
                    f"its id {item.external_id[:200]!r} is already that of {first}; ingest the folders' "
                    "common parent folder instead, or each folder into its own workspace",
                )
                continue
            taken[item.external_id] = item.source
            mine.add(item.external_id)
        yield item


def _read_folder(root: Path) -> Iterator[SourceDocument | ReadFailure]:
    """Every regular file under root, in path order, hidden ones (.git, .DS_Store) skipped. A link
    is followed only while it stays inside root; one that leaves it is reported and skipped."""
    real_root = root.resolve()
    found = False
    unreadable: list[OSError] = []
    for folder, dirs, files in os.walk(root, followlinks=False, onerror=unreadable.append):
        while unreadable:
            error = unreadable.pop()
            yield ReadFailure(_text_id(str(error.filename)), f"cannot read the folder: {error.strerror or error}")
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted([*files, *(d for d in dirs if (Path(folder) / d).is_symlink())]):
            path = Path(folder) / name
            if name.startswith("."):
                continue
            found = True
            relative = _text_id(path.relative_to(root).as_posix())
            problem = _outside_or_special(path, real_root)
            if problem:
                yield ReadFailure(_shown(path), problem)
            else:
                # The source is the file's absolute path: `ingest --prune` finds what left the folder by it.
                yield from _read_one(real_root / path.relative_to(root), relative)
    for error in unreadable:
        yield ReadFailure(_text_id(str(error.filename)), f"cannot read the folder: {error.strerror or error}")
    if not found:
        yield ReadFailure(_shown(root), "folder holds no files")


def _outside_or_special(path: Path, real_root: Path) -> str | None:
    """Why a path in a folder is not read, or None: a link leaving the folder, a link to a
    folder (its files are read where they really are), a broken link, or not a regular file
    (a pipe or a device would block or never end)."""
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "a broken or looping link; skipped"
        if not target.is_relative_to(real_root):
            return "a link to something outside the folder; skipped (only the folder's own files are read)"
        if target.is_dir():
            return "a link to a folder inside the folder; skipped (its files are read where they are)"
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    return None if stat.S_ISREG(mode) else "not a regular file (a pipe, socket or device); skipped"


def _text_id(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by the OS as surrogate escapes) are
    written as \\xNN, so such a file is still stored, under a stable id."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _shown(path: Path) -> str:
    return _text_id(str(path))


def _read_one(
    path: Path, external_id: str, shown: str | None = None, name: str | None = None, nested: bool = False
) -> Iterator[SourceDocument | ReadFailure]:
    """The document (and, for a mail, the documents attached to it) a file gives, or a failure.
    `shown` and `name` say where it came from when path is a temporary copy (an attachment)."""
    shown = shown or _shown(path)
    name = name or path.name
    if table_format(path) and not nested:
        yield from rows_as_documents(path)
        return
    suffix = Path(name).suffix.lower()
    reader = _FILE_READERS.get(suffix)
    if reader is None:
        supported = ", ".join(sorted({*_FILE_READERS, ".jsonl", ".csv"}))
        yield ReadFailure(shown, f"unsupported file type {suffix or '(none)'!r}; supported: {supported}")
        return
    try:
        extracted = reader(path)
    except UnreadableFile as exc:
        yield ReadFailure(shown, str(exc))
        return
    except OSError as exc:
        if exc.errno is not None:  # the file system's refusal; a library's OSError says the format is wrong
            yield ReadFailure(shown, f"cannot read: {exc.strerror or exc}")
            return
        yield ReadFailure(shown, _unreadable(suffix, exc))
        return
    except Exception as exc:
        yield ReadFailure(shown, _unreadable(suffix, exc))
        return
    if isinstance(extracted, tuple):
        extracted = Extracted(*extracted)
    body = _tidy(extracted.body)
    if not body:
        yield ReadFailure(shown, "empty document (no text)")
    else:
        title = extracted.title.strip() or Path(name).stem
        yield SourceDocument(external_id=external_id, title=title, body=body, source=shown)
    if not nested:
        yield from _read_attachments(extracted.attachments, external_id, shown)


def _unreadable(suffix: str, exc: Exception) -> str:
    reason = (str(exc).strip().splitlines() or [""])[0][:200]
    kind = _FORMAT_NAMES.get(suffix, f"{suffix} file")
    return f"unreadable {kind} ({type(exc).__name__}{': ' + reason if reason else ''})"


def _read_attachments(
    attachments: Sequence[Attachment], mail_id: str, mail_shown: str
) -> Iterator[SourceDocument | ReadFailure]:
    """Each attached file of a type read here, as a document `<mail id>#<its name>` (the name
    made unique in the mail); other attachments (images, ...) are only named in the mail's text.
    The bytes are read through a private temporary copy named by the suffix alone, so a hostile
    attachment name is never a path."""
    used: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="drive-tagger-attachment-") as folder:
        for number, attachment in enumerate(attachments, start=1):
            name = attachment.name.replace("/", "_").replace("\\", "_").strip() or f"attachment-{number}"
            suffix = Path(name).suffix.lower()
            if suffix not in _FILE_READERS:
                continue
            unique, again = name, 2
            while unique in used:
                unique, again = f"{Path(name).stem} ({again}){Path(name).suffix}", again + 1
            used.add(unique)
            copy = Path(folder) / f"attachment-{number}{suffix if suffix.isascii() and len(suffix) < 12 else ''}"
            copy.write_bytes(attachment.data)
            yield from _read_one(copy, f"{mail_id}#{unique}", f"{mail_shown}#{unique}", unique, nested=True)
            copy.unlink()


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\x00", "")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _decode(data: bytes) -> str:
    """Text in UTF-8, or in the UTF-16/32 its byte order mark names; NUL bytes without one mean
    the file is binary."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).removeprefix("\ufeff")  # the -le/-be codecs keep the mark
            except UnicodeDecodeError as exc:
                raise UnreadableFile(f"not valid {encoding.upper()} text (bad bytes at offset {exc.start})") from None
    if b"\x00" in data[:8192]:
        raise UnreadableFile("binary content, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def _read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if not data.strip():
        raise UnreadableFile("empty file")
    return data


def _read_text(path: Path) -> tuple[str, str]:
    text = _decode(_read_bytes(path))
    for line in text.splitlines():
        line = line.strip()
        if line:
            heading = line.lstrip("#").strip()
            return (heading if len(heading) <= 120 else path.stem), text
    return path.stem, text


def _read_html(path: Path) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode(_read_bytes(path)), "html.parser")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    heading = soup.title or soup.find("h1")
    title = heading.get_text(" ", strip=True) if heading else path.stem
    return title, soup.get_text("\n", strip=True)


def _read_pdf(path: Path) -> tuple[str, str]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    pages = [page.extract_text() or "" for page in reader.pages]
    title = (reader.metadata.title if reader.metadata else None) or path.stem
    text = "\n\n".join(pages)
    if not text.strip():
        raise UnreadableFile("PDF has no extractable text (a scan without OCR?)")
    return str(title), text


def _read_docx(path: Path) -> tuple[str, str]:
    import docx

    check_zip(path)
    document = docx.Document(str(path))
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append(" | ".join(cell.text.strip() for cell in row.cells))
    title = document.core_properties.title or (paragraphs[0][:120] if paragraphs else path.stem)
    return title, "\n".join(paragraphs)


def _decoded(read: Callable[[str, Path], Extracted]) -> Callable[[Path], Extracted]:
    """A reader of a text format (JSON, TSV), given the file's text decoded as any text file is."""
    return lambda path: read(_decode(_read_bytes(path)), path)


def _raw(read: Callable[[bytes, Path], Extracted]) -> Callable[[Path], Extracted]:
    """A reader of a format that names its own encoding (XML, RTF), given the file's bytes."""
    return lambda path: read(_read_bytes(path), path)


_FORMAT_NAMES = {
    ".pdf": "PDF",
    ".docx": "Word document",
    ".html": "HTML page",
    ".htm": "HTML page",
    ".pptx": "PowerPoint deck",
    ".xlsx": "Excel workbook",
    ".xls": "Excel workbook",
    ".eml": "e-mail",
    ".msg": "Outlook message",
    ".odt": "OpenDocument text",
    ".ods": "OpenDocument spreadsheet",
    ".odp": "OpenDocument presentation",
    ".rtf": "RTF document",
    ".epub": "e-book",
    ".json": "JSON file",
    ".xml": "XML file",
    ".tsv": "TSV file",
}

# Which reader reads which file type (docs/reference/formats.md says which library).
_FILE_READERS: dict[str, Callable[[Path], tuple[str, str] | Extracted]] = {
    **dict.fromkeys(TEXT_SUFFIXES, _read_text),
    **dict.fromkeys(HTML_SUFFIXES, _read_html),
    ".pdf": _read_pdf,
    ".docx": _read_docx,
    ".pptx": slides.read_pptx,
    ".xlsx": sheets.read_xlsx,
    ".xls": sheets.read_xls,
    ".eml": mail.read_eml,
    ".msg": mail.read_msg,
    **dict.fromkeys((".odt", ".ods", ".odp"), opendocument.read_opendocument),
    ".epub": ebooks.read_epub,
    ".rtf": _raw(datafiles.read_rtf),
    ".json": _decoded(datafiles.read_json),
    ".xml": _raw(datafiles.read_xml),
    ".tsv": _decoded(datafiles.read_tsv),
}
# Every file type ingest reads as documents, besides tables of documents (.jsonl, .csv).
FILE_SUFFIXES = frozenset(_FILE_READERS)
