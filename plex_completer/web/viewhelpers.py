"""Template filters and globals: dates in the user's time zone, durations, status labels.

Database times are aware UTC (:class:`plex_completer.models.UTCDateTime`); pages show
them in ``TZ`` (the container's zone setting) and as "5 min ago".
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, url_for
from werkzeug.routing import BuildError

from ..config import current_settings
from ..models import Job, JobStatus, PlaylistStatus, utcnow
from ..timezones import scheduler_zone

PLAYLIST_STATUS_LABELS = {
    PlaylistStatus.DRAFT: ("Being made", "muted"),
    PlaylistStatus.PENDING_PLEX: ("Not yet in Plex", "warn"),
    PlaylistStatus.SYNCED: ("In Plex", "ok"),
    PlaylistStatus.DELETED_IN_PLEX: ("Deleted in Plex", "muted"),
}
JOB_STATUS_LABELS = {
    JobStatus.QUEUED: ("Waiting", "muted"),
    JobStatus.RUNNING: ("Running", "info"),
    JobStatus.DONE: ("Done", "ok"),
    JobStatus.FAILED: ("Failed", "bad"),
    JobStatus.INTERRUPTED: ("Interrupted", "warn"),
    JobStatus.POSTPONED: ("Postponed", "warn"),
}
# The job kinds of services/job_kinds.py (a test checks that every kind has a label).
JOB_KIND_LABELS = {
    "generate": "New playlist",
    "regenerate": "Regenerate playlist",
    "rescan": "Rescan",
    "write_playlist": "Write to Plex",
    "library_sync": "Library sync",
    "plex_server_switch": "Move to the new Plex server",
    "housekeeping": "Housekeeping",
    "playlist_refresh": "Playlist refresh",
}


def _zone() -> dt.tzinfo:
    return scheduler_zone(current_settings())


def when(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """``value`` (aware UTC) in the configured time zone, or an em dash for None."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(_zone()).strftime(fmt)


def ago(value: dt.datetime | None) -> str:
    """"just now", "5 min ago", "3 h ago", "2 days ago" (or "never" for None)."""
    if value is None:
        return "never"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    seconds = (utcnow() - value).total_seconds()
    if seconds < 0:
        return "in " + duration(-seconds)
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{round(seconds / 60)} min ago"
    if seconds < 86400:
        return f"{round(seconds / 3600)} h ago"
    days = round(seconds / 86400)
    return f"{days} day{'s' if days != 1 else ''} ago"


def duration(seconds: float | None) -> str:
    """Seconds as "0.4 s", "42 s", "3 min 5 s", "2 h 10 min" (em dash for None)."""
    if seconds is None:
        return "—"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{round(seconds)} s"
    minutes, sec = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {sec} s" if sec else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def number(value: int | float | None) -> str:
    """A count with thousands separators: 56166 -> "56,166" (em dash for None)."""
    if value is None:
        return "—"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


# How each Job.trigger reads after "Started by".
JOB_TRIGGER_LABELS = {"schedule": "Schedule", "cli": "Command line", "user": "You"}


def job_origin(job: Job) -> str:
    """Who or what started ``job``: the account name for a web request ("admin"), else
    "Schedule", "Command line" or "You" (no login: AUTH_DISABLED)."""
    if job.trigger == "user" and job.started_by:
        return job.started_by
    return JOB_TRIGGER_LABELS.get(job.trigger, job.trigger.capitalize())


def playlist_status(status: str) -> tuple[str, str]:
    """(label, tone) of a playlist status; tone is a CSS badge modifier."""
    return PLAYLIST_STATUS_LABELS.get(status, (status.replace("_", " ").capitalize(), "muted"))


def job_status(status: str) -> tuple[str, str]:
    """(label, tone) of a job status."""
    return JOB_STATUS_LABELS.get(status, (status.capitalize(), "muted"))


def job_kind(kind: str) -> str:
    """A readable name for a job kind."""
    return JOB_KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def provider_name(provider: str | None, model: str | None = None) -> str:
    """A readable AI name: ("gemini", "gemini-2.5-flash") -> "Gemini 2.5 Flash",
    ("ollama", "hermes3:8b") -> "Ollama (hermes3:8b)"; "" when unknown."""
    if not provider:
        return ""
    if model and model.lower().startswith(provider.lower() + " "):
        return model  # already a display name (Playlist.model holds the cascade's)
    if provider == "gemini" and model:
        words = model.removeprefix("models/").split("-")
        return " ".join(w if any(c.isdigit() for c in w) else w.capitalize() for w in words)
    if provider == "ollama":
        return f"Ollama ({model})" if model else "Ollama"
    return f"{provider} ({model})" if model else provider


def url_or_none(endpoint: str, **values) -> str | None:
    """``url_for(endpoint)`` or None when no such endpoint is registered (optional pages)."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def init_app(app: Flask) -> None:
    """Register the filters and globals above."""
    app.add_template_filter(when)
    app.add_template_filter(ago)
    app.add_template_filter(duration)
    app.add_template_filter(number)
    app.add_template_global(job_origin)
    app.add_template_global(playlist_status)
    app.add_template_global(job_status)
    app.add_template_global(job_kind)
    app.add_template_global(url_or_none)
    app.add_template_global(provider_name)
