"""Household use (issue 16): Sign in with Plex, who is looking, and what they may see.

**Sign in with Plex** is plex.tv's PIN flow (plexapi ``MyPlexPinLogin``): "Sign in with
Plex" on the login page creates a strong PIN (``POST /api/v2/pins``) under this
installation's client identifier, and the waiting page links to the Plex page where the
user approves it; the waiting page reloads every few seconds and asks our server, which
polls plex.tv (``GET /api/v2/pins/{id}``). Once approved, the account of the plex.tv
token is looked up and allowed only when it is a Plex user with access to this server;
its server token is stored encrypted and the plex.tv token is dropped. Neither token is
ever sent to the browser (the PIN id lives in the signed session cookie, nothing else).

**Who sees what**: the admin login and the server owner see everyone's playlists and
every page. Any other Plex user sees and manages only their own playlists, jobs and
manual matches: :func:`scope_guard` answers 404 for every route whose ``playlist_id``,
``job_id`` or ``track_id`` (in the path or the query string) names someone else's, and
403 for the admin's pages (settings, schedules of the server, library sync, AI
diagnostics, the password page).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for

from ..errors import UserFacingError
from ..extensions import db, limiter
from ..logging_setup import redact
from ..models import Job, Playlist, PlexUser, SuggestedTrack
from ..services import job_views, plex_users
from . import auth as web_auth
from . import settings_page

log = logging.getLogger(__name__)
# The sign-in routes belong to the login pages (``auth.*``), the refresh to Settings (``settings.*``).
bp = web_auth.bp

# Pages a plain household user may not open (403): the server's administration.
ADMIN_BLUEPRINTS = frozenset({"settings", "schedules", "diagnostics", "library"})
ADMIN_ENDPOINTS = frozenset({"auth.change_password", "pages.setup_panel"})
# Their own playlist's refresh lives on the schedules blueprint but is theirs to set.
OWN_PLAYLIST_ENDPOINTS = frozenset({"schedules.set_playlist_refresh", "schedules.run_playlist_refresh"})
# Seconds between two polls of plex.tv by the waiting page (plexapi's MyPlexPinLogin polls every second;
# a person approving takes longer).
POLL_EVERY_S = 2
SIGNIN_LIMIT = "10 per minute"


@dataclass(frozen=True)
class Viewer:
    """Who is looking: ``plex_user_id`` (None for the admin login and AUTH_DISABLED),
    ``sees_all`` (the admin and the server owner: every playlist and page)."""

    plex_user_id: int | None
    sees_all: bool
    name: str | None = None


def viewer() -> Viewer:
    """The :class:`Viewer` of this request (computed once per request)."""
    cached = g.get("viewer")
    if cached is not None:
        return cached
    user = web_auth.plex_session_user()
    if user is None:
        result = Viewer(None, True)
    else:
        result = Viewer(user.id, user.is_owner, user.display_name)
    g.viewer = result
    return result


def scope() -> int | None:
    """The owner whose things this viewer sees: None for everyone (admin, server owner),
    else the signed-in Plex user's id."""
    v = viewer()
    return None if v.sees_all else v.plex_user_id


def creates_for() -> int | None:
    """The owner a new playlist of this viewer belongs to when they do not choose: the
    signed-in Plex user, else None (the server owner)."""
    return viewer().plex_user_id


def playlist_visible(playlist: Playlist | None) -> bool:
    """True when this viewer may see ``playlist`` (False for None)."""
    if playlist is None:
        return False
    owner = scope()
    return owner is None or playlist.owner_id == owner


def job_visible(job: Job | None) -> bool:
    """True when this viewer may see ``job``: everyone's for the admin; a Plex user's own
    (they asked for it, or it worked on their playlist)."""
    if job is None:
        return False
    owner = scope()
    if owner is None or job.owner_id == owner:
        return True
    playlist = job_views.job_playlist(job)
    return playlist is not None and playlist.owner_id == owner


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def scope_guard():
    """``before_request``: refuse a plain household user what is not theirs (404 for
    another user's ids, 403 for the admin's pages). The admin and the server owner pass."""
    if request.endpoint is None or request.endpoint in web_auth.OPEN_ENDPOINTS or viewer().sees_all:
        return None
    args = dict(request.view_args or {})
    for name in ("playlist_id", "job_id", "track_id"):
        if name not in args and _int_arg(name) is not None:
            args[name] = _int_arg(name)
    own_playlist_page = request.endpoint in OWN_PLAYLIST_ENDPOINTS
    if not own_playlist_page and (request.blueprint in ADMIN_BLUEPRINTS or request.endpoint in ADMIN_ENDPOINTS):
        abort(403, description="This page is for the server's admin. Your playlists are on the dashboard.")
    if "playlist_id" in args and not playlist_visible(db.session.get(Playlist, args["playlist_id"])):
        abort(404, description="No such playlist. It may have been deleted.")
    if "job_id" in args and not job_visible(db.session.get(Job, args["job_id"])):
        abort(404, description="No such job. It may have been cleaned up; see the jobs history.")
    if "track_id" in args:
        track = db.session.get(SuggestedTrack, args["track_id"])
        if track is None or not playlist_visible(track.generation.playlist):
            abort(404, description="No such track.")
    return None


