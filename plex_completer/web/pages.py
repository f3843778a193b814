"""The dashboard: playlists, running jobs, the library index and the AI cascade at a glance,
with first-run guidance while Plex or an AI provider is not configured."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from ..extensions import db
from ..models import Job, JobStatus, Playlist
from . import status_panels

bp = Blueprint("pages", __name__)


@bp.get("/")
def dashboard():
    """The dashboard page."""
    settings = current_app.config["SETTINGS"]
    playlists = db.session.scalars(db.select(Playlist).order_by(Playlist.updated_at.desc())).all()
    active_jobs = db.session.scalars(
        db.select(Job).where(Job.status.in_(JobStatus.ACTIVE)).order_by(Job.id)
    ).all()
    return render_template(
        "dashboard.html",
        settings=settings,
        playlists=playlists,
        active_jobs=active_jobs,
        library=status_panels.library_summary(),
        ai=status_panels.ai_status(settings),
    )
