"""The Schedules page: the recurring jobs (library syncs, housekeeping) and the recurring
playlists, with their next run, last run, last result and duration; enable/disable,
edit the time, run now. Also the "Refresh schedule" form of a playlist's page.

Edits are stored in the database, so they apply in whichever process holds the
scheduler lock: at once when that is this process, else at its next lock renewal
(at most ~30 s later).
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from ..extensions import db
from ..jobs import runner
from ..models import Job, Playlist
from ..scheduler import service
from ..scheduler.lock import LEASE_SECONDS, RENEW_SECONDS, read_state
from ..scheduler.refreshes import KEEP_SHARES, WEEKDAYS, describe, get_refresh, list_refreshes, refresh_now, set_refresh
from ..scheduler.schedules import SCHEDULE_DEFS, get_schedule, next_run, request_run, schedule_views, update_schedule
from ..services.ai_call_cap import cap_status
from ..timezones import scheduler_zone
from .viewhelpers import url_or_none

log = logging.getLogger(__name__)
bp = Blueprint("schedules", __name__, url_prefix="/schedules")

# Kind and params of the one-off job "run now" starts when no process runs the scheduler.
_FALLBACK_JOBS = {
    "library_sync": ("library_sync", {"full": False}, "library_sync"),
    "full_sync": ("library_sync", {"full": True}, "library_sync"),
    "housekeeping": ("housekeeping", {}, "housekeeping"),
}


def _settings() -> Any:
    return current_app.config["SETTINGS"]


def scheduler_status() -> dict[str, Any]:
    """Who runs the scheduled jobs: ``{"here": bool, "holder": str|None, "enabled": bool,
    "running": bool, "expires_at": datetime|None}`` (``holder`` is None when nobody does)."""
    svc = service()
    try:
        state = read_state()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        state = None
    live = state if state and state.live else None
    return {
        "enabled": bool(_settings().SCHEDULER_ENABLED),
        "running": bool(runner.running),
        "here": bool(svc and svc.is_holder and live and live.holder == svc.lease.holder),
        "holder": live.holder if live else None,
        "expires_at": live.expires_at if live else None,
    }


def schedule_rows() -> list[dict[str, Any]]:
    """The schedules for the page: definition, row, next run (aware, in ``TZ``)."""
    zone = scheduler_zone(_settings())
    return [
        {"def": SCHEDULE_DEFS[row.key], "row": row, "next_run_at": next_run(row, zone)}
        for row in schedule_views(_settings())
    ]


def _refresh_rows() -> list[dict[str, Any]]:
    rows = []
    for refresh, playlist in list_refreshes():
        job = db.session.get(Job, refresh.last_job_id) if refresh.last_job_id else None
        rows.append({"refresh": refresh, "playlist": playlist, "describe": describe(refresh), "job": job})
    return rows


@bp.get("")
def page():
    """Schedules, recurring playlists, today's scheduled AI calls and who runs them."""
    return render_template(
        "schedules/page.html",
        schedules=schedule_rows(),
        refreshes=_refresh_rows(),
        cap=cap_status(_settings()),
        status=scheduler_status(),
        settings=_settings(),
        renew_seconds=int(RENEW_SECONDS),
        lease_seconds=int(LEASE_SECONDS),
    )


def _apply_here() -> None:
    """Let this process's scheduler pick the change up now (a no-op in a non-holder)."""
    svc = service()
    if svc is not None:
        svc.tick()


@bp.post("/<key>/enabled")
def set_enabled(key: str):
    """Enable (``enabled=1``) or disable a schedule."""
    try:
        row = update_schedule(key, enabled=request.form.get("enabled") == "1")
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".page"))
    _apply_here()
    flash(f"{SCHEDULE_DEFS[key].label} {'enabled' if row.enabled else 'disabled'}.", "ok")
    return redirect(url_for(".page"))


@bp.post("/<key>/time")
def set_time(key: str):
    """Change a schedule's time to the crontab expression in ``cron``."""
    try:
        row = update_schedule(key, cron=request.form.get("cron", ""))
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".page"))
    _apply_here()
    nxt = next_run(row, scheduler_zone(_settings()))
    when = current_app.jinja_env.filters["when"](nxt, "%a %b %d, %H:%M") if nxt else "when enabled"
    flash(f"{SCHEDULE_DEFS[key].label} now runs at “{row.cron}”; next run {when}.", "ok")
    return redirect(url_for(".page"))


