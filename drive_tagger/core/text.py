"""What text a document is embedded as, and the content hash that decides re-embedding."""

from __future__ import annotations

import hashlib


def embedding_text(title: str, body: str) -> str:
    """The title joins the body unless the body already opens with it (a heading, a title line)."""
    title = title.strip()
    if not title or title.lower() in body[: len(title) + 200].lower():
        return body
    return f"{title}\n\n{body}"


def content_hash(title: str, body: str) -> str:
    """sha256 of exactly what the embedder sees, so equal hashes mean equal vectors."""
    return hashlib.sha256(embedding_text(title, body).encode("utf-8")).hexdigest()


def cut_text(text: str, max_chars: int) -> str:
    """Cuts text to max_chars before any tokenizing, at a whitespace near the limit if one exists."""
    if len(text) <= max_chars:
        return text
    cut = text.rfind(" ", max_chars - 200, max_chars)
    return text[: cut if cut > 0 else max_chars]
