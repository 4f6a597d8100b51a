from drive_tagger.adapters.lexicon import WordFrequencyLexicon


def test_common_words_of_the_language_are_words():
    lexicon = WordFrequencyLexicon()
    assert all(lexicon.is_word(w) for w in ("invoice", "kernel", "hotel", "api", "hr"))


def test_rare_codes_and_markup_are_not_words():
    lexicon = WordFrequencyLexicon()
    assert not any(lexicon.is_word(w) for w in ("mln", "dlrs", "edu", "scsi", "nbsp"))


def test_frequent_abbreviations_without_vowels_are_not_words():
    lexicon = WordFrequencyLexicon()
    assert not any(lexicon.is_word(w) for w in ("pct", "sql", "cts"))
    assert lexicon.is_word("sync") and lexicon.is_word("gym")


def test_the_vowel_rule_is_english_only():
    assert WordFrequencyLexicon("cs").is_word("prst")
