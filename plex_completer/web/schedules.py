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

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from ..config import Settings, current_settings
from ..cron import DAY_LABELS, EVERY_HOURS, preset_of
from ..scheduler.lock import LEASE_SECONDS, RENEW_SECONDS
from ..scheduler.manual_runs import apply_here, run_schedule_now, scheduler_status, wake_refreshes
from ..scheduler.refreshes import (
    KEEP_SHARES,
    WEEKDAYS,
    describe,
    get_refresh,
    playlist_title,
    refresh_now,
    refresh_rows,
    set_refresh,
)
from ..scheduler.schedules import SCHEDULE_DEFS, next_run, next_runs, schedule_views, set_schedule_time, update_schedule
from ..services.ai_call_cap import cap_status
from ..timezones import scheduler_zone, zone_label
from .viewhelpers import url_or_none

log = logging.getLogger(__name__)
bp = Blueprint("schedules", __name__, url_prefix="/schedules")


def _settings() -> Settings:
    return current_settings()


def schedule_rows() -> list[dict[str, Any]]:
    """The schedules for the page: definition, row, the preset its time matches, and its
    next three runs (aware, in ``TZ``; empty when disabled or never due)."""
    zone = scheduler_zone(_settings())
    return [
        {"def": SCHEDULE_DEFS[row.key], "row": row, "preset": preset_of(row.cron), "next_runs": next_runs(row, zone)}
        for row in schedule_views(_settings())
    ]


@bp.get("")
def page():
    """Schedules, recurring playlists, today's scheduled AI calls and who runs them."""
    return render_template(
        "schedules/page.html",
        schedules=schedule_rows(),
        refreshes=refresh_rows(),
        cap=cap_status(_settings()),
        status=scheduler_status(_settings()),
        settings=_settings(),
        zone=zone_label(_settings()),
        day_labels=list(enumerate(DAY_LABELS)),
        every_hours=EVERY_HOURS,
        renew_seconds=int(RENEW_SECONDS),
        lease_seconds=int(LEASE_SECONDS),
    )


@bp.post("/<key>/enabled")
def set_enabled(key: str):
    """Enable (``enabled=1``) or disable a schedule."""
    try:
        row = update_schedule(key, enabled=request.form.get("enabled") == "1")
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".page"))
    apply_here()
    flash(f"{SCHEDULE_DEFS[key].label} {'enabled' if row.enabled else 'disabled'}.", "ok")
    return redirect(url_for(".page"))


@bp.post("/<key>/time")
def set_time(key: str):
    """Change a schedule's time: a preset (``kind`` hours/daily/weekly with ``every_hours``,
    ``time``, ``weekday``) or the crontab expression in ``cron`` (``kind=cron``)."""
    form = request.form
    try:
        row = set_schedule_time(
            key,
            form.get("kind", "cron"),
            every_hours=form.get("every_hours", "6"),
            time_of_day=form.get("time", "03:00"),
            weekday=form.get("weekday", "0"),
            cron=form.get("cron", ""),
        )
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".page"))
    apply_here()
    nxt = next_run(row, scheduler_zone(_settings()))
    when = current_app.jinja_env.filters["when"](nxt, "%a %b %d, %H:%M") if nxt else "when enabled"
    flash(f"{SCHEDULE_DEFS[key].label}: {preset_of(row.cron).describe()} ({row.cron}); next run {when}.", "ok")
    return redirect(url_for(".page"))


@bp.post("/<key>/run")
def run(key: str):
    """Run a schedule now: the scheduler lock holder starts it (here at once, in another
    process within ~30 s); with no scheduler anywhere, its job runs as a one-off."""
    try:
        outcome = run_schedule_now(key, _settings())
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".page"))
    flash(outcome.message, "ok")
    if outcome.job is not None:
        return redirect(url_for("jobs.detail", job_id=outcome.job.id))
    return redirect(url_for(".page"))


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
    wake_refreshes()
    title = playlist_title(playlist_id)
    flash(f"The refresh of “{title}” starts within a minute; it appears under Jobs.", "ok")
    return redirect(url_for(".page"))


@bp.app_template_global()
def playlist_refresh_form(playlist_id: int) -> dict[str, Any]:
    """Data for ``schedules/_playlist_refresh_form.html``: the playlist's refresh row (or
    None) and the choices (weekdays, hours, keep shares)."""
    refresh = get_refresh(playlist_id)
    return {
        "refresh": refresh,
        "describe": describe(refresh) if refresh else None,
        "weekdays": list(enumerate(WEEKDAYS)),
        "hours": list(range(24)),
        "keep_percents": [int(s * 100) for s in KEEP_SHARES],
        "cap": _settings().SCHEDULER_AI_DAILY_CAP,
    }