def remember_owner() -> None:
    """``before_request``: the signed-in Plex user's id in ``g.owner_id`` (jobs enqueued by
    this request record it, :func:`plex_completer.jobs.current_owner_id`) and the
    :class:`Viewer` in ``g.viewer``."""
    g.pop("viewer", None)
    g.owner_id = viewer().plex_user_id if web_auth.is_logged_in() else None


# -- Sign in with Plex -------------------------------------------------------------------------


def _pin_state() -> dict | None:
    data = session.get("plex_pin")
    return data if isinstance(data, dict) and isinstance(data.get("id"), int) else None


def _back_to_login(message: str, category: str = "error"):
    session.pop("plex_pin", None)
    flash(message, category)
    return redirect(url_for("auth.login"))


@bp.post("/login/plex")
@limiter.limit(SIGNIN_LIMIT, key_func=web_auth.client_address)
def plex_start():
    """Create a sign-in PIN on plex.tv and show the waiting page (which links to Plex)."""
    from ..plex import household

    settings = current_app.config["SETTINGS"]
    if not settings.plex_configured:
        return _back_to_login("Sign in with Plex needs the app's Plex settings (PLEX_URL, PLEX_TOKEN); use the admin login.")
    try:
        pin = household.start_pin(settings, plex_users.client_identifier(), url_for("auth.plex_wait", _external=True))
    except UserFacingError as exc:
        log.warning("Sign in with Plex could not start: %s", redact(str(exc)))
        return _back_to_login(f"Sign in with Plex is unavailable right now: {redact(str(exc))} The admin login works.")
    session["plex_pin"] = {"id": int(pin.pin_id), "url": pin.auth_url,
                           "until": int(time.time()) + max(int(pin.expires_in_s or 0), 60)}
    return redirect(url_for("auth.plex_wait"))


@bp.get("/login/plex")
@limiter.limit("60 per minute", key_func=web_auth.client_address)
def plex_wait():
    """The waiting page: asks plex.tv whether the PIN was approved; signs the user in once
    it was (only Plex users with access to this server), else reloads itself."""
    from ..plex import household

    state = _pin_state()
    if state is None or web_auth.auth.auth_disabled():
        return redirect(url_for("auth.login"))
    if state.get("until", 0) < time.time():
        return _back_to_login("The Plex sign-in expired before it was approved. Start again.")
    settings = current_app.config["SETTINGS"]
    client_id = plex_users.client_identifier()
    try:
        auth_token = household.poll_pin(settings, client_id, state["id"])
        if auth_token is None:
            return render_template("auth/plex_wait.html", auth_url=state.get("url"), poll_every=POLL_EVERY_S)
        account = household.account_for_token(settings, client_id, auth_token)
    except household.PinExpired:
        return _back_to_login("The Plex sign-in expired before it was approved. Start again.")
    except UserFacingError as exc:
        log.warning("Sign in with Plex failed: %s", redact(str(exc)))
        return _back_to_login(f"Sign in with Plex is unavailable right now: {redact(str(exc))} The admin login works.")
    session.pop("plex_pin", None)
    user = _user_with_access(account.plex_id)
    if user is None:
        log.warning("Sign in with Plex refused for plex.tv account %s: no access to this server", account.plex_id)
        return render_template("auth/plex_refused.html", name=account.title or account.username), 403
    if not user.is_owner:
        try:
            token = household.server_token_for_account(settings, client_id, auth_token)
        except household.NoServerAccess:
            return render_template("auth/plex_refused.html", name=user.display_name), 403
        except UserFacingError as exc:
            return _back_to_login(f"Sign in with Plex is unavailable right now: {redact(str(exc))}")
        plex_users.store_token(user, token)
    web_auth.log_in_plex_user(user)
    log.info("Plex user '%s' signed in with Plex from %s", user.display_name, web_auth.client_address())
    return redirect(url_for("pages.dashboard"))


def _user_with_access(plex_id: int) -> PlexUser | None:
    """The ``PlexUser`` of ``plex_id`` with access; the users are read from plex.tv again
    when the account is not known yet (a friend the server was shared with today)."""
    user = plex_users.by_plex_id(plex_id)
    if user is None or not user.has_access:
        plex_users.refresh_users()
        user = plex_users.by_plex_id(plex_id)
    return user if user is not None and user.has_access else None


@settings_page.bp.post("/plex-users/refresh")
def refresh_plex_users():
    """Settings → "Refresh Plex users": read this server's users from plex.tv now."""
    result = plex_users.refresh_users()
    flash(result.message, "ok" if result.ok else "error")
    return redirect(url_for("settings.page") + "#plex-users")


def init_app(app) -> None:
    """Install :func:`remember_owner` and :func:`scope_guard` (after the login guard) and
    give templates ``viewer``, ``household_status`` (the users' state, a function) and
    ``owner_name_of`` (a playlist owner's name)."""
    app.before_request(remember_owner)
    app.before_request(scope_guard)

    @app.context_processor
    def _household_context():
        try:
            return {"viewer": viewer(), "household_status": plex_users.status, "owner_name_of": plex_users.owner_name}
        except Exception:  # noqa: BLE001 - an error page must render even without a database
            db.session.rollback()
            return {"viewer": Viewer(None, True), "household_status": None, "owner_name_of": lambda _owner_id: ""}
