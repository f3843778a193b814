"""The dashboard: playlists, running jobs, the library index and the AI cascade at a glance,
with first-run guidance while Plex or an AI provider is not configured."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..config import current_settings
from ..services import job_views, playlist_views
from . import status_panels

bp = Blueprint("pages", __name__)


@bp.get("/")
def dashboard():
    """The dashboard page."""
    settings = current_settings()
    return render_template(
        "dashboard.html",
        settings=settings,
        playlists=playlist_views.list_playlists(),
        active_jobs=job_views.active_jobs(),
        library=status_panels.library_summary(),
        ai=status_panels.ai_status(settings),
    )
