"""The job kinds the scheduler runs besides syncs and rescans: ``housekeeping`` (old job
rows and AI attempts) and ``playlist_refresh`` (a recurring playlist asked of the AI again).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import sqlalchemy as sa

from ..config import current_settings
from ..errors import UserFacingError
from ..extensions import db
from ..jobs import JobContext, job_kind
from ..models import AiAttempt, Job, JobStatus, Playlist, utcnow
from .ai_call_cap import check_cap
from .playlist_jobs import regenerate_playlist


@job_kind("housekeeping")
def run_housekeeping(ctx: JobContext, retention_days: int | None = None) -> dict[str, Any]:
    """Job: delete finished job rows and AI attempts older than ``retention_days``
    (default ``JOB_RETENTION_DAYS``). Playlists, their track lists (generations) and
    rescan history are never touched; active jobs are kept whatever their age."""
    started = time.perf_counter()
    days = int(retention_days or current_settings().JOB_RETENTION_DAYS)
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

    settings = current_settings()
    playlist = db.session.get(Playlist, playlist_id)
    if playlist is None:
        raise UserFacingError(f"Playlist {playlist_id} no longer exists; its refresh schedule was removed with it.")
    label = f"{frequency.capitalize()} refresh" if frequency else "Refresh"
    trigger = ctx.job.trigger
    if trigger == "schedule":
        check_cap(settings, f"the {label.lower()} of '{playlist.title}'")
    ctx.job.playlist_id = playlist.id
    out = regenerate_playlist(ctx, playlist, trigger=trigger, keep_share=float(keep_share or 0.0), history_kind="refresh")
    message = (
        f"{label} of '{playlist.title}' with {out.get('provider') or 'the AI'}: "
        f"{out.get('total', 0)} tracks, {out.get('matched', 0)} in library"
    )
    if out.get("status") != "synced" and playlist.status_message:
        message += f". {playlist.status_message}"
    return {**out, "message": message}
