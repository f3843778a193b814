"""Job pages: one job's live progress, the list of running jobs, and the jobs history.

Progress partials answer htmx polls. While a job is active the partial carries
``hx-trigger="every 1s"``; once it is final the response status is 286, which tells htmx
to stop polling (https://htmx.org/docs/#polling) after swapping in the final state.
Without JavaScript the pages are complete snapshots with a "refresh" link.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from ..jobs import runner
from ..models import Job, JobStatus
from ..services import job_views
from . import household

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

# Job kinds whose finished page opens the playlist they made.
OPEN_WHEN_DONE = frozenset({"generate", "regenerate", "playlist_refresh"})
# The htmx event sent when a job the page showed as running has finished.
JOBS_FINISHED_EVENT = "jobs-finished"
# htmx's "stop polling" status code (https://htmx.org/docs/#load_polling).
HTMX_STOP_POLLING = 286


def _get_job(job_id: int) -> Job:
    job = job_views.get_job(job_id)
    if job is None:
        abort(404, description="No such job. It may have been cleaned up; see the jobs history.")
    return job


def _job_context(job: Job) -> dict:
    return {"job": job, "playlist": job_views.job_playlist(job)}


@bp.get("/<int:job_id>")
def detail(job_id: int):
    """One job: progress while it runs, then its outcome and what to do next."""
    job = _get_job(job_id)
    return render_template("jobs/detail.html", **_job_context(job))


@bp.post("/<int:job_id>/retry")
def retry(job_id: int):
    """Start a failed, interrupted or postponed job again; show the new job."""
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
    context = _job_context(job)
    body = render_template("partials/job_status.html", **context)
    if job.status in JobStatus.ACTIVE:
        return body, 200
    headers = {}
    playlist = context["playlist"]
    if job.status == JobStatus.DONE and job.kind in OPEN_WHEN_DONE and playlist is not None and request.headers.get("HX-Request"):
        # The page watched the job to its end: take the user to the playlist it made
        # (htmx follows HX-Redirect, https://htmx.org/reference/#response_headers).
        flash(f"“{playlist.title}” is ready: {job.message}", "ok")
        headers["HX-Redirect"] = url_for("playlists.detail", playlist_id=playlist.id)
    return body, HTMX_STOP_POLLING, headers


@bp.get("/active")
def active():
    """The running-jobs partial of the dashboard (or of one playlist with ``playlist_id``);
    286 when nothing is running so the page stops polling."""
    playlist_id = request.args.get("playlist_id", type=int)
    jobs = job_views.active_jobs(playlist_id, owner_id=household.scope())
    recent_done = None if jobs else job_views.latest_finished_job(playlist_id, owner_id=household.scope())
    body = render_template(
        "partials/active_jobs.html", active_jobs=jobs, playlist_id=playlist_id, recent_done=recent_done
    )
    # The poll sends the ids it showed (hx-vals); when one of them is no longer active,
    # panels that show what jobs change (the dashboard's Library panel) reload on this
    # event (https://htmx.org/headers/hx-trigger/).
    shown = {int(part) for part in request.args.get("shown", "").split(",") if part.isascii() and part.isdigit()}
    headers = {"HX-Trigger": JOBS_FINISHED_EVENT} if shown - {job.id for job in jobs} else {}
    return body, (200 if jobs else HTMX_STOP_POLLING), headers


@bp.get("")
def history():
    """The newest jobs (``job_views.HISTORY_LIMIT``), optionally of one ``status``."""
    statuses = JobStatus.ACTIVE + JobStatus.FINAL
    status = request.args.get("status")
    status = status if status in statuses else None
    return render_template("jobs/history.html", jobs=job_views.job_history(status, owner_id=household.scope()), status=status,
                           titles=job_views.playlist_titles(), statuses=statuses,
                           job_playlist_id=job_views.job_playlist_id)
