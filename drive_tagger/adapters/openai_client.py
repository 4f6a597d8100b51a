"""The OpenAI client (OpenAI or any compatible server) and retrying its calls with backoff."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import openai

T = TypeVar("T")


@dataclass(frozen=True)
class OpenAIOptions:
    """How to reach the server and how hard to try. The key is never logged or echoed."""

    api_key: str | None = None
    base_url: str | None = None  # unset: OpenAI; else e.g. http://localhost:11434/v1 (Ollama)
    timeout: float = 30.0  # seconds per request
    retries: int = 3  # further tries after a 429, a 5xx, a timeout or a lost connection
    backoff: float = 0.5  # seconds before the first retry; doubles each time (with jitter)
    max_backoff: float = 20.0


def make_client(options: OpenAIOptions) -> openai.OpenAI:
    # Retries are ours (with_retries) so that tests and settings control them; a local server
    # needs no key, but the client insists on one.
    return openai.OpenAI(api_key=options.api_key or "not-needed", base_url=options.base_url,
                         timeout=options.timeout, max_retries=0)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError | openai.RateLimitError):
        return True
    return isinstance(exc, openai.APIStatusError) and exc.status_code >= 500


def with_retries(call: Callable[[], T], options: OpenAIOptions, *, sleep: Callable[[float], None] = time.sleep) -> T:
    """call(), tried again after transient failures with exponential backoff (a server's
    Retry-After, when given and shorter than max_backoff, wins); other errors go up at once."""
    for attempt in range(options.retries + 1):
        try:
            return call()
        except openai.OpenAIError as exc:
            if attempt == options.retries or not is_transient(exc):
                raise
            sleep(_delay(exc, attempt, options))
    raise AssertionError("unreachable")


def _delay(exc: BaseException, attempt: int, options: OpenAIOptions) -> float:
    response = getattr(exc, "response", None)
    header = response.headers.get("retry-after") if response is not None else None
    try:
        if header is not None and 0 <= float(header) <= options.max_backoff:
            return float(header)
    except ValueError:
        pass
    base = min(options.max_backoff, options.backoff * 2**attempt)
    return base * (0.5 + random.random() / 2)


def describe_error(exc: BaseException) -> str:
    """A short reason for logs and reports (status and type; never request headers)."""
    status = getattr(exc, "status_code", None)
    return f"{type(exc).__name__}" + (f" {status}" if status else "")
