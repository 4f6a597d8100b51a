"""A workspace's map as the page, the notebooks and `drive-tagger map` draw it: the layout its
active refresh stored (core/layout.py) with each document's filter and the filters' names as they
are now, so a rename or a move shows on the map at once. A refresh made before maps were stored
is laid out the same way when it is first drawn."""

from __future__ import annotations

import base64

import numpy as np

from drive_tagger.core.layout import map_layout
from drive_tagger.core.ports import DocumentStore, RefreshStore
from drive_tagger.core.projection import label_positions
from drive_tagger.core.rows import MapLayout, MapMembers
from drive_tagger.services.query import list_filters

COORDINATE_DIGITS = 2  # the page draws at most a few thousand pixels wide


def stored_layout(
    documents: DocumentStore, refreshes: RefreshStore, workspace_slug: str, members: MapMembers | None = None
) -> MapLayout | None:
    """The active refresh's map, or None when the workspace has no vectors or no filters yet."""
    workspace = refreshes.workspace(workspace_slug)
    stored = refreshes.active_map(workspace.id)
    if stored is not None or workspace.embedding_model is None or workspace.active_refresh_id is None:
        return stored
    ids, vectors = documents.workspace_vectors(workspace.id, workspace.embedding_model)
    if not len(ids):
        return None
    members = members or refreshes.map_members(workspace.id)
    leaf_of = refreshes.primary_leaf_tags(workspace.id)
    external = dict(zip(members.document_ids.tolist(), members.external_ids, strict=True))
    leaf_ids = (leaf_of.get(external.get(int(i), "")) for i in ids)
    leaves = np.array([-1 if leaf is None else leaf for leaf in leaf_ids], dtype=np.int64)
    return MapLayout(np.asarray(ids, dtype=np.int64), map_layout(vectors, leaves), leaves)


def map_view(documents: DocumentStore, refreshes: RefreshStore, workspace_slug: str) -> dict:
    """What the page's map draws, as JSON: the filters (current names, parent, documents, where
    to label them) and the points, packed (`xy`: float32 x, y pairs; `filter` and `leaf`: int32,
    the top-level and leaf filter ids, -1 untagged; each little-endian and base64, unpacked by
    `unpack_points`) with their external ids, and how many documents arrived since the layout."""
    workspace = refreshes.workspace(workspace_slug)
    filters = list_filters(refreshes, workspace_slug)
    members = refreshes.map_members(workspace.id)
    stored = stored_layout(documents, refreshes, workspace_slug, members)
    if stored is None or not len(stored.document_ids):
        return {"filters": [], "points": _packed(np.zeros((0, 2)), np.zeros(0), np.zeros(0), []), "not_on_map": 0}
    order = np.argsort(stored.document_ids, kind="stable")
    placed = stored.document_ids[order]
    at = np.clip(np.searchsorted(placed, members.document_ids), 0, len(placed) - 1)
    on_map = placed[at] == members.document_ids
    where = order[at[on_map]]
    xy, tops, stored_leaves = stored.xy[where], members.filters[on_map], stored.leaves[where]
    # A leaf still under the document's current top-level filter shades it; a moved document
    # takes its new filter's own colour, an untagged one none.
    parent = {f.category_id: -1 if f.parent_category_id is None else f.parent_category_id for f in filters}
    leaf_parent = np.array([parent.get(leaf, -2) for leaf in stored_leaves.tolist()], dtype=np.int64)
    kept = (tops >= 0) & ((stored_leaves == tops) | (leaf_parent == tops))
    leaves = np.where(kept, stored_leaves, tops)
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
        "points": _packed(xy, tops, leaves, [members.external_ids[i] for i in np.flatnonzero(on_map).tolist()]),
        "not_on_map": int((~on_map).sum()),
    }


def _packed(xy: np.ndarray, tops: np.ndarray, leaves: np.ndarray, ids: list[str]) -> dict:
    def pack(values: np.ndarray, dtype: str) -> str:
        return base64.b64encode(np.ascontiguousarray(values, dtype=dtype).tobytes()).decode("ascii")

    return {"xy": pack(xy, "<f4"), "filter": pack(tops, "<i4"), "leaf": pack(leaves, "<i4"), "id": ids}


def unpack_points(points: dict) -> dict[str, np.ndarray | list[str]]:
    """The points of a map_view as arrays: xy (n, 2), filter and leaf ids, and the external ids."""
    return {
        "xy": np.frombuffer(base64.b64decode(points["xy"]), dtype="<f4").reshape(-1, 2),
        "filter": np.frombuffer(base64.b64decode(points["filter"]), dtype="<i4").astype(np.int64),
        "leaf": np.frombuffer(base64.b64decode(points["leaf"]), dtype="<i4").astype(np.int64),
        "id": list(points["id"]),
    }
