"""Recurring playlists: daily, weekly or monthly AI refreshes of a playlist.

A ``PlaylistRefresh`` row holds when a playlist refreshes and its ``next_refresh_at``.
The scheduler lock holder looks for due rows every minute and runs them one after the
other (never two AI calls at once from the scheduler). The stored time makes refreshes
survive restarts and catch up once after downtime: a refresh missed while the machine
slept runs once when it wakes, not once per missed day.

After a run, ``next_refresh_at`` moves to the next regular time, also after a failure
(the reason is in the job row and on the Schedules page). A *postponed* run (the daily
AI call cap or every provider's quota is used up) is retried instead: after the cap's
reset at midnight, or when the first provider's quota cooldown ends.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa
from apscheduler.triggers.cron import CronTrigger

from ..config import Settings
from ..extensions import db
from ..models import WEEKDAY_NAMES, Job, JobStatus, Playlist, PlaylistRefresh, ProviderState, RefreshFrequency, utcnow
from ..services.ai_call_cap import cap_status, format_local
from ..timezones import scheduler_zone
from .tasks import SKIPPED, run_job_row

log = logging.getLogger(__name__)

WEEKDAYS = WEEKDAY_NAMES  # Python's weekday() order
KEEP_SHARES = (0.0, 0.3, 0.5, 0.7)  # offered on the form; any 0-0.9 is accepted
MAX_KEEP_SHARE = 0.9
DEFAULT_HOUR = 6
# Retry of a refresh postponed for provider quota when no cooldown end is known.
QUOTA_RETRY = dt.timedelta(hours=1)
MIN_RETRY = dt.timedelta(minutes=15)
MAX_RETRY = dt.timedelta(hours=24)


def refresh_trigger(refresh: PlaylistRefresh, zone: Any) -> CronTrigger:
    """The APScheduler trigger of ``refresh``: at ``hour``:00 in ``zone`` every day, every
    week on ``weekday`` (0 = Monday, as APScheduler and Python count) or on the 1st."""
    hour = int(refresh.hour)
    if refresh.frequency == RefreshFrequency.DAILY:
        return CronTrigger(hour=hour, minute=0, timezone=zone)
    if refresh.frequency == RefreshFrequency.WEEKLY:
        return CronTrigger(day_of_week=int(refresh.weekday or 0), hour=hour, minute=0, timezone=zone)
    return CronTrigger(day=1, hour=hour, minute=0, timezone=zone)


def next_occurrence(refresh: PlaylistRefresh, zone: Any, after: dt.datetime) -> dt.datetime:
    """The first regular refresh time strictly after ``after``, as aware UTC."""
    fire = refresh_trigger(refresh, zone).get_next_fire_time(None, after + dt.timedelta(seconds=1))
    return fire.astimezone(dt.UTC)


def describe(refresh: PlaylistRefresh) -> str:
    """"Daily at 06:00", "Weekly on Monday at 06:00", "Monthly on the 1st at 06:00"."""
    return refresh.description


def get_refresh(playlist_id: int) -> PlaylistRefresh | None:
    """The refresh settings of a playlist, or None when it does not recur."""
    return db.session.get(PlaylistRefresh, playlist_id)


def set_refresh(
    settings: Settings,
    playlist_id: int,
    frequency: str | None,
    *,
    weekday: int | None = None,
    hour: int = DEFAULT_HOUR,
    keep_share: float = 0.0,
    now: dt.datetime | None = None,
) -> PlaylistRefresh | None:
    """Make a playlist recurring (``frequency`` daily/weekly/monthly) or stop it (None/"");
    commits and returns the row (None when stopped).

    ``weekday`` 0-6 (Monday = 0) is required for weekly; ``hour`` is 0-23 in ``TZ``;
    ``keep_share`` 0-0.9 is the share of the previous list the AI is asked to keep.
    Raises ``ValueError`` with a user-readable sentence for bad input or an unknown playlist.
    """
    playlist = db.session.get(Playlist, playlist_id)
    if playlist is None:
        raise ValueError(f"Playlist {playlist_id} does not exist (it may have been deleted).")
    row = db.session.get(PlaylistRefresh, playlist_id)
    if not frequency:
        if row is not None:
            db.session.delete(row)
            db.session.commit()
            log.info("Playlist '%s' no longer refreshes on a schedule", playlist.title)
        return None
    if frequency not in RefreshFrequency.ALL:
        raise ValueError("Choose daily, weekly or monthly.")
    try:
        hour = int(hour)
        weekday = None if weekday in (None, "") else int(weekday)
        keep_share = float(keep_share or 0.0)
    except (TypeError, ValueError):
        raise ValueError("The hour, day and share must be numbers.") from None
    if not 0 <= hour <= 23:
        raise ValueError("Choose an hour between 0 and 23.")
    if frequency == RefreshFrequency.WEEKLY and (weekday is None or not 0 <= weekday <= 6):
        raise ValueError("Choose the day of the week for a weekly refresh.")
    if not 0.0 <= keep_share <= MAX_KEEP_SHARE:
        raise ValueError(f"The share of tracks to keep must be between 0 and {int(MAX_KEEP_SHARE * 100)} %.")
    if row is None:
        row = PlaylistRefresh(playlist_id=playlist_id, created_at=utcnow())
        db.session.add(row)
    row.frequency = frequency
    row.weekday = weekday if frequency == RefreshFrequency.WEEKLY else None
    row.hour = hour
    row.keep_share = round(keep_share, 2)
    row.next_refresh_at = next_occurrence(row, scheduler_zone(settings), now or utcnow())
    db.session.commit()
    log.info("Playlist '%s' refreshes %s (next %s)", playlist.title, describe(row).lower(), format_local(row.next_refresh_at, settings))
    return row


def refresh_now(playlist_id: int, now: dt.datetime | None = None) -> PlaylistRefresh:
    """Make a recurring playlist due now (the scheduler runs it within a minute); commits.
    Raises ``ValueError`` when the playlist does not recur."""
    row = get_refresh(playlist_id)
    if row is None:
        raise ValueError("This playlist has no refresh schedule.")
    row.next_refresh_at = now or utcnow()
    db.session.commit()
    return row


def playlist_title(playlist_id: int) -> str | None:
    """The title of playlist ``playlist_id`` (None when it was deleted)."""
    return db.session.scalar(sa.select(Playlist.title).where(Playlist.id == playlist_id))


def list_refreshes() -> list[tuple[PlaylistRefresh, Playlist]]:
    """Every recurring playlist with its refresh row, soonest refresh first."""
    query = (
        sa.select(PlaylistRefresh, Playlist)
        .join(Playlist, Playlist.id == PlaylistRefresh.playlist_id)
        .order_by(PlaylistRefresh.next_refresh_at.is_(None), PlaylistRefresh.next_refresh_at, Playlist.title)
    )
    return [(r, p) for r, p in db.session.execute(query).all()]


def refresh_rows() -> list[dict[str, Any]]:
    """The Schedules page's recurring playlists, soonest refresh first: ``{"refresh",
    "playlist", "describe" (e.g. "Weekly on Monday at 06:00"), "job" (the last refresh
    job or None)}``."""
    rows = []
    for refresh, playlist in list_refreshes():
        job = db.session.get(Job, refresh.last_job_id) if refresh.last_job_id else None
        rows.append({"refresh": refresh, "playlist": playlist, "describe": describe(refresh), "job": job})
    return rows


def _quota_retry_at(now: dt.datetime) -> dt.datetime:
    """When to retry after every provider was out of quota: the first cooldown end."""
    ends = db.session.scalars(
        sa.select(ProviderState.cooldown_until).where(ProviderState.cooldown_until > now)
    ).all()
    retry = min(ends) if ends else now + QUOTA_RETRY
    return min(max(retry, now + MIN_RETRY), now + MAX_RETRY)


def run_refresh(settings: Settings, playlist_id: int, *, now: dt.datetime | None = None, trigger: str = "schedule") -> str:
    """Run the refresh of one recurring playlist in this thread and move its
    ``next_refresh_at``; returns the outcome (a job status or "skipped").

    Logs a start and an end line. Never raises for the job's own failures (they end
    in the job row); a vanished playlist or refresh row returns "skipped".
    """
    now = now or utcnow()
    row = get_refresh(playlist_id)
    playlist = db.session.get(Playlist, playlist_id)
    if row is None or playlist is None:
        return SKIPPED
    label = f"{row.frequency.capitalize()} refresh of '{playlist.title}'"
    params = {"playlist_id": playlist_id, "keep_share": row.keep_share, "frequency": row.frequency}
    log.info("%s started", label)
    # Same key as a user's "regenerate": the two never ask the AI for one playlist at once.
    job, ran = run_job_row("playlist_refresh", params, trigger=trigger, dedupe_key=f"regenerate:{playlist_id}", playlist_id=playlist_id)
    row = get_refresh(playlist_id)
    if row is None:  # the user stopped the schedule (or deleted the playlist) meanwhile
        return job.status if ran else SKIPPED
    zone = scheduler_zone(settings)
    status = job.status if ran else SKIPPED
    if status == JobStatus.POSTPONED:
        cap = cap_status(settings, now)
        row.next_refresh_at = cap.resets_at if cap.reached else _quota_retry_at(now)
        message = job.message
        log.warning("%s postponed until %s: %s", label, format_local(row.next_refresh_at, settings), job.message)
    else:
        row.next_refresh_at = next_occurrence(row, zone, now)
        message = job.message if ran else f"Skipped: a new track list for this playlist was already being made (job {job.id})."
        if status == JobStatus.DONE:
            log.info("%s finished: %s", label, message)
        elif status == SKIPPED:
            log.info("%s skipped: %s", label, message)
        else:
            log.error("%s %s: %s; next refresh %s", label, status, (message or "").rstrip("."), format_local(row.next_refresh_at, settings))
    row.last_refresh_at = now
    row.last_status = status
    row.last_message = (message or "")[:4000]
    row.last_job_id = job.id
    db.session.commit()
    return status


def due_refreshes(now: dt.datetime) -> list[int]:
    """Playlist ids whose refresh is due at ``now``, oldest due first."""
    return list(
        db.session.scalars(
            sa.select(PlaylistRefresh.playlist_id)
            .where(PlaylistRefresh.next_refresh_at <= now)
            .order_by(PlaylistRefresh.next_refresh_at, PlaylistRefresh.playlist_id)
        )
    )


def run_due_refreshes(settings: Settings, now: dt.datetime | None = None, trigger: str = "schedule") -> dict[int, str]:
    """Run every due refresh one after the other; ``{playlist_id: outcome}``."""
    now = now or utcnow()
    return {pid: run_refresh(settings, pid, now=now, trigger=trigger) for pid in due_refreshes(now)}
