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
        raise ValueError(f"a schedule needs 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}")
    if fields[2] not in ("*", "?") and fields[4] not in ("*", "?"):
        raise ValueError("restrict either the day of month or the day of week, not both")
    fields[4] = _weekday_field(fields[4])
    try:
        return CronTrigger.from_crontab(" ".join(fields), timezone=timezone)
    except ValueError as exc:
        raise ValueError(f"not a valid schedule: {exc}") from None


def normalize_crontab(value: Any, name: str = "schedule") -> str:
    """Validate a schedule setting: returns the expression with single spaces, or
    :data:`OFF` for ``""``/``"off"``/``None``. Raises ``ValueError`` naming ``name``."""
    text = " ".join(str(value or "").split())
    if text.lower() in ("", OFF, "disabled", "none"):
        return OFF
    try:
        crontab_trigger(text, dt.UTC)
    except ValueError as exc:
        raise ValueError(f"{name} must be a crontab expression such as '0 */6 * * *' ({exc}), got {value!r}") from None
    return text


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
