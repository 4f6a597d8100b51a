"""The rows stores read back for people: pages of documents, a document's text and neighbours,
the corrections and jobs as listed, and each document's filter; one frozen dataclass per shape,
so the ports return no raw dicts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class ListedDocument:
    """A document as a page lists it: a filter's page, the untagged page, a search's results."""

    external_id: str
    title: str
    snippet: str
    score: float | None  # similarity to the filter's centre or to the query; None untagged
    rank: int = 1  # 2: the filter is its second choice
    filter: str | None = None  # search results: the name of its first top-level filter (None: untagged)


@dataclass(frozen=True)
class StoredText:
    """A document and the head of its text."""

    id: int
    external_id: str
    title: str
    text: str


@dataclass(frozen=True)
class Neighbour:
    """A document of the same filter, and how near it is."""

    external_id: str
    title: str
    similarity: float


@dataclass(frozen=True)
class CorrectionRow:
    """A correction as people read it: what it was, when, and the first documents still there."""

    id: int
    kind: str
    category_id: int | None
    other_category_id: int | None
    name: str | None
    names: Mapping[str, str]  # filter id (as text) -> its name when the correction was made
    absorbed_pin: str | None
    created_at: datetime
    undone_at: datetime | None
    documents: int
    shown: list[str]


@dataclass(frozen=True)
class JobRow:
    """A background job: its task, workspace, status, attempts, times and last error."""

    id: int
    task_name: str
    workspace: str | None
    status: str
    attempts: int
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    stage: str | None = None  # while it runs: the stage it is in, and how many of how many
    done: int | None = None
    total: int | None = None


@dataclass(frozen=True)
class DocumentFilter:
    """A document with its best top-level filter (None: untagged)."""

    document_id: int
    external_id: str
    title: str
    category_id: int | None
    filter: str | None
    score: float | None


@dataclass(frozen=True)
class MapLayout:
    """A refresh's map: per document (internal id), its place and the leaf filter it was laid out
    with (-1: untagged), as the refresh wrote them (core/layout.py)."""

    document_ids: np.ndarray  # int64
    xy: np.ndarray  # (n, 2) float32
    leaves: np.ndarray  # int64


@dataclass(frozen=True)
class MapMembers:
    """Every document of a workspace as the map needs it: internal ids (ascending), external ids,
    and the best top-level filter of each now (-1: untagged)."""

    document_ids: np.ndarray  # int64
    external_ids: list[str]
    filters: np.ndarray  # int64
