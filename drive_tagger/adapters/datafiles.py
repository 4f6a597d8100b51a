"""Files of data and marked-up text read whole as one document each: .json (its string values),
.xml (its text, entities refused by defusedxml), .tsv (its rows; unlike .csv it is no table
of documents) and .rtf (its text, by striprtf)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from drive_tagger.adapters.extraction import Extracted, TextBudget, UnreadableFile

_TITLE_KEYS = ("title", "name", "subject")


def read_json(text: str, path: Path) -> Extracted:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(f"malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise UnreadableFile("malformed JSON (nested too deeply)") from None
    budget = TextBudget()
    stack = [data]
    while stack and not budget.full:  # iteratively: depth costs no stack
        value = stack.pop()
        if isinstance(value, str):
            budget.add(value.strip())
        elif isinstance(value, dict):
            stack.extend(reversed(value.values()))
        elif isinstance(value, list):
            stack.extend(reversed(value))
    title = next((data[k] for k in _TITLE_KEYS if isinstance(data, dict) and isinstance(data.get(k), str)), "")
    return Extracted(title, budget.text())


def read_xml(data: bytes, path: Path) -> Extracted:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnreadableFile(f"refused XML: {type(exc).__name__} (entity declarations are not expanded)") from None
    except ParseError as exc:
        raise UnreadableFile(f"malformed XML ({exc})") from None
    budget = TextBudget()
    title = ""
    for element in root.iter():
        if budget.full:
            break
        if not title and str(element.tag).rsplit("}", 1)[-1].lower() == "title" and (element.text or "").strip():
            title = element.text.strip()
        for piece in (element.text, element.tail):
            if piece and piece.strip():
                budget.add(piece.strip())
    return Extracted(title, budget.text())


def read_tsv(text: str, path: Path) -> Extracted:
    lines = (" | ".join(cell.strip() for cell in line.split("\t")) for line in text.splitlines())
    return Extracted("", "\n".join(line for line in lines if line.strip(" |")))


def read_rtf(data: bytes, path: Path) -> Extracted:
    from striprtf.striprtf import rtf_to_text

    if not data.lstrip().startswith(b"{\\rtf"):
        raise UnreadableFile("not an RTF file (it does not start with {\\rtf)")
    # RTF is 7-bit text; other characters come as escapes that name their code page.
    source = data.decode("latin-1")
    title = re.search(r"{\\title\s+([^{}]*)}", source[:100_000])
    return Extracted(rtf_to_text(title[1]).strip() if title else "", rtf_to_text(source, errors="replace"))
