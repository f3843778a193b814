"""Error pages: readable, never a stack trace, never a secret."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app, g, render_template, request, session
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..database import is_locked_error

log = logging.getLogger(__name__)

# Docker creates this file in every container (the usual way to tell one is inside).
DOCKER_MARKER = Path("/.dockerenv")
CSRF_TITLE = "Form not accepted"
CSRF_MESSAGE = (
    "This form could not be verified: it was sent from another site or page, or without "
    "its security token. Nothing was changed. Go back, reload the page and try again."
)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.args.get("format") == "json" or (
        request.accept_mimetypes.best == "application/json"
    )


def _render(status: int, title: str, message: str):
    if _wants_json():
        return {"error": title, "message": message}, status
    return render_template("error.html", status=status, title=title, message=message), status


def _where_logs_are() -> str:
    """Where the operator finds the log: ``docker logs`` only inside a container."""
    if DOCKER_MARKER.exists():
        return "The error was logged (see docker logs plex-completer)."
    return "The error was logged in the app's output."


def _is_id_overflow(exc: OverflowError) -> bool:
    """True for the database driver refusing an integer beyond 64 bits (sqlite3:
    "Python int too large to convert to SQLite INTEGER")."""
    return "too large to convert" in str(exc)


def register_errorhandlers(app: Flask) -> None:
    """Install handlers for HTTP errors, CSRF failures, ids beyond 64 bits, a locked
    database and the rest."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        """400 that leaves the session cookie alone. A cross-site POST arrives without the
        (SameSite=Lax) session cookie, so rendering the page would start a new session
        (the page's ``csrf_token()``) and its ``Set-Cookie`` would replace the user's
        login. Marking the session unmodified keeps Flask from sending any cookie; the
        token Flask-WTF cached in ``g`` for this page is dropped too, as it was never
        stored (a test that keeps one app context across requests would reuse it)."""
        log.warning("Refused %s %s: %s", request.method, request.path, exc.description)
        response = _render(400, CSRF_TITLE, CSRF_MESSAGE)
        session.modified = False
        g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 429:  # Flask-Limiter's description is the bare limit ("5 per 1 minute")
            resp = _render(429, "Too many attempts", "For your safety, wait a minute before trying again.")
            return resp[0], 429, {"Retry-After": "60"}
        return _render(exc.code or 500, getattr(exc, "title", None) or exc.name, exc.description or "")

    @app.errorhandler(OverflowError)
    def overflow(exc: OverflowError):
        """An id beyond 64 bits in a query string or form names nothing: 404. (Route ids
        never get here: the ``int`` converter refuses them, see :mod:`.security`.)"""
        if not _is_id_overflow(exc):
            return unexpected(exc)
        from ..extensions import db

        db.session.rollback()
        return _render(404, "Not Found", "Nothing has that number.")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        from ..extensions import db

        db.session.rollback()
        if is_locked_error(exc):
            log.warning("Database busy while serving %s %s", request.method, request.path)
            resp = _render(503, "Busy", "The database is busy with a background job. Try again in a few seconds.")
            return resp[0], 503, {"Retry-After": "5"}
        log.exception("Unexpected error while serving %s %s", request.method, request.path)
        return _render(500, "Something went wrong", f"{_where_logs_are()} Nothing was lost; try again.")
