"""Corrections that last: a move, a merge, a split and a learned filter, each kept through three
refreshes that each bring 10% new documents (TopicEmbedder gives a known two-level structure); and
on the sample drive, corrections that mean what they say: picked documents in their filter first, a
kept filter's name kept, a moved document never back where it was, each listed and undoable."""

from __future__ import annotations

import numpy as np
import pytest

from drive_tagger.errors import InvalidInput, UnknownCorrection, UnknownDocument, UnknownFilter
from drive_tagger.services import corrections, explain, query
from drive_tagger.services.ingest import ingest
from drive_tagger.services.pins import rename_filter
from drive_tagger.services.refresh import refresh_workspace
from tests.fakes import TopicEmbedder, topic_documents


def _top_of(db, workspace: str) -> dict[str, int | None]:
    return db.refreshes.primary_top_level_tags(db.documents.workspace(workspace).id)


def _top_filters(db, workspace: str) -> dict[int, str]:
    return {
        f.category_id: f.name
        for f in db.refreshes.filters(db.documents.workspace(workspace).id)
        if f.parent_category_id is None
    }


@pytest.fixture
def growing(db, namer_for):
    """A workspace with 70% of the topic documents refreshed; add() brings 10% more and refreshes."""
    docs = topic_documents(topics=4, parts=2, per_part=15)
    order = np.random.default_rng(3).permutation(len(docs))
    first, rest = [docs[i] for i in order[:84]], [docs[i] for i in order[84:]]
    embedder = TopicEmbedder()
    namer = namer_for(embedder)
    ingest(db.documents, db.refreshes, embedder, "acme", first, progress=False)
    refresh_workspace(db.documents, db.refreshes, "acme", namer=namer)

    def add(count: int = 12) -> None:
        batch = [rest.pop() for _ in range(min(count, len(rest)))]
        ingest(db.documents, db.refreshes, embedder, "acme", batch, progress=False)
        refresh_workspace(db.documents, db.refreshes, "acme", namer=namer)

    return add


def _holder_of(db, prefix: str) -> int:
    """The top-level filter holding most documents whose id starts with prefix."""
    tops = [t for doc, t in _top_of(db, "acme").items() if doc.startswith(prefix)]
    return max(set(tops), key=tops.count)


def test_a_merge_a_split_a_move_and_a_learned_filter_survive_three_growing_refreshes(db, growing):
    topic0, topic1, topic2 = _holder_of(db, "t0-"), _holder_of(db, "t1-"), _holder_of(db, "t2-")
    assert len({topic0, topic1, topic2}) == 3
    corrections.merge_filters(db.refreshes, "acme", str(topic0), str(topic1))
    corrections.split_filter(db.refreshes, "acme", str(topic2))
    moved = (
        "t3-p0-00.txt"
        if "t3-p0-00.txt" in _top_of(db, "acme")
        else next(d for d in _top_of(db, "acme") if d.startswith("t3-"))
    )
    corrections.move_documents(db.refreshes, "acme", [moved], str(topic0))
    seeds = [d for d in _top_of(db, "acme") if d.startswith("t3-p1-")][:3]
    corrections.create_filter(db.refreshes, "acme", "Board Papers", seeds)
    for _ in range(4):  # the refresh that applies them, then three with 10% more documents each
        growing()
        tops = _top_of(db, "acme")
        merged = {tops[d] for d in tops if d.startswith(("t0-", "t1-"))} - {None}  # an outlier may be untagged
        assert merged == {topic0}, "the merged topics stay one filter under the kept id"
        assert topic1 not in _top_filters(db, "acme")
        split = [{tops[d] for d in tops if d.startswith(f"t2-p{part}-")} - {None} for part in (0, 1)]
        assert len(split[0]) == len(split[1]) == 1 and split[0] != split[1], "the split parts stay apart"
        assert tops[moved] == topic0, "the moved document stays where it was put"
        learned = [c for c, name in _top_filters(db, "acme").items() if name == "Board Papers"]
        assert len(learned) == 1
        members = {
            d.external_id for d in db.refreshes.filter_documents(db.documents.workspace("acme").id, learned[0], 1000, 0)
        }
        assert set(seeds) <= members and len(members) > len(seeds), "similar documents join the learned filter"
    changes = db.refreshes.refresh_runs(db.documents.workspace("acme").id, 1)[0].changes
    assert sorted(n.kind for n in changes.corrections) == ["learned", "merge", "move", "split"]


def test_a_move_shows_at_once_and_out_of_every_filter_means_untagged(db, growing):
    doc = next(iter(_top_of(db, "acme")))
    corrections.move_documents(db.refreshes, "acme", [doc], None)
    assert _top_of(db, "acme")[doc] is None
    growing()
    assert _top_of(db, "acme")[doc] is None


