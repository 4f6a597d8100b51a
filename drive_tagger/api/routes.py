"""The API's routes: /embed, and under /v1/workspaces/{workspace} documents, refresh jobs,
filters, a filter's documents, a document's tags and renaming a filter."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, status

from drive_tagger.api.deps import (
    AccessDep,
    AdminDep,
    CallerDep,
    DocumentsDep,
    EmbedderDep,
    JobsDep,
    RefreshesDep,
    SettingsDep,
    WorkspaceDep,
)
from drive_tagger.api.models import (
    DocumentsAccepted,
    DocumentsIn,
    DocumentTagsOut,
    EmbedRequest,
    EmbedResponse,
    FilterOut,
    FilterPage,
    FilterRename,
    FiltersOut,
    JobOut,
    JobQueued,
    WorkspaceCreate,
    WorkspaceCreated,
)
from drive_tagger.core.types import Filter, SourceDocument, check_workspace_slug
from drive_tagger.errors import UnknownWorkspace
from drive_tagger.services import background, query
from drive_tagger.services.pins import rename_filter

router = APIRouter()
workspace_router = APIRouter(prefix="/v1/workspaces/{workspace}", tags=["workspace"])


def _filter_out(f: Filter) -> FilterOut:
    return FilterOut(**{**asdict(f), "keywords": list(f.keywords)})


@router.post("/embed", tags=["embed"])
def embed(body: EmbedRequest, embedder: EmbedderDep, caller: CallerDep) -> EmbedResponse:
    """Embed one text with the configured model (mean-pooled, normalized)."""
    return EmbedResponse(embedding=embedder.embed([body.input])[0].tolist())


@router.post("/v1/workspaces", status_code=status.HTTP_201_CREATED, tags=["workspaces"])
def create_workspace(body: WorkspaceCreate, access: AccessDep, admin: AdminDep) -> WorkspaceCreated:
    """Create a workspace (admin key only); creating an existing one changes nothing."""
    slug = check_workspace_slug(body.workspace)
    try:
        access.workspace(slug)
        return WorkspaceCreated(workspace=slug, created=False)
    except UnknownWorkspace:
        access.ensure_workspace(slug)
        return WorkspaceCreated(workspace=slug, created=True)


@workspace_router.post("/documents", status_code=status.HTTP_202_ACCEPTED)
def put_documents(
    body: DocumentsIn, workspace: WorkspaceDep, documents: DocumentsDep, jobs: JobsDep, settings: SettingsDep
) -> DocumentsAccepted:
    """Add or update documents; their embedding (then a refresh) is queued."""
    docs = [SourceDocument(d.id, d.title, d.text, "api") for d in body.documents]
    report, job_id = background.submit_documents(
        documents, jobs, workspace, docs, batch_size=settings.ingest_batch_size
    )
    return DocumentsAccepted(read=report.read, inserted=report.inserted, changed=report.changed, job_id=job_id)


@workspace_router.post("/refresh", status_code=status.HTTP_202_ACCEPTED)
def queue_refresh(workspace: WorkspaceDep, jobs: JobsDep) -> JobQueued:
    """Queue a refresh of the workspace's filters (one waiting refresh is reused)."""
    job_id, queued = background.request_refresh(jobs, workspace)
    return JobQueued(job_id=job_id, queued=queued)


@workspace_router.get("/jobs/{job_id}")
def get_job(job_id: int, workspace: WorkspaceDep, jobs: JobsDep) -> JobOut:
    """Status of one of the workspace's jobs, with its last error."""
    return JobOut(**background.job_status(jobs, workspace, job_id))


@workspace_router.get("/filters")
def list_filters(workspace: WorkspaceDep, refreshes: RefreshesDep) -> FiltersOut:
    """The workspace's filters with their document counts."""
    return FiltersOut(workspace=workspace, filters=[_filter_out(f) for f in query.list_filters(refreshes, workspace)])


@workspace_router.get("/filters/{category_id}/documents")
def filter_documents(
    category_id: int,
    workspace: WorkspaceDep,
    refreshes: RefreshesDep,
    limit: Annotated[int, Query(ge=1, le=query.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> FilterPage:
    """One page of a filter's documents, best match first."""
    chosen, page = query.filter_documents(refreshes, workspace, str(category_id), limit=limit, offset=offset)
    return FilterPage(filter=_filter_out(chosen), limit=limit, offset=offset, documents=[asdict(d) for d in page])


@workspace_router.patch("/filters/{category_id}")
def rename(category_id: int, body: FilterRename, workspace: WorkspaceDep, refreshes: RefreshesDep) -> FilterOut:
    """Rename a filter and pin the name, or drop the pin."""
    return _filter_out(rename_filter(refreshes, workspace, category_id, body.name, pinned=body.pinned))


@workspace_router.get("/documents/{document_id:path}")
def document_tags(document_id: str, workspace: WorkspaceDep, refreshes: RefreshesDep) -> DocumentTagsOut:
    """A document's tags (its filters), best first; the id may contain slashes."""
    title, tags = query.document_tags(refreshes, workspace, document_id)
    return DocumentTagsOut(id=document_id, title=title, tags=[asdict(t) for t in tags])
