"""Corrections that last: a move, a merge, a split and a learned filter, each kept through three
refreshes that each bring 10% new documents (TopicEmbedder gives a known two-level structure)."""

from __future__ import annotations

import numpy as np
import pytest

from drive_tagger.errors import InvalidInput, UnknownDocument, UnknownFilter
from drive_tagger.services import corrections
from drive_tagger.services.ingest import ingest
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
def growing(db):
    """A workspace with 70% of the topic documents refreshed; add() brings 10% more and refreshes."""
    docs = topic_documents(topics=4, parts=2, per_part=15)
    order = np.random.default_rng(3).permutation(len(docs))
    first, rest = [docs[i] for i in order[:84]], [docs[i] for i in order[84:]]
    embedder = TopicEmbedder()
    ingest(db.documents, db.refreshes, embedder, "acme", first, progress=False)
    refresh_workspace(db.documents, db.refreshes, "acme")

    def add(count: int = 12) -> None:
        batch = [rest.pop() for _ in range(min(count, len(rest)))]
        ingest(db.documents, db.refreshes, embedder, "acme", batch, progress=False)
        refresh_workspace(db.documents, db.refreshes, "acme")

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
    changes = db.refreshes.refresh_runs(db.documents.workspace("acme").id, 1)[0]["changes"]
    assert sorted(n["kind"] for n in changes["corrections"]) == ["learned", "merge", "move", "split"]


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
