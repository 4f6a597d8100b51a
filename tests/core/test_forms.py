import numpy as np

from drive_tagger.core.forms import continued_forms, document_form, forms_setting_apart, join_form_filters, rows_of

EMAIL = "From: jo@example.org\nTo: sam@example.org\nSubject: Gas contracts\n\nSam, the gas desk needs the figures."
TRANSCRIPT = """ALICE: Shall we start with the budget?
BOB: Yes, the numbers came in late.
ALICE: How late?
BOB: Two weeks, and the vendor is still waiting.
ALICE: Then we move the launch.
BOB: Agreed."""
MINUTES = "# Weekly Sync\n\n**Date:** 3 May\n**Attendees:** Jo, Sam, Ravi\n\n## Updates\n\n- Release slipped a day."
RESUME = "Jo Bloggs\n\nSummary\nData engineer.\n\nExperience\nAcme, 2019-2024\n\nEducation\nBSc Physics\n\nSkills\nSQL"
LETTER = "12 High Street\n\nDear Ms Shah,\n\nThank you for your letter of 3 May.\n\nYours sincerely,\nJo"
REFERENCE = "max16601 driver\n\nPrefix: 'max16601'\nDatasheet: on request\n\n" + "The chip monitors voltage.\n" * 8


def test_a_documents_form_is_read_from_its_structure():
    assert document_form(EMAIL) == "Emails"
    assert document_form(TRANSCRIPT) == "Transcripts"
    assert document_form(MINUTES) == "Meeting Notes"
    assert document_form(RESUME) == "Resumes"
    assert document_form(LETTER) == "Letters"


def test_two_meeting_headings_tell_meeting_notes_without_an_attendees_line():
    assert (
        document_form("# Design Review\n\n## Agenda\n\n- Caching\n\n## Actions\n\n- Jo drafts the RFC.")
        == "Meeting Notes"
    )
    assert document_form("# Design Review\n\n## Agenda\n\n- Caching and the rollout plan.") is None


def test_notes_written_as_prose_are_meeting_notes_when_their_title_says_so():
    prose = "\nAbout 60 attendees in person and online.\nMarkus thanked everyone for a strong year."
    assert document_form("All-Hands Meeting Notes – January 2026" + prose) == "Meeting Notes"
    assert document_form("Minutes of the Board of Directors Meeting" + prose) == "Meeting Notes"
    assert document_form("1:1 Notes – Priya and Ayo" + prose) == "Meeting Notes"
    assert document_form("Release notes" + prose + "\nSee the meeting notes of 3 May.") is None


def test_a_sentence_that_mentions_meeting_notes_is_no_title():
    prose = "\nAbout 60 attendees in person and online."
    assert document_form("Arrive within 10 minutes of the meeting start" + prose) is None
    assert document_form("Following up on the meeting notes from Monday, " + "here is the plan. " * 5) is None


def test_field_records_inside_prose_are_not_a_transcript():
    assert document_form(REFERENCE) is None
    assert document_form("The quarter closed at 94% of target. Wins were strong in the Nordics.") is None


NO_FENCES = np.full(3, -1.0)


def _unit(values: list[float]) -> np.ndarray:
    return np.array(values) / np.linalg.norm(values)


def _forms(*runs: tuple[str | None, int]) -> np.ndarray:
    return np.array([form for form, count in runs for _ in range(count)], dtype=object)


def test_a_filter_has_a_form_when_half_its_documents_share_it_and_the_rest_of_the_drive_does_not():
    labels = np.array([0] * 10 + [1] * 44)
    assert forms_setting_apart(labels, _forms(("Emails", 5), (None, 45), ("Emails", 4))) == {0: "Emails"}
    every_filter_is_email = _forms(("Emails", 5), (None, 25), ("Emails", 24))
    assert forms_setting_apart(labels, every_filter_is_email) == {}
    assert forms_setting_apart(labels, _forms(("Emails", 2), (None, 52))) == {}
    assert forms_setting_apart(np.array([0, 0, -1]), _forms(("Emails", 2), (None, 1))) == {}  # too few
    assert forms_setting_apart(np.full(3, -1), _forms(("Emails", 3))) == {}


