import numpy as np

from drive_tagger.core.describe import SAMPLE_PER_FILTER, SAMPLE_PER_SUBFILTER, Shape, describe
from drive_tagger.core.types import DocumentText


def _drive(rng=np.random.default_rng(0)):
    """Two topics of 1,000 documents each, the first split into two sub-filters."""
    vectors = np.vstack([np.eye(2, 8)[i] + rng.normal(0, 0.05, (1000, 8)) for i in range(2)]).astype(np.float32)
    bodies = ["oil prices fell and crude markets"] * 500 + ["oil prices and gas pipelines"] * 500
    bodies += ["film awards for the best actor"] * 1000
    titles = [f"Oil report {i}" for i in range(1000)] + [f"Film review {i}" for i in range(1000)]
    shapes = [
        Shape(0, np.arange(1000), vectors[:1000].mean(0), None),
        Shape(1, np.arange(1000, 2000), vectors[1000:].mean(0), None),
        Shape(2, np.arange(500), vectors[:500].mean(0), 0),
        Shape(3, np.arange(500, 1000), vectors[500:1000].mean(0), 0),
    ]
    return vectors, titles, bodies, shapes


def test_only_a_bounded_sample_of_each_filter_is_read():
    vectors, titles, bodies, shapes = _drive()
    asked = []

    def read_texts(rows):
        asked.append(len(rows))
        return [DocumentText(titles[i], bodies[i]) for i in rows]

    describe(shapes, vectors, read_texts, lambda w: True)
    assert len(asked) == 1 and asked[0] <= 2 * SAMPLE_PER_FILTER + 2 * SAMPLE_PER_SUBFILTER + 4 * 5


def test_subfilters_are_described_against_their_parent():
    vectors, titles, bodies, shapes = _drive()
    found = describe(shapes, vectors, lambda rows: [DocumentText(titles[i], bodies[i]) for i in rows], lambda w: True)
    assert "oil" in found[0].keyphrases[0].text or "oil" in found[0].keyphrases[1].text
    sub_words = {w for p in found[3].keyphrases[:3] for w in p.text.split()}
    assert {"gas", "pipelines"} & sub_words and "oil" not in sub_words


def test_a_title_phrase_most_titles_share_is_the_kind_of_document():
    vectors, titles, bodies, shapes = _drive()
    found = describe(shapes, vectors, lambda rows: [DocumentText(titles[i], bodies[i]) for i in rows], lambda w: True)
    assert found[0].kind is not None and found[0].kind.text in {"oil report", "report", "oil"}
    assert (found[1].kind is not None and "film" in found[1].kind.text) or "review" in found[1].kind.text


def test_the_name_of_one_organisation_or_event_in_every_title_is_no_kind_of_document():
    vectors, _titles, _bodies, shapes = _drive()
    titles = [f"Policy {i} – Ashgrove Veterinary Group" for i in range(1000)]
    titles += [f"Lisbon Trade Fair – expenses {i}" for i in range(1000)]
    bodies = ["our clinic policy for every vet and nurse"] * 1000 + ["taxi and hotel at the fair in Lisbon"] * 1000
    is_word = lambda w: w != "ashgrove"  # noqa: E731 - a lexicon without the clinic's name
    found = describe(shapes[:2], vectors, lambda rows: [DocumentText(titles[i], bodies[i]) for i in rows], is_word)
    assert found[0].kind is None or "ashgrove" not in found[0].kind.text
    assert found[1].kind is None or "lisbon" not in found[1].kind.text
    # A word that names a kind of thing is written small somewhere: "policy" in the bodies.
    assert found[0].kind is not None and found[0].kind.text == "policy"
