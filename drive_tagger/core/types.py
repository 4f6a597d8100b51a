"""Domain values shared by the core, the services and the adapters (frozen dataclasses)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from drive_tagger.errors import InvalidInput

if TYPE_CHECKING:  # annotations only: reading filters never loads numpy
    from datetime import datetime

    import numpy as np

_WORKSPACE_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")


def check_workspace_slug(slug: str) -> str:
    """The slug itself if it can name a workspace, else InvalidInput saying what would."""
    if not isinstance(slug, str) or not _WORKSPACE_SLUG.match(slug):
        raise InvalidInput(
            f"invalid workspace name {slug!r}: use 1-63 lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return slug


class Task(StrEnum):
    """Background tasks, each run per workspace by `drive-tagger worker`."""

    EMBED_PENDING = "embed_pending"  # embed the workspace's texts without a vector, then queue a refresh
    REFRESH = "refresh"  # recompute the workspace's filters
    SYNC = "sync"  # read the app's documents table for the workspace, then queue embed_pending


class JobStatus(StrEnum):
    """A background job's status, as the queue (procrastinate) records it."""

    TODO = "todo"  # waiting for a worker
    DOING = "doing"  # a worker runs it
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # kept with its last error; attempts say how often it ran
    CANCELLED = "cancelled"
    ABORTED = "aborted"  # given back when its worker stopped (it is queued again)


# The queue of the worker's own periodic jobs (retrying stalled jobs), left out of job listings.
MAINTENANCE_QUEUE = "maintenance"


class NamedBy(StrEnum):
    OFFLINE = "offline"  # built from keywords (and taxonomy) without any network call
    LLM = "llm"  # answered by a language model
    USER = "user"  # renamed and pinned by a person; survives refreshes


@dataclass(frozen=True)
class Category:
    """One filter of a refresh: a cluster of documents with a stable id and a name."""

    category_id: int
    name: str
    keywords: tuple[str, ...]
    size: int
    centroid: np.ndarray = field(compare=False, repr=False)
    description: str = ""
    parent_category_id: int | None = None
    named_by: NamedBy = NamedBy.OFFLINE
    # Lowest similarity to the centroid that still counts as a member (None: any).
    fence: float | None = None
    # The form that sets a top-level filter apart from the rest of the drive (core/forms.py).
    form: str | None = None

    @property
    def is_top_level(self) -> bool:
        return self.parent_category_id is None


@dataclass(frozen=True)
class PreviousGeneration:
    """The active filters before a refresh: categories and the documents they held (rank 1)."""

    categories: tuple[Category, ...]
    members: dict[int, np.ndarray]  # category id -> document ids
    rules: int | None = None  # core.params.RULES_VERSION they were made under; None: unrecorded

    def level(self, top: bool) -> list[Category]:
        return [c for c in self.categories if c.is_top_level == top]


@dataclass(frozen=True)
class Assignments:
    """Document-to-category links as parallel arrays (one row per link)."""

    document_index: np.ndarray  # int, row of the vectors matrix
    category_id: np.ndarray  # int
    score: np.ndarray  # float32 cosine similarity to the category centroid
    rank: np.ndarray  # int, 1 for the document's best category at its level

    def __len__(self) -> int:
        return len(self.document_index)


@dataclass(frozen=True)
class Workspace:
    id: int
    slug: str
    embedding_model: str | None
    active_refresh_id: int | None
    next_category_id: int


@dataclass(frozen=True)
class WorkspaceSummary:
    slug: str
    documents: int
    embedding_model: str | None
    active_refresh_id: int | None


@dataclass(frozen=True)
class WorkspaceCounts:
    documents: int
    tagged: int  # documents linked to an active filter


@dataclass(frozen=True)
class ArrivalState:
    """Documents tagged on arrival since the last refresh, how many matched poorly, and whether
    a refresh is suggested because of them."""

    arrivals: int
    poorly_matched: int
    refresh_suggested: bool


@dataclass(frozen=True)
class StoredDocument:
    id: int
    external_id: str
    title: str


@dataclass(frozen=True)
class PendingText:
    """A distinct text of a workspace that has no vector yet, cut for the embedder."""

    content_hash: str
    title: str
    body: str
    external_id: str  # one document carrying it, to name it in errors


@dataclass(frozen=True)
class DocumentText:
    """A stored document's title and the head of its body, as a refresh reads them to describe
    and name filters."""

    title: str
    body: str


@dataclass(frozen=True)
class ReadFailure:
    """An input that could not be read or stored: where (path, path:line, or id) and why."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{one_line(self.source)}: {one_line(self.reason)}"


# Characters that would break a report line or make it lie about what it names: C0/C1 controls
# (a newline in a file name), bidi controls ("invoice \u202egpj.exe" shows as "invoice exe.jpg").
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """text with every character that could break or disguise a line of output escaped
    (a newline shows as \\n, a right-to-left override as \\u202e)."""
    return _UNPRINTABLE.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True)
class ApiKey:
    id: int
    workspace: str | None  # None for an admin key
    is_admin: bool

    def may_use(self, workspace: str) -> bool:
        return self.is_admin or self.workspace == workspace


@dataclass(frozen=True)
class ApiKeyInfo:
    """A key as `keys list` shows it: never its token, only the head of the token's hash."""

    id: int
    workspace: str | None
    is_admin: bool
    created_at: datetime
    fingerprint: str


@dataclass(frozen=True)
class SourceDocument:
    """A document as read from a file or a table row, before it is stored."""

    external_id: str
    title: str
    body: str
    source: str


@dataclass(frozen=True)
class Filter:
    """An active category as readers see it."""

    category_id: int
    parent_category_id: int | None
    name: str
    description: str
    keywords: tuple[str, ...]
    size: int
    documents: int  # the documents it tags, first or second choice
    named_by: str
    first_documents: int  # of those, the documents whose first choice it is

    @property
    def second_documents(self) -> int:
        return self.documents - self.first_documents


@dataclass(frozen=True)
class FilterDocument:
    document_id: int
    external_id: str
    title: str
    score: float
    rank: int


@dataclass(frozen=True)
class DocumentTag:
    category_id: int
    parent_category_id: int | None
    name: str
    score: float
    rank: int
