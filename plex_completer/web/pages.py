"""The dashboard: playlists, running jobs, the library index and the AI cascade at a glance,
with first-run guidance while Plex or an AI provider is not configured."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..config import current_settings
from ..services import job_views, playlist_views, plex_users
from ..services.setup_guide import setup_guide
from . import household, status_panels

bp = Blueprint("pages", __name__)


@bp.get("/")
def dashboard():
    """The dashboard page. A Plex user sees their own playlists; the admin and the server
    owner see everyone's, with an owner column and ``owner=<PlexUser id>`` as a filter
    (``owner=0``: the server owner's; issue 16)."""
    settings = current_settings()
    scope = household.scope()
    owner_filter = request.args.get("owner", "") if scope is None else ""
    if scope is not None:
        cards = playlist_views.playlist_cards(scope, only_owner=True)
    elif owner_filter.isascii() and owner_filter.isdigit() and len(owner_filter) < 12:
        cards = playlist_views.playlist_cards(int(owner_filter) or None, only_owner=True)
    else:
        owner_filter = ""
        cards = playlist_views.playlist_cards()
    everyone = plex_users.every_user()
    active = job_views.active_jobs(owner_id=scope)
    return render_template(
        "dashboard.html",
        settings=settings,
        cards=cards,
        owners=plex_users.users(rows=everyone) if scope is None else None,
        owner_names=plex_users.owner_names(everyone),
        owner_filter=owner_filter,
        # what the page has read already, so the guide asks for less (a household member's
        # job list leaves out the library sync: the guide then asks itself)
        guide=setup_guide(settings, active if scope is None else None, playlist_seen=bool(cards)),
        active_jobs=active,
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
