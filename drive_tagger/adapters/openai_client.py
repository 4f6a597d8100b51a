"""The OpenAI client for OpenAI or any compatible server. Retrying is the client's own: it retries
429s, 5xx, timeouts and lost connections with exponential backoff and honours Retry-After."""

from __future__ import annotations

from dataclasses import dataclass

import openai


@dataclass(frozen=True)
class OpenAIOptions:
    """How to reach the server and how hard to try (wiring.openai_options builds it from the settings,
    the one home of the defaults). The key is never logged or echoed."""

    api_key: str | None
    base_url: str | None  # None: OpenAI; else e.g. http://localhost:11434/v1 (Ollama)
    timeout: float  # seconds per request
    retries: int  # further tries after a 429, a 5xx, a timeout or a lost connection


def make_client(options: OpenAIOptions) -> openai.OpenAI:
    # A local server needs no key, but the client insists on one.
    return openai.OpenAI(
        api_key=options.api_key or "not-needed",
        base_url=options.base_url,
        timeout=options.timeout,
        max_retries=options.retries,
    )


def describe_error(exc: BaseException) -> str:
    """A short reason for logs and reports (status and type; never request headers)."""
    status = getattr(exc, "status_code", None)
    return f"{type(exc).__name__}" + (f" {status}" if status else "")
