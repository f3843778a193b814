"""``GET /healthz``: is the database reachable and the scheduler running (JSON, 200/503)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify

from ..extensions import csrf, db, limiter

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    """Return ``{"status", "database", "scheduler", "version"}``; 503 when unhealthy.

    The scheduler only counts when enabled (``SCHEDULER_ENABLED``); a disabled one is
    reported as ``"disabled"`` and does not make the app unhealthy.
    """
    settings = current_app.config["SETTINGS"]
    body = {"version": current_app.config["VERSION"]}
    healthy = True
    try:
        db.session.execute(db.text("SELECT 1"))
        body["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        db.session.rollback()
        log.warning("Health check: database unreachable (%s)", type(exc).__name__)
        body["database"] = "unreachable"
        healthy = False
    runner = current_app.extensions.get("job_runner")
    if not settings.SCHEDULER_ENABLED:
        body["scheduler"] = "disabled"
    elif runner is not None and runner.running:
        body["scheduler"] = "running"
    else:
        body["scheduler"] = "stopped"
        healthy = False
    body["status"] = "ok" if healthy else "unhealthy"
    return jsonify(body), 200 if healthy else 503
