"""The ``library_sync`` job kind: the library sync of :mod:`plex_completer.plex.library_sync`
run as a job row, so the web UI, the CLI and the scheduler all leave the same history."""

from __future__ import annotations

from typing import Any

from ..config import current_settings
from ..extensions import db
from ..jobs import JobContext, job_kind, runner
from ..models import Job
from ..plex.library_sync import sync_library

LIBRARY_SYNC_DEDUPE_KEY = "library_sync"
"""The dedupe key of every library sync job: a user's "Sync now", the CLI and a schedule
never run two syncs at once (the second request gets the running job)."""


@job_kind("library_sync")
def library_sync_job(ctx: JobContext, full: bool = False) -> dict[str, Any]:
    """Job ``library_sync`` (params ``{"full": bool}``): run :func:`sync_library` with the
    job's progress reporting; the job message is ``SyncResult.summary()`` and the result
    holds ``added``, ``updated``, ``removed`` and the other figures of ``SyncResult.as_dict()``.

    Raises the :class:`~plex_completer.plex.errors.PlexError` of a failed sync (the job
    ends FAILED with its message; the previous index stays)."""
    result = sync_library(
        current_settings(), full=bool(full), progress=lambda done, total, step: ctx.progress(done, total, step)
    )
    return {"message": result.summary(), **result.as_dict()}


def start_library_sync(full: bool = False, trigger: str = "user") -> Job:
    """Enqueue a library sync (``full`` re-reads every track) and return its job row, or
    the sync already queued or running (one sync at a time, whoever asked)."""
    return runner.enqueue("library_sync", {"full": bool(full)}, dedupe_key=LIBRARY_SYNC_DEDUPE_KEY, trigger=trigger)


def recent_library_syncs(limit: int = 5) -> list[Job]:
    """The newest ``limit`` library sync jobs, newest first."""
    return list(
        db.session.scalars(db.select(Job).where(Job.kind == "library_sync").order_by(Job.id.desc()).limit(limit))
    )
