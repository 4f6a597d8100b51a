"""Filter names (pure): naming requests, offline keyword names, and the quality gate's checks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from sklearn.preprocessing import normalize

from drive_tagger.core.types import NamedBy

MAX_NAME_WORDS = 4
MAX_NAME_CHARS = 48
MAX_DESCRIPTION_CHARS = 200
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


@dataclass
class NamingContext:
    """Shared by the requests of one refresh: every centroid, the names given so far (kept ones
    first), and the model the centroids come from (names are embedded with the same model)."""

    centroids: np.ndarray
    names: dict[int, str]
    model: str | None = None

    def taken(self) -> set[str]:
        return {n.lower() for n in self.names.values()}

    def others(self, index: int) -> list[str]:
        return [n for i, n in sorted(self.names.items()) if i != index]


@dataclass(frozen=True)
class Proposal:
    name: str
    description: str = ""


@dataclass(frozen=True)
class NameChoice:
    index: int
    name: str
    description: str
    named_by: NamedBy


class Namer(Protocol):
    """Names the categories of one refresh. `named_by` says how its names are made, so a refresh
    can tell whether an offline name kept from before could now be bettered."""

    named_by: NamedBy

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


def keyword_candidates(keywords: Sequence[str]) -> list[str]:
    """Names from keywords, best first: the top pair, further pairs, then single keywords."""
    words = [k.title() for k in keywords if k.strip()]
    pairs = [f"{a} and {b}" for i, a in enumerate(words) for b in words[i + 1 : i + 3]]
    return list(dict.fromkeys(([f"{words[0]} and {words[1]}"] if len(words) > 1 else []) + pairs + words))


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


def rejection(name: str | None, taken: set[str]) -> str | None:
    """Why a (sanitized) name fails the gate's text checks, or None when it passes."""
    if name is None:
        return "not a short plain name"
    if is_vague(name):
        return "too vague"
    if name.lower() in taken:
        return "already used in the workspace"
    return None


def grounding_margin(name_vector: np.ndarray, own: np.ndarray, peers: np.ndarray) -> float:
    """How much closer a name is to its own category's centroid than to the nearest peer's
    (cosine); positive means grounded. With no peers every name is grounded."""
    if len(peers) == 0:
        return 1.0
    return float(normalize(own[None])[0] @ name_vector - np.max(normalize(peers) @ name_vector))


class KeywordNamer:
    """The simplest namer, for callers that pass none: unique names from keywords, no model."""

    named_by = NamedBy.OFFLINE

    def name(self, requests: Sequence[NamingRequest], context: NamingContext) -> list[NameChoice]:
        choices = []
        for request in requests:
            name = keyword_name([k for k in request.keywords if not is_vague(k)] or request.keywords, context.taken())
            context.names[request.index] = name
            choices.append(NameChoice(request.index, name, keyword_description(request.keywords), NamedBy.OFFLINE))
        return choices
