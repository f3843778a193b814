"""Cheap provider status for the dashboard badge: from the database only, no network."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..config import Settings
from ..models import ProviderState, utcnow
from . import cooldowns, successors
from .chain import Clock, provider_chain


@dataclass
class ProviderStatus:
    """Cheap status of one provider for the dashboard badge (no network call).

    ``cooldown_until`` is aware UTC; ``reason`` says why it is not available;
    ``next_in_line`` marks the provider the cascade would ask first right now.
    ``slot`` is the configured model, ``origin`` ``configured``/``listing``/``alias`` and
    ``chain_label`` e.g. ``Gemini 2.5 Flash → gemini-3.8-flash`` for a successor.
    """

    key: str
    kind: str
    model: str
    display_name: str
    configured: bool
    available: bool
    cooldown_until: dt.datetime | None = None
    disabled: bool = False
    reason: str = ""
    hint: str = ""
    next_in_line: bool = False
    last_error: str = ""
    last_error_at: dt.datetime | None = None
    slot: str = ""
    origin: str = "configured"
    chain_label: str = ""
    origin_text: str = "configured"


def cascade_status(settings: Settings, *, clock: Clock | None = None) -> list[ProviderStatus]:
    """Status of each provider in cascade order from the database only (no network).

    Needs an app context. ``next_in_line`` is set on the first configured, available one.
    Successors come from the stored resolutions (no ``models.list`` call).
    """
    now = (clock or utcnow)()
    chain = provider_chain(settings, successors.load(settings))
    states: dict[str, ProviderState] = cooldowns.load_states([s.key for s in chain])
    out = []
    for spec in chain:
        state = states.get(spec.key)
        gate = cooldowns.gate_for(state, cooldowns.config_fingerprint(settings, spec.kind, spec.model), now)
        out.append(
            ProviderStatus(
                key=spec.key,
                kind=spec.kind,
                model=spec.model,
                display_name=spec.display_name,
                configured=spec.configured,
                available=spec.configured and gate.open,
                cooldown_until=gate.until,
                disabled=gate.disabled,
                reason=spec.missing if not spec.configured else gate.reason,
                hint=gate.hint,
                last_error=state.last_error if state else "",
                last_error_at=state.last_error_at if state else None,
                slot=spec.slot,
                origin=spec.origin,
                chain_label=spec.chain_label,
                origin_text=spec.origin_text,
            )
        )
    for status in out:
        if status.available:
            status.next_in_line = True
            break
    return out
