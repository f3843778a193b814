"""Read-only summaries the dashboard and settings pages share: the library index and the
AI cascade (the AI status degrades to "unknown" rather than failing the page when the
cascade cannot be asked)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from ..ai import cascade_status
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

    ``next_up`` is the display name of the first available provider/model (None when none
    is); ``cooling`` lists ``(display_name, until)`` of models in cooldown; ``disabled`` lists
    ``(display_name, reason)``; ``known`` is False when the cascade could not be asked.
    """

    known: bool = False
    next_up: str | None = None
    cooling: list[tuple[str, dt.datetime | None]] = field(default_factory=list)
    disabled: list[tuple[str, str]] = field(default_factory=list)
    entries: list[Any] = field(default_factory=list)
    error: str | None = None


def ai_status(settings: Any) -> AiStatus:
    """Ask ``plex_completer.ai.cascade_status(settings)`` and summarise it."""
    try:
        entries = list(cascade_status(settings))
    except Exception as exc:
        log.exception("AI cascade status failed")
        db.session.rollback()
        return AiStatus(error=redact(str(exc)) or type(exc).__name__)
    status = AiStatus(known=True, entries=entries)
    now = utcnow()
    for entry in entries:
        name = str(getattr(entry, "display_name", "?"))
        if not getattr(entry, "configured", True):
            continue
        until = getattr(entry, "cooldown_until", None)
        reason = getattr(entry, "reason", "") or getattr(entry, "disabled_reason", "") or ""
        if getattr(entry, "disabled", False):
            status.disabled.append((name, redact(str(reason)) or "turned off"))
        elif until is not None and until > now:
            status.cooling.append((name, until))
    first = next((e for e in entries if getattr(e, "next_in_line", False)), None)
    if first is None:
        first = next((e for e in entries if getattr(e, "available", False)), None)
    status.next_up = str(first.display_name) if first is not None else None
    return status
