from drive_tagger.core.text import content_hash, cut_text, embedding_text


def test_content_hash_changes_when_body_changes():
    assert content_hash("Lease", "Rent is due monthly.") != content_hash("Lease", "Rent is due weekly.")


def test_content_hash_changes_when_title_changes():
    assert content_hash("Lease", "Rent is due.") != content_hash("Office lease", "Rent is due.")


def test_content_hash_is_hex_sha256():
    digest = content_hash("t", "b")
    assert len(digest) == 64 and int(digest, 16) >= 0


def test_title_is_not_repeated_when_body_opens_with_it():
    assert embedding_text("Leave policy", "# Leave policy\nStaff get 25 days.") == "# Leave policy\nStaff get 25 days."


def test_title_is_prepended_when_body_lacks_it():
    assert embedding_text("Q3 plan", "Budget is tight.") == "Q3 plan\n\nBudget is tight."


def test_cut_text_leaves_short_text_alone():
    assert cut_text("short text", 100) == "short text"


def test_cut_text_cuts_long_text_at_whitespace_within_budget():
    text = "word " * 10_000
    cut = cut_text(text, 1000)
    assert len(cut) <= 1000 and not cut.endswith("wor")
