"""Top-level pages: the dashboard (with first-run guidance)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def dashboard():
    """The dashboard; says what to configure while Plex or AI settings are missing."""
    settings = current_app.config["SETTINGS"]
    return render_template("dashboard.html", settings=settings)
