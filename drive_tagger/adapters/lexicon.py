"""The lexicon names are checked against: word frequencies of a language from the `wordfreq` lists."""

from __future__ import annotations

from functools import lru_cache

# Zipf frequency 3 is once per million words of running text: "invoice", "kernel", "api" and "hr"
# pass; codes, abbreviations and markup ("mln", "dlrs", "edu", "scsi", "nbsp") do not.
COMMON_WORD_ZIPF = 3.0
# English web text uses some abbreviations that often ("pct" 3.15, "div" 3.37); in English a run
# of three or more letters without a vowel is one (or an acronym: "sql", "xml"), allowed in names
# only where a filter's own titles capitalise it ("SQL"). Czech or Croatian have such words.
_VOWELS = frozenset("aeiouy")


class WordFrequencyLexicon:
    """A word is one a person would write when the language uses it at least once per million
    words (COMMON_WORD_ZIPF) and it is not an abbreviation without vowels."""

    def __init__(self, language: str = "en", min_zipf: float = COMMON_WORD_ZIPF):
        from wordfreq import available_languages

        if language not in available_languages():
            known = ", ".join(sorted(available_languages()))
            raise ValueError(f"no word list for language {language!r}; known: {known}")
        self.language = language
        self.min_zipf = min_zipf
        self.is_word = lru_cache(maxsize=200_000)(self._is_word)

    def _is_word(self, word: str) -> bool:
        from wordfreq import zipf_frequency

        abbreviation = word.isascii() and word.isalpha() and not _VOWELS & set(word.lower())
        if self.language == "en" and len(word) >= 3 and abbreviation:
            return False
        return zipf_frequency(word, self.language) >= self.min_zipf
