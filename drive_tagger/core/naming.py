"""Filter names (pure): naming requests, offline keyword names, and the quality gate's checks."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from drive_tagger.core.filler import JOINERS
from drive_tagger.core.keyphrases import Keyphrase, singular, word_key
from drive_tagger.core.types import NamedBy

MAX_NAME_WORDS = 4
MAX_NAME_CHARS = 48
MAX_DESCRIPTION_CHARS = 200
SHOUTED_LETTERS = 6  # a word in capitals this long is shown capitalised; shorter ones are acronyms
# Words that say nothing about what a filter holds; a name carrying one is rejected.
VAGUE_WORDS = frozenset(
    {
        "various",
        "misc",
        "miscellaneous",
        "miscellany",
        "assorted",
        "assortment",
        "documents",
        "document",
        "docs",
        "files",
        "file",
        "stuff",
        "things",
        "items",
        "other",
        "others",
        "mixed",
        "random",
        "sundry",
        "uncategorized",
        "uncategorised",
        "unsorted",
        "untitled",
        "etc",
    }
)
# Letters (any script), digits, spaces and a few joiners; nothing that renders as markup.
_NAME_CHARS = re.compile(r"^[^\W_](?:[^\W_]|[ &,'’./:+()-])*$")
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_NAME_JOINERS = JOINERS | {"&"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_MARKUP = re.compile(r"<[^>]*>|\[[^\]]*\]\([^)]*\)|https?://|www\.|[`*_#|{}<>\[\]\\^~$@=]")


@dataclass(frozen=True)
class NamingRequest:
    """One category to name: what a namer may look at, and whom its name must not fit better."""

    index: int  # position of the category in the refresh
    keywords: tuple[str, ...]
    centroid: np.ndarray = field(compare=False, repr=False)
    documents: tuple[str, ...] = field(default=(), repr=False)  # representatives, most central first
    peers: tuple[int, ...] = ()  # indexes of categories its name must be further from (same level)
    parent: int | None = None  # index of the top-level category a sub-filter sits in
    keyphrases: tuple[Keyphrase, ...] = field(default=(), repr=False)  # best first
    known_words: frozenset[str] = field(default=frozenset(), repr=False)  # capitalised in its titles
    kind: Keyphrase | None = None  # the kind of document its titles say it holds
    form: str | None = None  # the form its documents share and the drive's others do not ("Emails")
    # Pairs of its keyphrases its documents use together; None: not known (any pair may name it).
    together: frozenset[frozenset[str]] | None = field(default=None, repr=False)


@dataclass
class NamingContext:
    """Shared by the requests of one refresh: every centroid, the names given so far (kept ones
    first), and the model the centroids come from (names are embedded with the same model)."""

    centroids: np.ndarray
    names: dict[int, str]
    model: str | None = None
    is_word: Callable[[str], bool] = field(default=lambda word: True, repr=False)  # the lexicon
    # {category index: vectors of a sample of its documents}: names are tried on them as
    # classifiers (core/fidelity.py); empty: names are chosen without them.
    members: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    def taken(self) -> set[str]:
        return {n.lower() for n in self.names.values()}

    def rejection(self, name: str | None, request: NamingRequest, also_taken: Sequence[str] = ()) -> str | None:
        """Why a (sanitized) name may not be given to the request's category, or None."""
        parent = self.names.get(request.parent) if request.parent is not None else None
        others = [n for i, n in self.names.items() if i != request.index] + list(also_taken)
        siblings = [self.names[i] for i in request.peers if i in self.names and i != request.index]
        return rejection(name, others, self.is_word, request.known_words, parent, siblings)

    def others(self, index: int) -> list[str]:
        return [n for i, n in sorted(self.names.items()) if i != index]


