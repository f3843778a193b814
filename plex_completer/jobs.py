"""Background jobs: a ``Job`` row per unit of work, run in APScheduler's thread pool.

A web request or CLI call only *enqueues* (:meth:`JobRunner.enqueue`) and gets the job
row back; the work runs in a scheduler thread inside an app context, reports progress
through :class:`JobContext`, and always ends in a final state (done, failed,
postponed or interrupted), also when it raises (the microblog pattern:
try/except/finally).

Job functions are registered by kind with :func:`job_kind` and called as
``fn(ctx, **params)``; they return a one-line summary message (``str``) or a dict
with ``"message"`` plus any result fields.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, g, has_request_context

from .errors import JobPostponed, UserFacingError
from .extensions import db
from .logging_setup import redact
from .models import Job, JobStatus, utcnow

log = logging.getLogger(__name__)

JobFunction = Callable[..., Any]
ProgressListener = Callable[[int | None, int | None, str | None], None]
"""Called with every progress report of a job run in this thread: ``(done, total, step)``."""
_REGISTRY: dict[str, JobFunction] = {}


def job_kind(kind: str) -> Callable[[JobFunction], JobFunction]:
    """Decorator: register ``fn`` as the function that runs jobs of ``kind`` (the app's
    kinds are all imported by :mod:`plex_completer.services.job_kinds`)."""

    def decorator(fn: JobFunction) -> JobFunction:
        _REGISTRY[kind] = fn
        return fn

    return decorator


def current_actor() -> str | None:
    """The account name the web layer put in ``flask.g.actor`` for this request (see
    ``plex_completer.web``), or None outside a request (scheduler, CLI)."""
    return g.get("actor") if has_request_context() else None


def current_owner_id() -> int | None:
    """The signed-in Plex user's ``PlexUser.id`` the web layer put in ``flask.g.owner_id``
    (issue 16), or None (the admin, the scheduler, the CLI)."""
    return g.get("owner_id") if has_request_context() else None


def _owner_of(playlist_id: int | None) -> int | None:
    from .models import Playlist

    if playlist_id is not None:
        playlist = db.session.get(Playlist, playlist_id)
        if playlist is not None:
            return playlist.owner_id
    return current_owner_id()


def registered_kinds() -> frozenset[str]:
    """The job kinds registered so far."""
    return frozenset(_REGISTRY)


class JobContext:
    """Handed to a job function: its job id and a way to report progress.

    :meth:`progress` commits the current database session (progress is only visible to
    the polling page once committed), so job functions keep their own writes in
    coherent units between progress calls.
    """

    def __init__(self, job_id: int, on_progress: ProgressListener | None = None) -> None:
        self.job_id = job_id
        self._last_write = 0.0
        self._on_progress = on_progress

    @property
    def job(self) -> Job:
        """The job row (loaded in the current session)."""
        return db.session.get(Job, self.job_id)

    def progress(self, done: int | None = None, total: int | None = None, step: str | None = None, *, force: bool = True) -> None:
        """Record progress: ``done`` of ``total`` units and the current ``step`` text.

        With ``force=False`` writes at most every 0.5 s (for tight loops).
        """
        if self._on_progress is not None:
            self._on_progress(done, total, step)
        now = time.monotonic()
        if not force and now - self._last_write < 0.5:
            return
        self._last_write = now
        job = self.job
        if done is not None:
            job.progress_done = done
        if total is not None:
            job.progress_total = total
        if step is not None:
            job.step = step[:200]
        db.session.commit()


class JobRunner:
    """Owns the APScheduler ``BackgroundScheduler`` of this process and runs job rows."""

    def __init__(self) -> None:
        self.app: Flask | None = None
        self.scheduler: Any = None
        self._enqueue_lock = threading.Lock()
        self.inline = False  # tests may run jobs synchronously in the calling thread

    # -- lifecycle -------------------------------------------------------------------

    def init_app(self, app: Flask, start_scheduler: bool = True) -> None:
        """Bind to ``app`` and start the background scheduler when ``start_scheduler``.

        Jobs left running by a previous process are marked interrupted by the scheduler
        package (:func:`plex_completer.scheduler.init_app`, which the app factory calls
        next): only the process that holds the scheduler lock may do so."""
        self.app = app
        app.extensions["job_runner"] = self
        self.inline = bool(app.config.get("JOBS_INLINE", False))
        if start_scheduler:
            self.start()

    def start(self) -> None:
        """Start the background scheduler (idempotent)."""
        if self.scheduler is not None and self.scheduler.running:
            return
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        settings = self.app.config["SETTINGS"]
        # Four worker threads: a generation waiting on a slow Ollama must not block a
        # library sync or the page's "test" buttons.
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone=settings.TZ or None,
        )
        self.scheduler.start()
        log.info("Background scheduler started")

    def shutdown(self, wait: bool = False) -> None:
        """Stop the scheduler (used by tests and at exit)."""
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        self.scheduler = None

    @property
    def running(self) -> bool:
        """True while the background scheduler runs."""
        return bool(self.scheduler is not None and self.scheduler.running)

    def mark_interrupted(self, exclude: set[int] | frozenset[int] = frozenset()) -> int:
        """Mark queued/running jobs of a previous process as interrupted (except the ids in
        ``exclude``, jobs this process made itself); returns the count."""
        jobs = [
            job
            for job in db.session.scalars(db.select(Job).where(Job.status.in_(JobStatus.ACTIVE)))
            if job.id not in exclude
        ]
        for job in jobs:
            job.status = JobStatus.INTERRUPTED
            job.finished_at = utcnow()
            job.message = "Interrupted: the app stopped while this job was " + (
                "running. Nothing half-made was kept; you can retry it." if job.started_at else "waiting. You can retry it."
            )
            log.warning("Job %s (%s) was interrupted by a restart", job.id, job.kind)
        db.session.commit()
        return len(jobs)

    # -- enqueueing ------------------------------------------------------------------

    def create_job(
        self,
        kind: str,
        params: dict[str, Any] | None = None,
        *,
        dedupe_key: str | None = None,
        playlist_id: int | None = None,
        trigger: str = "user",
        owner_id: int | None = None,
    ) -> tuple[Job, bool]:
        """Insert a queued job row; returns ``(job, True)``, or ``(active job, False)`` when
        one with the same ``dedupe_key`` is queued or running (nothing is inserted then).

        ``Job.owner_id`` (issue 16) is ``owner_id``, else the owner of ``playlist_id``'s
        playlist, else the signed-in Plex user of this request (:func:`current_owner_id`).

        The check and the insert happen under one lock, so two threads of this process
        with the same key cannot both insert. Raises ``KeyError`` for an unknown ``kind``.
        """
        if kind not in _REGISTRY:
            raise KeyError(f"unknown job kind {kind!r}")
        with self._enqueue_lock:
            if dedupe_key:
                existing = db.session.scalars(
                    db.select(Job)
                    .where(Job.dedupe_key == dedupe_key, Job.status.in_(JobStatus.ACTIVE))
                    .order_by(Job.id.desc())
                ).first()
                if existing is not None:
                    return existing, False
            job = Job(
                kind=kind,
                params=params or {},
                dedupe_key=dedupe_key,
                playlist_id=playlist_id,
                trigger=trigger,
                started_by=current_actor(),
                owner_id=owner_id if owner_id is not None else _owner_of(playlist_id),
            )
            db.session.add(job)
            db.session.commit()
        return job, True

    def enqueue(
        self,
        kind: str,
        params: dict[str, Any] | None = None,
        *,
        dedupe_key: str | None = None,
        playlist_id: int | None = None,
        trigger: str = "user",
        owner_id: int | None = None,
    ) -> Job:
        """Create a job row and schedule it to run now; return the row (``owner_id``: see
        :meth:`create_job`).

        When an active job with the same ``dedupe_key`` exists (a double click, a second
        tab), that job is returned instead and nothing new is started.
        Raises ``KeyError`` for an unknown ``kind``.
        """
        job, created = self.create_job(kind, params, dedupe_key=dedupe_key, playlist_id=playlist_id, trigger=trigger,
                                       owner_id=owner_id)
        if not created:
            return job
        if self.inline or not self.running:
            if not self.inline:
                log.warning("Scheduler not running; job %s (%s) runs in the calling thread", job.id, kind)
            self.run_job(job.id)
            db.session.refresh(job)
        else:
            self.scheduler.add_job(self._run_in_context, args=[job.id], id=f"job-{job.id}", misfire_grace_time=None)
        return job

    def retry(self, job_id: int) -> Job:
        """Enqueue a new job with the kind, parameters and dedupe key of a failed,
        interrupted or postponed one; returns the new (or an identical running) job.

        Raises ``ValueError`` when the job does not exist or has not ended unsuccessfully.
        """
        old = db.session.get(Job, job_id)
        if old is None:
            raise ValueError("That job no longer exists.")
        if old.status not in (JobStatus.FAILED, JobStatus.INTERRUPTED, JobStatus.POSTPONED):
            raise ValueError("Only a failed, interrupted or postponed job can be retried.")
        return self.enqueue(
            old.kind, dict(old.params or {}), dedupe_key=old.dedupe_key or f"retry:{old.id}", playlist_id=old.playlist_id,
            owner_id=old.owner_id,
        )

    def run_now(
        self,
        kind: str,
        params: dict[str, Any] | None = None,
        *,
        trigger: str = "cli",
        playlist_id: int | None = None,
        dedupe_key: str | None = None,
        on_progress: ProgressListener | None = None,
    ) -> Job:
        """Create a job row and run it synchronously in this thread (CLI, scheduled runs);
        return the row in its final state.

        When a job with ``dedupe_key`` is queued or running (the server's own sync, say),
        nothing runs and that job is returned: its status is still in ``JobStatus.ACTIVE``.
        ``on_progress`` hears every progress report (the CLI prints them).
        Raises ``KeyError`` for an unknown ``kind``.
        """
        job, created = self.create_job(kind, params, dedupe_key=dedupe_key, playlist_id=playlist_id, trigger=trigger)
        if not created:
            return job
        job_id = job.id
        self.run_job(job_id, on_progress=on_progress)
        db.session.expire_all()
        return db.session.get(Job, job_id)

    # -- running ---------------------------------------------------------------------

    def _run_in_context(self, job_id: int) -> None:
        with self.app.app_context():
            self.run_job(job_id)

    def run_job(self, job_id: int, on_progress: ProgressListener | None = None) -> None:
        """Run job ``job_id`` to a final state (needs an app context)."""
        job = db.session.get(Job, job_id)
        if job is None or job.status not in JobStatus.ACTIVE:
            return
        fn = _REGISTRY[job.kind]
        job.status = JobStatus.RUNNING
        job.started_at = utcnow()
        db.session.commit()
        started = time.monotonic()
        status, message, result = JobStatus.FAILED, "", None
        try:
            outcome = fn(JobContext(job_id, on_progress), **(job.params or {}))
            if isinstance(outcome, dict):
                result = outcome
                message = str(outcome.get("message", ""))
            else:
                message = str(outcome or "")
            status = JobStatus.DONE
        except JobPostponed as exc:
            db.session.rollback()
            status, message = JobStatus.POSTPONED, redact(str(exc))
            log.warning("Job %s (%s) postponed: %s", job_id, job.kind, message)
        except UserFacingError as exc:
            db.session.rollback()
            message = redact(str(exc))
            log.error("Job %s (%s) failed: %s", job_id, job.kind, message)
        except Exception as exc:
            db.session.rollback()
            message = redact(f"Unexpected error ({type(exc).__name__}): {exc}")
            log.exception("Job %s (%s) failed unexpectedly", job_id, job.kind)
        finally:
            try:
                job = db.session.get(Job, job_id)
                job.status = status
                job.message = message[:4000]
                if result is not None:
                    job.result = result
                job.finished_at = utcnow()
                if status == JobStatus.DONE and job.progress_total:
                    job.progress_done = job.progress_total
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("Could not record the end of job %s", job_id)
        log.debug("Job %s (%s) took %.2f s", job_id, job.kind, time.monotonic() - started)


runner = JobRunner()
