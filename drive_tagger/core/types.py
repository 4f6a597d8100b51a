"""Domain values shared by the core, the services and the adapters (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import numpy as np


class NamedBy(str, Enum):
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

    @property
    def is_top_level(self) -> bool:
        return self.parent_category_id is None


@dataclass(frozen=True)
class PreviousGeneration:
    """The active filters before a refresh: categories and the documents they held (rank 1)."""

    categories: tuple[Category, ...]
    members: dict[int, np.ndarray]  # category id -> document ids

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
    documents: int
    named_by: str


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
