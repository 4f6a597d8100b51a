"""Keyphrases per filter (pure): phrases of one to three words from its documents' titles and text,
scored by how much they tell the filter apart from a background (the whole drive, or for a
sub-filter its parent), and kept only when every word is one a person would write: a common word,
or a proper noun the filter's own titles capitalise. So a filter is never described by codes,
markup or abbreviations.

The score of a phrase for a filter is its term in the divergence of the filter from the
background: p_in * log(p_in / p_background), p being (smoothed) shares of documents using it.
Presence per document rather than counts: one long document repeating a word does not make it
the filter's."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from drive_tagger.core.filler import FILLER_WORDS, JOINERS, LIGHT_HEADS, LIGHT_JOINERS
from drive_tagger.core.forms import LINE_MARKUP
from drive_tagger.core.types import DocumentText

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Clause ends: punctuation, bullets, a dash with spaces round it ("Abstract Objects — Python"),
# and the gap between a table's columns (a tab, or three spaces or more: "Oct   Dec   Hex   Char"
# is four headings, not a phrase; justified text pads words with two).
_BREAK = re.compile(r"[\n.!?;:,()\[\]{}|/\\\"“”<>•·«»\t]+|\s[-–—]+\s| {3,}")
_FILE_NAME_SEPARATORS = re.compile(r"[-_.]+")
# Words apart by spaces or tabs only: the runs shouting is looked for in.
_SHOUTED_RUN = re.compile(r"[^\W\d_]+(?:[ \t]+[^\W\d_]+)+")
# Letters joined by an underscore make a code identifier (VIDIOC_G_FMT, max_alarm; not Markdown's
# _emphasis_), and an e-mail or web address is a locator (jo@cs.cmu.edu, www.nasa.gov): the words
# inside them are not words a person would write in a name ("edu", a lower-case "nasa"). A word
# written against an opening bracket is a function in code or a manual reference ("int ioctl(int
# fd)", "ascii(7)"): the phrase it ends ("Int Ioctl") is code, not prose.
# Each alternative starts only where a run or a word starts (the lookbehind, \b): tried at every
# character, the same patterns took a third longer.
_NOT_PROSE = re.compile(
    r"(?<![^\s<>()\[\]])[^\s<>()\[\]]+@[^\s<>()\[\]]+|https?://[^\s<>()\[\]]+|www\.[^\s<>()\[\]]+"
    r"|\b(?=\w*[^\W_]_[^\W_])\w+|\b\w+\("
)
# A field's label at the start of a line, with its value after it ("Lines: 18", "Organization:
# AT&T", "**Owner:** Priya"): the form a document is written in, shared by every e-mail or
# minute, not what it is about. Its value stays.
_FIELD_LABEL = re.compile(
    "^" + LINE_MARKUP + r"[^\W\d_][\w'’-]*(?: [\w'’&-]+){0,3}[ \t]*:[*_]*(?=[ \t]+\S)", re.MULTILINE
)
# A line that ends with a colon labels what follows it ("Feature Test Macro Requirements for glibc
# (see feature_test_macros(7)):", "**Payment terms:**", "The release includes:"): a template's
# heading or a lead-in, the same in every document written from it. Found from its end (a line
# anchored at its start took three times longer).
_LEAD_IN_END = re.compile(r":[*_]*[ \t]*$", re.MULTILINE)
MAX_LEAD_IN = 120
# The line a reply opens its quote with ("In article <...>, jo@x.edu writes:", "On Monday, Jo wrote:"),
# also where it wraps before "writes:".
_ATTRIBUTION = re.compile(r"^.*\b(?:writes|wrote):[ \t]*$|^[ \t>:|+]*In article <.*$", re.MULTILINE)
# A line that calls or declares a function and ends the statement ("char *strcpy(char *dest,
# const char *src);"): code, every word of it.
_CODE_LINE = re.compile(r"^.*\w\(.*\);[ \t]*$", re.MULTILINE)

_STOP = ENGLISH_STOP_WORDS | FILLER_WORDS
_CONTRACTED = frozenset({"m", "re", "ve", "ll", "d"})
MAX_WORD_LENGTH = 24


@dataclass(frozen=True)
class Keyphrase:
    text: str  # lower case
    score: float  # p_in * log(p_in / p_background)
    coverage: float  # share of the filter's (sampled) documents that use it
    shown: str = ""  # as a name shows it: "API Design", "Oil Prices", "Terms and Conditions"

    @property
    def title(self) -> str:
        return self.shown or title_case(self.text, {})


@dataclass(frozen=True)
class PhraseCounts:
    """Which phrases each sampled document uses, computed once for every level."""

    presence: sparse.csr_matrix  # documents x phrases, 1 where the document uses the phrase
    vocabulary: np.ndarray
    titles: tuple[str, ...]


def phrases(text: str) -> list[str]:
    """One- to three-word phrases inside each clause of text, lower-cased; no phrase starts or ends
    with a stop word, a filler word or a word under three letters, and inside one sits a joiner
    or another content word ("bill of sale", "oil price rise"; not "module provides access", nor
    "information on haskell")."""
    found = []
    for clause in _BREAK.split(_NOT_PROSE.sub("\n", _prose_only(text)).lower()):
        words = _WORD.findall(clause)
        n = len(words)
        end = [2 < len(w) <= MAX_WORD_LENGTH and not _is_stop(w) for w in words]
        inner = [len(w) <= MAX_WORD_LENGTH and (w in JOINERS or not _is_stop(w)) for w in words]
        for i in range(n):
            if not end[i]:
                continue
            word = words[i]
            found.append(word)
            if i + 1 < n and end[i + 1]:
                found.append(f"{word} {words[i + 1]}")
            if (
                i + 2 < n
                and inner[i + 1]
                and end[i + 2]
                and not (word in LIGHT_HEADS and words[i + 1] in LIGHT_JOINERS)
            ):
                found.append(f"{word} {words[i + 1]} {words[i + 2]}")
    return found


def _is_stop(word: str) -> bool:
    """A stop or filler word, or a contraction of one or of a verb ("don't", "i'm", "it's",
    "they've"): forum posts and e-mails are full of them, and none says what a filter holds."""
    if word in _STOP:
        return True
    base, apostrophe, ending = word.replace("’", "'").partition("'")
    return bool(apostrophe) and (base in _STOP or ending in _CONTRACTED or (base.endswith("n") and ending == "t"))


def _prose_only(text: str) -> str:
    """The text without code lines, reply attributions, lead-in lines and field labels (twice: a
    value may open with a label of its own, "Subject: Re: budget")."""
    # Each pattern only where its telltale is in the text: most documents have no code or quotes.
    if ");" in text:
        text = _CODE_LINE.sub("\n", text)
    if "wr" in text or "In article" in text:
        text = _ATTRIBUTION.sub("\n", text)
    if ":" in text:
        text = _without_lead_ins(text)
        text, labels = _FIELD_LABEL.subn("\n", text)
        if labels:
            text = _FIELD_LABEL.sub("\n", text)
    return text


def _without_lead_ins(text: str) -> str:
    kept, done = [], 0
    for end in _LEAD_IN_END.finditer(text):
        start = text.rfind("\n", 0, end.start()) + 1
        if end.start() - start <= MAX_LEAD_IN:
            kept.append(text[done:start])
            done = end.end()
    return "\n".join([*kept, text[done:]]) if kept else text


def readable_title(title: str) -> str:
    """A file-name title ('invoice-7720_hosting') as words; any other title as it is."""
    return title if any(c.isspace() for c in title) else _FILE_NAME_SEPARATORS.sub(" ", title)


def count_phrases(documents: Sequence[DocumentText]) -> PhraseCounts | None:
    """Which phrases each document's title and body use; None when there are none. In a sizeable
    sample a phrase must appear in two documents to count."""
    titles = tuple(readable_title(d.title) for d in documents)
    joined = [f"{t}\n{d.body}" for t, d in zip(titles, documents, strict=True)]
    vectorizer = CountVectorizer(
        analyzer=phrases, min_df=2 if len(documents) >= 20 else 1, binary=True, dtype=np.float32
    )
    try:
        presence = vectorizer.fit_transform(joined).tocsr()
    except ValueError:  # no phrase in any document
        return None
    return PhraseCounts(presence, vectorizer.get_feature_names_out(), titles)


def capitalised_words(titles: Sequence[str]) -> frozenset[str]:
    """Words the titles write with a capital letter (lower-cased): proper nouns and title words."""
    return frozenset(w.lower() for title in titles for w in _WORD.findall(title) if w[:1].isupper())


def distinctive_phrases(
    counts: PhraseCounts | None,
    groups: np.ndarray,
    is_word: Callable[[str], bool],
    *,
    is_phrase: Callable[[str], bool] = lambda phrase: True,
    top_k: int = 15,
) -> dict[int, tuple[Keyphrase, ...]]:
    """{group: its top_k keyphrases} for each group >= 0 of the counted documents, against the
    background of every document with a group >= -1 (-1: background only; -2: left out). A
    keyphrase's words are words (is_word) or its group's proper nouns, and together a phrase
    that can name something (is_phrase: a noun phrase, not "excludes" or "booked")."""
    groups = np.asarray(groups)
    classes = np.unique(groups[groups >= 0])
    if counts is None or not len(classes):
        return {int(c): () for c in classes}
    background = groups >= -1
    member = np.flatnonzero(groups >= 0)
    indicator = sparse.csr_matrix(
        (np.ones(len(member), np.float32), (np.searchsorted(classes, groups[member]), member)),
        shape=(len(classes), len(groups)),
    )
    present = np.asarray((indicator @ counts.presence).todense(), dtype=np.float64)
    everywhere_count = np.asarray(counts.presence[np.flatnonzero(background)].sum(axis=0), dtype=np.float64)
    sizes = np.bincount(np.searchsorted(classes, groups[member]), minlength=len(classes))[:, None]
    # Smoothed shares (add one): a phrase of two documents says little however rare it is elsewhere.
    inside = (present + 1) / (sizes + 2)
    everywhere = (everywhere_count + 1) / (background.sum() + 2)
    scores = inside * np.log(inside / everywhere)
    lengths = np.array([v.count(" ") for v in counts.vocabulary])
    result = {}
    for row, group in enumerate(classes):
        proper = capitalised_words([counts.titles[i] for i in np.flatnonzero(groups == group)])
        ranked = []
        for j in np.lexsort((-lengths, -scores[row]))[: top_k * 20]:  # ties: the longer phrase
            if scores[row, j] <= 0:
                break
            words = [w for w in counts.vocabulary[j].split() if w not in JOINERS]
            if all(is_word(w) or w in proper for w in words) and is_phrase(counts.vocabulary[j]):
                ranked.append(
                    Keyphrase(counts.vocabulary[j], float(scores[row, j]), float(present[row, j] / sizes[row, 0]))
                )
        result[int(group)] = _without_echoes(ranked, top_k)
    return result


# A word or phrase shown as the longer phrase it sits in when at least this share of the documents
# using it use that phrase: most do ("tony" -> "tony blair", "sox" -> "red sox"; not "oil" ->
# "oil prices" when most mentions of oil are about something else).
SUBSUMED_SHARE = 0.5


def _as_used(ranked: list[Keyphrase]) -> list[Keyphrase]:
    """Each phrase as the documents mostly say it: replaced (at its own rank and score) by the
    longer phrase holding its words that the most of its documents use, when that is most of them."""
    keys = [word_key(p.text) for p in ranked]
    holding: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        for word in key:
            holding.setdefault(word, []).append(i)
    out = []
    for i, phrase in enumerate(ranked):
        containing = set.intersection(*(set(holding[w]) for w in keys[i])) if keys[i] else set()
        longer = [j for j in containing if len(keys[j]) > len(keys[i])]
        best = max(longer, key=lambda j: (ranked[j].coverage, -j), default=None)
        if best is not None and ranked[best].coverage >= SUBSUMED_SHARE * phrase.coverage:
            phrase = Keyphrase(ranked[best].text, phrase.score, ranked[best].coverage)
        out.append(phrase)
    return out


def _without_echoes(ranked: list[Keyphrase], top_k: int) -> tuple[Keyphrase, ...]:
    """Each phrase as the documents mostly say it (_as_used), then skips a phrase whose words
    (singular) are all in a better one, or the other way round: 'error' after 'errors', 'oil'
    after 'oil prices'."""
    kept: list[Keyphrase] = []
    for phrase in _as_used(ranked):
        words = word_key(phrase.text)
        if any(words <= word_key(k.text) or word_key(k.text) <= words for k in kept):
            continue
        kept.append(phrase)
        if len(kept) == top_k:
            break
    return tuple(kept)


def singular(word: str) -> str:
    """A crude English singular, enough to tell 'car' and 'cars' are one word."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def word_key(text: str) -> frozenset[str]:
    """The words of a phrase or name, lower-cased and singular, joiners left out, in any order."""
    return frozenset(singular(w) for w in _WORD.findall(text.lower()) if w not in JOINERS)


