"""The lexicon names are checked against: word frequencies of a language from the `wordfreq` lists,
and for English the parts of speech a word can take (`lemminflect`)."""

from __future__ import annotations

import contextlib
from functools import lru_cache
from itertools import pairwise

from drive_tagger.core.filler import JOINERS

# Zipf frequency 3 is once per million words of running text: "invoice", "kernel", "api" and "hr"
# pass; codes, abbreviations and markup ("mln", "dlrs", "edu", "scsi", "nbsp") do not.
COMMON_WORD_ZIPF = 3.0
# English web text uses some abbreviations that often ("pct" 3.15, "div" 3.37); in English a run
# of three or more letters without a vowel is one (or an acronym: "sql", "xml"), allowed in names
# only where a filter's own titles capitalise it ("SQL"). Czech or Croatian have such words.
_VOWELS = frozenset("aeiouy")
# A name is a noun phrase: a single word of it can be a noun ("Write", "Excludes", "Economic"
# cannot; an -ing form may: "Printing", "Scheduling").
_NOUN = frozenset({"NOUN", "PROPN"})
_VERB_ONLY = frozenset({"VERB", "AUX"})
_DETERMINERS = frozenset({"the", "a", "an"})


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
        self._parts_of_speech = lru_cache(maxsize=200_000)(self._word_parts_of_speech)

    def warm_up(self) -> None:
        """Loads the word-frequency list and, in English, the part-of-speech list (about half a
        second each on first use in a process); a failure is left to the first real lookup."""
        with contextlib.suppress(Exception):
            self.is_word("word")
            self.is_name_phrase("word")

    def is_name_phrase(self, phrase: str) -> bool:
        """Whether a phrase of lower-case words can stand as a name: a noun phrase. A single word
        can be a noun or is an -ing form of a verb ("Printing"; not "Excludes", "Economic",
        "Acquired" or "Bring"); a longer phrase does not end in a word that is only a verb (but
        an -ing form) or only an adverb ("Effective Immediately"), and may end in an adjective
        ("Australian Open"). A determiner starts the phrase or follows a joiner ("The Beatles",
        "Bank of the West", not "Raised the Contract"); no word before the last is only an adverb
        ("Maybe John", "Fairly Portable") or a verb's -s form ("Sells Shares"). Words the
        part-of-speech list does not know pass ("Linux", "French"), a compound of them by its last
        part ("Schema-Qualified" is not a name); other languages pass."""
        words = phrase.split()
        if self.language != "en" or not words:
            return self.language != "en"
        *before, last = words
        # A compound the list does not know is read by its last part: "schema-qualified", "long-term".
        last = last if self._parts_of_speech(last) or "-" not in last else last.rsplit("-", 1)[1]
        parts = self._parts_of_speech(last)
        if parts and not self._is_ing_form(last):
            if not before and not parts & _NOUN:
                return False
            if before and (parts <= _VERB_ONLY or parts <= {"ADV"}):
                return False
        if any(word in _DETERMINERS and earlier not in JOINERS for earlier, word in pairwise(words)):
            return False
        return not any(
            self._only(w, {"ADV"}) or (w.endswith("s") and self._only(w, _VERB_ONLY))
            for w in before
            if w not in JOINERS  # "in", "on" and "to" are adverbs to the list
        )

    @staticmethod
    @lru_cache(maxsize=200_000)
    def _is_ing_form(word: str) -> bool:
        from lemminflect import getAllLemmas

        return word.endswith("ing") and word not in getAllLemmas(word).get("VERB", (word,))

    def _only(self, word: str, parts: set[str] | frozenset[str]) -> bool:
        found = self._parts_of_speech(word)
        return bool(found) and found <= parts

    @staticmethod
    def _word_parts_of_speech(word: str) -> frozenset[str]:
        from lemminflect import getAllLemmas

        return frozenset(getAllLemmas(word))

    def _is_word(self, word: str) -> bool:
        from wordfreq import zipf_frequency

        abbreviation = word.isascii() and word.isalpha() and not _VOWELS & set(word.lower())
        if self.language == "en" and len(word) >= 3 and abbreviation:
            return False
        return zipf_frequency(word, self.language) >= self.min_zipf
