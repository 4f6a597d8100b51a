import numpy as np

from drive_tagger.core.keyphrases import (
    count_phrases,
    distinctive_phrases,
    phrases,
    readable_title,
    surface_forms,
    title_case,
    with_surface_forms,
)
from drive_tagger.core.types import DocumentText

COMMON = {"oil", "prices", "price", "rise", "market", "film", "awards", "award", "music", "album", "crude"}


def is_word(word: str) -> bool:
    return word in COMMON


def _documents(texts, titles=None):
    titles = titles or [""] * len(texts)
    return count_phrases([DocumentText(t, x) for t, x in zip(titles, texts, strict=True)])


def test_phrases_never_start_or_end_with_stop_or_filler_words():
    found = phrases("The new oil prices rose. Terms and conditions of the sale apply.")
    assert "oil prices" in found and "terms and conditions" in found
    assert not any(p.split()[0] in {"the", "new", "of"} or p.split()[-1] in {"the", "new", "of"} for p in found)


def test_phrases_stay_inside_a_clause():
    assert "oil market" not in phrases("prices of oil. market shares")


def test_a_dash_with_spaces_round_it_ends_a_clause_and_a_hyphen_does_not():
    found = phrases("The password database — Python documentation; a well-known e-mail")
    assert "password database" in found and "database python" not in found
    assert "well-known e-mail" in found


def test_table_columns_and_code_calls_are_not_phrases():
    assert "hex char" not in phrases("  Oct   Dec   Hex   Char   Description\n  101   65    41    A")
    assert "temperature sensor" not in phrases("Temperature\tSensor") and "temperature sensor" in phrases(
        "Temperature Sensor"
    )
    assert "int ioctl" not in phrases("int ioctl(int fd, unsigned long request);")
    assert "table displays" in phrases("The  following  table displays the characters")  # justified prose


def test_field_labels_are_form_not_content_and_their_values_stay():
    found = phrases("From: jo@example.org\nOrganization: Harbour University\nLines: 18\n**Owner:** Priya Shah")
    assert {"harbour university", "priya shah"} <= set(found)
    assert not {"organization", "lines", "owner"} & set(found)
    assert "purpose" in phrases("## Purpose\n\nAgree the targets")  # a heading without a value


def test_a_line_ending_in_a_colon_labels_what_follows_and_is_not_content():
    found = phrases(
        "   Feature Test Macro Requirements for glibc (see feature_test_macros(7)):\n\n   getline(): since glibc 2.10"
    )
    assert not {"feature test macro requirements", "test macro requirements"} & set(found)
    assert "glibc" in found  # the lines it labels stay
    terms = phrases("**Payment terms:**\n- payment within thirty days")
    assert "payment" in terms and "payment terms" not in terms


def test_a_paragraph_on_one_line_keeps_its_words_though_it_ends_in_a_colon():
    paragraph = "Quarterly earnings rose on strong demand for cloud storage, " * 3 + "as the table shows:"
    assert "quarterly earnings" in phrases(paragraph + "\n  Q1  12")


def test_contractions_are_stop_words_and_possessives_are_not():
    found = phrases("I don't think it's their year; they've lost. Jo's team won")
    assert not {"don't", "it's", "they've"} & set(found)
    assert "jo's team" in found


def test_a_line_of_code_that_ends_a_statement_is_not_content():
    found = phrases("char *strcpy(char *dest, const char *src);\nThe function copies the string")
    assert "char" not in found and "function copies" in found


def test_the_line_a_reply_opens_its_quote_with_is_not_content():
    found = phrases("In article <x@y.edu>, jo@y.edu (Jo) writes:\n> Hockey playoffs start soon")
    assert "article" not in found and "hockey playoffs" in found
    assert "article" not in phrases("In article <x@y.edu> jo@y.edu\n(Jo Bloggs) writes:\n> Hockey")


def test_a_filter_is_described_by_what_its_documents_share_and_others_do_not():
    texts = ["crude oil prices rise"] * 5 + ["film awards and music album"] * 5
    counts = _documents(texts)
    found = distinctive_phrases(counts, np.array([0] * 5 + [1] * 5), is_word)
    assert found[0][0].text in {"crude oil prices", "oil prices"} and found[0][0].coverage == 1.0
    assert "film" not in {p.text for p in found[0]}


def test_codes_and_abbreviations_are_not_keyphrases():
    texts = ["mln dlrs oil prices"] * 5 + ["film awards"] * 5
    found = distinctive_phrases(_documents(texts), np.array([0] * 5 + [1] * 5), is_word)
    assert all("mln" not in p.text and "dlrs" not in p.text for p in found[0])


def test_a_proper_noun_capitalised_in_the_filters_titles_counts_as_a_word():
    texts = ["yukos oil prices"] * 5 + ["film awards"] * 5
    titles = ["Yukos shares fall"] * 5 + ["Oscars"] * 5
    found = distinctive_phrases(_documents(texts, titles), np.array([0] * 5 + [1] * 5), is_word)
    assert any("yukos" in p.text for p in found[0])


def test_a_phrase_that_cannot_name_anything_is_not_a_keyphrase():
    texts = ["oil prices rise"] * 5 + ["film awards"] * 5
    not_rise = lambda phrase: not phrase.endswith("rise")  # noqa: E731 - "rise" read as a verb here
    found = distinctive_phrases(_documents(texts), np.array([0] * 5 + [1] * 5), is_word, is_phrase=not_rise)
    assert [p.text for p in found[0]][:1] == ["oil prices"] and not any(p.text.endswith("rise") for p in found[0])


def test_singular_and_plural_echoes_are_kept_once():
    texts = ["award awards film"] * 5 + ["oil"] * 5
    found = distinctive_phrases(_documents(texts), np.array([0] * 5 + [1] * 5), is_word)
    texts_found = [p.text for p in found[0]]
    assert not ({"award", "awards"} <= set(texts_found))