@dataclass(frozen=True)
class Proposal:
    name: str
    description: str = ""
    # Texts that say what the name means, when the bare name says less: a taxonomy label is
    # grounded by its kinds of document ("Engineering": "incident postmortem", ...).
    grounding: tuple[str, ...] = ()
    # A kind of thing a drive holds (the documents' form, a taxonomy label, the kind their titles
    # name): a person reads from it what a filter holds, so it stays though a phrase would sort the
    # filter's documents better as a classifier ("Engineering" beside "Error Rate", core/fidelity.py).
    says_kind: bool = False


@dataclass(frozen=True)
class NameChoice:
    index: int
    name: str
    description: str
    named_by: NamedBy


class Lexicon(Protocol):
    """Which words a person would write, and which phrases of them can name a filter
    (adapters/lexicon.py: word-frequency lists, parts of speech)."""

    def is_word(self, word: str) -> bool: ...

    def is_name_phrase(self, phrase: str) -> bool: ...

    def warm_up(self) -> None:
        """Loads its word lists now (a refresh runs this beside clustering); never raises."""
        ...


class AnyWord:
    """A lexicon that takes every word: for callers without a word list."""

    def is_word(self, word: str) -> bool:
        return True

    def is_name_phrase(self, phrase: str) -> bool:
        return True

    def warm_up(self) -> None:
        return None


class Namer(Protocol):
    """Names the categories of one refresh. `named_by` says how its names are made, so a refresh
    can tell whether an offline name kept from before could now be bettered."""

    named_by: NamedBy
    lexicon: Lexicon  # keyphrases and names use only its words (and the filters' proper nouns)

    def name(self, requests: Sequence[NamingRequest], context: NamingContext) -> list[NameChoice]:
        """A choice for every request, in request order; context.names grows as names are given."""
        ...


def keyword_name(keywords: Sequence[str], taken: set[str]) -> str:
    """'Contract and Invoice' from the top two keywords; later keywords break ties with taken names."""
    candidates = keyword_candidates(keywords)
    if not candidates:
        return _numbered("Untitled", taken)
    for name in candidates:
        if name.lower() not in taken:
            return name
    return _numbered(candidates[0], taken)


def keyword_candidates(keywords: Sequence[str], together: frozenset[frozenset[str]] | None = None) -> list[str]:
    """Names from keywords, best first: the top pair, further pairs, then single keywords; pairs
    only of keywords known to go together when `together` is given."""
    shown = [(k, k.title()) for k in keywords if k.strip()]
    pairs = [(a, b) for i, a in enumerate(shown) for b in shown[i + 1 : i + 3]]
    if together is not None:
        pairs = [(a, b) for a, b in pairs if frozenset((a[0], b[0])) in together]
    return list(dict.fromkeys([f"{a[1]} and {b[1]}" for a, b in pairs] + [w for _, w in shown]))


def phrase_candidates(phrases: Sequence[Keyphrase], together: frozenset[frozenset[str]] | None = None) -> list[str]:
    """Names from keyphrases (best first): the best one alone when it has two or three words
    ('Oil Prices'), pairs of the best three ('Film and Music'), then each alone. With `together`,
    only pairs its documents use together: two phrases from different documents are two
    things, and "Tolls and Planet" names neither."""
    shown = [p.title for p in phrases[:4]]
    names = [shown[0]] if shown and " " in phrases[0].text else []
    names += [
        f"{shown[a]} and {shown[b]}"
        for a, b in ((0, 1), (0, 2), (1, 2))
        if b < len(shown) and (together is None or frozenset((phrases[a].text, phrases[b].text)) in together)
    ]
    return list(dict.fromkeys(names + shown))


def kind_name(kind: Keyphrase, is_word: Callable[[str], bool]) -> str:
    """A kind of document as a filter name: its title phrase, plural when the language has the
    plural ("invoice" -> "Invoices", "meeting notes" stays)."""
    *head, last = kind.title.split(" ")
    if singular(last.lower()) == last.lower():
        plural = _plural(last)
        if is_word(plural.lower()):
            last = plural
    return " ".join([*head, last])


