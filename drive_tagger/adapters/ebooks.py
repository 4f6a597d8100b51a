"""E-books (.epub, read by EbookLib): the book's title and its chapters' text in reading order."""

from __future__ import annotations

from pathlib import Path

from drive_tagger.adapters.archives import check_zip
from drive_tagger.adapters.extraction import Extracted, TextBudget, UnreadableFile


def read_epub(path: Path) -> Extracted:
    import ebooklib
    from bs4 import BeautifulSoup
    from ebooklib import epub

    check_zip(path)
    book = epub.read_epub(str(path), options={"ignore_ncx": True})
    budget = TextBudget()
    for item_id, _linear in book.spine:
        item = book.get_item_with_id(item_id)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT or budget.full:
            continue
        soup = BeautifulSoup(item.get_content(), "html.parser")
        for tag in soup(["script", "style", "noscript"]):
            tag.decompose()
        budget.add(soup.get_text("\n", strip=True))
    if not book.spine:
        raise UnreadableFile("the e-book has no chapters (an empty spine)")
    titles = book.get_metadata("DC", "title")
    return Extracted(str(titles[0][0]) if titles else "", budget.text())
