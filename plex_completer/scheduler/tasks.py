"""What scheduled runs do: the steps of each schedule (library sync followed by a rescan
when anything changed, housekeeping), each step a job of a kind registered in
:mod:`plex_completer.services.job_kinds`.

Every step is a ``Job`` row run synchronously in the scheduler's thread, so the jobs
history lists it with its trigger. A step is skipped, not started twice, while a job
with the same dedupe key is active (the user's "Sync now" on the library page uses the
same key ``library_sync``), so a schedule never overlaps a run of the same work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from ..jobs import runner
from ..models import Job, JobStatus
from ..services.library_jobs import LIBRARY_SYNC_DEDUPE_KEY
from ..services.playlist_actions import rescan_dedupe_key

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
    ``(that job, False)`` and starts nothing (:meth:`JobRunner.run_now`).
    Raises ``KeyError`` for an unknown kind.
    """
    job = runner.run_now(kind, params, trigger=trigger, dedupe_key=dedupe_key, playlist_id=playlist_id)
    return job, job.status not in JobStatus.ACTIVE


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


# The first job of each schedule: (kind, params, dedupe key). The Schedules page's "run
# now" starts it alone when no process runs the scheduler.
SCHEDULE_FIRST_JOBS: dict[str, tuple[str, dict[str, Any], str]] = {
    "library_sync": ("library_sync", {"full": False}, LIBRARY_SYNC_DEDUPE_KEY),
    "full_sync": ("library_sync", {"full": True}, LIBRARY_SYNC_DEDUPE_KEY),
    "housekeeping": ("housekeeping", {}, "housekeeping"),
}


def run_library_sync_steps(full: bool, trigger: str) -> RunOutcome:
    """Library sync (incremental or ``full``), then "rescan all" when it added, updated
    or removed any track. Zero AI calls."""
    kind, params, dedupe_key = SCHEDULE_FIRST_JOBS["full_sync" if full else "library_sync"]
    sync, ran = run_job_row(kind, params, trigger=trigger, dedupe_key=dedupe_key)
    if not ran:
        return RunOutcome(SKIPPED, f"Skipped: a library sync is already running (job {sync.id}).", [sync.id])
    if sync.status != JobStatus.DONE:
        return RunOutcome(sync.status, sync.message or f"Library sync {sync.status}.", [sync.id])
    if not _sync_changed(sync):
        return RunOutcome(JobStatus.DONE, f"{sync.message}. Nothing changed, so no rescan was needed.", [sync.id])
    rescan, ran = run_job_row("rescan", {"playlist_id": None}, trigger=trigger, dedupe_key=rescan_dedupe_key(None))
    if not ran:
        return RunOutcome(
            JobStatus.DONE, f"{sync.message}. A rescan was already running (job {rescan.id}).", [sync.id, rescan.id]
        )
    return RunOutcome(_worst(sync.status, rescan.status), f"{sync.message}. {rescan.message}", [sync.id, rescan.id])


def run_housekeeping_steps(trigger: str) -> RunOutcome:
    """One ``housekeeping`` job."""
    kind, params, dedupe_key = SCHEDULE_FIRST_JOBS["housekeeping"]
    job, ran = run_job_row(kind, params, trigger=trigger, dedupe_key=dedupe_key)
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