def _plural(word: str) -> str:
    if word.endswith("y") and len(word) > 2 and word[-2].lower() not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def _numbered(base: str, taken: set[str]) -> str:
    number = 2
    while f"{base} {number}".lower() in taken:
        number += 1
    return f"{base} {number}"


def keyword_description(keywords: Sequence[str]) -> str:
    if not keywords:
        return ""
    return "Documents about " + ", ".join(keywords[:5]) + "."


def unique_offline_names(keywords_per_category: Sequence[Sequence[str]]) -> list[str]:
    taken: set[str] = set()
    names = []
    for keywords in keywords_per_category:
        name = keyword_name(keywords, taken)
        taken.add(name.lower())
        names.append(name)
    return names


def sanitize_name(raw: object) -> str | None:
    """A clean name of at most MAX_NAME_WORDS words, or None when the text cannot be one: it has
    newlines or control characters, markup, a URL, symbols, or is too long."""
    if not isinstance(raw, str):
        return None
    if _CONTROL.search(raw.strip()):
        return None
    text = " ".join(raw.split()).strip(" \"'“”‘’.")
    if len(text) > MAX_NAME_CHARS:
        return None
    if not text or _MARKUP.search(text) or not _NAME_CHARS.match(text):
        return None
    if len(text.split()) > MAX_NAME_WORDS or len(text) > MAX_NAME_CHARS:
        return None
    # A long word in capitals is a heading shouting ("DESCRIPTION" in man pages), not an acronym.
    text = " ".join(w.capitalize() if w.isupper() and len(w) >= SHOUTED_LETTERS else w for w in text.split())
    return text.title() if text.islower() else text[0].upper() + text[1:]


