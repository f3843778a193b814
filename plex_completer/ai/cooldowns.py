"""Cooldown and disabled state per provider/model, kept in ``ProviderState`` rows.

Keys look like ``gemini:gemini-2.5-flash`` and ``ollama:hermes3:8b``. A model in
cooldown (``cooldown_until`` in the future) or disabled for the current configuration
(``disabled_for`` equals :func:`config_fingerprint`) is skipped without a network call,
also after a restart. The fingerprint is a SHA-256 over the settings that matter for
that model (base URL, model id, a hash of the API key), so changing any of them
re-enables a model that was retired (404) or refused the key (401/403); the key itself
is never stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from ..config import Settings
from ..extensions import db
from ..models import ProviderState
from .errors import Outcome, ProviderFailure


def provider_key(kind: str, model: str) -> str:
    """The ``ProviderState.key`` of a model: ``"gemini:<model>"`` or ``"ollama:<model>"``."""
    return f"{kind}:{model}"


def config_fingerprint(settings: Settings, kind: str, model: str) -> str:
    """A 32-hex-character fingerprint of the configuration ``kind``/``model`` runs under."""
    if kind == "gemini":
        key = settings.GEMINI_API_KEY.get_secret_value() if settings.GEMINI_API_KEY else ""
        parts = ["gemini", settings.GEMINI_BASE_URL or "", model, hashlib.sha256(key.encode()).hexdigest()]
    else:
        parts = ["ollama", settings.OLLAMA_URL or "", model]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Gate:
    """Whether a model may be called now.

    ``open`` is True when it may; otherwise ``reason`` says why (cooldown or disabled),
    ``until`` is the end of the cooldown (aware UTC) or None when disabled;
    ``retired`` is True when the model was disabled as retired / not available to this
    key (its slot may be handed to a successor without another request).
    """

    open: bool
    reason: str = ""
    until: dt.datetime | None = None
    disabled: bool = False
    hint: str = ""
    retired: bool = False


def gate_for(state: ProviderState | None, fingerprint: str, now: dt.datetime) -> Gate:
    """Decide from a ``ProviderState`` row (or None) whether the model may be called at ``now``."""
    if state is None:
        return Gate(True)
    if state.disabled_for and state.disabled_for == fingerprint:
        reason, _, hint = (state.disabled_reason or "disabled").partition("\n")
        return Gate(False, reason, None, True, hint, state.disabled_outcome == Outcome.RETIRED)
    if state.cooldown_until and state.cooldown_until > now:
        return Gate(False, state.cooldown_reason or "cooling down", state.cooldown_until)
    return Gate(True)


def load_state(key: str) -> ProviderState | None:
    """The ``ProviderState`` row for ``key`` or None (needs an app context)."""
    return db.session.get(ProviderState, key)


def load_states(keys: list[str]) -> dict[str, ProviderState]:
    """``ProviderState`` rows for ``keys`` in one query, by key."""
    if not keys:
        return {}
    rows = db.session.scalars(db.select(ProviderState).where(ProviderState.key.in_(keys))).all()
    return {row.key: row for row in rows}


def check(key: str, fingerprint: str, now: dt.datetime) -> Gate:
    """:func:`gate_for` the stored row of ``key``."""
    return gate_for(load_state(key), fingerprint, now)


def _row(key: str) -> ProviderState:
    state = load_state(key)
    if state is None:
        state = ProviderState(key=key)
        db.session.add(state)
    return state


def record_failure(key: str, failure: ProviderFailure, fingerprint: str, now: dt.datetime) -> dt.datetime | None:
    """Store the failure's cooldown or disable decision; return the cooldown end (aware UTC).

    Commits. A failure without cooldown or disable only updates ``last_error``. Two
    jobs failing on the same new key at once: the loser of the insert retries once.
    """
    try:
        return _apply_failure(key, failure, fingerprint, now)
    except IntegrityError:
        db.session.rollback()
        return _apply_failure(key, failure, fingerprint, now)


def _apply_failure(key: str, failure: ProviderFailure, fingerprint: str, now: dt.datetime) -> dt.datetime | None:
    state = _row(key)
    state.last_error = failure.message
    state.last_error_at = now
    until = failure.cooldown_until
    if until is None and failure.cooldown_s:
        until = now + dt.timedelta(seconds=failure.cooldown_s)
    if until is not None:
        state.cooldown_until = until
        state.cooldown_reason = failure.message
    if failure.disable:
        state.disabled_for = fingerprint
        state.disabled_reason = failure.message + ("\n" + failure.hint if failure.hint else "")
        state.disabled_outcome = failure.outcome
    db.session.commit()
    return until


def record_success(key: str) -> None:
    """Clear cooldown and disabled state after a successful answer. Commits."""
    state = load_state(key)
    if state is None:
        return
    if state.cooldown_until is not None or state.disabled_for is not None:
        state.cooldown_until = None
        state.cooldown_reason = ""
        state.disabled_for = None
        state.disabled_reason = ""
        state.disabled_outcome = None
        db.session.commit()