def test_background_only_documents_are_contrast_not_a_filter():
    texts = ["oil prices"] * 4 + ["film"] * 4
    found = distinctive_phrases(_documents(texts), np.array([0] * 4 + [-1] * 4), is_word)
    assert set(found) == {0}


def test_acronyms_and_mixed_case_keep_how_the_texts_write_them():
    forms = surface_forms({"api", "design", "iphone"}, ["The API design", "API Design for the iPhone", "api"])
    assert forms == {"api": "API", "iphone": "iPhone"}
    assert title_case("api design review", forms) == "API Design Review"
    assert title_case("terms and conditions", {}) == "Terms and Conditions"


def test_words_in_capitals_in_a_row_are_shouting_not_acronyms():
    forms = surface_forms({"sale", "bike", "nasa"}, ["Subject: FOR SALE: bike", "FOR SALE", "NASA said", "NASA"])
    assert forms == {"nasa": "NASA"}


def test_words_inside_code_identifiers_are_not_phrases():
    found = phrases("The VIDIOC_G_FMT ioctl sets the capture format. See max_alarm files")
    assert found == ["ioctl", "capture", "capture format", "format", "files"]


def test_words_inside_addresses_and_quoting_lines_are_not_phrases():
    found = phrases("Ask jo@nasa.gov or see https://www.nasa.gov/x on the shuttle")
    assert found == ["ask", "shuttle"]


def test_an_address_ends_a_clause_and_emphasis_is_prose():
    assert "contact pricing" not in " | ".join(phrases("Contact sales@acme.com Pricing sheet"))
    assert "budget plans" in phrases("Reading about _budget_ plans")


def test_acronyms_apart_by_punctuation_are_not_shouting():
    assert surface_forms({"api", "sdk", "cli"}, ["API, SDK and CLI"]) == {"api": "API", "sdk": "SDK", "cli": "CLI"}


def test_shown_phrases_come_from_the_filters_own_texts():
    texts = ["VAT returns"] * 3
    found = distinctive_phrases(_documents(texts + ["film"] * 3), np.array([0] * 3 + [1] * 3), lambda w: True)
    shown = with_surface_forms(found[0], texts)
    assert "VAT Returns" in {p.title for p in shown}


def test_file_name_titles_read_as_words():
    assert readable_title("invoice-7720_nimbusgrid.hosting") == "invoice 7720 nimbusgrid hosting"
    assert readable_title("Q3 - budget") == "Q3 - budget"


def test_texts_without_any_phrase_give_empty_descriptions():
    assert count_phrases([DocumentText("", "12 34"), DocumentText("", "!!")]) is None
    assert distinctive_phrases(None, np.array([0, 1]), is_word) == {0: (), 1: ()}


def test_a_word_most_of_its_documents_use_inside_one_phrase_is_shown_as_that_phrase():
    texts = ["Tony Blair spoke on oil prices"] * 6 + ["Blair said oil prices"] * 2 + ["film awards"] * 8
    titles = ["Tony Blair speech"] * 8 + ["Oscars"] * 8
    found = distinctive_phrases(_documents(texts, titles), np.array([0] * 8 + [1] * 8), is_word)
    shown = [p.text for p in found[0]]
    assert "tony blair" in shown and "tony" not in shown and "blair" not in shown


def test_a_word_used_mostly_on_its_own_is_not_folded_into_a_rarer_phrase():
    texts = ["crude oil"] * 2 + ["oil market"] * 3 + ["oil prices"] * 3 + ["film awards"] * 8
    found = distinctive_phrases(_documents(texts), np.array([0] * 8 + [1] * 8), is_word)
    assert "oil" in [p.text for p in found[0]]


def test_a_noun_that_only_points_at_what_follows_does_not_head_a_phrase():
    found = phrases("Information on Haskell packages. A list of fonts. Support for Python. Bank of England.")
    assert "information on haskell" not in found and "list of fonts" not in found and "support for python" not in found
    assert "bank of england" in found and "haskell" in found and "fonts" in found


def test_two_phrases_name_one_thing_only_where_the_same_documents_use_both():
    from drive_tagger.core.keyphrases import Keyphrase, count_phrases, phrases_together

    bodies = ["the band recorded a new album"] * 4 + ["road tolls rise again"] * 3 + ["a probe reached the planet"] * 3
    counts = count_phrases([DocumentText("", b) for b in bodies])
    phrases = [Keyphrase(t, 1.0, 0.3) for t in ("band", "album", "tolls", "planet")]
    column = {text: j for j, text in enumerate(counts.vocabulary)}
    together = phrases_together(counts, np.arange(len(bodies)), phrases, column)
    assert together == {frozenset({"band", "album"})}
    # A pair in one document only is no pattern.
    assert phrases_together(counts, np.array([0, 4, 7]), phrases, column) == frozenset()


def test_keyphrase_and_keyword_names_pair_only_what_goes_together():
    from drive_tagger.core.keyphrases import Keyphrase
    from drive_tagger.core.naming import keyword_candidates, phrase_candidates

    found = [Keyphrase("tolls", 2.0, 0.4), Keyphrase("planet", 1.5, 0.3), Keyphrase("probe", 1.0, 0.3)]
    assert phrase_candidates(found, frozenset({frozenset({"planet", "probe"})})) == [
        "Planet and Probe",
        "Tolls",
        "Planet",
        "Probe",
    ]
    assert keyword_candidates(["tolls", "planet"], frozenset()) == ["Tolls", "Planet"]
    assert keyword_candidates(["tolls", "planet"])[0] == "Tolls and Planet"  # nothing known: as before
