"""The map a refresh lays out and stores (services/atlas.py): every document placed, drawn with
today's names and filters (a rename or a move shows at once), documents that arrived since
marked as not on the map yet, only the active refresh's map kept, and a refresh made before maps
were stored laid out when first drawn."""

import numpy as np

from drive_tagger.core.types import SourceDocument
from drive_tagger.services import corrections
from drive_tagger.services.atlas import map_view, stored_layout, unpack_points
from drive_tagger.services.ingest import ingest
from drive_tagger.services.pins import rename_filter
from drive_tagger.services.query import list_filters
from drive_tagger.services.refresh import refresh_workspace


def _drawn(db, workspace):
    return unpack_points(map_view(db.documents, db.refreshes, workspace)["points"])


def test_a_refresh_stores_a_place_for_every_document_it_tagged(db, refreshed):
    workspace = db.refreshes.workspace(refreshed)
    stored = db.refreshes.active_map(workspace.id)
    ids, _ = db.documents.workspace_vectors(workspace.id, workspace.embedding_model)
    assert sorted(stored.document_ids.tolist()) == sorted(ids.tolist())
    assert stored.xy.shape == (len(ids), 2) and np.isfinite(stored.xy).all()


def test_the_map_draws_todays_names_and_a_moved_document_in_its_new_filter(db, refreshed):
    top, other = [f for f in list_filters(db.refreshes, refreshed) if f.parent_category_id is None][:2]
    rename_filter(db.refreshes, refreshed, str(top.category_id), "Renamed Today")
    assert "Renamed Today" in [f["name"] for f in map_view(db.documents, db.refreshes, refreshed)["filters"]]
    drawn = _drawn(db, refreshed)
    at = int(np.flatnonzero(drawn["filter"] == top.category_id)[0])
    moved = drawn["id"][at]
    corrections.move_documents(db.refreshes, refreshed, [moved], str(other.category_id))
    after = _drawn(db, refreshed)
    assert after["id"][at] == moved and after["filter"][at] == other.category_id
    assert after["leaf"][at] in {other.category_id} | {
        f.category_id for f in list_filters(db.refreshes, refreshed) if f.parent_category_id == other.category_id
    }
    assert np.array_equal(after["xy"][at], drawn["xy"][at]), "a move changes the colour, not the place"


def test_documents_that_arrived_since_the_refresh_wait_for_the_next_one_to_be_placed(db, refreshed, sample_embedder):
    arrivals = [SourceDocument("late/note.txt", "", "A late note about the travel budget for the offsite.", "test")]
    ingest(db.documents, db.refreshes, sample_embedder, refreshed, arrivals, progress=False)
    drawn = map_view(db.documents, db.refreshes, refreshed)
    assert drawn["not_on_map"] == 1 and "late/note.txt" not in drawn["points"]["id"]


def test_only_the_active_refreshs_map_is_kept(db, refreshed, namer):
    refresh_workspace(db.documents, db.refreshes, refreshed, namer=namer)
    maps = db.conn.execute("select count(*) from refresh_maps").fetchone()[0]
    assert maps == 1


def test_a_refresh_made_before_maps_were_stored_is_laid_out_when_first_drawn(db, refreshed):
    db.conn.execute("delete from refresh_maps")
    laid_out = stored_layout(db.documents, db.refreshes, refreshed)
    assert laid_out is not None and len(laid_out.document_ids) == 75
    assert len(_drawn(db, refreshed)["id"]) == 75
