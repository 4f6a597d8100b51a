"""The API's routes: /embed, the key's workspaces, and under /v1/workspaces/{workspace} documents,
refresh jobs, filters, a filter's documents, a document's tags and renaming a filter. Each route states its
database work as one function of the stores, run by the request's runner (deps.py)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request, Response, status

from drive_tagger.api.deps import AdminRun, BatcherDep, CallerRun, SettingsDep, WorkspaceRun
from drive_tagger.api.models import (
    DocumentIdPath,
    DocumentsAccepted,
    DocumentsIn,
    DocumentTagsOut,
    EmbedRequest,
    EmbedResponse,
    FilterIdPath,
    FilterOut,
    FilterPage,
    FilterRename,
    FiltersOut,
    JobIdPath,
    JobOut,
    JobQueued,
    JobsOut,
    PageLimit,
    PageOffset,
    UntaggedDocumentOut,
    UntaggedPage,
    WorkspaceCreate,
    WorkspaceCreated,
    WorkspaceOut,
    WorkspacesOut,
)
from drive_tagger.api.read_cache import ARRIVALS, DOCUMENTS
from drive_tagger.core.inputs import MAX_BODY_CHARS, clean_text, id_problem
from drive_tagger.core.types import Filter, JobStatus, SourceDocument, Task, check_workspace_slug
from drive_tagger.errors import InvalidInput, UnknownDocument
from drive_tagger.services import background, browse, query, workspaces
from drive_tagger.services.keys import usable_workspaces
from drive_tagger.services.pins import rename_filter

router = APIRouter()
# The model an /embed vector is of: compare it only with vectors of that same model.
MODEL_HEADER = "X-Embedding-Model"
workspace_router = APIRouter(prefix="/v1/workspaces/{workspace}", tags=["workspace"])


# A flat dataclass becomes a model from its vars(): asdict() deep-copies every field, and it was
# a fifth of a filter page's time.
def _filter_out(f: Filter) -> FilterOut:
    return FilterOut(**{**vars(f), "keywords": list(f.keywords), "second_documents": f.second_documents})


@router.post("/embed", tags=["embed"])
@router.post("/functions/v1/embed", tags=["embed"], summary="Embed (at the path of a Supabase Edge Function)")
async def embed(
    body: EmbedRequest, batcher: BatcherDep, run: CallerRun, request: Request, response: Response
) -> EmbedResponse:
    """Embed one text with the configured model (mean-pooled, normalized); also served where a
    Supabase Edge Function named `embed` would be, so `supabase.functions.invoke("embed")` works.
    The answer names its model (the `model` field and the X-Embedding-Model header)."""
    await run(lambda db: None, changes=())  # the key is checked; nothing is written
    text = clean_text(body.input)[:MAX_BODY_CHARS]
    # Requests that arrive while a model call runs share the next one (api/batcher.py).
    vector = await batcher.embed(text)
    model = request.app.state.embedder().model_id  # built by now: the batcher embedded with it
    response.headers[MODEL_HEADER] = model
    return EmbedResponse(embedding=vector.tolist(), model=model)


@router.get("/v1/workspaces", tags=["workspaces"])
async def list_workspaces(run: CallerRun) -> WorkspacesOut:
    """The workspaces the key may use: its own, or every one for an admin key."""
    slugs = await run.with_key(lambda db, key: usable_workspaces(db.access, key))
    return WorkspacesOut(workspaces=[WorkspaceOut(workspace=slug) for slug in slugs])


@router.post("/v1/workspaces", status_code=status.HTTP_201_CREATED, tags=["workspaces"])
async def create_workspace(body: WorkspaceCreate, run: AdminRun, settings: SettingsDep) -> WorkspaceCreated:
    """Create a workspace (admin key only) that embeds with `model`, default the server's
    DRIVE_TAGGER_EMBEDDER; creating an existing one changes nothing (its model included)."""
    from drive_tagger.wiring import configured_model_id, embedder_for_spec

    slug = check_workspace_slug(body.workspace)
    if body.model is None:
        model = configured_model_id(settings)
    else:
        await run(lambda db: None)  # the key is checked before a model is built
        model = (await anyio.to_thread.run_sync(embedder_for_spec, settings, clean_text(body.model))).model_id

    asked = clean_text(body.model) if body.model is not None else None
    made = await run(lambda db: workspaces.create_workspace(db.access, slug, model, asked=asked))
    return WorkspaceCreated(workspace=made.workspace, created=made.created, model=made.model)


@workspace_router.post("/documents", status_code=status.HTTP_202_ACCEPTED)
async def put_documents(
    workspace: str, body: DocumentsIn, run: WorkspaceRun, settings: SettingsDep
) -> DocumentsAccepted:
    """Add or update documents, all of them or none; their embedding (then a refresh) is queued."""
    docs = [SourceDocument(d.id, d.title, d.text, f"document {d.id!r}") for d in body.documents]
    report, job_id = await run(
        lambda db: background.submit_documents(
            db.documents, db.jobs, workspace, docs, batch_size=settings.ingest_batch_size
        ),
        changes=(DOCUMENTS, ARRIVALS),  # stored, not tagged yet: the filter list stays as it is
    )
    return DocumentsAccepted(
        read=report.read, inserted=report.inserted, changed=report.changed, cut=report.cut, job_id=job_id
    )


@workspace_router.post("/refresh", status_code=status.HTTP_202_ACCEPTED)
async def queue_refresh(workspace: str, run: WorkspaceRun) -> JobQueued:
    """Queue a refresh of the workspace's filters (one waiting refresh is reused)."""
    job_id, queued = await run(lambda db: background.request_refresh(db.jobs, workspace), changes=())
    return JobQueued(job_id=job_id, queued=queued)


