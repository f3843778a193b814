"""The scheduler: library syncs, rescans, housekeeping and recurring AI playlists that run
unattended, with exactly one process per database running them.

Modules: :mod:`.lock` (the single-scheduler lease), :mod:`.schedules` (the persisted
schedules), :mod:`.service` (APScheduler wiring), :mod:`.tasks` (the steps of each
schedule), :mod:`.refreshes` (recurring playlists), :mod:`.orphans` (jobs left running by
a stopped process). The job kinds it runs are the services' (``services/job_kinds.py``);
crontab parsing is :mod:`plex_completer.cron`, ``TZ`` :mod:`plex_completer.timezones`.

The app factory calls :func:`init_app` right after ``JobRunner.init_app``.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app

from ..jobs import JobRunner
from .lock import live_holder
from .service import SchedulerService

log = logging.getLogger(__name__)

__all__ = ["SchedulerService", "init_app", "service"]


def init_app(app: Flask, runner: JobRunner, *, start_scheduler: bool) -> SchedulerService | None:
    """Start this process's :class:`SchedulerService` on the runner's scheduler, or, when
    no scheduler runs here, mark orphaned jobs interrupted only if no live process holds
    the scheduler lock (a CLI command must not mark the server's running jobs).

    Returns the service (also in ``app.extensions["scheduler_service"]``) or None.
    With ``AUTO_MIGRATE`` off the schema may not exist yet, so nothing touches the database.
    """
    if not app.config.get("AUTO_MIGRATE", True):
        return None
    if start_scheduler and runner.running:
        svc = SchedulerService(app, runner.scheduler, runner, holder=app.config.get("SCHEDULER_HOLDER_ID"))
        app.extensions["scheduler_service"] = svc
        svc.start()
        return svc
    with app.app_context():
        holder = live_holder()
        if holder is None:
            runner.mark_interrupted()
        else:
            log.info("Scheduler lock held by %s; its running jobs are left alone", holder)
    return None


def service() -> SchedulerService | None:
    """The current app's :class:`SchedulerService`, or None when no scheduler runs here."""
    return current_app.extensions.get("scheduler_service")
