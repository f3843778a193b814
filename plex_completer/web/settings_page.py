"""The settings page: the effective configuration (secrets masked), the admin account's
origin, a "test Plex connection" button with what the server supports (the stored
capability probes and their fallbacks), and the confirmation of a new Plex server."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, render_template

from .. import auth
from ..extensions import db
from ..logging_setup import redact
from ..plex import capabilities as plex_capabilities
from ..plex.library_sync import index_server
from ..plex.playlist_writes import ConnectionReport, test_connection
from ..services import plex_users
from ..services.library_jobs import start_plex_server_switch
from . import status_panels

log = logging.getLogger(__name__)
bp = Blueprint("settings", __name__, url_prefix="/settings")

# Settings shown in groups, in this order; anything else lands under "Other".
GROUPS = (
    ("Plex", ("PLEX_URL", "PLEX_PUBLIC_URL", "PLEX_TOKEN", "PLEX_MUSIC_SECTION", "PLEX_TIMEOUT", "PLEX_PAGE_SIZE")),
    ("Gemini", ("GEMINI_API_KEY", "GEMINI_MODELS", "GEMINI_BASE_URL", "GEMINI_TIMEOUT")),
    ("Ollama", ("OLLAMA_URL", "OLLAMA_MODEL", "OLLAMA_TIMEOUT")),
    ("App", ("DATA_DIR", "DATABASE_URL", "SECRET_KEY", "LOG_LEVEL", "TZ")),
    ("Login", ("APP_USERNAME", "APP_PASSWORD", "AUTH_DISABLED", "SESSION_COOKIE_SECURE", "TRUSTED_PROXIES",
               "TRUSTED_PROXY_HOPS")),
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


def plex_server_state(report: ConnectionReport | None = None) -> dict[str, object]:
    """What the Settings page shows about the Plex server: ``index_server`` (the
    machineIdentifier the index was read from, or None), ``current_server`` (from this
    test, else from the last stored capability probe), ``changed`` (True when they differ:
    writes are stopped until the user confirms) and ``capabilities`` (the stored probe
    results, or None)."""
    caps = report.capabilities if report is not None and report.capabilities is not None else plex_capabilities.load()
    known = index_server()
    current = (report.machine_identifier if report is not None and report.ok else None) or (
        caps.machine_identifier if caps is not None else None
    )
    return {
        "index_server": known,
        "current_server": current,
        "changed": bool(known and current and known != current),
        "capabilities": caps,
    }


def _render(report=None, report_error=None, notice=None):
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
        plex=plex_server_state(report),
        notice=notice,
        plex_users=plex_users.users(with_access=False),
        household=plex_users.status(),
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


@bp.post("/confirm-plex-server")
def confirm_plex_server():
    """The user confirms that ``PLEX_URL`` now reaches another Plex server: re-sync the
    index from it, re-match every stored track list and recreate the playlists there
    (job ``plex_server_switch``). Nothing is written to either server before this."""
    job = start_plex_server_switch()
    return _render(notice=f"Switching to the new Plex server (job {job.id}): the library is re-synced and "
                          "the playlists are recreated there. Follow it on the Jobs page.")


def section_names(report: ConnectionReport) -> list[str]:
    """"Title (type)" of each library section of a ConnectionReport (``(key, title, type)`` tuples)."""
    return [f"{title} ({'music' if kind == 'artist' else kind})" for _key, title, kind in report.sections]