def test_corrections_name_what_they_cannot_find(db, growing):
    with pytest.raises(UnknownFilter):
        corrections.merge_filters(db.refreshes, "acme", "999", "1")
    with pytest.raises(UnknownDocument, match=r"no document 'nope\.txt'"):
        corrections.move_documents(db.refreshes, "acme", ["nope.txt"], None)
    sub_filter = next(f for f in db.refreshes.filters(db.documents.workspace("acme").id) if f.parent_category_id)
    with pytest.raises(UnknownFilter, match="no top-level filter"):
        corrections.split_filter(db.refreshes, "acme", str(sub_filter.category_id))
    existing = next(iter(_top_filters(db, "acme").values()))
    with pytest.raises(InvalidInput, match="already called"):
        corrections.create_filter(db.refreshes, "acme", existing, [next(iter(_top_of(db, "acme")))])


# -- on the sample drive: corrections mean what they say (issue 28) ------------------------------

CONTRACT = "contracts/mutual-nda-brightwave.md"


@pytest.fixture
def drive(db, sample_embedder, samples_dir, namer):
    """Workspace 'drive' with 70% of the sample documents refreshed; grow() ingests 10% more of
    them and refreshes."""
    from drive_tagger.adapters.readers import read_sources
    from drive_tagger.core.types import SourceDocument

    docs = sorted(
        (d for d in read_sources([samples_dir]) if isinstance(d, SourceDocument)), key=lambda d: d.external_id
    )
    order = np.random.default_rng(5).permutation(len(docs))
    first = [docs[i] for i in order if docs[i].external_id == CONTRACT or i in order[: int(0.7 * len(docs))]]
    rest = [d for d in docs if d not in first]
    ingest(db.documents, db.refreshes, sample_embedder, "drive", first, progress=False)
    refresh_workspace(db.documents, db.refreshes, "drive", namer=namer)

    def grow() -> None:
        batch = [rest.pop() for _ in range(min(max(1, len(docs) // 10), len(rest)))]
        ingest(db.documents, db.refreshes, sample_embedder, "drive", batch, progress=False)
        refresh_workspace(db.documents, db.refreshes, "drive", namer=namer)

    return grow


def _tags(db, doc: str) -> list:
    return query.document_tags(db.refreshes, "drive", doc)[1]


def _first_top(db, doc: str) -> int | None:
    return next((t.category_id for t in _tags(db, doc) if t.parent_category_id is None and t.rank == 1), None)


def _home(db, folder: str) -> int:
    """The top-level filter holding most documents of a folder."""
    tops = [t for doc, t in _top_of(db, "drive").items() if doc.startswith(folder) and t is not None]
    return max(set(tops), key=tops.count)


def _name(db, category_id: int) -> str | None:
    return _top_filters(db, "drive").get(category_id)


def test_picked_documents_are_first_tag_members_of_the_filter_made_from_them(db, drive):
    picks = sorted(d for d in _top_of(db, "drive") if d.startswith("travel/"))[:3]
    made = corrections.create_filter(db.refreshes, "drive", "Trips", picks)
    for _ in range(2):
        drive()
        board = next(c for c, name in _top_filters(db, "drive").items() if name == "Trips")
        for pick in picks:
            tops = [t for t in _tags(db, pick) if t.parent_category_id is None]
            assert [(t.category_id, t.rank) for t in tops] == [(board, 1)], f"{pick} is in Trips first, and only"
    assert made > 0


def test_a_merged_filter_keeps_the_name_of_the_filter_kept(db, drive):
    keep, absorb = _home(db, "contracts/"), _home(db, "invoices/")
    kept_name = _name(db, keep)
    corrections.merge_filters(db.refreshes, "drive", str(keep), str(absorb))
    for _ in range(2):
        drive()
        assert _name(db, keep) == kept_name


def test_a_merge_keeps_the_kept_filters_name_and_its_undo_gives_back_a_pinned_name(db, drive):
    keep, absorb = _home(db, "contracts/"), _home(db, "invoices/")
    kept_name = _name(db, keep)
    rename_filter(db.refreshes, "drive", str(absorb), "Accounts Payable")
    merged = corrections.merge_filters(db.refreshes, "drive", str(keep), str(absorb))
    assert merged.absorbed_pin == "Accounts Payable", "the pinned name is kept, and said so"
    drive()
    assert _name(db, keep) == kept_name and absorb not in _top_filters(db, "drive")
    assert "Accounts Payable" in corrections.list_corrections(db.refreshes, "drive")[-1].summary
    corrections.undo_correction(db.refreshes, "drive", merged.correction)
    drive()
    assert _name(db, keep) == kept_name
    assert _name(db, absorb) == "Accounts Payable", "the undo gives the absorbed filter its id and pinned name back"
    assert _home(db, "invoices/") == absorb and _home(db, "contracts/") == keep


def test_a_moved_document_never_goes_back_to_the_filter_it_left_and_says_a_person_put_it_there(db, drive):
    left, travel = _first_top(db, CONTRACT), _home(db, "travel/")
    corrections.move_documents(db.refreshes, "drive", [CONTRACT], str(travel))
    for _ in range(3):
        drive()
        assert left not in {t.category_id for t in _tags(db, CONTRACT)}, "not even as a second tag"
        assert _first_top(db, CONTRACT) == travel
    why = explain.explain_document(db.browse, "drive", CONTRACT)
    placed = next(m for m in why.memberships if m.tag.category_id == travel)
    assert placed.placed and placed.placed.startswith("A person moved it here")
    page = explain.explain_document(db.browse, "drive", CONTRACT)
    assert all(m.placed for m in page.memberships if m.tag.parent_category_id is None)


def test_corrections_are_listed_with_filter_names_dates_and_documents(db, drive):
    travel = _home(db, "travel/")
    corrections.move_documents(db.refreshes, "drive", [CONTRACT], str(travel))
    keep, absorb = _home(db, "contracts/"), _home(db, "invoices/")
    corrections.merge_filters(db.refreshes, "drive", str(keep), str(absorb))
    moved, merged = corrections.list_corrections(db.refreshes, "drive")
    assert moved.summary == f"moved 1 document(s) to “{_name(db, travel)}”" and moved.shown == (CONTRACT,)
    assert moved.made_at is not None and moved.undone_at is None
    assert merged.filters["kept"]["name"] == _name(db, keep) and merged.filters["absorbed"]["name"] == _name(db, absorb)
    assert merged.documents > len(merged.shown) == corrections.SHOWN_DOCUMENTS


def test_undoing_a_move_puts_the_document_back_at_once(db, drive):
    before = _first_top(db, CONTRACT)
    made = corrections.move_documents(db.refreshes, "drive", [CONTRACT], None)
    assert _first_top(db, CONTRACT) is None
    undone = corrections.undo_correction(db.refreshes, "drive", made)
    assert undone.undone_at is not None and _first_top(db, CONTRACT) == before
    with pytest.raises(InvalidInput, match="undone already"):
        corrections.undo_correction(db.refreshes, "drive", made)
    with pytest.raises(UnknownCorrection):
        corrections.undo_correction(db.refreshes, "drive", 999)
    drive()
    assert _first_top(db, CONTRACT) == before


def test_create_filter_move_merge_and_undo_hold_through_three_refreshes_with_new_documents(db, drive):
    picks = sorted(d for d in _top_of(db, "drive") if d.startswith("hr-policies/"))[:3]
    corrections.create_filter(db.refreshes, "drive", "People Matters", picks)
    travel = _home(db, "travel/")
    left = _first_top(db, CONTRACT)
    corrections.move_documents(db.refreshes, "drive", [CONTRACT], str(travel))
    others = [_home(db, f) for f in ("invoices/", "engineering/", "marketing/", "meetings/", "sales/")]
    keep, absorb = list(dict.fromkeys(h for h in others if h not in (travel, left)))[:2]
    kept_name = _name(db, keep)
    merged = corrections.merge_filters(db.refreshes, "drive", str(keep), str(absorb))
    drive()  # applies them
    assert absorb not in _top_filters(db, "drive") and _name(db, keep) == kept_name
    corrections.undo_correction(db.refreshes, "drive", merged.correction)
    for _ in range(3):
        drive()
        board = next(c for c, name in _top_filters(db, "drive").items() if name == "People Matters")
        assert all(_first_top(db, p) == board for p in picks), "picked documents stay first-tag members"
        assert _first_top(db, CONTRACT) == travel and left not in {t.category_id for t in _tags(db, CONTRACT)}
        assert absorb in _top_filters(db, "drive") and _name(db, keep) == kept_name, "the undone merge stays undone"
    assert len(db.documents.document_ids(db.documents.workspace("drive").id, picks)) == 3


def test_a_moved_document_whose_text_changes_stays_where_a_person_put_it(db, drive, sample_embedder):
    from drive_tagger.core.types import SourceDocument

    left, travel = _first_top(db, CONTRACT), _home(db, "travel/")
    corrections.move_documents(db.refreshes, "drive", [CONTRACT], str(travel))
    title, _ = query.document_tags(db.refreshes, "drive", CONTRACT)
    body = db.conn.execute("select body from documents where external_id = %s", (CONTRACT,)).fetchone()[0]
    edited = SourceDocument(CONTRACT, title, body + "\n\nSigned copy filed with the legal team.", "edited")
    ingest(db.documents, db.refreshes, sample_embedder, "drive", [edited], progress=False)  # tagged on arrival
    assert left not in {t.category_id for t in _tags(db, CONTRACT)}
    assert _first_top(db, CONTRACT) == travel
