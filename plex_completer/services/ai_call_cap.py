"""The daily cap on AI calls made by scheduled work.

Recurring playlist refreshes ask the AI unattended; without a cap a dozen daily
playlists could spend the Gemini free tier's requests-per-day (RPD) quota before the
user asks for anything. Google's rate-limit page
(https://ai.google.dev/gemini-api/docs/rate-limits) says RPD quotas apply per project
and per model, reset at midnight Pacific time, and differ by model and tier; the
current values of a project are shown in AI Studio. The free-tier figures have been
changed more than once, so keep the cap well under the smallest RPD of the models in
``GEMINI_MODELS``.

``SCHEDULER_AI_DAILY_CAP`` (default 10) counts every AI call a job with
``trigger == "schedule"`` made since midnight in ``TZ``: each ``AiAttempt`` row except
``skipped`` ones (a model in cooldown or not configured costs no request). The cap is
checked before each refresh; one refresh may use several calls when the cascade falls
through, so the day may end a call or two above the cap, never a refresh above it.
The fill request of a refresh (issue 18, ``AiAttempt.purpose == "fill"``) counts the
same way; when the cap is already reached it is skipped (the refresh keeps what
matched) rather than postponing the refresh.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from ..config import Settings
from ..errors import JobPostponed
from ..extensions import db
from ..models import AiAttempt, Job, utcnow
from ..timezones import day_start, next_day_start, scheduler_zone

SKIPPED = "skipped"  # ai.errors outcome for "no network call made"


class CapReached(JobPostponed):
    """The scheduled AI calls of today reached ``SCHEDULER_AI_DAILY_CAP``; ``resets_at``
    (aware UTC) is the next midnight in ``TZ``."""

    def __init__(self, message: str, resets_at: dt.datetime) -> None:
        super().__init__(message)
        self.resets_at = resets_at


@dataclass(frozen=True)
class CapStatus:
    """Today's scheduled AI calls: ``used`` of ``cap``; the count restarts at ``resets_at``."""

    cap: int
    used: int
    resets_at: dt.datetime

    @property
    def remaining(self) -> int:
        """Calls left today (never negative)."""
        return max(0, self.cap - self.used)

    @property
    def reached(self) -> bool:
        """True when no scheduled AI call may start today."""
        return self.used >= self.cap


def scheduled_ai_calls(since: dt.datetime) -> int:
    """AI calls (``AiAttempt`` rows other than skipped) made by scheduled jobs since ``since``."""
    query = (
        sa.select(sa.func.count())
        .select_from(AiAttempt)
        .join(Job, AiAttempt.job_id == Job.id)
        .where(Job.trigger == "schedule", AiAttempt.started_at >= since, AiAttempt.outcome != SKIPPED)
    )
    return int(db.session.execute(query).scalar() or 0)


def cap_status(settings: Settings, now: dt.datetime | None = None) -> CapStatus:
    """Today's :class:`CapStatus` under ``settings.SCHEDULER_AI_DAILY_CAP``."""
    now = now or utcnow()
    zone = scheduler_zone(settings)
    return CapStatus(
        cap=int(settings.SCHEDULER_AI_DAILY_CAP),
        used=scheduled_ai_calls(day_start(now, zone)),
        resets_at=next_day_start(now, zone),
    )


def check_cap(settings: Settings, what: str, now: dt.datetime | None = None) -> CapStatus:
    """Return today's status, or raise :class:`CapReached` (a ``JobPostponed``) saying
    that ``what`` (e.g. "the weekly refresh of 'Night Drive'") waits until the reset."""
    status = cap_status(settings, now)
    if status.reached:
        raise CapReached(
            f"Postponed: the scheduler's daily cap of {status.cap} AI calls is used up "
            f"({status.used} today), so {what} waits until {format_local(status.resets_at, settings)}. "
            "Raise SCHEDULER_AI_DAILY_CAP to allow more.",
            status.resets_at,
        )
    return status


def format_local(moment: dt.datetime, settings: Settings) -> str:
    """``moment`` in ``TZ`` as "Tue 00:00" (for log lines and job messages)."""
    return moment.astimezone(scheduler_zone(settings)).strftime("%a %Y-%m-%d %H:%M")
