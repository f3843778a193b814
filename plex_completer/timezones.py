"""The app's time zone (``TZ``) and calendar-day boundaries in it: the one place that
resolves ``TZ``, for the scheduler, the AI call cap, the cooldowns and the pages."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Settings

log = logging.getLogger(__name__)


def scheduler_zone(settings: Settings) -> dt.tzinfo:
    """``ZoneInfo(settings.TZ)``, else the machine's zone (as APScheduler picks it, via
    tzlocal), else UTC. An unknown ``TZ`` falls back to UTC with a warning (config
    validation rejects one at start-up, so this only guards a zone database change)."""
    name = settings.TZ
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            log.warning("TZ=%r is not a known time zone; the scheduler uses UTC", name)
            return dt.UTC
    try:
        from tzlocal import get_localzone

        return get_localzone()
    except Exception:  # noqa: BLE001 - a container without zone data
        return dt.UTC


def zone_label(settings: Settings) -> str:
    """The zone :func:`scheduler_zone` uses, named for a person: "Europe/Berlin" when
    ``TZ`` sets it, else "Etc/UTC (the server's zone; set TZ to change it)"."""
    zone = scheduler_zone(settings)
    name = getattr(zone, "key", None) or str(zone)  # ZoneInfo has .key; tzlocal and dt.UTC do not
    return name if settings.TZ else f"{name} (the server's zone; set TZ to change it)"


def day_start(now: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """Midnight at the start of ``now``'s calendar day in ``zone``, as aware UTC."""
    local = now.astimezone(zone)
    midnight = dt.datetime.combine(local.date(), dt.time(0), tzinfo=zone)
    return midnight.astimezone(dt.UTC)


def next_day_start(now: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """Midnight at the start of the next calendar day in ``zone``, as aware UTC."""
    local = now.astimezone(zone)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return midnight.astimezone(dt.UTC)
