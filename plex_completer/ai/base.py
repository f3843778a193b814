"""What every provider module returns: a raw :class:`Answer` and a :class:`Probe`.

Providers only talk to their service and classify failures; parsing, cooldowns and
recording live in the cascade, so both providers are treated alike.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Answer:
    """A provider's raw answer.

    ``text`` is the answer text (untrusted), ``structured`` an SDK-parsed value or None,
    ``truncated`` True when the provider says the answer was cut (Gemini
    ``MAX_TOKENS``/``SAFETY``/``RECITATION``, Ollama ``done_reason: length``); token
    counts are as the provider reported them (None when not given;
    ``thinking_tokens`` is Gemini's ``thoughtsTokenCount``).
    """

    text: str | None
    structured: Any = None
    truncated: bool = False
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    thinking_tokens: int | None = None


@dataclass
class Probe:
    """The result of a cheap reachability/model check (no generation, no quota spent).

    ``status`` is ``ok``, ``down`` (not reachable), ``missing`` (model retired, unknown
    or not pulled), ``auth`` or ``error``; ``latency_ms`` is milliseconds.
    """

    status: str
    message: str = ""
    hint: str = ""
    latency_ms: float | None = None
    details: dict[str, Any] = field(default_factory=dict)


def display_name(kind: str, model: str) -> str:
    """Human name of a model: ``Gemini 2.5 Flash`` for ``gemini-2.5-flash``, ``Ollama (hermes3:8b)``."""
    if kind == "ollama":
        return f"Ollama ({model})"
    words = re.split(r"[-_]", model.removeprefix("models/"))
    out = []
    for word in words:
        out.append(word if any(c.isdigit() for c in word) else word[:1].upper() + word[1:])
    return " ".join(out)


class ClientCache:
    """SDK clients kept per key (URL, key hash, timeout) and closed together.

    Building a client costs milliseconds (an HTTP client, a TLS context) that the
    cascade should not spend before each request. Thread-safe.
    """

    def __init__(self) -> None:
        self._clients: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The client for ``key``, built by ``build()`` the first time."""
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = build()
            return client

    def close_all(self) -> None:
        """Close and forget every client (tests, or after a settings change)."""
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
        for client in clients:
            client.close()
