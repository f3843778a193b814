"""Standard 5-field crontab expressions turned into APScheduler 3.x triggers.

APScheduler 3.x numbers weekdays from Monday = 0, while crontab numbers them from
Sunday = 0 (and also accepts 7 for Sunday); ``CronTrigger.from_crontab("30 3 * * 0")``
would therefore run on Mondays. The 3.x docstring of ``from_crontab`` warns about this
"historical mistake" (https://github.com/agronholm/apscheduler/issues/286). This module
rewrites the day-of-week field into day names (``sun``, ``mon`` …), which both agree on,
before building the trigger, so users can paste crontab lines as they know them.

Crontab runs a job when *either* a restricted day of month *or* a restricted day of week
matches (man 5 crontab); APScheduler requires both. Rather than silently differ,
:func:`crontab_trigger` refuses expressions that restrict both.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from apscheduler.triggers.cron import CronTrigger

OFF = "off"
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbering: 0 = Sunday
_NAME_TO_NUMBER = {name: i for i, name in enumerate(DAY_NAMES)}


def _day_number(token: str) -> int:
    token = token.strip().lower()
    if token in _NAME_TO_NUMBER:
        return _NAME_TO_NUMBER[token]
    if not token.isdigit() or not 0 <= int(token) <= 7:
        raise ValueError(f"day of week must be 0-7 or sun-sat, got {token!r}")
    return int(token) % 7  # 7 is Sunday too


def _weekday_field(field: str) -> str:
    """Rewrite a crontab day-of-week field into APScheduler day names ("1-5" → "mon,…,fri")."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise ValueError(f"day of week step must be a positive number, got {part!r}")
            step = int(step_text)
        if base in ("*", "?"):
            first, last = 0, 6
        elif "-" in base:
            start, _, end = base.partition("-")
            first, last = _day_number(start), _day_number(end)
            if end.strip().lower() in ("7", "sun") and first > 0:
                last = 7  # "1-7" and "mon-sun" run Monday to Sunday
            if last < first:
                raise ValueError(f"day of week range must go forwards, got {part!r}")
        else:
            first = _day_number(base)
            last = 6 if step_text else first  # "1/2" means from Monday on, every other day
        days.update(d % 7 for d in range(first, last + 1, step))
    if len(days) == 7:
        return "*"
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def crontab_trigger(expr: str, timezone: Any = None) -> CronTrigger:
    """A ``CronTrigger`` for the crontab expression ``expr`` ("minute hour day month weekday").

    ``timezone`` is a ``tzinfo`` or zone name (default: the scheduler's). Raises
    ``ValueError`` with a readable reason for a malformed expression.
    """
    fields = (expr or "").split()
    if len(fields) != 5:
        raise ValueError(
            f"a crontab time has 5 fields (minute, hour, day of month, month, day of week); "
            f"“{' '.join(fields)[:60]}” has {len(fields)}"
        )
    if fields[2] not in ("*", "?") and fields[4] not in ("*", "?"):
        raise ValueError("restrict either the day of month or the day of week, not both")
    fields[4] = _weekday_field(fields[4])
    try:
        return CronTrigger.from_crontab(" ".join(fields), timezone=timezone)
    except ValueError as exc:
        raise ValueError(f"“{expr}” is not a crontab time ({exc})") from None


def normalize_crontab(value: Any, name: str = "schedule") -> str:
    """Validate a schedule setting: returns the expression with single spaces, or
    :data:`OFF` for ``""``/``"off"``/``None``. Raises ``ValueError`` naming ``name`` when
    the expression is malformed, never runs or runs more often than
    :data:`MIN_INTERVAL` (:func:`check_runs`)."""
    text = " ".join(str(value or "").split())
    if text.lower() in ("", OFF, "disabled", "none"):
        return OFF
    try:
        check_runs(text, dt.UTC)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}. Example: '0 */6 * * *' runs every 6 hours.") from None
    return text


# The shortest gap allowed between two runs of one schedule: a library sync every minute
# would keep Plex busy for nothing (the Schedules page says so).
MIN_INTERVAL = dt.timedelta(minutes=15)
# Runs looked at by check_runs: enough to see the gaps of any hour, day and week pattern.
_RUNS_CHECKED = 200


