"""What the Schedules page asks of the scheduler: who runs the scheduled jobs, "run this
schedule now", and "apply my edit now".

Schedules run in whichever process holds the scheduler lock (:mod:`.lock`). "Run now"
asks that process (at once when it is this one, else at its next lease renewal); when
no process holds the lock, the schedule's first job runs as a one-off job instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..config import Settings
from ..extensions import db
from ..jobs import runner
from ..models import Job
from .lock import RENEW_SECONDS, read_state
from .schedules import SCHEDULE_DEFS, get_schedule, request_run
from .service import SchedulerService
from .tasks import SCHEDULE_FIRST_JOBS


def this_service() -> SchedulerService | None:
    """The current app's :class:`SchedulerService`, or None when no scheduler runs here."""
    return current_app.extensions.get("scheduler_service")


def scheduler_status(settings: Settings) -> dict[str, Any]:
    """Who runs the scheduled jobs: ``{"here": bool, "holder": str|None, "enabled": bool,
    "running": bool, "expires_at": datetime|None}`` (``holder`` is None when nobody does)."""
    svc = this_service()
    try:
        state = read_state()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        state = None
    live = state if state and state.live else None
    return {
        "enabled": bool(settings.SCHEDULER_ENABLED),
        "running": bool(runner.running),
        "here": bool(svc and svc.is_holder and live and live.holder == svc.lease.holder),
        "holder": live.holder if live else None,
        "expires_at": live.expires_at if live else None,
    }


def apply_here() -> None:
    """Let this process's scheduler pick up a schedule change now (a no-op elsewhere)."""
    svc = this_service()
    if svc is not None:
        svc.tick()


def wake_refreshes() -> None:
    """Let this process's scheduler look for due playlist refreshes now, if it holds the lock."""
    svc = this_service()
    if svc is not None and svc.is_holder:
        svc.wake_refreshes()


@dataclass
class ManualRun:
    """The answer to "run schedule now": ``message`` for the user and, when no process
    runs the scheduler, the one-off ``job`` that was started instead."""

    message: str
    job: Job | None = None


def run_schedule_now(key: str, settings: Settings) -> ManualRun:
    """Run schedule ``key`` now; raises ``ValueError`` for an unknown key."""
    get_schedule(key)
    label = SCHEDULE_DEFS[key].label
    if scheduler_status(settings)["holder"] is not None:
        request_run(key)
        apply_here()
        if scheduler_status(settings)["here"]:
            return ManualRun(f"{label} started; its jobs appear under Jobs as they run.")
        return ManualRun(f"{label} requested; the scheduler (in another process) starts it within {int(RENEW_SECONDS)} s.")
    kind, params, dedupe_key = SCHEDULE_FIRST_JOBS[key]
    job = runner.enqueue(kind, params, dedupe_key=dedupe_key)
    return ManualRun(
        f"The background scheduler is not running, so {label.lower()} ran as a one-off job "
        "(no automatic rescan after it).",
        job,
    )
