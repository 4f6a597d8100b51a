import numpy as np
import pytest

from drive_tagger.adapters.readers import read_sources
from drive_tagger.core.types import ArrivalState
from drive_tagger.errors import InvalidInput
from drive_tagger.services.ingest import ingest, store_documents
from tests.fakes import HashingEmbedder


def _drive(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        path = tmp_path / "drive" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path / "drive"


def test_ingest_stores_and_embeds_every_document_with_the_real_model(db, embedder, samples_dir):
    report = ingest(
        db.documents, db.refreshes, embedder, "acme", read_sources([samples_dir / "contracts"]), progress=False
    )
    workspace = db.documents.workspace("acme")
    ids, vectors = db.documents.workspace_vectors(workspace.id, embedder.model_id)
    assert report.read == report.embedded == len(ids) == 9 and report.failed == 0
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_reingesting_an_unchanged_corpus_embeds_nothing(db, tmp_path):
    drive = _drive(tmp_path, {"a.txt": "Alpha text.", "b.txt": "Beta text."})
    fake = HashingEmbedder()
    ingest(db.documents, db.refreshes, fake, "acme", read_sources([drive]), progress=False)
    report = ingest(db.documents, db.refreshes, fake, "acme", read_sources([drive]), progress=False)
    assert (report.embedded, report.skipped, report.inserted, report.changed) == (0, 2, 0, 0)


def test_a_changed_document_is_updated_and_re_embedded(db, tmp_path):
    drive = _drive(tmp_path, {"a.txt": "Alpha text.", "b.txt": "Beta text."})
    fake = HashingEmbedder()
    ingest(db.documents, db.refreshes, fake, "acme", read_sources([drive]), progress=False)
    (drive / "a.txt").write_text("Alpha text, revised.")
    report = ingest(db.documents, db.refreshes, fake, "acme", read_sources([drive]), progress=False)
    assert (report.changed, report.embedded) == (1, 1)


def test_duplicate_texts_are_embedded_once(db, tmp_path):
    drive = _drive(tmp_path, {"a.txt": "Same words here.", "copy/a.txt": "Same words here."})
    fake = HashingEmbedder()
    report = ingest(db.documents, db.refreshes, fake, "acme", read_sources([drive]), progress=False)
    assert report.read == 2 and report.embedded == 1 == fake.texts_embedded


def test_bad_files_are_reported_while_the_rest_of_the_batch_is_stored(db, tmp_path):
    drive = _drive(tmp_path, {"good.txt": "Fine text.", "empty.txt": "", "x.xyz": "what"})
    report = ingest(db.documents, db.refreshes, HashingEmbedder(), "acme", read_sources([drive]), progress=False)
    assert report.read == 1 and report.failed == 2
    assert {f.source.split("/")[-1] for f in report.failures} == {"empty.txt", "x.xyz"}


def test_a_text_the_embedder_rejects_fails_alone(db, tmp_path):
    drive = _drive(tmp_path, {"a.txt": "Fine one.", "b.txt": "POISON here.", "c.txt": "Fine two."})
    report = ingest(
        db.documents, db.refreshes, HashingEmbedder(fail_on="POISON"), "acme", read_sources([drive]), progress=False
    )
    assert report.embedded == 2 and [f.source for f in report.failures] == ["b.txt"]
    assert "embedding failed" in report.failures[0].reason


def test_switching_model_re_embeds_the_workspace_with_the_new_model(db, embedder, tmp_path):
    from drive_tagger.services.embedding import switch_model

    drive = _drive(tmp_path, {"a.txt": "Alpha text.", "b.txt": "Beta text."})
    ingest(db.documents, db.refreshes, HashingEmbedder(), "acme", read_sources([drive]), progress=False)
    switch_model(db.documents, embedder, db.documents.workspace("acme"))  # on purpose: an ingest never switches
    report = ingest(db.documents, db.refreshes, embedder, "acme", read_sources([drive]), progress=False)
    workspace = db.documents.workspace("acme")
    assert report.embedded == 2 and workspace.embedding_model == embedder.model_id
    assert len(db.documents.workspace_vectors(workspace.id, embedder.model_id)[0]) == 2


def test_invalid_workspace_name_is_rejected_before_anything_is_written(db, tmp_path):
    drive = _drive(tmp_path, {"a.txt": "Alpha."})
    with pytest.raises(InvalidInput, match="invalid workspace name 'Acme Corp'"):
        ingest(db.documents, db.refreshes, HashingEmbedder(), "Acme Corp", read_sources([drive]), progress=False)
    assert db.documents.list_workspaces() == []


def test_a_very_long_document_is_cut_before_tokenizing(db, embedder, tmp_path):
    drive = _drive(tmp_path, {"huge.txt": "contract clause " * 3_000_000})
    report = ingest(db.documents, db.refreshes, embedder, "acme", read_sources([drive]), progress=False)
    assert report.embedded == 1 and report.failed == 0


def test_a_document_ingested_after_a_refresh_is_tagged_at_once(
    db, sample_workspace, sample_embedder, samples_dir, tmp_path, namer
):
    from drive_tagger.services.query import document_tags
    from drive_tagger.services.refresh import refresh_workspace

    refresh_workspace(db.documents, db.refreshes, sample_workspace, namer=namer)
    # A new contract: an existing one between other parties.
    contract = (samples_dir / "contracts" / "mutual-nda-brightwave.md").read_text()
    drive = _drive(tmp_path, {"late-nda.md": contract.replace("Brightwave", "Northwind Analytics")})
    report = ingest(
        db.documents, db.refreshes, sample_embedder, sample_workspace, read_sources([drive]), progress=False
    )
    _, tags = document_tags(db.refreshes, sample_workspace, "late-nda.md")
    assert report.tagged_on_arrival == 1 and tags and tags[0].rank == 1


def test_meeting_notes_arriving_after_a_refresh_join_the_filter_their_form_sets_apart(
    db, sample_workspace, sample_embedder, tmp_path, namer
):
    from drive_tagger.services.query import document_tags
    from drive_tagger.services.refresh import refresh_workspace

    refresh_workspace(db.documents, db.refreshes, sample_workspace, namer=namer)
    workspace = db.documents.workspace(sample_workspace)
    (home,) = [c.category_id for c in db.refreshes.active_categories(workspace.id) if c.form == "Meeting Notes"]
    notes = (
        "# Travel Desk Sync\n\n**Attendees:** Jo, Sam, Ravi\n\n## Agenda\n\n- Flights and hotels for the Lisbon "
        "trade fair\n- Rail passes for the Scotland site visits\n\n## Actions\n\n- Jo books the hotel block."
    )
    drive = _drive(tmp_path, {"travel-desk-sync.md": notes})
    ingest(db.documents, db.refreshes, sample_embedder, sample_workspace, read_sources([drive]), progress=False)
    _, tags = document_tags(db.refreshes, sample_workspace, "travel-desk-sync.md")
    assert tags[0].category_id == home and tags[0].rank == 1


def test_arrivals_are_matched_against_the_refresh_active_when_they_arrive(db, sample_workspace, sample_embedder, namer):
    from drive_tagger.services.refresh import refresh_workspace

    refresh_workspace(db.documents, db.refreshes, sample_workspace, namer=namer)
    first = db.documents.workspace(sample_workspace)
    matched_first = db.refreshes.matching_categories(first)
    refresh_workspace(db.documents, db.refreshes, sample_workspace, namer=namer)
    second = db.documents.workspace(sample_workspace)
    matched_second = db.refreshes.matching_categories(second)
    active = db.refreshes.active_categories(second.id)
    assert second.active_refresh_id != first.active_refresh_id
    assert [c.category_id for c in matched_second] == [c.category_id for c in active]
    assert all(np.allclose(m.centroid, a.centroid) for m, a in zip(matched_second, active, strict=True))
    assert matched_first is not matched_second


def test_many_poorly_matching_arrivals_make_a_refresh_suggested(db, sample_workspace, sample_embedder, tmp_path, namer):
    from drive_tagger.services.refresh import refresh_workspace

    refresh_workspace(db.documents, db.refreshes, sample_workspace, namer=namer)
    off_topic = {
        f"poem-{i}.txt": f"Moonlit sonnet {i}: the heron sleeps where silver reeds and river mist entwine."
        for i in range(6)
    }
    report = ingest(
        db.documents,
        db.refreshes,
        sample_embedder,
        sample_workspace,
        read_sources([_drive(tmp_path, off_topic)]),
        progress=False,
        suggest_refresh_share=0.2,
    )
    assert report.poorly_matched >= 2 and report.refresh_suggested
    refresh_workspace(db.documents, db.refreshes, sample_workspace, namer=namer)
    assert db.refreshes.arrival_state(db.documents.workspace(sample_workspace).id) == ArrivalState(0, 0, False)


def test_documents_stored_without_vectors_are_embedded_by_the_next_ingest(db, tmp_path):
    drive = _drive(tmp_path, {"a.txt": "first note about invoices", "b.txt": "second note about leases"})
    store_documents(db.documents, "acme", read_sources([drive]))  # as an interrupted run leaves them
    report = ingest(db.documents, db.refreshes, HashingEmbedder(), "acme", read_sources([drive]), progress=False)
    assert report.inserted == 0 and report.embedded == 2


def test_a_text_with_a_vector_already_is_stored_as_not_waiting_for_one(db, tmp_path):
    drive = _drive(tmp_path, {"a.txt": "the same note in two workspaces"})
    embedder = HashingEmbedder()
    ingest(db.documents, db.refreshes, embedder, "one", read_sources([drive]), progress=False)
    report = ingest(db.documents, db.refreshes, embedder, "two", read_sources([drive]), progress=False)
    two = db.documents.workspace("two")
    assert report.embedded == 0 and db.documents.hashes_missing_vectors(two.id, embedder.model_id) == []


def test_switching_model_makes_every_document_wait_for_the_new_models_vector(db, tmp_path):
    from drive_tagger.services.embedding import switch_model

    drive = _drive(tmp_path, {"a.txt": "a note", "b.txt": "another note"})
    ingest(db.documents, db.refreshes, HashingEmbedder(), "acme", read_sources([drive]), progress=False)
    other = HashingEmbedder()
    other.model_id = "test/another-model"
    switch_model(db.documents, other, db.documents.workspace("acme"))  # on purpose: an ingest never switches
    report = ingest(db.documents, db.refreshes, other, "acme", read_sources([drive]), progress=False)
    assert report.embedded == 2 and db.documents.workspace("acme").embedding_model == "test/another-model"


def test_a_documents_form_is_stored_with_it_and_read_again_when_its_text_changes(db, tmp_path):
    email = "From: jo@example.org\nTo: sam@example.org\nSubject: Gas contracts\n\nSam, the figures are late."
    drive = _drive(tmp_path, {"mail.txt": email, "note.txt": "The quarter closed at 94% of target."})
    ingest(db.documents, db.refreshes, HashingEmbedder(), "acme", read_sources([drive]), progress=False)
    workspace = db.documents.workspace("acme")
    assert list(db.documents.workspace_forms(workspace.id).values()) == ["Emails"]
    (drive / "mail.txt").write_text("Sam, the figures are late.")
    ingest(db.documents, db.refreshes, HashingEmbedder(), "acme", read_sources([drive]), progress=False)
    assert db.documents.workspace_forms(workspace.id) == {}
    assert db.documents.documents_without_form(workspace.id, 10) == []
