"""The dashboard: playlists, running jobs, the library index and the AI cascade at a glance,
with first-run guidance while Plex or an AI provider is not configured."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..config import current_settings
from ..services import job_views, playlist_views
from ..services.setup_guide import setup_guide
from . import status_panels

bp = Blueprint("pages", __name__)


@bp.get("/")
def dashboard():
    """The dashboard page."""
    settings = current_settings()
    return render_template(
        "dashboard.html",
        settings=settings,
        cards=playlist_views.playlist_cards(),
        guide=setup_guide(settings),
        active_jobs=job_views.active_jobs(),
        library=status_panels.library_summary(),
        ai=status_panels.ai_status(settings),
    )



@bp.get("/panels/library")
def library_panel():
    """The dashboard's Library panel (htmx reloads it when the running jobs finish:
    ``/jobs/active`` then sends the ``jobs-finished`` event)."""
    return render_template("partials/library_panel.html", library=status_panels.library_summary())


@bp.get("/panels/setup")
def setup_panel():
    """The dashboard's first-run guide (reloaded like the Library panel)."""
    settings = current_settings()
    return render_template("partials/setup_guide.html", settings=settings, guide=setup_guide(settings))
