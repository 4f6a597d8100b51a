"""What a format reader gives back (an Extracted title, text and attachments) and how it says a
file cannot be read (UnreadableFile); every reader under adapters/ speaks these two words."""

from __future__ import annotations

from dataclasses import dataclass

from drive_tagger.core.inputs import MAX_BODY_CHARS

# A reader that builds its text piece by piece (sheets, slides, mail parts) stops once it holds
# this much: the store keeps no more (core.inputs.MAX_BODY_CHARS), so reading on is wasted.
ENOUGH_CHARS = MAX_BODY_CHARS


class UnreadableFile(Exception):
    """Raised by a per-format reader; becomes a ReadFailure naming the file."""


@dataclass(frozen=True)
class Attachment:
    """A file carried inside another (a mail's attachment): read as a document of its own."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Extracted:
    """A file's title (empty: the file name is used), its text, and the files it carries."""

    title: str
    body: str
    attachments: tuple[Attachment, ...] = ()


class TextBudget:
    """Collects text until ENOUGH_CHARS are held; `full` tells a reader to stop reading."""

    def __init__(self, limit: int = ENOUGH_CHARS):
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0

    @property
    def full(self) -> bool:
        return self.size >= self.limit

    def add(self, text: str) -> None:
        if text and not self.full:
            self.parts.append(text)
            self.size += len(text) + 1

    def text(self) -> str:
        return "\n".join(self.parts)
