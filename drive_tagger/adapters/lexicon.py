"""The lexicon names are checked against: word frequencies of a language from the `wordfreq` lists."""

from __future__ import annotations

from functools import lru_cache

# Zipf frequency 3 is once per million words of running text: "invoice", "kernel", "api" and "hr"
# pass; codes, abbreviations and markup ("mln", "dlrs", "edu", "scsi", "nbsp") do not.
COMMON_WORD_ZIPF = 3.0


class WordFrequencyLexicon:
    """A word is one a person would write when the language uses it at least once per million
    words (COMMON_WORD_ZIPF)."""

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

        return zipf_frequency(word, self.language) >= self.min_zipf
