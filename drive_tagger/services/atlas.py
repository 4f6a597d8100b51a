"""A workspace's map as the page, the notebooks and `drive-tagger map` draw it: the layout its
active refresh stored (core/layout.py) with each document's filter and the filters' names as they
are now, so a rename or a move shows on the map at once. A refresh made before maps were stored
is laid out the same way when it is first drawn."""

from __future__ import annotations

import numpy as np

from drive_tagger.core.layout import map_layout
from drive_tagger.core.ports import DocumentStore, RefreshStore
from drive_tagger.core.projection import label_positions
from drive_tagger.core.rows import MapLayout
from drive_tagger.services.query import list_filters

COORDINATE_DIGITS = 2  # the page draws at most a few thousand pixels wide


def stored_layout(documents: DocumentStore, refreshes: RefreshStore, workspace_slug: str) -> MapLayout | None:
    """The active refresh's map, or None when the workspace has no vectors or no filters yet."""
    workspace = refreshes.workspace(workspace_slug)
    stored = refreshes.active_map(workspace.id)
    if stored is not None or workspace.embedding_model is None or workspace.active_refresh_id is None:
        return stored
    ids, vectors = documents.workspace_vectors(workspace.id, workspace.embedding_model)
    if not len(ids):
        return None
    leaf_of = refreshes.primary_leaf_tags(workspace.id)
    external = {row.document_id: row.external_id for row in refreshes.document_filters(workspace.id)}
    leaves = np.array([leaf_of.get(external.get(int(i), ""), None) or -1 for i in ids], dtype=np.int64)
    return MapLayout(np.asarray(ids, dtype=np.int64), map_layout(vectors, leaves), leaves)


def map_view(documents: DocumentStore, refreshes: RefreshStore, workspace_slug: str) -> dict:
    """What the page's map draws, as JSON: the filters (current names, parent, documents, where
    to label them) and the points (x, y, top-level filter id or -1, leaf filter id or -1,
    external id), and how many documents arrived since the layout was made."""
    workspace = refreshes.workspace(workspace_slug)
    filters = list_filters(refreshes, workspace_slug)
    rows = refreshes.document_filters(workspace.id)
    stored = stored_layout(documents, refreshes, workspace_slug)
    if stored is None:
        return {"filters": [], "points": _points([], [], [], [], []), "not_on_map": len(rows)}
    place = {int(i): n for n, i in enumerate(stored.document_ids.tolist())}
    parent = {f.category_id: f.parent_category_id for f in filters}
    on_map = [r for r in rows if r.document_id in place]
    at = np.array([place[r.document_id] for r in on_map], dtype=np.int64)
    xy = stored.xy[at] if len(at) else np.zeros((0, 2), np.float32)
    tops = np.array([r.category_id if r.category_id is not None else -1 for r in on_map], dtype=np.int64)
    stored_leaves = stored.leaves[at] if len(at) else np.zeros(0, np.int64)
    # A leaf still under the document's current top-level filter shades it; a moved document
    # takes its new filter's own colour.
    leaves = np.array(
        [
            leaf if leaf >= 0 and (leaf == top or parent.get(int(leaf)) == top) else top
            for leaf, top in zip(stored_leaves.tolist(), tops.tolist(), strict=True)
        ],
        dtype=np.int64,
    )
    labelled = {**label_positions(xy, tops), **label_positions(xy, np.where(leaves != tops, leaves, -1))}
    return {
        "filters": [
            {
                "id": f.category_id,
                "parent": f.parent_category_id,
                "name": f.name,
                "documents": f.first_documents,
                "label": [round(v, COORDINATE_DIGITS) for v in labelled[f.category_id]]
                if f.category_id in labelled
                else None,
            }
            for f in filters
        ],
        "points": _points(
            np.round(xy[:, 0], COORDINATE_DIGITS).tolist(),
            np.round(xy[:, 1], COORDINATE_DIGITS).tolist(),
            tops.tolist(),
            leaves.tolist(),
            [r.external_id for r in on_map],
        ),
        "not_on_map": len(rows) - len(on_map),
    }


def _points(x: list, y: list, filters: list, leaves: list, ids: list) -> dict:
    return {"x": x, "y": y, "filter": filters, "leaf": leaves, "id": ids}
