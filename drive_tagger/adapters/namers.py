"""Naming backends: the GatedNamer base (order, concurrency, quality gate, fallback) and the offline namer."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from drive_tagger.core.fidelity import FIDELITY_PROMPT, sharpen
from drive_tagger.core.keyphrases import Keyphrase
from drive_tagger.core.naming import (
    AnyWord,
    Lexicon,
    NameChoice,
    NamingContext,
    NamingRequest,
    Proposal,
    grounding_margin,
    keyword_candidates,
    keyword_description,
    keyword_name,
    kind_name,
    name_key,
    phrase_candidates,
    sanitize_description,
    sanitize_name,
)
from drive_tagger.core.params import NAME_OPTIONS, NAME_TOLERANCE
from drive_tagger.core.taxonomy import (
    TAXONOMY,
    fit_labels,
    phrases_agree,
    prototype_texts,
    sets_apart,
    taxonomy_candidates,
)
from drive_tagger.core.types import NamedBy
from drive_tagger.core.unit import unit_rows

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

    def __init__(self, embedder=None, *, fallback: GatedNamer | None = None, lexicon: Lexicon | None = None):
        self.embedder = embedder
        self.fallback = fallback
        self.lexicon: Lexicon = lexicon or (fallback.lexicon if fallback else AnyWord())

    def name(self, requests: Sequence[NamingRequest], context: NamingContext) -> list[NameChoice]:
        """A name for every request, in request order; context.names grows as names are given.
        With the documents' vectors in the context, the names of each level are then sharpened
        as classifiers (`_sharpened`)."""
        self._begin_refresh()
        ahead = self._proposed_ahead(requests, context)
        choices = []
        options: dict[int, list[_Option]] = {}
        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            for start in range(0, len(requests), max(1, self.concurrency)):
                wave = list(requests[start : start + max(1, self.concurrency)])
                proposals = list(
                    pool.map(lambda r: ahead[r.index] if r.index in ahead else self._propose(r, context, ()), wave)
                )
                for request, proposed in zip(wave, proposals, strict=True):
                    options[request.index] = []
                    choice = self._choose(request, proposed, context, options[request.index])
                    context.names[request.index] = choice.name
                    choices.append(choice)
        if context.members and self.can_embed(context):
            return self._sharpened(requests, choices, options, context)
        return choices

    @abstractmethod
    def _propose(
        self, request: NamingRequest, context: NamingContext, rejected: Sequence[tuple[str, str]]
    ) -> list[Proposal]:
        """Candidate names for one category, best first ([] when the backend has none).
        `rejected` holds (name, why) pairs the gate turned down for this category."""

    def _begin_refresh(self) -> None:  # noqa: B027 - a hook; most backends keep no per-refresh state
        """Called at the start of each refresh's naming (budgets start afresh)."""

    def _proposed_ahead(self, requests: Sequence[NamingRequest], context: NamingContext) -> dict[int, list[Proposal]]:
        """Proposals made before any name is given, by request index (a backend whose proposals
        depend on no name given may make them all at once); the rest are proposed wave by wave."""
        return {}

    def _sharpened(
        self,
        requests: Sequence[NamingRequest],
        choices: list[NameChoice],
        options: dict[int, list[_Option]],
        context: NamingContext,
    ) -> list[NameChoice]:
        """Names as classifiers (core/fidelity.py): per level of siblings, each filter named here
        takes, of the names that passed the gate's text checks, the most readable one that sorts
        nearly as many of the level's sampled documents into their own filters as its best name
        does. Names kept from before (a person's among them) stay, and compete as they are."""
        given = {c.index: c for c in choices}
        asked = {r.index: r for r in requests}
        for level in dict.fromkeys(frozenset((r.index, *r.peers)) for r in requests):
            positions = sorted(i for i in level if i in context.members and i in context.names)
            if len(positions) < 2:
                continue
            menus = [self._menu(options.get(i), given.get(i), context.names[i]) for i in positions]
            prompts = self.vectors([FIDELITY_PROMPT.format(o.name) for menu in menus for o in menu])
            split = np.cumsum([len(menu) for menu in menus])[:-1]

            def allowed(p: int, j: int, now: Sequence[int], positions=positions, menus=menus) -> bool:
                names = context.names | {i: menus[q][now[q]].name for q, i in enumerate(positions)}
                return replace(context, names=names).rejection(menus[p][j].name, asked[positions[p]]) is None

            start = [[o.name for o in menu].index(context.names[i]) for i, menu in zip(positions, menus, strict=True)]
            picked = sharpen(
                [context.members[i] for i in positions],
                np.split(prompts, split),
                start,
                allowed,
                tolerance=NAME_TOLERANCE,
            )
            for i, menu, j in zip(positions, menus, picked, strict=True):
                if i in given and menu[j].name != given[i].name:
                    option = menu[j]
                    given[i] = NameChoice(i, option.name, option.description, option.named_by)
                    context.names[i] = option.name
        return [given[r.index] for r in requests]

    @staticmethod
    def _menu(options: list[_Option] | None, choice: NameChoice | None, name: str) -> list[_Option]:
        """The names a filter may take, most readable first: its passing options (one per set of
        words, at most NAME_OPTIONS) and the name it has; only that name when it was not named here
        or its name says what kind of thing it holds (Proposal.says_kind)."""
        if choice is None or not options or any(o.says_kind and o.name == name for o in options):
            return [_Option(name, "", NamedBy.OFFLINE)]
        menu = list({name_key(o.name): o for o in reversed(options)}.values())[::-1][:NAME_OPTIONS]
        if name not in [o.name for o in menu]:
            menu.append(_Option(choice.name, choice.description, choice.named_by))
        return menu

    # -- the quality gate --

    def _choose(
        self, request: NamingRequest, proposed: list[Proposal], context: NamingContext, options: list[_Option]
    ) -> NameChoice:
        """The first proposal that passes the gate; `options` gathers every proposal that passes
        its text checks, whatever its grounding, for `_sharpened` to weigh."""
        rejected: list[tuple[str, str]] = []
        for attempt in range(max(1, self.attempts)):
            if attempt:  # the backend answered, but the gate turned every answer down
                proposed = self._propose(request, context, tuple(rejected))
            if not proposed:  # the backend failed or may not be asked: no second try
                break
            choice = self._first_passing(request, proposed, context, self.named_by, rejected, options)
            if choice is not None:
                return choice
        offline = self.fallback._propose(request, context, tuple(rejected)) if self.fallback else proposed
        if self.fallback is not None:
            choice = self._first_passing(request, offline, context, NamedBy.OFFLINE, rejected, options)
            if choice is not None:
                return choice
        choice = self._last_resort(request, offline, context)
        options.append(_Option(choice.name, choice.description, choice.named_by))
        return choice

    def _first_passing(self, request, proposals, context, named_by, rejected, options) -> NameChoice | None:
        candidates: list[tuple[str, Proposal]] = []
        said: set[frozenset[str] | None] = set()
        for proposal in proposals:
            name = sanitize_name(proposal.name)
            if name is not None and name_key(name) in said:  # the same words as a candidate before it
                continue
            said.add(name_key(name) if name else None)
            why = context.rejection(name, request)
            if why is None:
                assert name is not None  # the gate turns None down ("not a short plain name")
                candidates.append((name, proposal))
                options.append(_Option(name, _description(proposal, request), named_by, proposal.says_kind))
            else:
                rejected.append((str(proposal.name)[:80], why))
        if not candidates:
            return None
        if self.can_embed(context) and request.peers:  # one model call for every candidate, not one each
            self.vectors([text for name, proposal in candidates for text in (name, *proposal.grounding)])
        margins = [max(self._margins(request, [name, *proposal.grounding], context)) for name, proposal in candidates]
        for (name, proposal), margin in zip(candidates, margins, strict=True):
            # The form was read from the documents' structure; what its name means is no test of it.
            if margin > 0 or (request.form is not None and name == request.form):
                return NameChoice(request.index, name, _description(proposal, request), named_by)
            rejected.append((name, "fits another category better"))
        return None

    def _last_resort(self, request, proposals, context) -> NameChoice:
        """The best-grounded unique plain candidate, else a (numbered) keyword name."""
        taken = context.taken()
        names = [
            n
            for n in dict.fromkeys(sanitize_name(p.name) for p in proposals)
            # the gate turns None down too ("not a short plain name"); checking it here types n as str
            if n is not None and context.rejection(n, request) is None
        ]
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


