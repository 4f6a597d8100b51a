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


def test_a_name_phrase_does_not_end_in_a_word_that_is_only_a_verb():
    lexicon = WordFrequencyLexicon()
    assert not any(lexicon.is_name_phrase(p) for p in ("excludes", "booked", "dividend declared", "char restrict"))
    assert all(lexicon.is_name_phrase(p) for p in ("printing", "oil prices", "stock split", "measured input voltage"))


def test_a_single_word_name_can_be_a_noun():
    lexicon = WordFrequencyLexicon()
    assert not any(lexicon.is_name_phrase(p) for p in ("economic", "digital", "acquired", "monetary", "bring"))
    assert all(lexicon.is_name_phrase(p) for p in ("public", "chemical", "printing", "linux", "long-term"))
    assert not lexicon.is_name_phrase("schema-qualified")


def test_a_longer_name_may_end_in_the_adjective_of_a_proper_name_but_not_in_an_adverb():
    lexicon = WordFrequencyLexicon()
    assert all(lexicon.is_name_phrase(p) for p in ("australian open", "manchester united", "economic growth"))
    assert not lexicon.is_name_phrase("effective immediately")


def test_a_determiner_in_a_name_follows_a_joiner():
    lexicon = WordFrequencyLexicon()
    assert not any(lexicon.is_name_phrase(p) for p in ("raised the contract", "calculate the complex"))
    assert all(lexicon.is_name_phrase(p) for p in ("bank of the west", "the beatles"))


def test_a_name_phrase_has_no_adverb_or_verb_s_form_before_its_head():
    lexicon = WordFrequencyLexicon()
    assert not any(lexicon.is_name_phrase(p) for p in ("maybe john", "fairly portable compiler", "sells shares"))
    assert all(lexicon.is_name_phrase(p) for p in ("sales tax", "linked list", "trade in services", "bank of england"))


def test_words_the_part_of_speech_list_does_not_know_pass():
    assert WordFrequencyLexicon().is_name_phrase("filesystem ioctl")
    assert WordFrequencyLexicon("de").is_name_phrase("excludes")


def test_warming_up_looks_a_word_up_in_both_lists_and_a_failing_list_does_not_raise(monkeypatch):
    lexicon = WordFrequencyLexicon()
    lexicon.warm_up()
    assert lexicon.is_word.cache_info().currsize >= 1 and lexicon._parts_of_speech.cache_info().currsize >= 1

    def broken(word):
        raise OSError("word list unreadable")

    failing = WordFrequencyLexicon()
    monkeypatch.setattr(failing, "is_word", broken)
    failing.warm_up()  # left to the first real lookup, which reports it