def surface_forms(words: set[str], texts: Sequence[str]) -> dict[str, str]:
    """{word: how the texts write it} for words the texts mostly write in capitals or mixed case
    ('API', 'VAT', 'iPhone', 'PostgreSQL'); other words are left to title case. Words in a run of
    capitals ('FOR SALE') count as lower case: shouting says nothing about how a word is written."""
    seen: dict[str, dict[str, int]] = {}
    for text in texts:
        for form in _WORD.findall(_SHOUTED_RUN.sub(_unshouted, _NOT_PROSE.sub("\n", text))):
            lower = form.lower()
            if lower in words:
                forms = seen.setdefault(lower, {})
                forms[form] = forms.get(form, 0) + 1
    shown = {}
    for word, forms in seen.items():
        form = max(forms, key=lambda f: (forms[f], f))
        if form != form.lower() and form != form.capitalize() and forms[form] * 2 > sum(forms.values()):
            shown[word] = form
    return shown


def _unshouted(run: re.Match) -> str:
    """A run of words apart by spaces, those in a stretch of two or more in capitals lower-cased
    ('FOR SALE'); punctuation ends a run ('API, SDK and CLI' stays)."""
    words = run.group().split()
    shouting = [len(w) > 1 and w.isupper() for w in words]
    return " ".join(
        w.lower() if shouting[i] and ((i and shouting[i - 1]) or (i + 1 < len(words) and shouting[i + 1])) else w
        for i, w in enumerate(words)
    )


