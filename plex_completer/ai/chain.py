"""The cascade's order and names: which providers, in which order, how configured.

Default order: each model of ``GEMINI_MODELS`` (Gemini 2.5 Flash, then 2.0 Flash), then
Ollama's ``OLLAMA_MODEL``. Each Gemini entry is a *slot*: when its configured model is
retired, the stored successor (:mod:`plex_completer.ai.successors`) is asked in its
place. A provider without its setting (no key, no URL) stays in the chain as not
configured, so the cascade can say it skipped it and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..config import Settings
from ..models import utcnow
from ..timezones import scheduler_zone
from . import cooldowns
from .base import display_name
from .successors import ORIGIN_ALIAS, Successor

Clock = Callable[[], dt.datetime]
ORIGIN_CONFIGURED = "configured"


@dataclass(frozen=True)
class ProviderSpec:
    """One step of the cascade: ``kind`` (``gemini``/``ollama``) and the ``model`` asked.

    ``slot`` is the configured model the step stands for (equal to ``model`` unless a
    successor was found), ``origin`` ``configured``, ``listing`` (successor found with
    models.list) or ``alias``; ``output_token_limit`` the successor's limit in tokens
    when known. ``key`` is the ``ProviderState`` key, ``timeout_s`` the request timeout
    in seconds, ``missing`` names the unset setting when not ``configured``.
    """

    kind: str
    model: str
    configured: bool
    timeout_s: float
    missing: str = ""
    slot: str = ""
    origin: str = ORIGIN_CONFIGURED
    output_token_limit: int | None = None

    @property
    def key(self) -> str:
        """``gemini:<model>`` / ``ollama:<model>`` of the model actually asked."""
        return cooldowns.provider_key(self.kind, self.model)

    @property
    def slot_key(self) -> str:
        """``gemini:<configured model>``: the slot's key, stable across successors."""
        return cooldowns.provider_key(self.kind, self.slot or self.model)

    @property
    def display_name(self) -> str:
        """``Gemini 3.8 Flash``, ``Ollama (qwen2.5:3b)``: the model actually asked."""
        return display_name(self.kind, self.model)

    @property
    def is_successor(self) -> bool:
        """True when the model asked is not the configured one."""
        return self.origin != ORIGIN_CONFIGURED

    @property
    def chain_label(self) -> str:
        """``Gemini 2.5 Flash → gemini-3.8-flash`` for a successor, else the display name."""
        if not self.is_successor:
            return self.display_name
        return f"{display_name(self.kind, self.slot)} → {self.model}"

    @property
    def origin_text(self) -> str:
        """Where the model came from: ``configured``, ``successor of gemini-2.5-flash``,
        ``alias for gemini-2.5-flash (the model listing failed)``."""
        if self.origin == ORIGIN_CONFIGURED:
            return "configured"
        if self.origin == ORIGIN_ALIAS:
            return f"alias for {self.slot} (the model listing failed)"
        return f"successor of {self.slot}"


def provider_chain(settings: Settings, successors: Mapping[str, Successor] | None = None) -> list[ProviderSpec]:
    """The cascade order: each of ``GEMINI_MODELS`` (default 2.5 Flash, 2.0 Flash) or its
    stored successor from ``successors`` (by slot), then Ollama."""
    chain = []
    has_key = bool(settings.GEMINI_API_KEY)
    successors = successors or {}
    for model in settings.GEMINI_MODELS:
        missing = "" if has_key else "GEMINI_API_KEY is not set"
        successor = successors.get(model)
        if successor is not None:
            chain.append(
                ProviderSpec("gemini", successor.model, has_key, settings.GEMINI_TIMEOUT, missing, model, successor.origin, successor.output_token_limit)
            )
        else:
            chain.append(ProviderSpec("gemini", model, has_key, settings.GEMINI_TIMEOUT, missing, model))
    if settings.OLLAMA_MODEL:
        has_url = bool(settings.OLLAMA_URL)
        missing = "" if has_url else "OLLAMA_URL is not set"
        chain.append(ProviderSpec("ollama", settings.OLLAMA_MODEL, has_url, settings.OLLAMA_TIMEOUT, missing, settings.OLLAMA_MODEL))
    return chain


def restrict_chain(chain: list[ProviderSpec], only: str | None) -> list[ProviderSpec]:
    """The entries of ``chain`` that ``only`` names: a key (``gemini:gemini-3.8-flash``), a
    slot key (``gemini:gemini-2.5-flash``, also when a successor stands in) or a kind.

    ``only`` None or empty returns ``chain``. Raises ``ValueError`` when nothing matches.
    """
    if not only:
        return chain
    picked = [s for s in chain if only in (s.key, s.slot_key, s.kind)]
    if not picked:
        raise ValueError(f"unknown AI provider {only!r}")
    return picked


def local_time(moment: dt.datetime, settings: Settings, now: dt.datetime | None = None) -> str:
    """``moment`` as wall-clock text in the user's zone (``TZ``, see
    :func:`plex_completer.timezones.scheduler_zone`): ``09:00``, or ``Tue 09:00`` when
    not today."""
    zone = scheduler_zone(settings)
    local = moment.astimezone(zone)
    today = (now or utcnow()).astimezone(zone).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%a %H:%M")