def check_runs(expr: str, timezone: Any, now: dt.datetime | None = None) -> list[dt.datetime]:
    """Check that ``expr`` is a crontab time that runs, and never twice within
    :data:`MIN_INTERVAL`; returns its next run times (aware, in ``timezone``).

    Raises ``ValueError`` with a readable reason: malformed, never runs (such as
    "0 0 31 2 *", February 31st), or too often ("*/5 * * * *").
    """
    runs = next_fire_times(expr, timezone, now or dt.datetime.now(dt.UTC), _RUNS_CHECKED)
    if not runs:
        raise ValueError(f"“{expr}” never runs (no such date)")
    for earlier, later in itertools.pairwise(runs):
        if later - earlier < MIN_INTERVAL:
            gap = int((later - earlier).total_seconds() // 60)
            raise ValueError(
                f"“{expr}” runs twice within {gap} minute{'s' if gap != 1 else ''}; "
                f"a schedule may run at most every {int(MIN_INTERVAL.total_seconds() // 60)} minutes"
            )
    return runs


# -- presets ------------------------------------------------------------------------------

PRESET_KINDS = ("hours", "daily", "weekly", "cron")
EVERY_HOURS = (1, 2, 3, 4, 6, 8, 12)  # divisors of 24, so "every N hours" is regular
DAY_LABELS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")  # crontab order


@dataclass(frozen=True)
class Preset:
    """A schedule as the Schedules page offers it: ``kind`` (one of :data:`PRESET_KINDS`),
    ``every_hours`` (for "hours"), ``hour``/``minute`` (daily and weekly; also the minute
    past the hour for "hours"), ``weekday`` (0 = Sunday, crontab order) and the ``cron``
    expression itself (the expert field)."""

    kind: str
    cron: str
    every_hours: int = 6
    hour: int = 3
    minute: int = 0
    weekday: int = 0

    def describe(self) -> str:
        """"Every 6 hours", "Daily at 03:30", "Sundays at 03:30" or "Custom: <cron>"."""
        at = f"{self.hour:02d}:{self.minute:02d}"
        if self.kind == "hours":
            past = f" at {self.minute} min past" if self.minute else ""
            return ("Every hour" if self.every_hours == 1 else f"Every {self.every_hours} hours") + past
        if self.kind == "daily":
            return f"Daily at {at}"
        if self.kind == "weekly":
            return f"{DAY_LABELS[self.weekday]}s at {at}"
        return f"Custom: {self.cron}"


def preset_cron(kind: str, *, every_hours: Any = 6, time_of_day: str = "03:00", weekday: Any = 0, cron: str = "") -> str:
    """The crontab expression of a preset chosen on the Schedules page.

    ``time_of_day`` is "HH:MM" (24 h); ``weekday`` 0-6 with 0 = Sunday; ``cron`` is used
    as typed for ``kind == "cron"``. Raises ``ValueError`` with a readable reason.
    """
    if kind == "cron":
        return " ".join((cron or "").split())
    hour, minute = _time_of_day(time_of_day)
    if kind == "hours":
        n = _int_in(every_hours, "Every … hours", EVERY_HOURS)
        return f"{minute} {'*' if n == 1 else f'*/{n}'} * * *"
    if kind == "daily":
        return f"{minute} {hour} * * *"
    if kind == "weekly":
        day = _int_in(weekday, "The day", range(7))
        return f"{minute} {hour} * * {day}"
    raise ValueError(f"Choose how often it runs ({', '.join(PRESET_KINDS)}).")


def preset_of(expr: str) -> Preset:
    """The preset that writes ``expr`` exactly as :func:`preset_cron` would, else a
    "cron" preset (an expert's expression is kept as typed)."""
    fields = expr.split()
    if len(fields) == 5 and fields[0].isdigit() and fields[2:4] == ["*", "*"]:
        minute, hour, weekday = int(fields[0]), fields[1], fields[4]
        if hour in ("*", "*/1") and weekday == "*":
            return Preset("hours", expr, every_hours=1, minute=minute)
        if hour.startswith("*/") and hour[2:].isdigit() and int(hour[2:]) in EVERY_HOURS and weekday == "*":
            return Preset("hours", expr, every_hours=int(hour[2:]), minute=minute)
        if hour.isdigit() and int(hour) < 24 and minute < 60:
            if weekday == "*":
                return Preset("daily", expr, hour=int(hour), minute=minute)
            if weekday.isdigit() and int(weekday) <= 7:
                return Preset("weekly", expr, hour=int(hour), minute=minute, weekday=int(weekday) % 7)
    return Preset("cron", expr)


def _time_of_day(text: str) -> tuple[int, int]:
    hour_text, _, minute_text = (text or "").strip().partition(":")
    if not (hour_text.isascii() and hour_text.isdigit() and minute_text.isascii() and minute_text.isdigit()):
        raise ValueError(f"Give the time as HH:MM, e.g. 03:30 (got “{(text or '')[:20]}”).")
    hour, minute = int(hour_text), int(minute_text)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"{text} is not a time of day (00:00 to 23:59).")
    return hour, minute


def _int_in(value: Any, what: str, allowed: Any) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) not in allowed:
        raise ValueError(f"{what}: choose one of the offered values.")
    return int(text)


def next_fire_times(expr: str, timezone: Any, after: dt.datetime, count: int = 1) -> list[dt.datetime]:
    """The next ``count`` run times (aware, in ``timezone``) strictly after ``after``."""
    trigger = crontab_trigger(expr, timezone)
    out: list[dt.datetime] = []
    previous = None
    now = after + dt.timedelta(microseconds=1)
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None:
            break
        out.append(fire)
        previous, now = fire, fire + dt.timedelta(microseconds=1)
    return out
