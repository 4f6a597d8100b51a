"""The LLM namer: names categories with an OpenAI(-compatible) chat model, within a budget."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, cast

import openai

from drive_tagger.adapters.namers import GatedNamer, OfflineNamer
from drive_tagger.adapters.openai_client import OpenAIOptions, describe_error, make_client
from drive_tagger.core.naming import Lexicon, NamingContext, NamingRequest, Proposal
from drive_tagger.core.prompts import estimate_tokens, naming_messages, parse_naming_answer
from drive_tagger.core.types import NamedBy

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

log = logging.getLogger(__name__)


class OpenAINamer(GatedNamer):
    """Asks the model for {"name", "description"} at temperature 0 for each category, with a few
    representative documents, the top keywords and the names already taken. Calls run
    `concurrency` at a time; a refresh makes at most `max_calls` calls and spends at most
    `max_tokens` tokens. A failed call, a malformed answer or a spent budget leaves the category
    to the offline namer (and marks it named offline)."""

    named_by = NamedBy.LLM
    attempts = 2  # one more call when the gate rejects the first answer

    def __init__(
        self,
        model: str,
        embedder=None,
        *,
        options: OpenAIOptions,
        concurrency: int,
        max_calls: int,
        max_tokens: int,
        document_chars: int,
        max_answer_tokens: int = 120,
        client=None,
        lexicon: Lexicon | None = None,
    ):
        super().__init__(embedder, fallback=OfflineNamer(embedder, lexicon=lexicon))
        self.model = model
        self.options = options
        self.client = client or make_client(self.options)
        self.concurrency = concurrency
        self.max_calls = max_calls
        self.max_tokens = max_tokens
        self.document_chars = document_chars
        self.max_answer_tokens = max_answer_tokens
        self._lock = threading.Lock()
        self._begin_refresh()

    def _begin_refresh(self) -> None:
        self.calls = 0
        self.tokens = 0
        self.failures: list[str] = []

    def _reserve(self, estimate: int) -> bool:
        """Counts a call against the budget, or says the budget cannot afford it."""
        with self._lock:
            if self.calls >= self.max_calls or self.tokens + estimate > self.max_tokens:
                return False
            self.calls += 1
            self.tokens += estimate
            return True

    def _settle(self, estimate: int, used: int | None) -> None:
        if used is not None:
            with self._lock:
                self.tokens += used - estimate

    def _propose(self, request: NamingRequest, context: NamingContext, rejected) -> list[Proposal]:
        parent = context.names.get(request.parent) if request.parent is not None else None
        messages = naming_messages(
            request,
            context.others(request.index),
            char_budget=self.document_chars,
            parent_name=parent,
            rejected=rejected,
        )
        estimate = estimate_tokens(messages) + self.max_answer_tokens
        if not self._reserve(estimate):
            self._failed("budget spent")
            return []
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                # naming_messages gives plain {"role": "system" | "user", "content": str} dicts: chat message params
                messages=cast("list[ChatCompletionMessageParam]", messages),
                temperature=0,
                max_tokens=self.max_answer_tokens,
                response_format={"type": "json_object"},
            )
        except openai.OpenAIError as exc:
            self._settle(estimate, 0)
            self._failed(describe_error(exc))
            return []
        usage = getattr(response, "usage", None)
        self._settle(estimate, getattr(usage, "total_tokens", None))
        try:
            name, description = parse_naming_answer(response.choices[0].message.content if response.choices else None)
        except ValueError as exc:
            self._failed(f"malformed answer ({exc})")
            return []
        assert isinstance(name, str)  # parse_naming_answer refuses (ValueError) an answer without a string name
        return [Proposal(name, description if isinstance(description, str) else "")]

    def _failed(self, why: str) -> None:
        with self._lock:
            self.failures.append(why)
        log.warning("LLM naming fell back to offline: %s", why)