def sanitize_description(raw: object) -> str:
    """One plain sentence of at most MAX_DESCRIPTION_CHARS: tags and markup stripped, whitespace
    collapsed, cut after the first sentence; '' when nothing usable is left."""
    if not isinstance(raw, str):
        return ""
    text = re.sub(r"<[^>]*>", " ", raw)
    text = re.sub(r"https?://\S+|www\.\S+", " ", text)
    text = re.sub(r"[`*_#|{}<>\[\]\\^~$@=]", " ", _CONTROL.sub(" ", text))
    text = " ".join(text.split())
    match = re.search(r"^(.+?[.!?])(\s|$)", text)
    text = match.group(1) if match else text
    if len(text) > MAX_DESCRIPTION_CHARS:
        text = text[: MAX_DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def is_vague(name: str) -> bool:
    return any(word in VAGUE_WORDS for word in re.findall(r"[^\W\d_]+", name.lower()))


def name_words(name: str) -> list[str]:
    """The words of a name, lower-cased, without joiners ("and", "of", ...)."""
    return [w for w in _NAME_WORD.findall(name.lower()) if w not in _NAME_JOINERS]


def junk_words(name: str, is_word: Callable[[str], bool], known_words: frozenset[str] = frozenset()) -> list[str]:
    """Words of a name a person would not write: neither a word of the language (is_word) nor a
    proper noun its filter's titles capitalise (known_words)."""
    return [w for w in name_words(name) if not (is_word(w) or w in known_words)]


def name_key(name: str) -> frozenset[str]:
    """What a name says, for telling near-duplicates apart: its words, singular, in any order."""
    return word_key(name)


_SAME_WORD_ENDINGS = frozenset({"i", "n", "an", "r", "er", "d", "ed", "es"})


def repeats_itself(name: str) -> bool:
    """'Car and Cars', 'Israel and Israeli': a word that comes back in another form (its plural,
    itself with an ending that makes a person or people of it: 'Armenia and Armenian', or the
    same stem of five letters or more with another ending: 'Economy and Economic'; not 'Form
    and Format', 'Data and Database')."""
    words = name_words(name)
    stems = sorted({singular(w) for w in words}, key=len)
    if len(stems) < len(words):
        return True
    return any(
        (len(short) >= 4 and long.startswith(short) and long[len(short) :] in _SAME_WORD_ENDINGS)
        # One stem with other endings: "Economy and Economic", "Print and Printing".
        or _shared_start(short, long) >= max(5, len(short) - 1)
        for i, short in enumerate(stems)
        for long in stems[i + 1 :]
    )


def _shared_start(a: str, b: str) -> int:
    """How many letters two words share from their start."""
    length = 0
    while length < min(len(a), len(b)) and a[length] == b[length]:
        length += 1
    return length


def rejection(
    name: str | None,
    taken: Sequence[str],
    is_word: Callable[[str], bool] = lambda word: True,
    known_words: frozenset[str] = frozenset(),
    parent: str | None = None,
    siblings: Sequence[str] = (),
) -> str | None:
    """Why a (sanitized) name fails the gate's text checks, or None when it passes: it must be
    plain, not vague, made of words a person would write, not a near-duplicate of a name in the
    workspace (same words in another order, singular or plural), not all of a sibling's words and
    more, nor part of them ("Technology" beside "Technology and Computer" reads as its parent),
    and a sub-filter's name must say more than its parent's."""
    if name is None:
        return "not a short plain name"
    if is_vague(name):
        return "too vague"
    junk = junk_words(name, is_word, known_words)
    if junk:
        return f"not words a person would write: {', '.join(junk)}"
    if repeats_itself(name):
        return "repeats a word"
    key = name_key(name)
    if any(name.lower() == t.lower() or key == name_key(t) for t in taken):
        return "already used in the workspace"
    # A facet and a topic ("Emails: Energy Trading" beside "Emails") say how they relate.
    if ":" not in name and any((key < name_key(s) or key > name_key(s)) and ":" not in s for s in siblings):
        return "contains a sibling's name or is part of one"
    if parent is not None and key <= name_key(parent):
        return "says nothing its parent's name does not"
    return None


def is_junk(name: str, is_word: Callable[[str], bool], known_words: frozenset[str] = frozenset()) -> bool:
    """A name a person would not have written on its own: with a word that is neither a word of
    the language nor a proper noun of its filter's titles, or with a word repeated ("Car and Cars")."""
    return bool(junk_words(name, is_word, known_words)) or repeats_itself(name)


def junk_names(
    names: Sequence[str], known_words: Sequence[frozenset[str]], is_word: Callable[[str], bool]
) -> list[str]:
    """The names a person would not have written (is_junk), or saying what another name says
    (the same words in another order or number)."""
    keys = [name_key(n) for n in names]
    return [
        name
        for name, known, key in zip(names, known_words, keys, strict=True)
        if is_junk(name, is_word, known) or keys.count(key) > 1
    ]


def grounding_margin(name_vector: np.ndarray, own: np.ndarray, peers: np.ndarray) -> float:
    """How much closer a name is to its own category's centroid than to the nearest peer's
    (cosine); positive means grounded. With no peers every name is grounded."""
    if len(peers) == 0:
        return 1.0
    # Plain numpy: this runs thousands of times per refresh, sklearn's checks cost more than the math.
    own_similarity = own @ name_vector / (np.linalg.norm(own) or 1.0)
    peer_norms = np.linalg.norm(peers, axis=1)
    return float(own_similarity - np.max(peers @ name_vector / np.where(peer_norms > 0, peer_norms, 1.0)))


class KeywordNamer:
    """The simplest namer: unique names from keywords, no model (core tests; the product names with
    wiring.make_namer)."""

    named_by = NamedBy.OFFLINE
    lexicon: Lexicon = AnyWord()

    def name(self, requests: Sequence[NamingRequest], context: NamingContext) -> list[NameChoice]:
        choices = []
        for request in requests:
            name = keyword_name([k for k in request.keywords if not is_vague(k)] or request.keywords, context.taken())
            context.names[request.index] = name
            choices.append(NameChoice(request.index, name, keyword_description(request.keywords), NamedBy.OFFLINE))
        return choices
