"""The settings page: the effective configuration (secrets masked), the admin account's
origin, and a "test Plex connection" button."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, render_template

from .. import auth
from ..extensions import db
from ..logging_setup import redact
from ..plex.playlist_writes import test_connection
from . import status_panels

log = logging.getLogger(__name__)
bp = Blueprint("settings", __name__, url_prefix="/settings")

# Settings shown in groups, in this order; anything else lands under "Other".
GROUPS = (
    ("Plex", ("PLEX_URL", "PLEX_TOKEN", "PLEX_MUSIC_SECTION", "PLEX_TIMEOUT")),
    ("Gemini", ("GEMINI_API_KEY", "GEMINI_MODELS", "GEMINI_BASE_URL", "GEMINI_TIMEOUT")),
    ("Ollama", ("OLLAMA_URL", "OLLAMA_MODEL", "OLLAMA_TIMEOUT")),
    ("App", ("DATA_DIR", "DATABASE_URL", "SECRET_KEY", "LOG_LEVEL", "TZ")),
    ("Login", ("APP_USERNAME", "APP_PASSWORD", "AUTH_DISABLED")),
)
# Settings not listed above whose name starts with one of these go under "Schedules".
SCHEDULE_PREFIXES = ("SCHEDULE", "JOB_")


def grouped_settings(public: dict[str, str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """``public_view()`` split into the display groups of :data:`GROUPS`."""
    seen: set[str] = set()
    out = []
    for title, names in GROUPS:
        rows = [(n, public[n]) for n in names if n in public]
        seen.update(names)
        out.append((title, rows))
    rest = [(k, v) for k, v in public.items() if k not in seen]
    scheduling = [(k, v) for k, v in rest if k.startswith(SCHEDULE_PREFIXES)]
    other = [(k, v) for k, v in rest if not k.startswith(SCHEDULE_PREFIXES)]
    for title, rows in (("Schedules", scheduling), ("Other", other)):
        if rows:
            out.append((title, rows))
    return [(title, rows) for title, rows in out if rows]


def _render(report=None, report_error=None):
    settings = current_app.config["SETTINGS"]
    creds = None if auth.auth_disabled() else auth.current_credentials()
    return render_template(
        "settings/page.html",
        settings=settings,
        groups=grouped_settings(settings.public_view()),
        report=report,
        report_error=redact(report_error) if report_error else None,
        report_message=redact(report.message) if report is not None and report.message else "",
        sections=section_names(report) if report is not None else [],
        account=creds,
        ai=status_panels.ai_status(settings),
    )


@bp.get("")
def page():
    """The settings page."""
    return _render()


@bp.post("/test-plex")
def test_plex():
    """Try the Plex connection now and show the result on the settings page.

    Reads only (server identity and library sections), so a repeated POST is harmless.
    """
    settings = current_app.config["SETTINGS"]
    if not settings.plex_configured:
        return _render(report_error="Plex is not configured: set PLEX_URL and PLEX_TOKEN, then restart.")
    try:
        report = test_connection(settings)
    except Exception as exc:  # noqa: BLE001 - any failure is the answer to "does it work?"
        log.warning("Plex connection test failed: %s", redact(str(exc)))
        db.session.rollback()
        return _render(report_error=redact(f"Could not reach Plex: {exc}") or "Could not reach Plex.")
    return _render(report=report)


def section_names(report) -> list[str]:
    """"Title (type)" of each library section of a ConnectionReport (``(key, title, type)`` tuples)."""
    names = []
    for section in getattr(report, "sections", None) or []:
        if isinstance(section, (tuple, list)) and len(section) >= 3:
            names.append(f"{section[1]} ({'music' if section[2] == 'artist' else section[2]})")
        else:
            names.append(str(getattr(section, "title", section)))
    return names
