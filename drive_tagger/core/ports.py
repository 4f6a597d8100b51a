"""The seams services depend on: typed protocols for stores and embedders, split by what each
service needs (workspaces, documents and vectors, refreshes and filters, access, jobs)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from drive_tagger.core.types import (
    ApiKey,
    ApiKeyInfo,
    ArrivalState,
    Assignments,
    Category,
    DocumentTag,
    DocumentText,
    Filter,
    FilterDocument,
    PendingText,
    PreviousGeneration,
    SourceDocument,
    StoredDocument,
    Task,
    Workspace,
    WorkspaceCounts,
    WorkspaceSummary,
)

if TYPE_CHECKING:
    import numpy as np

    from drive_tagger.core.changes import GenerationFilter, RefreshChanges, RefreshRun
    from drive_tagger.core.corrections import Correction, Kind
    from drive_tagger.core.rows import (
        CorrectionRow,
        DocumentFilter,
        JobRow,
        ListedDocument,
        MapLayout,
        MapMembers,
        Neighbour,
        StoredText,
    )


class Embedder(Protocol):
    """Turns texts into L2-normalized float32 rows; `model_id` is stored with the vectors."""

    model_id: str

    @property
    def max_chars(self) -> int:
        """Characters of a document worth sending; the rest is cut before tokenizing."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_first_windows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(each text's first window's vector, its number of windows)."""
        ...

    def embed_further_windows(self, texts: Sequence[str], first_vectors: np.ndarray) -> np.ndarray:
        """Whole vectors, from the first windows' vectors and the further windows embedded now."""
        ...


class WorkspaceStore(Protocol):
    """Every store reaches workspaces; a write spanning several calls runs in `transaction()`."""

    def transaction(self) -> AbstractContextManager: ...

    def workspace(self, slug: str) -> Workspace: ...

    def ensure_workspace(self, slug: str, model: str | None = None) -> Workspace: ...

    def create_workspace(self, slug: str, model: str | None = None) -> bool: ...

    def filters_model(self, workspace_id: int) -> str | None: ...

    def list_workspaces(self) -> list[WorkspaceSummary]: ...

    def delete_workspace(self, workspace_id: int, *, keep_vectors: bool = False) -> None: ...

    def find_document(self, workspace_id: int, external_id: str) -> StoredDocument | None: ...

    def workspace_counts(self, workspace_id: int) -> WorkspaceCounts: ...

    def document_ids(self, workspace_id: int, external_ids: list[str]) -> dict[str, int]: ...


class DocumentStore(WorkspaceStore, Protocol):
    """Documents and their content-addressed vectors."""

    def upsert_documents(self, workspace_id: int, docs: Sequence[SourceDocument]) -> tuple[list[int], list[int]]: ...

    def stage_documents(self, docs: Sequence[SourceDocument]) -> None: ...

    def upsert_staged(self, workspace_id: int) -> tuple[list[int], list[int]]: ...

    def embedding_lock(self, workspace_id: int) -> AbstractContextManager[bool]: ...

    def sync_watermark(self, workspace_id: int, source: str) -> datetime | None: ...

    def save_sync_state(
        self, workspace_id: int, source: str, watermark: datetime, *, rows_read: int, rows_deleted: int
    ) -> None: ...

    def synced_document_ids(self, workspace_id: int, source: str) -> list[str]: ...

    def synced_workspaces(self, source: str) -> list[str]: ...

    def delete_documents(self, workspace_id: int, external_ids: Sequence[str]) -> list[str]: ...

    def documents_from_sources(self, workspace_id: int, prefix: str) -> list[tuple[str, str]]: ...

    def record_embed_errors(self, workspace_id: int, hashes: Sequence[str], error: str) -> None: ...

    def claim_workspace_model(self, workspace_id: int, model: str) -> None: ...

    def set_workspace_model(self, workspace_id: int, model: str) -> None: ...

    def hashes_missing_vectors(self, workspace_id: int, model: str) -> list[str]: ...

    def texts_by_hash(self, workspace_id: int, hashes: Sequence[str], max_chars: int) -> list[PendingText]: ...

    def external_ids_by_hash(self, workspace_id: int, hashes: Sequence[str]) -> list[str]: ...

    def store_vectors(
        self, model: str, hashes: Sequence[str], vectors: np.ndarray, *, first_windows_only: Sequence[str] = ()
    ) -> None: ...

    def hashes_with_further_windows(self, workspace_id: int, model: str) -> list[str]: ...

    def vectors_by_hash(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]: ...

    def complete_vectors(self, model: str, hashes: Sequence[str], vectors: np.ndarray) -> None: ...

    def ensure_model_index(self, model: str) -> str | None: ...

    def count_documents_missing_vectors(self, workspace_id: int, model: str) -> int: ...

    def workspace_vectors(self, workspace_id: int, model: str) -> tuple[np.ndarray, np.ndarray]: ...

    def document_vectors(self, document_ids: Sequence[int], model: str) -> tuple[np.ndarray, np.ndarray]: ...

    def document_texts(self, document_ids: np.ndarray, max_chars: int) -> list[DocumentText]: ...

    # Forms (core/forms.py) are read at ingest; documents stored before that are read by a refresh.
    def documents_without_form(self, workspace_id: int, limit: int) -> list[tuple[int, str]]: ...

    def store_forms(self, document_ids: Sequence[int], forms: Sequence[str | None]) -> None: ...

    def workspace_forms(self, workspace_id: int) -> dict[int, str]: ...

    def forms_of(self, document_ids: Sequence[int]) -> list[str | None]: ...


