"""The persisted schedules: what runs on a timer, when, and how the last run went.

Each schedule is a ``Schedule`` row (so edits on the Schedules page survive restarts and
every process sees them). Rows are created on first start from the environment
defaults (``SCHEDULE_LIBRARY_SYNC`` …); while a row's time was never edited on the page
it follows its environment variable, so changing the variable and restarting applies.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..config import Settings
from ..cron import OFF, crontab_trigger, next_fire_times, normalize_crontab, preset_cron
from ..extensions import db
from ..models import Schedule, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduleDef:
    """A kind of schedule: its ``key``, page ``label``, the environment variable with its
    default time (``setting``) and a sentence saying what it does."""

    key: str
    label: str
    setting: str
    description: str

    @property
    def builtin_cron(self) -> str:
        """The expression in :class:`Settings` when the variable is not set."""
        return str(Settings.model_fields[self.setting].default)


SCHEDULE_DEFS: dict[str, ScheduleDef] = {
    d.key: d
    for d in (
        ScheduleDef(
            "library_sync",
            "Library sync",
            "SCHEDULE_LIBRARY_SYNC",
            "Reads the tracks added or changed in Plex since the last sync, then rescans every "
            "playlist when anything changed (no AI calls).",
        ),
        ScheduleDef(
            "full_sync",
            "Full library sync",
            "SCHEDULE_FULL_SYNC",
            "Reads the whole music section again, which also notices deleted tracks, then "
            "rescans every playlist when anything changed (no AI calls).",
        ),
        ScheduleDef(
            "housekeeping",
            "Housekeeping",
            "SCHEDULE_HOUSEKEEPING",
            "Removes job rows and AI attempts older than JOB_RETENTION_DAYS; playlists and "
            "their track-list history are kept.",
        ),
    )
}


def ensure_schedules(settings: Settings) -> list[Schedule]:
    """Create missing schedule rows from ``settings`` and let non-custom rows follow
    their environment variable; commits and returns the rows in page order.

    A variable set to ``off`` creates its row disabled; it never re-disables a row the
    user enabled on the page.
    """
    rows = []
    for definition in SCHEDULE_DEFS.values():
        env = getattr(settings, definition.setting, definition.builtin_cron) or OFF
        row = db.session.get(Schedule, definition.key)
        if row is None:
            row = Schedule(
                key=definition.key,
                cron=definition.builtin_cron if env == OFF else env,
                enabled=env != OFF,
                created_at=utcnow(),
            )
            db.session.add(row)
            log.info("Schedule '%s' created: %s", definition.label, "off" if env == OFF else env)
        elif not row.cron_is_custom and env != OFF and row.cron != env:
            log.info("Schedule '%s' follows %s: %s (was %s)", definition.label, definition.setting, env, row.cron)
            row.cron = env
        rows.append(row)
    db.session.commit()
    return rows


def schedule_views(settings: Settings) -> list[SimpleNamespace]:
    """The schedules as :func:`ensure_schedules` would leave them, without writing (for
    pages: a GET changes nothing). Each item has the ``Schedule`` columns as attributes."""
    columns = [c.key for c in Schedule.__table__.columns]
    out = []
    for definition in SCHEDULE_DEFS.values():
        env = getattr(settings, definition.setting, definition.builtin_cron) or OFF
        row = db.session.get(Schedule, definition.key)
        if row is None:
            view = SimpleNamespace(**{c: None for c in columns})
            view.key, view.cron, view.enabled = definition.key, definition.builtin_cron if env == OFF else env, env != OFF
            view.cron_is_custom, view.last_message, view.created_at = False, "", utcnow()
        else:
            view = SimpleNamespace(**{c: getattr(row, c) for c in columns})
            if not row.cron_is_custom and env != OFF:
                view.cron = env
        out.append(view)
    return out


def list_schedules() -> list[Schedule]:
    """The known schedule rows in :data:`SCHEDULE_DEFS` order (unknown keys are left out)."""
    rows = {r.key: r for r in db.session.scalars(sa.select(Schedule))}
    return [rows[key] for key in SCHEDULE_DEFS if key in rows]


def get_schedule(key: str) -> Schedule:
    """The row of ``key``; raises ``ValueError`` for an unknown schedule."""
    if key not in SCHEDULE_DEFS:
        raise ValueError(f"There is no schedule called {key!r}.")
    row = db.session.get(Schedule, key)
    if row is None:  # no scheduler ran yet: create the rows from the environment first
        ensure_schedules(current_app.config["SETTINGS"])
        row = db.session.get(Schedule, key)
    if row is None:
        raise ValueError(f"There is no schedule called {key!r}.")
    return row


def update_schedule(key: str, *, cron: str | None = None, enabled: bool | None = None) -> Schedule:
    """Change a schedule's time (crontab expression) and/or enable it; commits.

    Raises ``ValueError`` with a readable reason for an unknown key or a bad expression
    ("off" is not a time: use ``enabled=False``). An edited time is kept across
    restarts and no longer follows the environment variable.
    """
    row = get_schedule(key)
    if cron is not None:
        text = normalize_crontab(cron, "The time")
        if text == OFF:
            raise ValueError("Give a time such as '0 */6 * * *'; to stop the schedule, disable it.")
        if text != row.cron:
            row.cron = text
            row.cron_is_custom = True
    if enabled is not None:
        row.enabled = bool(enabled)
    db.session.commit()
    log.info(
        "Schedule '%s' changed: %s, %s", SCHEDULE_DEFS[key].label, row.cron, "enabled" if row.enabled else "disabled"
    )
    return row


def request_run(key: str, now: dt.datetime | None = None) -> Schedule:
    """Ask the scheduler lock holder to run ``key`` now (it looks every few seconds);
    commits. Raises ``ValueError`` for an unknown key."""
    row = get_schedule(key)
    row.run_requested_at = now or utcnow()
    db.session.commit()
    return row


def next_run(row: Any, zone: Any, now: dt.datetime | None = None) -> dt.datetime | None:
    """The next time ``row`` runs (aware, in ``zone``), or None when it is disabled."""
    runs = next_runs(row, zone, now, count=1)
    return runs[0] if runs else None


def next_runs(row: Any, zone: Any, now: dt.datetime | None = None, count: int = 3) -> list[dt.datetime]:
    """The next ``count`` times ``row`` runs (aware, in ``zone``); empty when it is
    disabled or its time never comes (a row stored before that was refused)."""
    if not row.enabled:
        return []
    try:
        return next_fire_times(row.cron, zone, now or utcnow(), count)
    except ValueError:
        return []


def set_schedule_time(
    key: str, kind: str, *, every_hours: Any = 6, time_of_day: str = "03:00", weekday: Any = 0, cron: str = ""
) -> Schedule:
    """Store the time chosen on the Schedules page: a preset (``kind`` "hours", "daily",
    "weekly") or an expert's crontab expression (``kind`` "cron"); see
    :func:`plex_completer.cron.preset_cron`. Raises ``ValueError`` with a readable reason
    (bad field, never runs, runs more often than every 15 minutes)."""
    expr = preset_cron(kind, every_hours=every_hours, time_of_day=time_of_day, weekday=weekday, cron=cron)
    return update_schedule(key, cron=expr)


def missed_run(row: Schedule, zone: Any, now: dt.datetime) -> bool:
    """True when a run time of ``row`` passed since its last run (or since it was created)
    while no process ran the scheduler: the new holder runs it once to catch up."""
    if not row.enabled:
        return False
    since = row.last_run_at or row.created_at
    if since is None:
        return False
    fire = crontab_trigger(row.cron, zone).get_next_fire_time(None, since + dt.timedelta(seconds=1))
    return fire is not None and fire <= now
