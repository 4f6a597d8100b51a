"""Offline filter names from a category's keywords, unique within the workspace."""

from __future__ import annotations

from collections.abc import Sequence


def keyword_name(keywords: Sequence[str], taken: set[str]) -> str:
    """'Contract and Invoice' from the top two keywords; later keywords break ties with taken names."""
    words = [k.title() for k in keywords if k.strip()]
    if not words:
        return _numbered("Untitled", taken)
    candidates = [f"{a} and {b}" for i, a in enumerate(words) for b in words[i + 1 : i + 3]]
    candidates = ([f"{words[0]} and {words[1]}"] if len(words) > 1 else []) + candidates + words
    for name in candidates:
        if name.lower() not in taken:
            return name
    return _numbered(candidates[0], taken)


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