@bp.post("/<key>/run")
def run(key: str):
    """Run a schedule now: the scheduler lock holder starts it (here at once, in another
    process within ~30 s); with no scheduler anywhere, its job runs as a one-off."""
    try:
        get_schedule(key)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".page"))
    label = SCHEDULE_DEFS[key].label
    if scheduler_status()["holder"] is not None:
        request_run(key)
        _apply_here()
        if scheduler_status()["here"]:
            flash(f"{label} started; its jobs appear under Jobs as they run.", "ok")
        else:
            flash(f"{label} requested; the scheduler (in another process) starts it within {int(RENEW_SECONDS)} s.", "ok")
        return redirect(url_for(".page"))
    kind, params, dedupe = _FALLBACK_JOBS[key]
    try:
        job = runner.enqueue(kind, params, dedupe_key=dedupe)
    except KeyError:
        flash(f"{label} is not available in this version.", "error")
        return redirect(url_for(".page"))
    flash(f"The background scheduler is not running, so {label.lower()} ran as a one-off job (no automatic rescan after it).", "ok")
    return redirect(url_for("jobs.detail", job_id=job.id))


def _back_to_playlist(playlist_id: int):
    return redirect(url_or_none("playlists.detail", playlist_id=playlist_id) or url_for(".page"))


def _percent(value: str | None) -> float:
    try:
        return int(value or 0) / 100
    except ValueError:
        raise ValueError("The share of tracks to keep must be a whole percentage.") from None


@bp.post("/playlists/<int:playlist_id>")
def set_playlist_refresh(playlist_id: int):
    """Store a playlist's refresh schedule from the form (``frequency`` ""/daily/weekly/
    monthly, ``weekday`` 0-6, ``hour`` 0-23, ``keep_percent`` 0-90)."""
    form = request.form
    try:
        row = set_refresh(
            _settings(),
            playlist_id,
            form.get("frequency") or None,
            weekday=form.get("weekday"),
            hour=form.get("hour", 6),
            keep_share=_percent(form.get("keep_percent")),
        )
    except ValueError as exc:
        flash(str(exc), "error")
        return _back_to_playlist(playlist_id)
    if row is None:
        flash("This playlist no longer refreshes on a schedule.", "ok")
    else:
        nxt = current_app.jinja_env.filters["when"](row.next_refresh_at, "%a %b %d, %H:%M")
        flash(f"Refresh schedule saved: {describe(row).lower()}; next refresh {nxt}.", "ok")
    return _back_to_playlist(playlist_id)


@bp.post("/playlists/<int:playlist_id>/run")
def run_playlist_refresh(playlist_id: int):
    """Bring a recurring playlist's refresh forward to now (counts against the daily cap)."""
    try:
        refresh_now(playlist_id)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".page"))
    svc = service()
    if svc is not None and svc.is_holder:
        svc.wake_refreshes()
    title = db.session.scalar(sa.select(Playlist.title).where(Playlist.id == playlist_id))
    flash(f"The refresh of “{title}” starts within a minute; it appears under Jobs.", "ok")
    return redirect(url_for(".page"))


@bp.app_template_global()
def playlist_refresh_form(playlist_id: int) -> dict[str, Any]:
    """Data for ``schedules/_playlist_refresh_form.html``: the playlist's refresh row (or
    None) and the choices (weekdays, hours, keep shares)."""
    try:
        refresh = get_refresh(playlist_id)
    except sa.exc.SQLAlchemyError:  # before the scheduler's migration ran
        db.session.rollback()
        refresh = None
    return {
        "refresh": refresh,
        "describe": describe(refresh) if refresh else None,
        "weekdays": list(enumerate(WEEKDAYS)),
        "hours": list(range(24)),
        "keep_percents": [int(s * 100) for s in KEEP_SHARES],
        "cap": _settings().SCHEDULER_AI_DAILY_CAP,
    }
