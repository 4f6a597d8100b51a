"""Typed errors: every failure a user can cause or meet derives from DriveTaggerError."""

from __future__ import annotations

from collections.abc import Sequence

# The most of a caller's input an error message repeats: a 50 MB id must not come back whole.
MAX_ECHO_CHARS = 200


def cut(text: str) -> str:
    """The text, or its first MAX_ECHO_CHARS characters ending in an ellipsis."""
    return text if len(text) <= MAX_ECHO_CHARS else text[: MAX_ECHO_CHARS - 1] + "\u2026"


def echoed(values: Sequence[object]) -> tuple[str, bool]:
    """The values quoted and joined by commas, cut past MAX_ECHO_CHARS; and whether all of them
    are shown whole."""
    shown = ""
    for i, value in enumerate(values):
        part = (", " if i else "") + repr(str(value)[: MAX_ECHO_CHARS + 1])
        if len(shown) + len(part) > MAX_ECHO_CHARS:
            return cut(shown + part), False
        shown += part
    return shown, True


class DriveTaggerError(Exception):
    """Root of the errors drive_tagger raises on purpose; the CLI prints their message."""


class DatabaseUnavailable(DriveTaggerError):
    """The database could not be reached or started."""


class MigrationError(DriveTaggerError):
    """A migration could not be applied, or the schema is behind the code."""


class UnknownWorkspace(DriveTaggerError):
    """A command named a workspace that does not exist."""


class UnknownFilter(DriveTaggerError):
    """A filter id or name does not match any active filter of the workspace."""


class UnknownDocument(DriveTaggerError):
    """A document id does not exist in the workspace."""

    @classmethod
    def among(cls, external_ids: Sequence[str], workspace: str) -> UnknownDocument:
        """The error for ids the workspace does not hold: how many, and the first of them."""
        shown, whole = echoed(external_ids)
        count = f"{len(external_ids):,} unknown document id{'' if len(external_ids) == 1 else 's'}"
        return cls(f"{count} in workspace {workspace!r}{':' if whole else ', first:'} {shown}")


class UnknownCorrection(DriveTaggerError):
    """A correction id does not exist in the workspace."""


class InvalidInput(DriveTaggerError):
    """A value given by the user is malformed (workspace name, path, corpus line)."""


class EmbeddingError(DriveTaggerError):
    """The embedding backend failed or returned vectors of the wrong shape."""


class NothingToRefresh(DriveTaggerError):
    """The workspace has too few embedded documents to form filters."""


class UnknownJob(DriveTaggerError):
    """A job id does not exist in the workspace."""


class RefreshConflict(DriveTaggerError):
    """Another refresh of the same workspace became active while this one worked."""


class Overloaded(DriveTaggerError):
    """Too many requests wait for the database; the caller should retry shortly."""


class SourceUnavailable(DriveTaggerError):
    """The app's documents table could not be read to the end (its database went away)."""


class ModelMismatch(EmbeddingError):
    """A workspace's vectors are of one embedding model and this process embeds with another."""
