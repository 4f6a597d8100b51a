"""The web page at `/`: the page, its static files (its own scripts and style, nothing from a CDN)
and the HTML fragments its scripts fetch with the key they keep: the filter sidebar, a filter's or
the untagged documents, search results, a document and why it is in its filters, the last
refresh's changes, and the map's points as JSON. Fragments are rendered here
from templates/ (Jinja2, escaped); each is read through the workspace's runner, so a key sees
only its own workspace, exactly as through the JSON API."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Annotated

import jinja2
from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse

from drive_tagger.api.deps import BatcherDep, WorkspaceRun
from drive_tagger.api.models import MAX_INTEGER
from drive_tagger.core.inputs import id_problem
from drive_tagger.errors import UnknownDocument
from drive_tagger.services import atlas, browse, explain
from drive_tagger.services.query import list_filters

router = APIRouter(include_in_schema=False)
fragments = APIRouter(prefix="/ui/workspaces/{workspace}", include_in_schema=False)

PAGE_SIZE = 25
STATIC = Path(__file__).parent / "static"
SCRIPT, STYLE = "text/javascript; charset=utf-8", "text/css; charset=utf-8"
OWN_STATIC = {
    "server.js": SCRIPT,
    "address.js": SCRIPT,
    "keyboard.js": SCRIPT,
    "jobs.js": SCRIPT,
    "corrections.js": SCRIPT,
    "map.js": SCRIPT,
    "app.js": SCRIPT,
    "app.css": STYLE,
}
# Static files are named with a digest of their contents, so a browser may keep them for good.
FOREVER = "public, max-age=31536000, immutable"
# Only this server's own files (no eval, no inline script). Forms post only here, no <base> may
# move where relative addresses point, and no other site may frame the page.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
CategoryId = Annotated[int, PathParam(ge=0, le=MAX_INTEGER)]
Offset = Annotated[int, Query(ge=0, le=MAX_INTEGER)]


def _static_path(name: str) -> Path:
    if name in OWN_STATIC:
        return STATIC / name
    raise HTTPException(404, f"no static file {name!r}")


@functools.cache
def _digest(name: str) -> str:
    return hashlib.sha256(_static_path(name).read_bytes()).hexdigest()[:12]


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


@functools.cache
def _templates() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("drive_tagger.api", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["score"] = _score
    environment.globals["static"] = lambda name: f"/ui/static/{name}?v={_digest(name)}"
    return environment


def _html(template: str, **context) -> HTMLResponse:
    return HTMLResponse(_templates().get_template(template).render(**context))


@router.get("/")
@router.get("/w/{workspace}")
@router.get("/w/{workspace}/{view:path}")
async def page() -> HTMLResponse:
    """The page; it asks for a key once, keeps it in the browser, and fetches the rest with it.
    Under /w/ it is the same page, which shows the view its address names (static/address.js)."""
    response = _html("page.html", page_size=PAGE_SIZE)
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Cache-Control"] = "no-cache"
    return response


@router.get("/ui/static/{name}")
async def static_file(name: str) -> FileResponse:
    """The page's scripts and style."""
    return FileResponse(_static_path(name), media_type=OWN_STATIC[name], headers={"Cache-Control": FOREVER})


@fragments.get("/sidebar")
async def sidebar(workspace: str, run: WorkspaceRun) -> HTMLResponse:
    """Top-level filters with their sub-filters and document counts, and the untagged count."""
    found = await run(lambda db: browse.overview(db.browse, workspace))
    return _html("sidebar.html", overview=found)


@fragments.get("/filters/{category_id}")
async def filter_documents(
    workspace: str, category_id: CategoryId, run: WorkspaceRun, offset: Offset = 0
) -> HTMLResponse:
    """A page of a filter's documents (first tags first, each best first), with score, title and snippet."""
    chosen, found = await run(
        lambda db: browse.filter_page(db.browse, workspace, category_id, limit=PAGE_SIZE, offset=offset)
    )
    return _html("documents.html", kind="filter", filter=chosen, page=found, rows=found.rows)


@fragments.get("/untagged")
async def untagged_documents(workspace: str, run: WorkspaceRun, offset: Offset = 0) -> HTMLResponse:
    """A page of the documents no filter holds."""
    found = await run(lambda db: browse.untagged_page(db.browse, workspace, limit=PAGE_SIZE, offset=offset))
    return _html("documents.html", kind="untagged", filter=None, page=found, rows=found.rows)


@fragments.get("/search")
async def search(
    workspace: str,
    request: Request,
    run: WorkspaceRun,
    batcher: BatcherDep,
    q: str,  # browse.clean_query says why a text cannot be searched for
    filter: Annotated[int | None, Query(ge=0, le=MAX_INTEGER)] = None,
) -> HTMLResponse:
    """The nearest documents to the text by meaning (the workspace's embedder, match_documents),
    in the workspace or in one filter."""
    found = await run(lambda db: db.browse.workspace(workspace))  # the key is checked before the model works
    text = browse.clean_query(q)
    vector = await batcher.embed(text)  # shares model calls with concurrent /embed requests
    browse.check_query_model(found, request.app.state.embedder().model_id)
    within, rows = await run(lambda db: browse.search(db.browse, workspace, vector, category_id=filter))
    floor = request.app.state.settings.search_floor
    close, far = browse.split_close(rows, floor)
    return _html(
        "documents.html",
        kind="search",
        query=text,
        within=within,
        filter=None,
        page=None,
        rows=close,
        far=far,
        floor=floor,
    )


@fragments.get("/document")
async def document(workspace: str, run: WorkspaceRun, document_id: Annotated[str, Query(alias="id")]) -> HTMLResponse:
    """A document: its filters, the keywords it shares with each and its nearest neighbours
    there, and the filters it can be moved to. The id travels in the query, never in the path,
    where a browser would resolve an id such as `..` or `a/../../filters` to another route."""
    if id_problem(document_id):
        raise UnknownDocument(f"no document with that id in workspace {workspace!r}: {id_problem(document_id)}")

    def read(db):
        return explain.explain_document(db.browse, workspace, document_id), list_filters(db.browse, workspace)

    found, filters = await run(read)
    return _html("document.html", doc=found, filters=filters, shown_chars=explain.SHOWN_TEXT_CHARS)


@fragments.get("/changes")
async def changes(workspace: str, run: WorkspaceRun) -> HTMLResponse:
    """What the last refresh changed: new, renamed, merged, split and gone filters, corrections."""
    found = await run(lambda db: explain.last_refresh_changes(db.browse, workspace))
    return _html("changes.html", changes=found)


@fragments.get("/map")
async def cluster_map(workspace: str, run: WorkspaceRun) -> Response:
    """The map the active refresh laid out, with today's filters and names (services/atlas.py),
    as compact JSON for static/map.js to draw on a canvas."""
    found = await run(lambda db: atlas.map_view(db.documents, db.refreshes, workspace))
    return Response(json.dumps(found, separators=(",", ":")), media_type="application/json")
