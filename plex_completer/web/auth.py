"""Login, logout, the first-run "choose a password" page and the "change password" page,
plus the guard that sends every other request to them.

Sessions end on the server (:mod:`plex_completer.auth` keeps a registry of session ids):
a cookie copied before logout no longer opens anything after it.

Failed login attempts are rate limited (the OWASP Authentication cheat sheet's advice to
throttle guessing): 5 failures per minute per client address *and* username, and 20 per
minute per client address whatever the username. Only failures count (Flask-Limiter's
``deduct_when``), so a user who logs in and out often is never locked out. Behind a
trusted proxy the client address is the forwarded one (``TRUSTED_PROXIES``,
:mod:`.security`). ``/healthz`` and static files stay open so Docker's health check and
the login page's own styles work.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy.exc import SQLAlchemyError

from .. import auth
from ..extensions import db, limiter
from ..models import PlexUser

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)

# Failures allowed per client address and username, and per client address alone.
LOGIN_LIMIT = "5 per minute"
LOGIN_ADDRESS_LIMIT = "20 per minute"
# Endpoints reachable without a session.
OPEN_ENDPOINTS = frozenset({"static", "health.healthz", "auth.login", "auth.setup", "auth.plex_start", "auth.plex_wait"})


def client_address() -> str:
    """The client's IP address: ``REMOTE_ADDR``, which :mod:`.security`'s trusted-proxy
    middleware has already replaced with the forwarded address when the request came
    through a proxy listed in ``TRUSTED_PROXIES``. Never empty (Flask-Limiter skips a
    limit whose key is empty)."""
    return request.remote_addr or "unknown"


def _address_and_username() -> str:
    """Rate-limit key of a login attempt: client address and the username tried
    (stripped and case-folded, as a guesser would vary them)."""
    username = request.form.get("username", "").strip().casefold()[:100]
    return f"{client_address()}|{username}"


def _refused(response: Response) -> bool:
    """Flask-Limiter ``deduct_when``: count only refused attempts (the 401 of a wrong
    password, the 400 of a refused form), not successes or the 429 itself."""
    return response.status_code in (400, 401)


def plex_session_user() -> PlexUser | None:
    """The Plex user of a valid "Sign in with Plex" session (issue 16), else None. A
    session of a user who lost access to the server (or whose row is gone) is ended on
    the server here, so it ends at the user's next request."""
    data = session.get("auth")
    if not isinstance(data, dict) or not data.get("plex"):
        return None
    user = db.session.get(PlexUser, data["plex"]) if isinstance(data.get("plex"), int) else None
    if user is None or not user.has_access or data.get("fp") != auth.plex_fingerprint(user):
        auth.end_session(data.get("sid"), plex=True)
        return None
    return user if auth.session_active(data.get("sid"), plex=True) else None


def is_logged_in() -> bool:
    """True when the session is a registered session of the current admin
    account or of a Plex user with access to the server (or auth is disabled)."""
    if auth.auth_disabled():
        return True
    creds = auth.current_credentials()
    data = session.get("auth")
    if creds is None or not isinstance(data, dict):
        return False
    if data.get("plex"):
        return plex_session_user() is not None
    return (
        data.get("user") == creds.username
        and data.get("fp") == auth.fingerprint(creds)
        and auth.session_active(data.get("sid"))
    )


def _safe_next(target: str | None) -> str:
    """Only same-site paths may follow a login (no open redirect to another host)."""
    if not target:
        return url_for("pages.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.dashboard")
    return target


def _log_in(creds: auth.Credentials) -> None:
    """Start a fresh, registered session (no fixation of a pre-login session: OWASP
    Session Management cheat sheet, "Renew the Session ID After Any Privilege Level Change")."""
    session.clear()
    session["auth"] = {"user": creds.username, "fp": auth.fingerprint(creds), "sid": auth.start_session()}


def log_in_plex_user(user: PlexUser) -> None:
    """Start a fresh, registered session for a Plex user who signed in with Plex
    (issue 16); the same registry as the admin's, so logout ends it on the server."""
    session.clear()
    session["auth"] = {"user": user.display_name, "plex": user.id, "fp": auth.plex_fingerprint(user),
                       "sid": auth.start_session(plex=True)}


def require_login():
    """``before_request`` guard: redirect to ``/setup`` or ``/login`` unless logged in.

    htmx requests get a 401 with ``HX-Redirect`` (htmx then loads the login page);
    ``/api/`` requests a JSON 401.
    """
    if request.endpoint in OPEN_ENDPOINTS or auth.auth_disabled():
        return None
    if is_logged_in():
        return None
    target = url_for("auth.setup") if auth.current_credentials() is None else url_for(
        "auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None
    )
    if request.headers.get("HX-Request"):
        return "", 401, {"HX-Redirect": target}
    if request.path.startswith("/api/"):
        return jsonify({"error": "Unauthorized", "message": "Log in first."}), 401
    return redirect(target)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=_address_and_username, deduct_when=_refused)