@dataclass(frozen=True)
class _Option:
    """A name that passed the gate's text checks for a filter, as it would be given."""

    name: str
    description: str
    named_by: NamedBy
    says_kind: bool = False  # see Proposal.says_kind


def _description(proposal: Proposal, request: NamingRequest) -> str:
    return sanitize_description(proposal.description) or keyword_description(request.keywords)


class OfflineNamer(GatedNamer):
    """No network. A top-level filter takes the taxonomy label nearest its centroid when that
    label truly fits and its keyphrases bear it out ("Legal"); then the kind of document its
    titles say it holds ("Meeting Notes", "Invoices"); every filter then has names made from
    its keyphrases, re-ranked by meaning: a phrase counts when it sits closer to its own
    filter's centroid than to any peer's, and the most relevant such phrases come first,
    diverse (maximal marginal relevance, the KeyBERT idea), so "Oil Prices" beats a merely
    frequent "Said"."""

    named_by = NamedBy.OFFLINE
    diversity = 0.3  # weight of dissimilarity to phrases already chosen
    agreeing_phrases = 10  # the grounded keyphrases a taxonomy label must agree with

    def _proposed_ahead(self, requests: Sequence[NamingRequest], context: NamingContext) -> dict[int, list[Proposal]]:
        """Every request's proposals at once (an offline proposal depends on no name given), with
        what naming will look up embedded in two model calls, not dozens of small ones (each call
        costs its own overhead): the taxonomy's texts with every filter's keyphrases, which
        proposals are made from; then the proposals the gate's text checks pass, their grounding,
        and the sentences that try them as classifiers."""
        if not requests or not self.can_embed(context):
            return {}
        texts, _ = prototype_texts(TAXONOMY)
        self.vectors(list(dict.fromkeys([*texts, *(p.text for r in requests for p in r.keyphrases)])))
        proposed = {r.index: self._propose(r, context, ()) for r in requests}
        likely: list[str] = []
        for request in requests:
            named = [(sanitize_name(p.name), p) for p in proposed[request.index]]
            passing = [(n, p) for n, p in named if n is not None and context.rejection(n, request) is None]
            likely += [text for n, p in passing for text in (n, *p.grounding)]
            if context.members:
                likely += [FIDELITY_PROMPT.format(n) for n, _ in passing[:NAME_OPTIONS]]
        if likely:
            self.vectors(list(dict.fromkeys(likely)))
        return proposed

    def _propose(self, request, context, rejected) -> list[Proposal]:
        phrases = self._grounded(request, context)
        labels = []
        if self.can_embed(context) and request.parent is None:
            center = context.centroids.mean(axis=0) if len(context.centroids) > 1 else None
            texts, owner = prototype_texts(TAXONOMY)
            prototypes = self.vectors(texts)
            fit = fit_labels(prototypes, owner, request.centroid, center)
            best = int(np.argmax(fit.similarity))
            # A filter without keyphrases (scans, photos) has nothing to contradict a label.
            agreeing = [p.text for p in phrases[: self.agreeing_phrases]]

            def borne_out(label: int) -> bool:
                if center is not None and not sets_apart(prototypes, owner, label, request.centroid, center):
                    return False
                return not agreeing or phrases_agree(prototypes, owner, label, request.centroid, self.vectors(agreeing))

            if borne_out(best):
                labels = taxonomy_candidates(fit, [p.title for p in phrases], borne_out=borne_out)
        # The form that sets the filter apart ("Emails", or "Emails: Energy Trading" beside
        # another filter of e-mails), a label that truly fits, then the kind of document, then
        # keyphrases, then a label made distinct by a keyphrase ("Sports: Rugby").
        kinds = [request.form] if request.form else []
        kinds += [n for n in labels if ":" not in n]
        if request.kind is not None:
            kinds.append(kind_name(request.kind, self.lexicon.is_word))
        names = kinds[:1] + [f"{request.form}: {p.title}" for p in phrases[:3]] if request.form else []
        names += kinds
        names += phrase_candidates(phrases, request.together)
        names += [n for n in labels if ":" in n]
        names += keyword_candidates(request.keywords, request.together)
        description = keyword_description([p.text for p in phrases] or request.keywords)
        meaning = {label.name: label.texts for label in TAXONOMY}
        return [
            Proposal(n, description, tuple(t for part in n.split(" and ") for t in meaning.get(part, ())), n in kinds)
            for n in dict.fromkeys(names)
        ]

    def _grounded(self, request: NamingRequest, context: NamingContext) -> list[Keyphrase]:
        """The request's keyphrases nearer its own centroid than any peer's, most relevant first
        and diverse; all of them, in their own order, when names cannot be embedded."""
        phrases = list(request.keyphrases)
        if not phrases or not self.can_embed(context) or not request.peers:
            return phrases
        vectors = unit_rows(self.vectors([p.text for p in phrases]))
        relevance = vectors @ unit_rows(request.centroid[None])[0]
        margin = relevance - (vectors @ unit_rows(context.centroids[list(request.peers)]).T).max(axis=1)
        # Half what the documents share (the statistic), half what the phrase means (relevance).
        statistic = np.array([p.score for p in phrases])
        merit = statistic / statistic.max() + (relevance - relevance.min()) / (np.ptp(relevance) or 1.0)
        left = [i for i in range(len(phrases)) if margin[i] > 0]
        chosen: list[int] = []
        while left:
            redundancy = (vectors[left] @ vectors[chosen].T).max(axis=1) if chosen else np.zeros(len(left))
            best = left[int(np.argmax((1 - self.diversity) * merit[left] / 2 - self.diversity * redundancy))]
            chosen.append(best)
            left.remove(best)
        return [phrases[i] for i in chosen]
