"""What the job pages and the dashboard show of jobs: one job, the active ones, the
newest finished one, and the history."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import Job, JobStatus, Playlist

HISTORY_LIMIT = 100  # jobs listed on the history page


def get_job(job_id: int) -> Job | None:
    """The job with ``job_id``, or None (housekeeping removes old ones)."""
    return db.session.get(Job, job_id)


def job_playlist_id(job: Job) -> int | None:
    """The playlist a job made or worked on: ``Job.playlist_id`` or ``result["playlist_id"]``."""
    if job.playlist_id:
        return job.playlist_id
    result = job.result or {}
    value = result.get("playlist_id") if isinstance(result, dict) else None
    return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) else None


def job_playlist(job: Job) -> Playlist | None:
    """The playlist of :func:`job_playlist_id`, or None (none, or deleted since)."""
    playlist_id = job_playlist_id(job)
    return db.session.get(Playlist, playlist_id) if playlist_id else None


def owned_by(owner_id: int) -> sa.ColumnElement[bool]:
    """SQL condition: the job is ``owner_id``'s (issue 16): they asked for it, or it
    worked on one of their playlists."""
    mine = sa.select(Playlist.id).where(Playlist.owner_id == owner_id)
    return sa.or_(Job.owner_id == owner_id, Job.playlist_id.in_(mine))


def active_jobs(playlist_id: int | None = None, owner_id: int | None = None) -> list[Job]:
    """Queued and running jobs, oldest first; only those of ``playlist_id`` when given,
    only ``owner_id``'s (:func:`owned_by`) when given."""
    query = db.select(Job).where(Job.status.in_(JobStatus.ACTIVE)).order_by(Job.id)
    if playlist_id:
        query = query.where(Job.playlist_id == playlist_id)
    if owner_id is not None:
        query = query.where(owned_by(owner_id))
    return list(db.session.scalars(query))


def latest_finished_job(playlist_id: int | None = None, owner_id: int | None = None) -> Job | None:
    """The newest job in a final state (of ``playlist_id``, of ``owner_id`` when given), or None."""
    query = db.select(Job).where(Job.status.in_(JobStatus.FINAL)).order_by(Job.id.desc())
    if playlist_id:
        query = query.where(Job.playlist_id == playlist_id)
    if owner_id is not None:
        query = query.where(owned_by(owner_id))
    return db.session.scalars(query.limit(1)).first()


def job_history(status: str | None = None, limit: int = HISTORY_LIMIT, owner_id: int | None = None) -> list[Job]:
    """The newest ``limit`` jobs, newest first; only those with ``status`` when it is a
    known status (an unknown one is ignored); only ``owner_id``'s when given."""
    query = db.select(Job).order_by(Job.id.desc()).limit(limit)
    if owner_id is not None:
        query = query.where(owned_by(owner_id))
    if status in JobStatus.ACTIVE + JobStatus.FINAL:
        query = query.where(Job.status == status)
    return list(db.session.scalars(query))


def playlist_titles() -> dict[int, str]:
    """``{playlist id: title}`` of every playlist (the history names a job's playlist)."""
    return {playlist_id: title for playlist_id, title in db.session.execute(db.select(Playlist.id, Playlist.title))}
