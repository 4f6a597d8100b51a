"""pandas DataFrames of a workspace for notebooks: documents on a 2-D map, filters, history, changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from drive_tagger.core.changes import GenerationFilter, RefreshChanges
from drive_tagger.core.ports import DocumentStore, RefreshStore
from drive_tagger.services.atlas import stored_layout

UNTAGGED = "untagged"

DOCUMENT_COLUMNS = ["document_id", "external_id", "title", "category_id", "filter", "score", "x", "y"]
FILTER_COLUMNS = [
    "category_id",
    "parent_category_id",
    "name",
    "size",
    "documents",
    "keywords",
    "description",
    "named_by",
]
CHANGE_COLUMNS = [
    "level",
    "category_id",
    "name",
    "size",
    "keywords",
    "previous_category_id",
    "previous_name",
    "previous_size",
    "previous_keywords",
    "shared",
    "jaccard",
    "change",
]


def documents_frame(
    documents: DocumentStore, refreshes: RefreshStore, workspace_slug: str, *, coordinates: bool = True
) -> pd.DataFrame:
    """One row per document: its best top-level filter (category_id, filter name or 'untagged'),
    the score, and x, y from the active refresh's map (services/atlas.py; NaN for a document the
    map does not hold yet)."""
    workspace = refreshes.workspace(workspace_slug)
    frame = pd.DataFrame(refreshes.document_filters(workspace.id), columns=DOCUMENT_COLUMNS[:6])
    frame["category_id"] = frame["category_id"].astype("Int64")
    frame["filter"] = frame["filter"].fillna(UNTAGGED).astype(str)
    frame["score"] = frame["score"].astype(float)
    frame["x"] = np.nan
    frame["y"] = np.nan
    stored = stored_layout(documents, refreshes, workspace_slug) if coordinates and len(frame) else None
    if stored is not None:
        xy = pd.DataFrame(stored.xy.astype(np.float64), index=stored.document_ids, columns=["x", "y"])
        frame["x"] = frame["document_id"].map(xy["x"])
        frame["y"] = frame["document_id"].map(xy["y"])
    return frame


def filters_frame(refreshes: RefreshStore, workspace_slug: str) -> pd.DataFrame:
    """The active filters, top level first, largest first: size, documents linked, keywords, name,
    named_by; a sub-filter has its top-level filter's id as parent_category_id."""
    workspace = refreshes.workspace(workspace_slug)
    filters = refreshes.filters(workspace.id)
    frame = pd.DataFrame(
        [
            [
                f.category_id,
                f.parent_category_id,
                f.name,
                f.size,
                f.documents,
                list(f.keywords),
                f.description,
                f.named_by,
            ]
            for f in filters
        ],
        columns=FILTER_COLUMNS,
    )
    frame["parent_category_id"] = frame["parent_category_id"].astype("Int64")
    return frame


def representative_documents(refreshes: RefreshStore, workspace_slug: str, *, per_filter: int = 3) -> pd.DataFrame:
    """Each filter's first per_filter documents in page order (those it is the first tag of first,
    each closest to its centroid first), filter by filter."""
    workspace = refreshes.workspace(workspace_slug)
    rows = []
    for f in refreshes.filters(workspace.id):
        for d in refreshes.filter_documents(workspace.id, f.category_id, per_filter, 0):
            rows.append([f.category_id, f.name, d.external_id, d.title, d.score])
    return pd.DataFrame(rows, columns=["category_id", "filter", "external_id", "title", "score"])


def untagged_documents(documents: DocumentStore, refreshes: RefreshStore, workspace_slug: str) -> pd.DataFrame:
    """Documents that no top-level filter holds."""
    frame = documents_frame(documents, refreshes, workspace_slug, coordinates=False)
    untagged = frame[frame["category_id"].isna()]
    return untagged[["document_id", "external_id", "title"]].reset_index(drop=True)


def refresh_history(refreshes: RefreshStore, workspace_slug: str, *, limit: int = 50) -> pd.DataFrame:
    """Refresh runs, newest first, with total seconds and which run's filters are active."""
    workspace = refreshes.workspace(workspace_slug)
    columns = ["id", "status", "started_at", "finished_at", "documents", "categories", "untagged", "seconds"]
    runs = refreshes.refresh_runs(workspace.id, limit)
    frame = pd.DataFrame([[getattr(run, c) for c in columns] for run in runs], columns=columns)
    frame["changes"] = [run.changes for run in runs]
    frame["error"] = [run.error for run in runs]
    frame["status"] = frame["status"].astype(str)
    frame["total_seconds"] = [round(sum((s or {}).values()), 3) for s in frame["seconds"]]
    frame["active"] = frame["id"] == workspace.active_refresh_id
    return frame


def filter_changes(refreshes: RefreshStore, workspace_slug: str) -> pd.DataFrame:
    """How the active filters differ from the previous refresh's, as the active refresh recorded it
    (its RefreshChanges, which the web page's "Last refresh" reads too): each filter kept (same,
    renamed, or changed: its members against the previous filter of its id), made by a split or a
    merge (beside the filter it came from that shares most of its documents), or new; then the
    previous filters that are gone. Empty when there is no previous refresh."""
    workspace = refreshes.workspace(workspace_slug)
    previous_id = refreshes.previous_refresh_id(workspace.id)
    if workspace.active_refresh_id is None or previous_id is None:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    run = next((r for r in refreshes.refresh_runs(workspace.id, 50) if r.id == workspace.active_refresh_id), None)
    changes = run.changes if run is not None else RefreshChanges()
    before = {r.category_id: r for r in refreshes.generation_categories(workspace.id, previous_id)}
    current = refreshes.generation_categories(workspace.id, workspace.active_refresh_id)
    came_from: dict[int, tuple[int, ...]] = dict(changes.merges)
    came_from |= {new: (old,) for old, made in changes.splits.items() for new in made}
    rows = []
    for now in current:
        category_id = now.category_id
        sources = came_from.get(category_id) or ((category_id,) if category_id in changes.kept else ())
        candidates = [before[i] for i in sources if i in before]
        old = max(candidates, key=lambda o: len(set(o.members) & set(now.members)), default=None)
        if category_id in came_from:
            change = "merged" if category_id in changes.merges else "split"
        else:
            change = _kept_change(old, now) if old is not None else "new"
        rows.append(_change_row(now, old, change))
    rows += [_change_row(None, before[i], "gone") for i in changes.retired if i in before and i not in changes.unmade]
    frame = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    for column in ("category_id", "size", "previous_category_id", "previous_size"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _kept_change(old: GenerationFilter, now: GenerationFilter) -> str:
    if set(old.members) != set(now.members) or old.size != now.size:
        return "changed"
    return "same" if old.name == now.name else "renamed"


def _change_row(now: GenerationFilter | None, old: GenerationFilter | None, change: str) -> list:
    either = now or old
    members = (set(now.members) if now else set(), set(old.members) if old else set())
    shared, union = len(members[0] & members[1]), len(members[0] | members[1])
    return [
        "top" if either is None or either.parent_category_id is None else "sub",
        now and now.category_id,
        now and now.name,
        now and now.size,
        now and list(now.keywords),
        old and old.category_id,
        old and old.name,
        old and old.size,
        old and list(old.keywords),
        shared,
        shared / union if union else 0.0,
        change,
    ]
