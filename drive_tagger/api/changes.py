"""Routes for what a person changes: deleting a document, moving documents, merging and
splitting filters, making a filter from picked documents, and the corrections kept (listed, and
one undone)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from fastapi import APIRouter, status

from drive_tagger.adapters.postgres.database import Database
from drive_tagger.api.deps import WorkspaceRun
from drive_tagger.api.models import (
    CorrectionIdPath,
    CorrectionMade,
    DocumentIdPath,
    DocumentsDeleted,
    FilterCreate,
    FilterIdPath,
    MergeIn,
    MoveIn,
)
from drive_tagger.core.inputs import id_problem
from drive_tagger.errors import UnknownDocument
from drive_tagger.services import background, corrections
from drive_tagger.services.deletion import delete_documents

router = APIRouter(prefix="/v1/workspaces/{workspace}", tags=["corrections"])


@router.delete("/documents/{document_id:path}")
async def delete_document(workspace: str, document_id: DocumentIdPath, run: WorkspaceRun) -> DocumentsDeleted:
    """Delete a document: it leaves every filter at once, and its vector once no document uses it."""
    if id_problem(document_id):
        raise UnknownDocument(f"no document with that id in workspace {workspace!r}: {id_problem(document_id)}")
    report = await run(lambda db: delete_documents(db.documents, workspace, [document_id]))
    if report.unknown:
        raise UnknownDocument.among(report.unknown, workspace)
    return DocumentsDeleted(deleted=report.deleted)


@router.post("/moves")
async def move(workspace: str, body: MoveIn, run: WorkspaceRun) -> CorrectionMade:
    """Place documents in a filter (or out of every filter): it shows at once and refreshes keep it."""
    target = None if body.filter is None else str(body.filter)

    def move_them(db: Database) -> int:
        with _unknown_counted(db, workspace, body.documents):
            return corrections.move_documents(db.refreshes, workspace, body.documents, target)

    return CorrectionMade(correction=await run(move_them), job_id=None)


@router.post("/merges", status_code=status.HTTP_202_ACCEPTED)
async def merge(workspace: str, body: MergeIn, run: WorkspaceRun) -> CorrectionMade:
    """Make two filters one (the first keeps its id and name); a queued refresh applies it."""
    return await run(
        lambda db: _then_refresh(
            db,
            workspace,
            corrections.merge_filters(db.refreshes, workspace, str(body.keep), str(body.absorb)).correction,
        )
    )


@router.post("/filters/{category_id}/split", status_code=status.HTTP_202_ACCEPTED)
async def split(workspace: str, category_id: FilterIdPath, run: WorkspaceRun) -> CorrectionMade:
    """Make each sub-filter of a filter a filter of its own; a queued refresh applies it."""
    return await run(
        lambda db: _then_refresh(db, workspace, corrections.split_filter(db.refreshes, workspace, str(category_id)))
    )


@router.post("/filters", status_code=status.HTTP_202_ACCEPTED)
async def create_filter(workspace: str, body: FilterCreate, run: WorkspaceRun) -> CorrectionMade:
    """Make a filter from documents you pick; documents like them join it (a queued refresh applies it)."""

    def create(db: Database) -> CorrectionMade:
        with _unknown_counted(db, workspace, body.documents):
            correction = corrections.create_filter(db.refreshes, workspace, body.name, body.documents)
        return _then_refresh(db, workspace, correction)

    return await run(create)


@router.get("/corrections")
async def list_corrections(workspace: str, run: WorkspaceRun) -> list[dict]:
    """What people decided in the workspace, oldest first: filters by name, date, documents."""
    found = await run(lambda db: corrections.list_corrections(db.refreshes, workspace))
    return [c.as_dict() for c in found]


@router.post("/corrections/{correction_id}/undo")
async def undo_correction(workspace: str, correction_id: CorrectionIdPath, run: WorkspaceRun) -> CorrectionMade:
    """Undo a correction: a move at once; anything else at the refresh this queues."""

    def undo(db: Database) -> CorrectionMade:
        undone = corrections.undo_correction(db.refreshes, workspace, correction_id)
        if undone.kind == "move":
            return CorrectionMade(correction=undone.id, job_id=None)
        return _then_refresh(db, workspace, undone.id)

    return await run(undo)


@contextmanager
def _unknown_counted(db: Database, workspace: str, external_ids: Sequence[str]) -> Iterator[None]:
    """Unknown documents among the ids are reported by how many they are and the first of them,
    never by the ids whole (a body may name 1,000 ids of a kilobyte each)."""
    try:
        yield
    except UnknownDocument:
        found = db.refreshes.document_ids(db.refreshes.workspace(workspace).id, list(external_ids))
        raise UnknownDocument.among([i for i in external_ids if i not in found], workspace) from None


def _then_refresh(db, workspace: str, correction: int) -> CorrectionMade:
    job_id, _ = background.request_refresh(db.jobs, workspace)
    return CorrectionMade(correction=correction, job_id=job_id)
