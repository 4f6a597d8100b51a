"""Zip containers (.docx .xlsx .pptx .odt .ods .odp .epub) checked before any library opens one:
what the zip declares its parts expand to, and how far each is compressed, bound the memory
and time reading it can take, so an archive bomb is refused by its directory alone."""

from __future__ import annotations

import zipfile
from pathlib import Path

from drive_tagger.adapters.extraction import UnreadableFile

# The one home of these limits. All parts together may expand to at most this much (a 200 MB
# sheet fits; it is then read row by row and cut, see sheets.py).
MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
# A part larger than SMALL_PART may be compressed at most this many times; XML of real office
# files compresses 5-50 times, runs of zeros or of one character over 1,000 times.
MAX_COMPRESSION_RATIO = 200
SMALL_PART = 1024 * 1024
MAX_PARTS = 10_000

ZIP_SUFFIXES = {".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".epub"}


def check_zip(path: Path) -> None:
    """Raises UnreadableFile for a bomb, zipfile.BadZipFile for what is no zip at all.

    Python's zipfile, which every library here reads through, never inflates a part past the
    size it declares (a part that holds more fails its CRC check), so the declared sizes are
    a true bound."""
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise UnreadableFile(f"refused: the zip holds {len(parts):,} parts, over the limit of {MAX_PARTS:,}")
    total = sum(part.file_size for part in parts)
    if total > MAX_UNZIPPED_BYTES:
        raise UnreadableFile(
            f"refused: its zipped parts would expand to {_mib(total)}, over the limit of "
            f"{_mib(MAX_UNZIPPED_BYTES)} (an archive bomb?)"
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > SMALL_PART and ratio > MAX_COMPRESSION_RATIO:
            raise UnreadableFile(
                f"refused: its part {part.filename[:100]!r} expands {ratio:,.0f} times, to {_mib(part.file_size)} "
                f"(more than {MAX_COMPRESSION_RATIO} times is an archive bomb)"
            )


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MiB"
