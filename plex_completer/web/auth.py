"""Login, logout and the first-run "choose a password" page, plus the guard that sends
every other request to them.

Login attempts are rate limited (5 per minute per client address, the OWASP
authentication cheat sheet's advice to throttle guessing). ``/healthz`` and static files
stay open so Docker's health check and the login page's own styles work.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from .. import auth
from ..extensions import limiter

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)

LOGIN_LIMIT = "5 per minute"
# Endpoints reachable without a session.
OPEN_ENDPOINTS = frozenset({"static", "health.healthz", "auth.login", "auth.setup"})


def is_logged_in() -> bool:
    """True when the session belongs to the current admin account (or auth is disabled)."""
    if auth.auth_disabled():
        return True
    creds = auth.current_credentials()
    data = session.get("auth")
    if creds is None or not isinstance(data, dict):
        return False
    return data.get("user") == creds.username and data.get("fp") == auth.fingerprint(creds)


def _safe_next(target: str | None) -> str:
    """Only same-site paths may follow a login (no open redirect to another host)."""
    if not target:
        return url_for("pages.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.dashboard")
    return target


def _log_in(creds: auth.Credentials) -> None:
    session.clear()  # a fresh session on login: no fixation of a pre-login session
    session["auth"] = {"user": creds.username, "fp": auth.fingerprint(creds)}


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
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login():
    """The login form; POST checks the account and starts a session."""
    if auth.auth_disabled():
        return redirect(url_for("pages.dashboard"))
    creds = auth.current_credentials()
    if creds is None:
        return redirect(url_for("auth.setup"))
    error = None
    username = ""
    if request.method == "POST":
        username = request.form.get("username", "")[:100]
        password = request.form.get("password", "")[:1000]
        if auth.verify(username, password):
            _log_in(creds)
            log.info("Admin logged in from %s", request.remote_addr)
            return redirect(_safe_next(request.args.get("next")))
        log.warning("Failed login from %s", request.remote_addr)
        error = "Wrong username or password."
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, username=username), status


@bp.post("/logout")
def logout():
    """End the session (POST with a CSRF token: a link could log people out from anywhere)."""
    session.clear()
    flash("You are logged out.", "ok")
    if auth.auth_disabled():
        return redirect(url_for("pages.dashboard"))
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
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
            log.info("Admin account created from %s", request.remote_addr)
            flash("Your account is ready. Next: connect Plex and an AI provider.", "ok")
            return redirect(url_for("pages.dashboard"))
    return render_template(
        "auth/setup.html", error=error, username=username, min_length=auth.MIN_PASSWORD_LENGTH
    ), (400 if error else 200)


def init_app(app: Flask) -> None:
    """Install the login guard and make ``logged_in``/``auth_disabled`` available to templates."""
    app.before_request(require_login)

    @app.context_processor
    def _auth_context():
        disabled = auth.auth_disabled()
        return {
            "auth_disabled": disabled,
            "logged_in": disabled or bool(session.get("auth")),
            "current_user": (session.get("auth") or {}).get("user"),
        }
