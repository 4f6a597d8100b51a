"""Naming backends: the GatedNamer base (order, concurrency, quality gate, fallback) and the offline namer."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from drive_tagger.core.naming import (
    NameChoice,
    NamingContext,
    NamingRequest,
    Proposal,
    grounding_margin,
    keyword_candidates,
    keyword_description,
    keyword_name,
    rejection,
    sanitize_description,
    sanitize_name,
)
from drive_tagger.core.taxonomy import TAXONOMY, fit_labels, taxonomy_candidates
from drive_tagger.core.types import NamedBy

# Vectors of names and taxonomy labels, per (model, text): computed once per process.
_VECTORS: dict[tuple[str, str], np.ndarray] = {}
_VECTORS_LOCK = threading.Lock()


class GatedNamer(ABC):
    """One method to implement, `_propose`; `name` runs it per category and puts every answer
    through the quality gate: a short plain name, not vague, unique in the workspace
    (case-insensitive), and closer to its own category than to any peer (by the embedder).
    A category whose proposals all fail is asked again (up to `attempts`), then named by the
    `fallback` namer (marked offline), and at last gets the best-grounded keyword name."""

    named_by: NamedBy = NamedBy.OFFLINE
    concurrency: int = 1  # categories proposed for at once (a wave); later waves see earlier names
    attempts: int = 1

    def __init__(self, embedder=None, *, fallback: GatedNamer | None = None):
        self.embedder = embedder
        self.fallback = fallback

    def name(self, requests: Sequence[NamingRequest], context: NamingContext) -> list[NameChoice]:
        """A name for every request, in request order; context.names grows as names are given."""
        self._begin_refresh()
        choices = []
        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            for start in range(0, len(requests), max(1, self.concurrency)):
                wave = list(requests[start : start + max(1, self.concurrency)])
                proposals = list(pool.map(lambda r: self._propose(r, context, ()), wave))
                for request, proposed in zip(wave, proposals, strict=True):
                    choice = self._choose(request, proposed, context)
                    context.names[request.index] = choice.name
                    choices.append(choice)
        return choices

    @abstractmethod
    def _propose(
        self, request: NamingRequest, context: NamingContext, rejected: Sequence[tuple[str, str]]
    ) -> list[Proposal]:
        """Candidate names for one category, best first ([] when the backend has none).
        `rejected` holds (name, why) pairs the gate turned down for this category."""

    def _begin_refresh(self) -> None:  # noqa: B027 - a hook; most backends keep no per-refresh state
        """Called at the start of each refresh's naming (budgets start afresh)."""

    # -- the quality gate --

    def _choose(self, request: NamingRequest, proposed: list[Proposal], context: NamingContext) -> NameChoice:
        rejected: list[tuple[str, str]] = []
        for attempt in range(max(1, self.attempts)):
            if attempt:  # the backend answered, but the gate turned every answer down
                proposed = self._propose(request, context, tuple(rejected))
            if not proposed:  # the backend failed or may not be asked: no second try
                break
            choice = self._first_passing(request, proposed, context, self.named_by, rejected)
            if choice is not None:
                return choice
        offline = self.fallback._propose(request, context, tuple(rejected)) if self.fallback else proposed
        if self.fallback is not None:
            choice = self._first_passing(request, offline, context, NamedBy.OFFLINE, rejected)
            if choice is not None:
                return choice
        return self._last_resort(request, offline, context)

    def _first_passing(self, request, proposals, context, named_by, rejected) -> NameChoice | None:
        taken = context.taken()
        candidates = []
        for proposal in proposals:
            name = sanitize_name(proposal.name)
            why = rejection(name, taken | {c[0].lower() for c in candidates})
            if why is None:
                candidates.append((name, proposal))
            else:
                rejected.append((str(proposal.name)[:80], why))
        if not candidates:
            return None
        margins = self._margins(request, [n for n, _ in candidates], context)
        for (name, proposal), margin in zip(candidates, margins, strict=True):
            if margin > 0:
                return NameChoice(request.index, name, _description(proposal, request), named_by)
            rejected.append((name, "fits another category better"))
        return None

    def _last_resort(self, request, proposals, context) -> NameChoice:
        """The best-grounded unique plain candidate, else a (numbered) keyword name."""
        taken = context.taken()
        names = [n for n in dict.fromkeys(sanitize_name(p.name) for p in proposals) if rejection(n, taken) is None]
        if names:
            margins = self._margins(request, names, context)
            best = int(np.argmax(margins))
            return NameChoice(request.index, names[best], keyword_description(request.keywords), NamedBy.OFFLINE)
        return NameChoice(
            request.index, keyword_name(request.keywords, taken), keyword_description(request.keywords), NamedBy.OFFLINE
        )

    def _margins(self, request: NamingRequest, names: list[str], context: NamingContext) -> list[float]:
        if not self.can_embed(context) or not request.peers:
            return [1.0] * len(names)
        vectors = self.vectors(names)
        peers = context.centroids[list(request.peers)]
        return [grounding_margin(v, request.centroid, peers) for v in vectors]

    # -- embedding names --

    def can_embed(self, context: NamingContext) -> bool:
        """Names are compared with centroids only in the centroids' own model."""
        return self.embedder is not None and context.model in (None, self.embedder.model_id)

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        model = self.embedder.model_id
        missing = [t for t in dict.fromkeys(texts) if (model, t) not in _VECTORS]
        if missing:
            fresh = self.embedder.embed(missing)
            with _VECTORS_LOCK:
                _VECTORS.update({(model, t): v for t, v in zip(missing, fresh, strict=True)})
        return np.vstack([_VECTORS[(model, t)] for t in texts])


def _description(proposal: Proposal, request: NamingRequest) -> str:
    return sanitize_description(proposal.description) or keyword_description(request.keywords)


class OfflineNamer(GatedNamer):
    """No network: the taxonomy labels nearest the category's centroid when they fit well
    ("Legal and Finance"), then names from its distinctive keywords."""

    named_by = NamedBy.OFFLINE

    def _propose(self, request, context, rejected) -> list[Proposal]:
        names = []
        if self.can_embed(context):
            center = context.centroids.mean(axis=0) if len(context.centroids) > 1 else None
            fit = fit_labels(self.vectors([label.text for label in TAXONOMY]), request.centroid, center)
            names += taxonomy_candidates(fit, request.keywords)
        names += keyword_candidates(request.keywords)
        description = keyword_description(request.keywords)
        return [Proposal(n, description) for n in dict.fromkeys(names)]