class RunStore(WorkspaceStore, Protocol):
    """Refresh runs: one at a time per workspace, recorded, and committed with the filters they make active."""

    def refresh_lock(self, workspace_id: int) -> AbstractContextManager[bool]: ...

    def mark_abandoned_runs(self, workspace_id: int) -> int: ...

    def running_refresh(self, workspace_id: int) -> RefreshRun | None: ...

    def start_refresh_run(self, workspace_id: int, parameters: dict) -> int: ...

    def fail_refresh_run(self, refresh_id: int, error: str) -> None: ...

    def refresh_runs(self, workspace_id: int, limit: int = 20) -> list[RefreshRun]: ...

    def commit_refresh(
        self,
        workspace: Workspace,
        refresh_id: int,
        categories: Sequence[Category],
        assignments: Assignments,
        document_ids: np.ndarray,
        *,
        untagged: int,
        seconds: dict[str, float],
        next_category_id: int | None = None,
        changes: RefreshChanges | None = None,
        layout: np.ndarray | None = None,
        leaves: np.ndarray | None = None,
    ) -> None: ...


class FilterReader(WorkspaceStore, Protocol):
    """The active filters and the one refresh kept before them: filters, pages, tags, members."""

    def active_categories(self, workspace_id: int) -> list[Category]: ...

    def matching_categories(self, workspace: Workspace) -> list[Category]: ...

    def previous_generation(self, workspace_id: int) -> PreviousGeneration | None: ...

    def filters(self, workspace_id: int) -> list[Filter]: ...

    def filters_by_slug(self, slug: str) -> list[Filter]: ...

    def filter_page_by_slug(self, slug: str, category_id: int, limit: int, offset: int) -> list[FilterDocument]: ...

    def filter_documents(
        self, workspace_id: int, category_id: int, limit: int, offset: int
    ) -> list[FilterDocument]: ...

    def document_tags(self, workspace_id: int, document_id: int) -> list[DocumentTag]: ...

    def document_tags_by_slug(self, slug: str, external_id: str) -> tuple[str, list[DocumentTag]] | None: ...

    def primary_top_level_tags(self, workspace_id: int) -> dict[str, int | None]: ...

    def primary_leaf_tags(self, workspace_id: int) -> dict[str, int | None]: ...

    def document_filters(self, workspace_id: int) -> list[DocumentFilter]: ...

    def active_map(self, workspace_id: int) -> MapLayout | None: ...

    def map_members(self, workspace_id: int) -> MapMembers: ...

    def previous_refresh_id(self, workspace_id: int) -> int | None: ...

    def generation_categories(self, workspace_id: int, refresh_id: int) -> list[GenerationFilter]: ...


