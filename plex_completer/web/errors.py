"""Error pages: readable, never a stack trace, never a secret."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..database import is_locked_error

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.args.get("format") == "json" or (
        request.accept_mimetypes.best == "application/json"
    )


def _render(status: int, title: str, message: str):
    if _wants_json():
        return {"error": title, "message": message}, status
    return render_template("error.html", status=status, title=title, message=message), status


def register_errorhandlers(app: Flask) -> None:
    """Install handlers for HTTP errors, CSRF failures, a locked database and the rest."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _render(400, "Form expired", "The form was open too long or came from another site. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 429:  # Flask-Limiter's description is the bare limit ("5 per 1 minute")
            resp = _render(429, "Too many attempts", "For your safety, wait a minute before trying again.")
            return resp[0], 429, {"Retry-After": "60"}
        return _render(exc.code or 500, exc.name, exc.description or "")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        from ..extensions import db

        db.session.rollback()
        if is_locked_error(exc):
            log.warning("Database busy while serving %s %s", request.method, request.path)
            resp = _render(503, "Busy", "The database is busy with a background job. Try again in a few seconds.")
            return resp[0], 503, {"Retry-After": "5"}
        log.exception("Unexpected error while serving %s %s", request.method, request.path)
        return _render(500, "Something went wrong", "The error was logged (see docker logs plex-completer). Nothing was lost; try again.")