@workspace_router.post("/sync", status_code=status.HTTP_202_ACCEPTED)
async def queue_sync(workspace: str, run: WorkspaceRun, settings: SettingsDep) -> JobQueued:
    """Queue a sync of the workspace with the app's own documents table (DRIVE_TAGGER_SYNC_TABLE)."""

    def queue(db) -> tuple[int, bool]:  # after the key check, as every route's work
        if not settings.sync_table:
            raise InvalidInput("no source table to sync: the server has no DRIVE_TAGGER_SYNC_TABLE")
        return db.jobs.defer(Task.SYNC, workspace)

    job_id, queued = await run(queue, changes=())  # a job queued: nothing read here changes yet
    return JobQueued(job_id=job_id, queued=queued)


@workspace_router.get("/jobs")
async def list_jobs(
    workspace: str,
    run: WorkspaceRun,
    status: Annotated[JobStatus | None, Query(description="Only jobs with this status.")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="The latest jobs at most.")] = 20,
) -> JobsOut:
    """The workspace's latest jobs, newest first, each with its status and, while it runs, its
    stage and counts (what `drive-tagger jobs` lists)."""
    state = None if status is None else status.value
    found = await run(lambda db: db.jobs.jobs(workspace=workspace, status=state, limit=limit))
    return JobsOut(jobs=[JobOut(**asdict(job)) for job in found])


@workspace_router.get("/jobs/{job_id}")
async def get_job(workspace: str, job_id: JobIdPath, run: WorkspaceRun) -> JobOut:
    """Status of one of the workspace's jobs, with its last error."""
    return JobOut(**asdict(await run(lambda db: background.job_status(db.jobs, workspace, job_id))))


@workspace_router.get("/filters", response_model=FiltersOut)
async def list_filters(workspace: str, run: WorkspaceRun) -> Response:
    """The workspace's filters with their document counts."""

    def render(found: list[Filter]) -> bytes:
        return FiltersOut(workspace=workspace, filters=[_filter_out(f) for f in found]).model_dump_json().encode()

    return await run.cached_read(lambda db: query.list_filters(db.refreshes, workspace), render)


@workspace_router.get("/filters/{category_id}/documents", response_model=FilterPage)
async def filter_documents(
    workspace: str,
    category_id: FilterIdPath,
    run: WorkspaceRun,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> Response:
    """One page of a filter's documents: those it is the first tag of, then its second tags, each best match first."""

    def render(found) -> bytes:
        chosen, page = found
        out = FilterPage(filter=_filter_out(chosen), limit=limit, offset=offset, documents=[vars(d) for d in page])
        return out.model_dump_json().encode()

    return await run.cached_read(
        lambda db: query.filter_documents(db.refreshes, workspace, str(category_id), limit=limit, offset=offset),
        render,
        reads=frozenset({DOCUMENTS}),  # its documents' titles
    )


@workspace_router.get("/untagged", response_model=UntaggedPage)
async def untagged_documents(
    workspace: str,
    run: WorkspaceRun,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> Response:
    """One page of the documents no filter holds, by id."""

    def render(page) -> bytes:
        documents = [UntaggedDocumentOut(external_id=r.external_id, title=r.title) for r in page.rows]
        out = UntaggedPage(untagged=page.total, limit=limit, offset=offset, documents=documents)
        return out.model_dump_json().encode()

    return await run.cached_read(
        lambda db: browse.untagged_page(db.browse, workspace, limit=limit, offset=offset),
        render,
        reads=frozenset({DOCUMENTS, ARRIVALS}),  # how many documents there are, and their titles
    )


@workspace_router.patch("/filters/{category_id}")
async def rename(workspace: str, category_id: FilterIdPath, body: FilterRename, run: WorkspaceRun) -> FilterOut:
    """Rename a filter and pin the name, or drop the pin."""
    return _filter_out(
        await run(lambda db: rename_filter(db.refreshes, workspace, str(category_id), body.name, pinned=body.pinned))
    )


@workspace_router.get("/documents/{document_id:path}")
async def document_tags(workspace: str, document_id: DocumentIdPath, run: WorkspaceRun) -> DocumentTagsOut:
    """A document's tags (its filters), best first; the id may contain slashes."""
    if id_problem(document_id):
        raise UnknownDocument(f"no document with that id in workspace {workspace!r}: {id_problem(document_id)}")
    try:
        title, tags = await run(lambda db: query.document_tags(db.refreshes, workspace, document_id))
    except UnknownDocument:
        raise UnknownDocument.among([document_id], workspace) from None  # the id cut, not echoed whole
    return DocumentTagsOut(id=document_id, title=title, tags=[vars(t) for t in tags])
