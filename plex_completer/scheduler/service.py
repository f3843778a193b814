"""APScheduler wiring: the lease job, the schedules' cron jobs and the refresh poll.

Every process that starts a scheduler runs one :class:`SchedulerService`. Its lease job
(every :data:`~.lock.RENEW_SECONDS`, on a one-thread executor of its own so busy job
threads can never delay a renewal) takes or renews the scheduler lock. Only while it
holds the lock does the service register the schedules' cron jobs and the minute-by-
minute poll for due playlist refreshes; when the lock is lost it removes them, and a
process that is not the holder keeps trying and takes over once the lease expires.

Scheduled runs use the runner's job defaults (``coalesce=True``, ``max_instances=1``)
with ``misfire_grace_time=None``: a run delayed by a sleeping machine still happens,
once. A schedule whose run time passed while no process held the lock runs once when a
holder registers it (:func:`~.schedules.missed_run`).
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import secrets
import threading
import time
from typing import Any

from flask import Flask

from ..cron import crontab_trigger
from ..extensions import db
from ..models import Schedule, utcnow
from ..timezones import scheduler_zone
from . import refreshes
from .lock import LEASE_SECONDS, RENEW_SECONDS, SchedulerLease
from .orphans import mark_orphaned_jobs
from .schedules import SCHEDULE_DEFS, ensure_schedules, missed_run
from .tasks import SKIPPED, RunOutcome, run_schedule_steps

log = logging.getLogger(__name__)

LEASE_EXECUTOR = "scheduler-lease"
RUN_EXECUTOR = "scheduler-runs"
RUN_THREADS = 2  # a library sync and a playlist refresh may run side by side
REFRESH_POLL_SECONDS = 60.0  # refresh times are whole hours; a minute late is fine
CATCH_UP_DELAY = dt.timedelta(seconds=60)  # let the app finish starting before a catch-up run


class SchedulerService:
    """The scheduled work of one process, active only while it holds the scheduler lock.

    ``scheduler`` is a started APScheduler ``BackgroundScheduler`` (the runner's);
    ``runner`` the :class:`~plex_completer.jobs.JobRunner`;
    ``holder`` overrides the lock holder id; ``clock`` returns aware UTC.
    """

    def __init__(
        self,
        app: Flask,
        scheduler: Any,
        runner: Any,
        *,
        holder: str | None = None,
        clock: Any = utcnow,
        lease_seconds: float = LEASE_SECONDS,
        renew_seconds: float = RENEW_SECONDS,
        refresh_poll_seconds: float = REFRESH_POLL_SECONDS,
    ) -> None:
        self.app = app
        self.scheduler = scheduler
        self.runner = runner
        self.clock = clock
        self.lease = SchedulerLease(holder, lease_seconds=lease_seconds, clock=clock)
        self.renew_seconds = renew_seconds
        self.refresh_poll_seconds = refresh_poll_seconds
        self.is_holder = False
        self._registered: dict[str, str | None] = {}  # schedule key -> cron registered (None: disabled)
        self._tick_lock = threading.Lock()
        self._tag = secrets.token_hex(3)  # job ids stay unique if two apps share a scheduler (tests)

    # -- job ids -----------------------------------------------------------------------

    def job_id(self, name: str) -> str:
        """The APScheduler job id of ``name`` for this service (``"schedule:library_sync@ab12cd"``)."""
        return f"{name}@{self._tag}"

    @property
    def zone(self) -> Any:
        """The time zone cron expressions are evaluated in (the scheduler's)."""
        return getattr(self.scheduler, "timezone", None) or scheduler_zone(self.app.config["SETTINGS"])

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> bool:
        """Add the executors and the lease job, and try the lock once now; True when this
        process became the holder (it then marked the previous process's jobs interrupted)."""
        from apscheduler.executors.pool import ThreadPoolExecutor

        for alias, threads in ((LEASE_EXECUTOR, 1), (RUN_EXECUTOR, RUN_THREADS)):
            try:
                self.scheduler.add_executor(ThreadPoolExecutor(threads), alias=alias)
            except ValueError:
                pass  # a second service on the same scheduler (tests) shares them
        held = self.tick()
        self.scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.renew_seconds,
            id=self.job_id("scheduler-lease"),
            name="Scheduler lock renewal",
            executor=LEASE_EXECUTOR,
            replace_existing=True,
            misfire_grace_time=None,
        )
        atexit.register(self.stop, at_exit=True)
        return held

    def stop(self, *, at_exit: bool = False) -> None:
        """Remove this service's jobs and give the lock up (at exit, or in tests).

        ``at_exit`` logs at debug level only: log streams may be closed by then."""
        for job_id in [self.job_id("scheduler-lease"), *self._owned_job_ids()]:
            self._remove_job(job_id)
        self._registered.clear()
        if self.is_holder:
            self.is_holder = False
            try:
                with self.app.app_context():
                    self.lease.release()
                log.log(logging.DEBUG if at_exit else logging.INFO, "Scheduler lock released")
            except Exception:
                log.debug("Could not release the scheduler lock", exc_info=True)

    # -- the lease job -----------------------------------------------------------------

    def tick(self) -> bool:
        """Take or renew the lock and bring the registered jobs in line with it; picks up
        "run now" requests and schedule edits made in any process. Returns True while
        this process holds the lock. Database errors are logged, never raised (the
        process then behaves as a non-holder until the next tick)."""
        with self._tick_lock, self.app.app_context():
            try:
                held = self.lease.acquire()
            except Exception:
                log.exception("Could not take or renew the scheduler lock")
                db.session.rollback()
                held = False
            try:
                if held and not self.is_holder:
                    self._become_holder()
                elif not held and self.is_holder:
                    self._lose_holder()
                if held:
                    self._sync_jobs()
                    self._launch_requested()
            except Exception:
                log.exception("Scheduler bookkeeping failed; retrying in %.0f s", self.renew_seconds)
                db.session.rollback()
            return held

    def _become_holder(self) -> None:
        self.is_holder = True
        log.info("This process runs the scheduled jobs (scheduler lock %s)", self.lease.holder)
        # Only the lock holder may decide that active jobs were orphaned by a process that
        # stopped: a second instance on the same database must not touch live jobs.
        mark_orphaned_jobs(self.app)
        ensure_schedules(self.app.config["SETTINGS"])
        self._registered.clear()
        self.scheduler.add_job(
            self._poll_refreshes,
            "interval",
            seconds=self.refresh_poll_seconds,
            id=self.job_id("playlist-refreshes"),
            name="Recurring playlist refreshes",
            executor=RUN_EXECUTOR,
            replace_existing=True,
            next_run_time=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=min(5.0, self.refresh_poll_seconds)),
        )

    def _lose_holder(self) -> None:
        self.is_holder = False
        log.warning("Another process took the scheduler lock; scheduled jobs stop here")
        for job_id in self._owned_job_ids():
            self._remove_job(job_id)
        self._registered.clear()

    def _owned_job_ids(self) -> list[str]:
        return [self.job_id("playlist-refreshes"), *(self.job_id(f"schedule:{k}") for k in SCHEDULE_DEFS)]

    def _remove_job(self, job_id: str) -> None:
        try:
            self.scheduler.remove_job(job_id)
        except Exception:  # noqa: BLE001 - JobLookupError, or the scheduler is shut down
            pass

    def _sync_jobs(self) -> None:
        """Register, re-time or remove the schedules' cron jobs to match their rows."""
        now = self.clock()
        for position, row in enumerate(db.session.scalars(db.select(Schedule)).all()):
            if row.key not in SCHEDULE_DEFS:
                continue
            job_id = self.job_id(f"schedule:{row.key}")
            wanted = row.cron if row.enabled else None
            if self._registered.get(row.key) == wanted and (wanted is None or self.scheduler.get_job(job_id)):
                continue
            if wanted is None:
                self._remove_job(job_id)
                self._registered[row.key] = None
                continue
            try:
                trigger = crontab_trigger(row.cron, self.zone)
            except ValueError as exc:
                log.error("Schedule '%s' has a wrong time %r (%s); it does not run", row.key, row.cron, exc)
                self._registered[row.key] = wanted
                continue
            options: dict[str, Any] = {}
            first_time = row.key not in self._registered
            if first_time and missed_run(row, self.zone, now):
                options["next_run_time"] = dt.datetime.now(dt.UTC) + CATCH_UP_DELAY * (position + 1)
                log.info("Schedule '%s' missed a run while no scheduler was running; it runs once now", row.key)
            self.scheduler.add_job(
                self.run_schedule,
                trigger,
                args=[row.key],
                id=job_id,
                name=SCHEDULE_DEFS[row.key].label,
                executor=RUN_EXECUTOR,
                replace_existing=True,
                misfire_grace_time=None,
                **options,
            )
            self._registered[row.key] = wanted

    def _launch_requested(self) -> None:
        """Start the "run now" requests stored by any process (each runs once)."""
        rows = db.session.scalars(db.select(Schedule).where(Schedule.run_requested_at.is_not(None))).all()
        for row in rows:
            row.run_requested_at = None
        db.session.commit()
        for row in rows:
            if row.key in SCHEDULE_DEFS:
                self.scheduler.add_job(
                    self.run_schedule,
                    args=[row.key, "user"],
                    id=self.job_id(f"run-now:{row.key}"),
                    name=f"{SCHEDULE_DEFS[row.key].label} (run now)",
                    executor=RUN_EXECUTOR,
                    replace_existing=True,
                    misfire_grace_time=None,
                )

    def wake_refreshes(self) -> None:
        """Look for due playlist refreshes now instead of at the next poll (holder only)."""
        if self.is_holder:
            try:
                self.scheduler.modify_job(self.job_id("playlist-refreshes"), next_run_time=dt.datetime.now(dt.UTC))
            except Exception:  # noqa: BLE001 - not registered yet: the next poll finds it
                pass

    # -- the scheduled work ------------------------------------------------------------

    def run_schedule(self, key: str, trigger: str = "schedule") -> RunOutcome | None:
        """Run schedule ``key`` in this thread and record its last run on the row.

        A timer-triggered run (``trigger="schedule"``) does nothing unless this process
        holds the lock (checked in the database, so a registration that outlived a lost
        lease cannot run) and the schedule is enabled. Logs a start and an end line;
        returns the outcome (None when it did not run). A failure never removes the
        schedule: its next run stays as it was.
        """
        with self.app.app_context():
            if trigger == "schedule" and not self.lease.held_by_me():
                log.warning("Schedule '%s' not run: this process no longer holds the scheduler lock", key)
                return None
            row = db.session.get(Schedule, key)
            if row is None or key not in SCHEDULE_DEFS or (trigger == "schedule" and not row.enabled):
                return None
            label = SCHEDULE_DEFS[key].label
            log.info("%s started (%s)", label, "scheduled" if trigger == "schedule" else "run now")
            started_at, started = self.clock(), time.monotonic()
            try:
                outcome = run_schedule_steps(key, trigger)
            except Exception as exc:
                db.session.rollback()
                log.exception("%s failed unexpectedly", label)
                outcome = RunOutcome("failed", f"Unexpected error ({type(exc).__name__}); see the log.")
            seconds = time.monotonic() - started
            row = db.session.get(Schedule, key)
            if row is not None:
                row.last_run_at = started_at
                row.last_status = outcome.status
                row.last_message = outcome.message[:4000]
                row.last_duration_s = round(seconds, 3)
                row.last_job_id = outcome.job_ids[-1] if outcome.job_ids else None
                db.session.commit()
            if outcome.status in ("done", SKIPPED):
                log.info("%s finished in %.1f s: %s", label, seconds, outcome.message)
            else:
                job = self.scheduler.get_job(self.job_id(f"schedule:{key}")) if self.scheduler else None
                nxt = getattr(job, "next_run_time", None)
                log.error(
                    "%s %s after %.1f s: %s (next run %s)",
                    label, outcome.status, seconds, outcome.message, nxt.strftime("%Y-%m-%d %H:%M %Z") if nxt else "as scheduled",
                )
            return outcome

    def _poll_refreshes(self) -> None:
        with self.app.app_context():
            if not self.lease.held_by_me():
                return
            try:
                refreshes.run_due_refreshes(self.app.config["SETTINGS"], now=self.clock())
            except Exception:
                db.session.rollback()
                log.exception("Recurring playlist refreshes failed")