class ArrivalStore(WorkspaceStore, Protocol):
    """Documents that arrive between refreshes, linked to the active filters."""

    def placed_documents(self, workspace_id: int, document_ids: Sequence[int]) -> set[int]: ...

    def link_arrivals(
        self,
        workspace: Workspace,
        assignments: Assignments,
        document_ids: np.ndarray,
        *,
        poorly_matched: int,
        min_arrivals: int,
        suggest_share: float,
    ) -> ArrivalState | None: ...

    def arrival_state(self, workspace_id: int) -> ArrivalState: ...


class CorrectionStore(WorkspaceStore, Protocol):
    """What people decide: corrections (recorded, listed, undone) and pinned names."""

    def record_correction(
        self,
        workspace_id: int,
        kind: Kind,
        category_id: int | None,
        document_ids: Sequence[int],
        *,
        other: int | None = None,
        name: str | None = None,
    ) -> int: ...

    def corrections(self, workspace_id: int) -> tuple[Correction, ...]: ...

    def correction_listing(self, workspace_id: int, shown: int) -> list[CorrectionRow]: ...

    def undo_correction(self, workspace_id: int, correction_id: int) -> Kind: ...

    def pin_category_name(self, workspace_id: int, category_id: int, name: str) -> bool: ...

    def unpin_category_name(self, workspace_id: int, category_id: int) -> None: ...


class RefreshStore(RunStore, FilterReader, ArrivalStore, CorrectionStore, Protocol):
    """Everything a refresh reads and writes; a service that needs less takes one of the parts."""


class AccessStore(WorkspaceStore, Protocol):
    """API keys, stored as hashes."""

    def insert_api_key(self, token_hash: str, workspace_id: int | None, is_admin: bool) -> int: ...

    def find_api_key(self, token_hash: str) -> ApiKey | None: ...

    def list_api_keys(self) -> list[ApiKeyInfo]: ...

    def delete_api_key(self, key_id: int) -> bool: ...


class JobStore(WorkspaceStore, Protocol):
    """The job queue as services see it: queue a task for a workspace, read jobs, errors and progress."""

    def defer(self, task: Task, workspace: str) -> tuple[int, bool]: ...

    def waiting_job(self, task: Task, workspace: str) -> int | None: ...

    def record_job_error(self, job_id: int, attempt: int, error: str) -> None: ...

    def record_job_progress(
        self, job_id: int, stage: str, done: int | None = None, total: int | None = None
    ) -> None: ...

    def jobs(
        self, *, workspace: str | None = None, job_id: int | None = None, status: str | None = None, limit: int = 20
    ) -> list[JobRow]: ...


class BrowseStore(RefreshStore, Protocol):
    """What the web page reads besides the filters: pages of documents with the head of their
    text (rows of external_id, title, snippet, score), untagged documents, the documents nearest
    a query vector, a document's neighbours in a filter, and what the active refresh changed."""

    def document_count(self, workspace_id: int) -> int: ...

    def active_filter(self, workspace_id: int, category_id: int) -> Filter | None: ...

    def filter_page(
        self, workspace_id: int, category_id: int, limit: int, offset: int, snippet_chars: int
    ) -> list[ListedDocument]: ...

    def untagged_count(self, workspace_id: int) -> int: ...

    def untagged_page(self, workspace_id: int, limit: int, offset: int, snippet_chars: int) -> list[ListedDocument]: ...

    def nearest_documents(
        self, workspace_slug: str, query: np.ndarray, category_id: int | None, limit: int, snippet_chars: int
    ) -> list[ListedDocument]: ...

    def document_text(self, workspace_id: int, external_id: str, max_chars: int) -> StoredText | None: ...

    def filter_neighbours(
        self, workspace_id: int, document_id: int, category_id: int, limit: int
    ) -> list[Neighbour]: ...

    def active_refresh_run(self, workspace_id: int) -> RefreshRun | None: ...

    def generation_names(self, workspace_id: int, refresh_id: int) -> list[GenerationFilter]: ...
