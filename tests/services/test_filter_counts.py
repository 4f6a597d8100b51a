"""A filter's document counts (all its documents, and those whose first choice it is) are kept
with the filter: right after a refresh, and still right after documents arrive, change, move,
come back by an undo and are deleted, without counting links when filters are read."""

from __future__ import annotations

from drive_tagger.adapters.readers import read_sources
from drive_tagger.services import corrections
from drive_tagger.services.deletion import delete_documents
from drive_tagger.services.ingest import ingest
from drive_tagger.services.query import filter_documents, list_filters


def _kept(db, slug: str) -> dict[int, tuple[int, int]]:
    return {f.category_id: (f.documents, f.first_documents) for f in list_filters(db.refreshes, slug)}


def _documents(counts: dict[int, tuple[int, int]]) -> dict[int, int]:
    return {category: documents for category, (documents, _) in counts.items()}


def _counted(db, slug: str) -> dict[int, tuple[int, int]]:
    """The counts the hard way: the active links, counted now."""
    rows = db.conn.execute(
        "select c.category_id, count(dc.document_id), count(dc.document_id) filter (where dc.rank = 1) "
        "from categories c "
        "join workspaces w on w.active_refresh_id = c.refresh_id "
        "left join document_categories dc on dc.refresh_id = c.refresh_id and dc.category_id = c.category_id "
        "where w.slug = %s group by c.category_id",
        (slug,),
    )
    return {category: (documents, firsts) for category, documents, firsts in rows.fetchall()}


def test_a_refresh_writes_each_filters_count_of_its_links(db, refreshed):
    kept = _kept(db, refreshed)
    assert kept == _counted(db, refreshed) and sum(_documents(kept).values()) > 0
    assert all(first > 0 for _, first in kept.values())


def test_counts_stay_right_when_documents_arrive_and_change(db, refreshed, sample_embedder, samples_dir, tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    contract = (samples_dir / "contracts" / "mutual-nda-brightwave.md").read_text()
    (drive / "late-nda.md").write_text(contract.replace("Brightwave", "Northwind Analytics"))
    (drive / "late-nda-2.md").write_text(contract.replace("Brightwave", "Southwind Logistics"))
    ingest(db.documents, db.refreshes, sample_embedder, refreshed, read_sources([drive]), progress=False)
    (drive / "late-nda.md").write_text("Minutes of the weekly engineering sync: deploys, incidents, on-call.")
    report = ingest(db.documents, db.refreshes, sample_embedder, refreshed, read_sources([drive]), progress=False)
    assert report.changed == 1 and _kept(db, refreshed) == _counted(db, refreshed)


def test_counts_stay_right_when_documents_move_and_leave_every_filter(db, refreshed):
    first, *others = [f for f in list_filters(db.refreshes, refreshed) if f.parent_category_id is None]
    _, page = filter_documents(db.refreshes, refreshed, str(first.category_id), limit=3)
    moved = [d.external_id for d in page]
    corrections.move_documents(db.refreshes, refreshed, moved[:2], str(others[0].category_id))
    corrections.move_documents(db.refreshes, refreshed, moved[2:], None)
    assert _kept(db, refreshed) == _counted(db, refreshed)
    assert _kept(db, refreshed)[first.category_id][0] <= first.documents - 3
    for made in corrections.list_corrections(db.refreshes, refreshed):
        corrections.undo_correction(db.refreshes, refreshed, made.id)
    assert _kept(db, refreshed) == _counted(db, refreshed)


def test_counts_stay_right_when_documents_are_deleted(db, refreshed):
    _, page = filter_documents(db.refreshes, refreshed, list_filters(db.refreshes, refreshed)[0].name, limit=5)
    before = sum(first for _, first in _kept(db, refreshed).values())
    delete_documents(db.documents, refreshed, [d.external_id for d in page])
    kept = _kept(db, refreshed)
    assert kept == _counted(db, refreshed) and sum(first for _, first in kept.values()) < before
