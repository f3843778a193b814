"""What scheduled runs do: the job kinds ``playlist_refresh`` and ``housekeeping``, and
the steps of each schedule (library sync followed by a rescan when anything changed).

Every step is a ``Job`` row run synchronously in the scheduler's thread, so the jobs
history lists it with its trigger. A step is skipped, not started twice, while a job
with the same dedupe key is active (the user's "Sync now" on the library page uses the
same key ``library_sync``), so a schedule never overlaps a run of the same work.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..jobs import JobContext, UserFacingError, job_kind, runner
from ..models import AiAttempt, Job, JobStatus, Playlist, utcnow
from .caps import check_cap

log = logging.getLogger(__name__)

SKIPPED = "skipped"  # a schedule outcome (not a job status): the work was already running


def run_job_row(
    kind: str,
    params: dict[str, Any] | None = None,
    *,
    trigger: str = "schedule",
    dedupe_key: str | None = None,
    playlist_id: int | None = None,
) -> tuple[Job, bool]:
    """Create a job row and run it to its final state in this thread (needs an app context).

    Returns ``(job, True)``; when an active job with ``dedupe_key`` exists it returns
    ``(that job, False)`` and starts nothing. Raises ``KeyError`` for an unknown kind.
    The dedupe check is :meth:`JobRunner.create_job`'s, shared with ``runner.enqueue``.
    """
    job, created = runner.create_job(kind, params, trigger=trigger, dedupe_key=dedupe_key, playlist_id=playlist_id)
    if not created:
        return job, False
    job_id = job.id
    runner.run_job(job_id)
    db.session.expire_all()
    return db.session.get(Job, job_id), True


@dataclass
class RunOutcome:
    """The result of one schedule run: ``status`` is a job status or ``"skipped"``;
    ``message`` joins the steps' messages; ``job_ids`` are the job rows it made."""

    status: str
    message: str
    job_ids: list[int] = field(default_factory=list)


_SEVERITY = {JobStatus.DONE: 0, SKIPPED: 1, JobStatus.POSTPONED: 2, JobStatus.INTERRUPTED: 3, JobStatus.FAILED: 4}


def _worst(*statuses: str) -> str:
    return max(statuses, key=lambda s: _SEVERITY.get(s, 4))


def _sync_changed(job: Job) -> bool:
    result = job.result or {}
    return any(int(result.get(k) or 0) > 0 for k in ("added", "updated", "removed"))


def run_library_sync_steps(full: bool, trigger: str) -> RunOutcome:
    """Library sync (incremental or ``full``), then "rescan all" when it added, updated
    or removed any track. Zero AI calls."""
    try:
        sync, ran = run_job_row("library_sync", {"full": full}, trigger=trigger, dedupe_key="library_sync")
    except KeyError:
        return RunOutcome(JobStatus.FAILED, "Library sync is not available in this version.")
    if not ran:
        return RunOutcome(SKIPPED, f"Skipped: a library sync is already running (job {sync.id}).", [sync.id])
    if sync.status != JobStatus.DONE:
        return RunOutcome(sync.status, sync.message or f"Library sync {sync.status}.", [sync.id])
    if not _sync_changed(sync):
        return RunOutcome(JobStatus.DONE, f"{sync.message}. Nothing changed, so no rescan was needed.", [sync.id])
    rescan, ran = run_job_row("rescan", {"playlist_id": None}, trigger=trigger, dedupe_key="rescan:all")
    if not ran:
        return RunOutcome(
            JobStatus.DONE, f"{sync.message}. A rescan was already running (job {rescan.id}).", [sync.id, rescan.id]
        )
    return RunOutcome(_worst(sync.status, rescan.status), f"{sync.message}. {rescan.message}", [sync.id, rescan.id])


def run_housekeeping_steps(trigger: str) -> RunOutcome:
    """One ``housekeeping`` job."""
    job, ran = run_job_row("housekeeping", {}, trigger=trigger, dedupe_key="housekeeping")
    if not ran:
        return RunOutcome(SKIPPED, f"Skipped: housekeeping is already running (job {job.id}).", [job.id])
    return RunOutcome(job.status, job.message, [job.id])


def run_schedule_steps(key: str, trigger: str = "schedule") -> RunOutcome:
    """Run the work of schedule ``key`` in this thread; raises ``KeyError`` for an unknown key."""
    if key == "library_sync":
        return run_library_sync_steps(False, trigger)
    if key == "full_sync":
        return run_library_sync_steps(True, trigger)
    if key == "housekeeping":
        return run_housekeeping_steps(trigger)
    raise KeyError(key)


# -- job kinds -------------------------------------------------------------------------


@job_kind("housekeeping")
def run_housekeeping(ctx: JobContext, retention_days: int | None = None) -> dict[str, Any]:
    """Job: delete finished job rows and AI attempts older than ``retention_days``
    (default ``JOB_RETENTION_DAYS``). Playlists, their track lists (generations) and
    rescan history are never touched; active jobs are kept whatever their age."""
    started = time.perf_counter()
    days = int(retention_days or current_app.config["SETTINGS"].JOB_RETENTION_DAYS)
    cutoff = utcnow() - dt.timedelta(days=days)
    ctx.progress(0, 2, "Removing old AI attempts")
    attempts = db.session.execute(sa.delete(AiAttempt).where(AiAttempt.started_at < cutoff)).rowcount
    ctx.progress(1, 2, "Removing old job rows")
    # AI attempts of newer jobs keep their rows; ON DELETE SET NULL unlinks any left.
    removed = db.session.execute(
        sa.delete(Job).where(Job.created_at < cutoff, Job.status.in_(JobStatus.FINAL), Job.id != ctx.job_id)
    ).rowcount
    db.session.commit()
    message = (
        f"Housekeeping: removed {removed} job rows and {attempts} AI attempts older than {days} days "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return {"message": message, "jobs_removed": removed, "attempts_removed": attempts, "retention_days": days}


@job_kind("playlist_refresh")
def run_playlist_refresh(
    ctx: JobContext, playlist_id: int, keep_share: float = 0.0, frequency: str | None = None
) -> dict[str, Any]:
    """Job: ask the AI again with the playlist's stored prompt and replace the Plex
    playlist's contents in place (same ratingKey); earlier track lists stay in the
    history. A scheduled run first checks the daily AI call cap and is postponed
    (``JobPostponed``) when it is used up, or when every provider's quota is.

    Returns the regeneration's figures with a message such as "Weekly refresh of 'Night
    Drive' with Gemini 2.5 Flash: 30 tracks, 28 in library".
    """
    from ..services.workflows import regenerate_playlist

    settings = current_app.config["SETTINGS"]
    playlist = db.session.get(Playlist, playlist_id)
    if playlist is None:
        raise UserFacingError(f"Playlist {playlist_id} no longer exists; its refresh schedule was removed with it.")
    label = f"{frequency.capitalize()} refresh" if frequency else "Refresh"
    trigger = ctx.job.trigger
    if trigger == "schedule":
        check_cap(settings, f"the {label.lower()} of '{playlist.title}'")
    ctx.job.playlist_id = playlist.id
    out = regenerate_playlist(ctx, playlist, trigger=trigger, keep_share=float(keep_share or 0.0))
    message = (
        f"{label} of '{playlist.title}' with {out.get('provider') or 'the AI'}: "
        f"{out.get('total', 0)} tracks, {out.get('matched', 0)} in library"
    )
    if out.get("status") != "synced" and playlist.status_message:
        message += f". {playlist.status_message}"
    return {**out, "message": message}