def test_documents_of_a_form_that_sets_a_filter_apart_join_it_from_their_topic_or_from_untagged():
    vectors = np.eye(3)[[0, 0, 0, 1, 1, 1, 2, 2]]
    labels = np.array([0, 0, 0, 1, 1, 1, -1, -1])
    forms = np.array(["Meeting Notes"] * 3 + [None, None, "Meeting Notes", "Meeting Notes", None], dtype=object)
    joined, set_apart = join_form_filters(labels, forms, vectors, np.eye(3)[:2], NO_FENCES)
    assert set_apart == {0: "Meeting Notes"}
    assert joined.tolist() == [0, 0, 0, 1, 1, 0, 0, -1]


def test_a_document_joins_the_nearest_of_the_filters_its_form_sets_apart():
    vectors = np.eye(3)[[0, 0, 0, 1, 1, 1] + [2] * 6 + [0, 1]]
    labels = np.array([0, 0, 0, 1, 1, 1] + [2] * 8)
    forms = np.array(["Emails"] * 6 + [None] * 6 + ["Emails"] * 2, dtype=object)
    joined, set_apart = join_form_filters(labels, forms, vectors, np.eye(3), NO_FENCES)
    assert set_apart == {0: "Emails", 1: "Emails"}
    assert joined[-2:].tolist() == [0, 1]


def test_a_filter_keeps_the_previous_refreshs_form_decision_while_its_share_sits_near_the_line():
    labels = np.array([0] * 100 + [1] * 200)
    forms = _forms(("Emails", 48), (None, 252))  # 48% of filter 0, none elsewhere
    assert forms_setting_apart(labels, forms) == {}
    assert forms_setting_apart(labels, forms, before={0: "Emails", 1: None}) == {0: "Emails"}
    assert forms_setting_apart(labels, _forms(("Emails", 39), (None, 261)), before={0: "Emails"}) == {}


def test_a_filter_that_had_no_form_gains_one_only_when_its_share_is_clearly_past_the_line():
    labels = np.array([0] * 100 + [1] * 200)
    assert forms_setting_apart(labels, _forms(("Emails", 55), (None, 245)), before={0: None}) == {}
    assert forms_setting_apart(labels, _forms(("Emails", 61), (None, 239)), before={0: None}) == {0: "Emails"}
    assert forms_setting_apart(labels, _forms(("Emails", 55), (None, 245)), before={1: None}) == {0: "Emails"}  # new


def test_a_document_of_another_form_leaves_a_forms_filter_for_the_nearest_topic_that_admits_it():
    budget, poem = _unit([0.8, 0.6, 0.0]), _unit([0.6, 0.0, 0.8])  # both nearest the notes
    vectors = np.vstack([np.eye(3)[[0, 0, 0]], budget, poem, np.eye(3)[[1, 1, 1]]])
    labels = np.array([0, 0, 0, 0, 0, 1, 1, 1])
    forms = np.array(["Meeting Notes"] * 3 + [None] * 5, dtype=object)
    joined, set_apart = join_form_filters(labels, forms, vectors, np.eye(3)[:2], np.array([0.5, 0.5]))
    assert set_apart == {0: "Meeting Notes"}
    assert joined.tolist() == [0, 0, 0, 1, 0, 1, 1, 1]  # the poem: no topic filter admits it


def test_a_filter_continues_the_previous_filter_whose_centroid_placed_most_of_its_known_documents():
    # Cluster 1 is 40 documents by the old "Emails" centroid and 60 by a topic's. Wherever forms
    # moved them afterwards, the old clustering placed them by those centroids.
    labels = np.array([1] * 100)
    vectors = np.eye(2)[[0] * 40 + [1] * 60]
    previous = [("Emails", np.array([1.0, 0.0])), (None, np.array([0.0, 1.0]))]
    known = np.arange(100) < 85  # the last 15 arrived since
    assert continued_forms(labels, vectors, known, previous) == {1: None}
    assert continued_forms(labels, vectors, np.arange(100) < 75, previous) == {1: "Emails"}
    assert continued_forms(labels, vectors, np.zeros(100, dtype=bool), previous) == {}


def test_a_small_filter_keeps_its_form_only_while_a_quarter_of_its_documents_have_it():
    labels = np.array([0] * 5 + [1] * 50)
    assert forms_setting_apart(labels, _forms(("Emails", 1), (None, 54)), before={0: "Emails"}) == {}
    assert forms_setting_apart(labels, _forms(("Emails", 2), (None, 53)), before={0: "Emails"}) == {0: "Emails"}


def test_rows_of_finds_each_id_in_unsorted_document_ids_and_skips_absent_ones():
    rows, found = rows_of(np.array([30, 10, 20]), np.array([20, 99, 30, 5]))
    assert rows.tolist() == [2, 0] and found.tolist() == [0, 2]
