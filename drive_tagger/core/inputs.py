"""What a document must be to be stored: one check for every source (files, tables, the API, a
synced table), so a bad value is refused in the same words wherever it comes from."""

from __future__ import annotations

import re
from dataclasses import replace

from drive_tagger.core.types import ReadFailure, SourceDocument

# A body longer than this is kept up to here and the rest is cut (a document is never refused
# for its length). Embedding reads far less (window_tokens x max_windows); keywords read 4,000.
MAX_BODY_CHARS = 1_000_000
MAX_TITLE_CHARS = 1_000
# Ids are indexed with their workspace in a btree, whose entries cannot pass ~2,700 bytes.
MAX_ID_BYTES = 1_024

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL_IN_ID = re.compile(r"[\x00-\x1f\x7f]")
# Characters that take no room on the page: zero-width spaces and joiners, word joiner, byte
# order mark, soft hyphen. A text of only these and white space says nothing.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_VISIBLE = re.compile(f"[^\\s{_INVISIBLE}]")


def clean_text(text: str) -> str:
    """NUL characters dropped (Postgres text cannot hold them) and lone surrogates (half a UTF-16
    pair, which no UTF-8 can carry) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def id_problem(external_id: object) -> str | None:
    """Why a value cannot be a document id, or None when it can."""
    if not isinstance(external_id, str):
        return f"the id must be text, got {type(external_id).__name__}"
    if not external_id.strip():
        return "the id is empty"
    if _SURROGATE.search(external_id):
        return "the id is not valid Unicode (it holds half a UTF-16 surrogate pair)"
    if _CONTROL_IN_ID.search(external_id):
        return "the id holds a control character (NUL, tab, newline, ...)"
    size = len(external_id.encode("utf-8"))
    if size > MAX_ID_BYTES:
        return f"the id is {size:,} bytes long; at most {MAX_ID_BYTES:,} bytes (UTF-8) are allowed"
    return None


def text_problem(body: object) -> str | None:
    """Why a value cannot be a document's text, or None when it can."""
    if not isinstance(body, str):
        return f"the text must be a string, got {type(body).__name__}"
    if not _VISIBLE.search(clean_text(body)):
        return "the text is empty or only whitespace (nothing to embed)"
    return None


def checked_document(doc: SourceDocument) -> SourceDocument | ReadFailure:
    """The document as it will be stored (text cleaned, title on one line, body cut to
    MAX_BODY_CHARS), or a failure naming it and saying why it cannot be stored."""
    where = doc.source or str(doc.external_id)
    problem = id_problem(doc.external_id) or text_problem(doc.body)
    if problem:
        return ReadFailure(where, problem)
    title = " ".join(clean_text(doc.title or "").split()).strip(_INVISIBLE)[:MAX_TITLE_CHARS]
    return replace(doc, title=title, body=clean_text(doc.body)[:MAX_BODY_CHARS])
