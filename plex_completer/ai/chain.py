"""The cascade's order and names: which providers, in which order, how configured.

Default order: each model of ``GEMINI_MODELS`` (Gemini 2.5 Flash, then 2.0 Flash), then
Ollama's ``OLLAMA_MODEL``. A provider without its setting (no key, no URL) stays in the
chain as not configured, so the cascade can say it skipped it and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from ..models import utcnow
from . import cooldowns
from .base import display_name

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class ProviderSpec:
    """One step of the cascade: ``kind`` (``gemini``/``ollama``) and ``model``.

    ``key`` is the ``ProviderState`` key, ``timeout_s`` the request timeout in seconds,
    ``missing`` names the unset setting when not ``configured``.
    """

    kind: str
    model: str
    configured: bool
    timeout_s: float
    missing: str = ""

    @property
    def key(self) -> str:
        return cooldowns.provider_key(self.kind, self.model)

    @property
    def display_name(self) -> str:
        return display_name(self.kind, self.model)


def provider_chain(settings: Any) -> list[ProviderSpec]:
    """The cascade order: each of ``GEMINI_MODELS`` (default 2.5 Flash, 2.0 Flash), then Ollama."""
    chain = []
    has_key = bool(settings.GEMINI_API_KEY)
    for model in settings.GEMINI_MODELS:
        chain.append(ProviderSpec("gemini", model, has_key, settings.GEMINI_TIMEOUT, "" if has_key else "GEMINI_API_KEY is not set"))
    if settings.OLLAMA_MODEL:
        has_url = bool(settings.OLLAMA_URL)
        chain.append(ProviderSpec("ollama", settings.OLLAMA_MODEL, has_url, settings.OLLAMA_TIMEOUT, "" if has_url else "OLLAMA_URL is not set"))
    return chain


def select(chain: list[ProviderSpec], only: str | None) -> list[ProviderSpec]:
    """Restrict ``chain`` to ``only`` (a key such as ``gemini:gemini-2.5-flash`` or a kind).

    Raises ``ValueError`` when nothing matches.
    """
    if not only:
        return chain
    picked = [s for s in chain if only in (s.key, s.kind)]
    if not picked:
        raise ValueError(f"unknown AI provider {only!r}")
    return picked


def local_time(moment: dt.datetime, settings: Any, now: dt.datetime | None = None) -> str:
    """``moment`` as local wall-clock text: ``09:00``, or ``Tue 09:00`` when not today."""
    try:
        zone = ZoneInfo(settings.TZ) if getattr(settings, "TZ", None) else None
    except Exception:  # noqa: BLE001 - a wrong TZ must not break a log line
        zone = None
    local = moment.astimezone(zone)
    today = (now or utcnow()).astimezone(zone).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%a %H:%M")
