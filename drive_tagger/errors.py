"""Typed errors: every failure a user can cause or meet derives from DriveTaggerError."""


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
