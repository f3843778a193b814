"""Web layer: one blueprint per page family. Routes are thin: parse, call a service or
enqueue a job, render.

Cross-cutting pieces are installed here: the login guard (:mod:`.auth`), security
headers (:mod:`.security`), template filters (:mod:`.viewhelpers`) and the navigation.
"""

from __future__ import annotations

import logging

from flask import Flask, g, request, session

log = logging.getLogger(__name__)

# (endpoint, label, blueprints whose pages mark the item as current).
NAVIGATION = (
    ("pages.dashboard", "Dashboard", ("pages", "playlists")),
    ("playlists.new", "New playlist", ()),
    ("library.page", "Library", ("library",)),
    ("jobs.history", "Jobs", ("jobs",)),
    ("schedules.page", "Schedules", ("schedules",)),
    ("diagnostics.page", "AI services", ("diagnostics",)),
    ("settings.page", "Settings", ("settings",)),
)
# The form's own endpoints belong to "New playlist", not to the playlists it lists under.
NEW_PLAYLIST_ENDPOINTS = frozenset({"playlists.new", "playlists.create", "playlists.seeds"})


def _remember_actor() -> None:
    """Put the signed-in account's name in ``g.actor``: jobs enqueued by this request
    record it as ``Job.started_by`` (:func:`plex_completer.jobs.current_actor`)."""
    data = session.get("auth")
    g.actor = data.get("user") if isinstance(data, dict) else None


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to ``app`` and install the login guard and headers."""
    from . import (
        auth,
        diagnostics,
        health,
        household,  # adds Sign in with Plex to auth.bp and "Refresh Plex users" to settings_page.bp
        jobs_pages,
        library,
        pages,
        playlist_match,  # noqa: F401 - adds the manual-match routes to playlist_pages.bp
        playlist_pages,
        schedules,
        security,
        settings_page,
        viewhelpers,
    )

    for module in (health, auth, pages, playlist_pages, jobs_pages, library, schedules, settings_page, diagnostics):
        app.register_blueprint(module.bp)

    auth.init_app(app)
    app.before_request(_remember_actor)
    household.init_app(app)  # who is looking, and the 404/403 of what is not theirs (issue 16)
    security.init_app(app)
    viewhelpers.init_app(app)

    @app.context_processor
    def _navigation():
        current_bp = request.blueprint if request else None
        on_form = request.endpoint in NEW_PLAYLIST_ENDPOINTS
        items = []
        admin = household.viewer().sees_all
        for endpoint, label, blueprints in NAVIGATION:
            if not admin and endpoint.split(".")[0] in household.ADMIN_BLUEPRINTS:
                continue
            url = viewhelpers.url_or_none(endpoint)
            if url:
                current = on_form if endpoint == "playlists.new" else (current_bp in blueprints and not on_form)
                items.append({"url": url, "label": label, "current": current})
        return {"navigation": items}
