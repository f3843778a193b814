"""Read-only summaries the dashboard and settings pages share: the library index and the
AI cascade (the AI status degrades to "unknown" rather than failing the page when the
cascade cannot be asked)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from ..ai import ProviderStatus, cascade_status
from ..config import Settings
from ..extensions import db
from ..logging_setup import redact
from ..models import utcnow
from ..services import playlist_actions

log = logging.getLogger(__name__)


def library_summary() -> dict[str, Any]:
    """``{"track_count", "last_full_sync_at", "last_incremental_sync_at", "last_sync_figures",
    "section_title"}``: :func:`plex_completer.services.playlist_actions.library_summary`."""
    return playlist_actions.library_summary()


@dataclass
class AiStatus:
    """The AI cascade as the dashboard badge shows it.

    ``next_up`` is the label of the first available provider/model (``Gemini 2.5 Flash →
    gemini-3.8-flash`` when a successor stands in; None when none is available);
    ``replaced`` lists the labels of slots filled by a successor; ``cooling`` lists
    ``(display_name, until)`` of models in cooldown; ``disabled`` lists
    ``(display_name, reason)``; ``known`` is False when the cascade could not be asked.
    """

    known: bool = False
    next_up: str | None = None
    replaced: list[str] = field(default_factory=list)
    cooling: list[tuple[str, dt.datetime | None]] = field(default_factory=list)
    disabled: list[tuple[str, str]] = field(default_factory=list)
    entries: list[ProviderStatus] = field(default_factory=list)
    error: str | None = None


def ai_status(settings: Settings) -> AiStatus:
    """Ask :func:`plex_completer.ai.cascade_status` (database only) and summarise it."""
    try:
        entries = list(cascade_status(settings))
    except Exception as exc:
        log.exception("AI cascade status failed")
        db.session.rollback()
        return AiStatus(error=redact(str(exc)) or type(exc).__name__)
    status = AiStatus(known=True, entries=entries)
    now = utcnow()
    for entry in entries:
        if not entry.configured:
            continue
        if entry.origin != "configured":
            status.replaced.append(entry.chain_label)
        if entry.disabled:
            status.disabled.append((entry.display_name, redact(entry.reason) or "turned off"))
        elif entry.cooldown_until is not None and entry.cooldown_until > now:
            status.cooling.append((entry.display_name, entry.cooldown_until))
    first = next((e for e in entries if e.next_in_line), None) or next((e for e in entries if e.available), None)
    status.next_up = first.chain_label if first is not None else None
    return status
