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
    BLOCKED = "blocked"  # the prompt was blocked (promptFeedback.blockReason)
    CUT = "cut"  # MAX_TOKENS / SAFETY / RECITATION with fewer tracks than asked, or no text


@dataclass
class ProviderFailure(Exception):
    """One failed attempt, classified.

    ``outcome`` is an :class:`Outcome` value; ``message`` is for users and logs (already
    free of secrets and of AI text); ``error_class`` names the SDK exception.
    ``cooldown_s`` (seconds) or ``cooldown_until`` (aware UTC) ask the cascade to skip
    this model for a while; ``disable`` asks it to skip the model until the
    configuration changes; ``hint`` says what the user can do (e.g. which model to set).
    ``quota_scope`` is ``minute``/``day`` for quota failures. ``replaceable`` marks a
    model that is retired or has no quota for this key (404, 429 "limit: 0"): the
    cascade asks its successor (:mod:`plex_completer.ai.successors`). ``transient``
    marks a 5xx worth one quick retry on the same model; ``rejected_thinking`` a 400
    that refused the request's thinking setting (retried once without it).
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
    replaceable: bool = False
    transient: bool = False
    rejected_thinking: bool = False

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class AllProvidersFailed(Exception):
    """No provider returned a usable playlist.

    ``message`` is written for the user; ``attempts`` are the attempt summaries (dicts as
    in :attr:`CascadeResult.attempts`); ``all_quota_exhausted`` is True when every
    configured provider is out of quota or cooling down (the caller may postpone the job
    to ``next_retry_at``, aware UTC, or None when no cooldown ends on its own);
    ``server_errors_only`` is True when every configured provider failed on a 5xx or a
    timeout/cooldown that passes by itself (a scheduled job is then postponed).
    """

    def __init__(
        self,
        message: str,
        attempts: list[dict[str, Any]],
        all_quota_exhausted: bool = False,
        next_retry_at: dt.datetime | None = None,
        server_errors_only: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.attempts = attempts
        self.all_quota_exhausted = all_quota_exhausted
        self.next_retry_at = next_retry_at
        self.server_errors_only = server_errors_only
