from drive_tagger.core.forms import document_form, shared_form

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


def test_field_records_inside_prose_are_not_a_transcript():
    assert document_form(REFERENCE) is None
    assert document_form("The quarter closed at 94% of target. Wins were strong in the Nordics.") is None


def test_a_filter_has_a_form_when_half_its_documents_share_it_and_the_rest_of_the_drive_does_not():
    inside = ["Emails"] * 5 + [None] * 5
    assert shared_form(inside, [None] * 40 + ["Emails"] * 4) == "Emails"
    assert shared_form(inside, [None] * 20 + ["Emails"] * 20) is None  # every filter is e-mail
    assert shared_form(["Emails"] * 2 + [None] * 8, [None] * 40) is None
    assert shared_form([], [None]) is None
