"""PowerPoint decks (.pptx, read by python-pptx): every slide in order, its title, the text of its
shapes and tables, then its speaker notes."""

from __future__ import annotations

from pathlib import Path

from drive_tagger.adapters.archives import check_zip
from drive_tagger.adapters.extraction import Extracted, TextBudget

# Titles that tools write into every new file; they name no deck.
_PLACEHOLDER_TITLES = {"powerpoint presentation", "presentation", "slide 1"}


def read_pptx(path: Path) -> Extracted:
    from pptx import Presentation

    check_zip(path)
    deck = Presentation(str(path))
    budget = TextBudget()
    first_title = ""
    for number, slide in enumerate(deck.slides, start=1):
        if budget.full:
            break
        heading = slide.shapes.title.text_frame.text.strip() if slide.shapes.title is not None else ""
        first_title = first_title or heading
        budget.add(f"Slide {number}" + (f": {heading}" if heading else ""))
        for text in _shape_texts(slide.shapes, skip=slide.shapes.title):
            budget.add(text)
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            if notes is not None and notes.text.strip():
                budget.add(f"Notes: {notes.text.strip()}")
    title = (deck.core_properties.title or "").strip()
    if title.lower() in _PLACEHOLDER_TITLES:
        title = ""
    return Extracted(title or first_title, budget.text())


def _shape_texts(shapes, skip=None):
    """The text of each shape in order, looking into groups and tables."""
    from pptx.shapes.group import GroupShape

    for shape in shapes:
        if skip is not None and shape.shape_id == skip.shape_id:
            continue
        if isinstance(shape, GroupShape):
            yield from _shape_texts(shape.shapes)
        elif getattr(shape, "has_table", False):
            for row in shape.table.rows:
                yield " | ".join(cell.text.strip() for cell in row.cells)
        elif shape.has_text_frame and shape.text_frame.text.strip():
            yield shape.text_frame.text.strip()