def title_case(text: str, forms: dict[str, str]) -> str:
    """'terms and conditions' -> 'Terms and Conditions'; a word the texts write their own way
    keeps that way ('api design' -> 'API Design')."""
    words = text.split()
    return " ".join(forms.get(w) or (w if (i and w in JOINERS) else w[:1].upper() + w[1:]) for i, w in enumerate(words))


# Two keyphrases say one thing together ("Band and Album") when at least this share of the
# documents using the rarer of them use the other too; phrases each from other documents ("Tolls
# and Planet", "Minister and Drunk") are two things, and a name of both reads as two unrelated words.
TOGETHER_SHARE = 0.5
TOGETHER_PHRASES = 6  # the leading keyphrases of a category checked pairwise
TOGETHER_DOCUMENTS = 2  # and at least this many documents use both: one document is no pattern


def phrases_together(
    counts: PhraseCounts, rows: np.ndarray, phrases: Sequence[Keyphrase], column: dict[str, int]
) -> frozenset[frozenset[str]]:
    """The pairs of the leading phrases that the counted documents `rows` use together (see
    TOGETHER_SHARE), each as a frozenset of the two phrase texts; `column`: each phrase's column
    in counts.presence (built once per refresh, not once per category)."""
    texts = [p.text for p in phrases[:TOGETHER_PHRASES] if p.text in column]
    if len(texts) < 2 or not len(rows):
        return frozenset()
    used = counts.presence[rows][:, [column[t] for t in texts]].astype(np.float64)
    both = np.asarray((used.T @ used).todense())
    alone = np.diag(both)
    return frozenset(
        frozenset((texts[a], texts[b]))
        for a in range(len(texts))
        for b in range(a + 1, len(texts))
        if both[a, b] >= max(TOGETHER_DOCUMENTS, TOGETHER_SHARE * min(alone[a], alone[b]))
    )


def is_common_phrase(phrase: str, texts: Sequence[str], is_word: Callable[[str], bool]) -> bool:
    """Whether a phrase names a kind of thing, not one particular thing: every word is a word of
    the language and the texts write each of them in lower case somewhere ("invoice", "trade
    fair"), where "Ashgrove Veterinary Group" or "Lisbon Trade Fair" are names of one clinic
    or one fair, never written small, and no kind of document."""
    words = phrase.split()
    if not all(is_word(w) for w in words):
        return False
    written = {w for text in texts for w in _WORD.findall(text)}
    return all(w in written for w in words)


def with_surface_forms(phrases: Sequence[Keyphrase], texts: Sequence[str]) -> tuple[Keyphrase, ...]:
    """The phrases with how a name would show them, cased as the texts write them."""
    forms = surface_forms({w for p in phrases for w in p.text.split()}, texts)
    return tuple(Keyphrase(p.text, p.score, p.coverage, title_case(p.text, forms)) for p in phrases)
