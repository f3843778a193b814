"""Job pages: one job's live progress, the list of running jobs, and the jobs history.

Progress partials answer htmx polls. While a job is active the partial carries
``hx-trigger="every 1s"``; once it is final the response status is 286, which tells htmx
to stop polling (https://htmx.org/docs/#polling) after swapping in the final state.
Without JavaScript the pages are complete snapshots with a "refresh" link.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ..extensions import db
from ..models import Job, JobStatus, Playlist

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

HISTORY_LIMIT = 100
# htmx's "stop polling" status code (https://htmx.org/docs/#load_polling).
HTMX_STOP_POLLING = 286


def job_playlist_id(job: Job) -> int | None:
    """The playlist a job made or worked on: ``Job.playlist_id`` or ``result["playlist_id"]``."""
    if job.playlist_id:
        return job.playlist_id
    result = job.result or {}
    value = result.get("playlist_id") if isinstance(result, dict) else None
    return int(value) if isinstance(value, int) or (isinstance(value, str) and value.isdigit()) else None


def _get_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404, description="No such job. It may have been cleaned up; see the jobs history.")
    return job


def _job_context(job: Job) -> dict:
    playlist_id = job_playlist_id(job)
    playlist = db.session.get(Playlist, playlist_id) if playlist_id else None
    return {"job": job, "playlist": playlist}


@bp.get("/<int:job_id>")
def detail(job_id: int):
    """One job: progress while it runs, then its outcome and what to do next."""
    job = _get_job(job_id)
    return render_template("jobs/detail.html", **_job_context(job))


@bp.post("/<int:job_id>/retry")
def retry(job_id: int):
    """Start a failed, interrupted or postponed job again; show the new job."""
    from ..jobs import runner

    try:
        job = runner.retry(job_id)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("jobs.detail", job_id=job_id))
    return redirect(url_for("jobs.detail", job_id=job.id))


@bp.get("/<int:job_id>/progress")
def progress(job_id: int):
    """The progress partial of one job (htmx poll target); 286 once the job is final."""
    job = _get_job(job_id)
    body = render_template("partials/job_status.html", **_job_context(job))
    return body, (200 if job.status in JobStatus.ACTIVE else HTMX_STOP_POLLING)


@bp.get("/active")
def active():
    """The running-jobs partial of the dashboard (or of one playlist with ``playlist_id``);
    286 when nothing is running so the page stops polling."""
    query = db.select(Job).where(Job.status.in_(JobStatus.ACTIVE)).order_by(Job.id)
    playlist_id = request.args.get("playlist_id", type=int)
    if playlist_id:
        query = query.where(Job.playlist_id == playlist_id)
    jobs = db.session.scalars(query).all()
    recent_done = None
    if not jobs:
        done_query = db.select(Job).where(Job.status.in_(JobStatus.FINAL)).order_by(Job.id.desc())
        if playlist_id:
            done_query = done_query.where(Job.playlist_id == playlist_id)
        recent_done = db.session.scalars(done_query.limit(1)).first()
    body = render_template(
        "partials/active_jobs.html", active_jobs=jobs, playlist_id=playlist_id, recent_done=recent_done
    )
    return body, (200 if jobs else HTMX_STOP_POLLING)


@bp.get("")
def history():
    """The latest :data:`HISTORY_LIMIT` jobs, newest first, optionally of one ``status``."""
    status = request.args.get("status")
    query = db.select(Job).order_by(Job.id.desc()).limit(HISTORY_LIMIT)
    if status in (*JobStatus.ACTIVE, *JobStatus.FINAL):
        query = query.where(Job.status == status)
    else:
        status = None
    jobs = db.session.scalars(query).all()
    titles = dict(db.session.execute(db.select(Playlist.id, Playlist.title)).all())
    return render_template("jobs/history.html", jobs=jobs, status=status, titles=titles,
                           statuses=(*JobStatus.ACTIVE, *JobStatus.FINAL), job_playlist_id=job_playlist_id)
