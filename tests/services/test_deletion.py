"""Deleting documents: by id from any caller, and by pruning a folder whose files are gone."""

from __future__ import annotations

from drive_tagger.adapters.readers import read_sources
from drive_tagger.core.types import SourceDocument
from drive_tagger.services.deletion import delete_documents, prune_folder
from drive_tagger.services.ingest import ingest, store_documents
from drive_tagger.services.query import document_tags
from drive_tagger.services.refresh import refresh_workspace
from tests.fakes import HashingEmbedder


def _vectors(db) -> int:
    return db.conn.execute("select count(*) from embeddings").fetchone()[0]


def test_a_deleted_document_leaves_every_filter_at_once(db, refreshed):
    doc = "contracts/data-processing-agreement-fieldnote.md"
    assert document_tags(db.refreshes, refreshed, doc)[1]
    before = {f.category_id: f.documents for f in db.refreshes.filters(db.documents.workspace(refreshed).id)}
    report = delete_documents(db.documents, refreshed, [doc, "nope.md"])
    assert report.deleted == [doc] and report.unknown == ["nope.md"]
    after = {f.category_id: f.documents for f in db.refreshes.filters(db.documents.workspace(refreshed).id)}
    assert sum(before.values()) - sum(after.values()) >= 1
    assert (
        db.conn.execute(
            "select count(*) from document_categories dc join documents d on d.id = dc.document_id "
            "where d.external_id = %s",
            (doc,),
        ).fetchone()[0]
        == 0
    )


def test_a_vector_stays_while_another_document_carries_its_text(db):
    embedder = HashingEmbedder()
    docs = [SourceDocument(i, "", "the very same text", "test") for i in ("a", "b")]
    ingest(db.documents, db.refreshes, embedder, "acme", docs, progress=False)
    ingest(db.documents, db.refreshes, embedder, "beta", [SourceDocument("c", "", "other text", "t")], progress=False)
    assert _vectors(db) == 2
    delete_documents(db.documents, "acme", ["a"])
    assert _vectors(db) == 2
    delete_documents(db.documents, "acme", ["b"])
    assert _vectors(db) == 1


def test_pruning_a_folder_deletes_what_left_it_and_keeps_what_is_still_there(db, tmp_path):
    drive = tmp_path / "drive"
    (drive / "sub").mkdir(parents=True)
    for name in ("keep.txt", "gone.txt", "sub/also-gone.txt", "broken.txt"):
        (drive / name).write_text(f"A note called {name} about the office.")
    store_documents(db.documents, "acme", read_sources([drive]))
    (drive / "gone.txt").unlink()
    (drive / "sub" / "also-gone.txt").unlink()
    (drive / "broken.txt").write_bytes(b"\x00\x01 now unreadable")
    report = store_documents(db.documents, "acme", read_sources([drive]))
    pruned = prune_folder(db.documents, "acme", drive, report.read_ids, [f.source for f in report.failures])
    assert sorted(pruned) == ["gone.txt", "sub/also-gone.txt"]
    remaining = {r[0] for r in db.conn.execute("select external_id from documents")}
    assert remaining == {"keep.txt", "broken.txt"}  # a file that failed to read may still be there


def test_pruning_removes_rows_gone_from_a_table_that_was_read_whole(db, tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    table = drive / "notes.jsonl"
    table.write_text('{"id": "n1", "text": "first"}\n{"id": "n2", "text": "second"}\n')
    store_documents(db.documents, "acme", read_sources([drive]))
    table.write_text('{"id": "n1", "text": "first"}\n')
    report = store_documents(db.documents, "acme", read_sources([drive]))
    assert prune_folder(db.documents, "acme", drive, report.read_ids, []) == ["n2"]


def test_deleting_documents_of_a_refreshed_workspace_then_refreshing_works(db, refreshed, namer):
    ids = [r[0] for r in db.conn.execute("select external_id from documents order by id limit 10")]
    delete_documents(db.documents, refreshed, ids)
    report = refresh_workspace(db.documents, db.refreshes, refreshed, namer=namer)
    assert report.documents == 65
