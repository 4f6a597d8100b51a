import numpy as np

from drive_tagger.core.keywords import class_keywords

TEXTS = [
    "invoice payment due amount invoice vat",
    "invoice total payment receipt",
    "receipt invoice amount paid",
    "contract party agreement clause termination",
    "agreement contract clause liability",
    "contract agreement party signature",
    "random unrelated noise text",
]
LABELS = np.array([0, 0, 0, 1, 1, 1, -1])


def test_each_cluster_is_described_by_its_distinctive_terms():
    keywords = class_keywords(TEXTS, LABELS, top_k=3)
    assert "invoice" in keywords[0]
    assert {"contract", "agreement"} & set(keywords[1])


def test_noise_documents_get_no_keywords_entry():
    assert set(class_keywords(TEXTS, LABELS)) == {0, 1}


def test_text_without_words_yields_empty_keywords():
    assert class_keywords(["123 456", "789"], np.array([0, 0])) == {0: ()}


def test_a_term_in_most_documents_describes_no_single_cluster():
    texts = [f"said invoice payment number {i}" for i in range(15)] + [
        f"said contract clause party {i}" for i in range(15)
    ]
    labels = np.array([0] * 15 + [1] * 15)
    keywords = class_keywords(texts, labels, top_k=5)
    assert "said" not in keywords[0] + keywords[1]
