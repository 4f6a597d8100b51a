import numpy as np

from drive_tagger.core.categorize import categorize
from drive_tagger.core.clustering import TwoLevelClustering
from drive_tagger.core.naming import KeywordNamer
from drive_tagger.core.types import DocumentText

EMAIL = "From: jo@example.org\nTo: sam@example.org\nSubject: Figures\n\nSam, the figures are late."


def _drive():
    """Cluster 0: ten e-mails; cluster 1: six notes in two fine clusters, the last an e-mail;
    cluster 2: three e-mails, not set apart (most of the rest of the drive is e-mail too)."""
    rng = np.random.default_rng(0)
    axes = [0] * 10 + [1] * 6 + [2] * 3
    vectors = np.eye(3)[axes] + rng.normal(0, 0.05, (19, 3))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    top = np.array(axes)
    clustering = TwoLevelClustering(
        top_labels=top,
        fine_labels=np.array([0] * 10 + [1, 1, 1, 2, 2, 2] + [3] * 3),
        top_similarity=np.ones(19, dtype=np.float32),
        top_fences=np.full(3, -1.0, dtype=np.float32),
        top_centroids=np.eye(3, dtype=np.float32),
    )
    forms = np.array(["Emails"] * 10 + [None] * 5 + ["Emails"] * 4, dtype=object)
    texts = [DocumentText("", EMAIL if f else "Quarterly planning notes.") for f in forms]
    return vectors, clustering, forms, texts


def _categorized():
    vectors, clustering, forms, texts = _drive()
    return categorize(
        vectors,
        lambda rows: [texts[i] for i in rows],
        clustering,
        document_ids=np.arange(19),
        next_category_id=1,
        namer=KeywordNamer(),
        forms=forms,
    )


def test_a_filter_all_of_whose_documents_join_a_form_filter_is_gone():
    result = _categorized()
    tops = [c for c in result.categories if c.is_top_level]
    assert len(tops) == 2 and [c.size for c in tops if c.form == "Emails"] == [14]


def test_a_document_that_joined_a_form_filter_leaves_its_topic_sub_filter():
    result = _categorized()
    links = result.assignments
    subs = {c.category_id for c in result.categories if not c.is_top_level}
    sub_linked = {int(d) for d, c in zip(links.document_index, links.category_id, strict=True) if int(c) in subs}
    assert len(subs) == 2 and sub_linked == {10, 11, 12, 13, 14}
