"""Outcomes of an AI attempt and the exceptions the cascade uses.

Provider modules translate SDK exceptions into :class:`ProviderFailure` (via
:mod:`plex_completer.ai.classify`); the cascade records it, applies its cooldown and
moves on. :class:`AllProvidersFailed` is what callers of
:func:`plex_completer.ai.generate_draft` see when nothing usable came back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


class Outcome:
    """Values of ``AiAttempt.outcome`` (see :class:`plex_completer.models.AiAttempt`)."""

    OK = "ok"
    SKIPPED = "skipped"  # not configured, in cooldown or disabled: no network call made
    QUOTA = "quota"  # 429 RESOURCE_EXHAUSTED
    RETIRED = "retired"  # 404: the model is retired or unknown
    AUTH = "auth"  # 401/403 or 400 API_KEY_INVALID
    CONFIG = "config"  # 400 INVALID_ARGUMENT, Ollama model not pulled
    SERVER = "server"  # 5xx
    TRANSPORT = "transport"  # connection refused, timeout, dropped connection
    BAD_OUTPUT = "bad_output"  # answered, but no usable track
    BLOCKED = "blocked"  # safety block


@dataclass
class ProviderFailure(Exception):
    """One failed attempt, classified.

    ``outcome`` is an :class:`Outcome` value; ``message`` is for users and logs (already
    free of secrets and of AI text); ``error_class`` names the SDK exception.
    ``cooldown_s`` (seconds) or ``cooldown_until`` (aware UTC) ask the cascade to skip
    this model for a while; ``disable`` asks it to skip the model until the
    configuration changes; ``hint`` says what the user can do (e.g. which model to set).
    ``quota_scope`` is ``minute``/``day`` for quota failures.
    """

    outcome: str
    message: str
    error_class: str = ""
    cooldown_s: float | None = None
    cooldown_until: dt.datetime | None = None
    disable: bool = False
    hint: str = ""
    quota_scope: str | None = None
    http_status: int | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class AllProvidersFailed(Exception):
    """No provider returned a usable playlist.

    ``message`` is written for the user; ``attempts`` are the attempt summaries (dicts as
    in :attr:`CascadeResult.attempts`); ``all_quota_exhausted`` is True when every
    configured provider is out of quota or cooling down (the caller may postpone the job
    to ``next_retry_at``, aware UTC, or None when no cooldown ends on its own).
    """

    def __init__(
        self,
        message: str,
        attempts: list[dict[str, Any]],
        all_quota_exhausted: bool = False,
        next_retry_at: dt.datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.attempts = attempts
        self.all_quota_exhausted = all_quota_exhausted
        self.next_retry_at = next_retry_at