@limiter.limit(LOGIN_ADDRESS_LIMIT, methods=["POST"], key_func=client_address, deduct_when=_refused)
def login():
    """The login form; POST checks the account and starts a session. Someone already
    logged in is sent on (to ``next`` or the dashboard)."""
    if auth.auth_disabled():
        return redirect(url_for("pages.dashboard"))
    creds = auth.current_credentials()
    if creds is None:
        return redirect(url_for("auth.setup"))
    if request.method == "GET" and is_logged_in():
        return redirect(_safe_next(request.args.get("next")))
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")[:100]
        password = request.form.get("password", "")[:1000]
        if auth.verify(username, password):
            _log_in(creds)
            log.info("Admin logged in from %s", client_address())
            return redirect(_safe_next(request.args.get("next")))
        log.warning("Failed login from %s", client_address())
        error = "Wrong username or password."
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, username=username,
                           settings_plex_configured=current_app.config["SETTINGS"].plex_configured), status


@bp.post("/logout")
def logout():
    """End this session on the server and in the browser (POST with a CSRF token: a link
    could log people out from anywhere). Other devices stay logged in."""
    data = session.get("auth")
    if isinstance(data, dict):
        auth.end_session(data.get("sid"), plex=bool(data.get("plex")))
    session.clear()
    flash("You are logged out.", "ok")
    if auth.auth_disabled():
        return redirect(url_for("pages.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=client_address, deduct_when=_refused)
def setup():
    """First run: choose the admin username and password (only while none is configured)."""
    if auth.auth_disabled() or auth.current_credentials() is not None:
        return redirect(url_for("auth.login") if not auth.auth_disabled() else url_for("pages.dashboard"))
    error = None
    username = request.form.get("username", auth.DEFAULT_USERNAME)[:100]
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            error = "The two passwords differ."
        else:
            try:
                auth.store_credentials(username, password)
            except ValueError as exc:
                error = str(exc)
        if error is None:
            _log_in(auth.current_credentials())
            log.info("Admin account created from %s", client_address())
            flash("Your account is ready.", "ok")
            return redirect(url_for("pages.dashboard"))
    return render_template(
        "auth/setup.html", error=error, username=username, min_length=auth.MIN_PASSWORD_LENGTH
    ), (400 if error else 200)


def _password_change_key() -> str:
    return f"{client_address()}|password-change"


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=_password_change_key, deduct_when=_refused)
def change_password():
    """Change the admin password (the current one is required). Every session ends,
    this browser gets a fresh one; an account from ``APP_PASSWORD`` is changed in ``.env``."""
    if auth.auth_disabled():
        flash("Login is turned off (AUTH_DISABLED=true): there is no password to change.", "error")
        return redirect(url_for("pages.dashboard"))
    creds = auth.current_credentials()
    from_environment = creds is not None and creds.source == "environment"
    error = None
    if request.method == "POST" and not from_environment:
        try:
            auth.change_password(
                request.form.get("current", "")[:1000],
                request.form.get("password", "")[:1000],
                request.form.get("confirm", "")[:1000],
            )
        except ValueError as exc:
            error = str(exc)
        else:
            _log_in(auth.current_credentials())
            log.info("Admin password changed from %s; every other session ended", client_address())
            flash("Password changed. Every other browser and device has been logged out.", "ok")
            return redirect(url_for("pages.dashboard"))
    return render_template(
        "auth/password.html", error=error, from_environment=from_environment, min_length=auth.MIN_PASSWORD_LENGTH
    ), (400 if error else 200)


def _logged_in_for_page() -> bool:
    """:func:`is_logged_in` for templates: an error page must render even when the
    database that answers the question is what failed (then: not logged in)."""
    try:
        return is_logged_in()
    except SQLAlchemyError:
        return False


def init_app(app: Flask) -> None:
    """Install the login guard and make ``logged_in``/``auth_disabled``/``current_user``
    available to templates."""
    app.before_request(require_login)

    @app.context_processor
    def _auth_context():
        disabled = auth.auth_disabled()
        logged_in = disabled or _logged_in_for_page()
        return {
            "auth_disabled": disabled,
            "logged_in": logged_in,
            "current_user": (session.get("auth") or {}).get("user") if logged_in else None,
        }
