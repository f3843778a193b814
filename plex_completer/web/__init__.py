"""Web layer: one blueprint per page family. Routes are thin: parse, call a service or
enqueue a job, render."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to ``app``."""
    from . import health, pages

    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)
