"""``/test_ai_services``: why is my AI not working? (HTML, or JSON with ``?format=json``).

``GET`` shows each provider in cascade order with live probes that spend no generation
quota; ``POST /test_ai_services/<provider>/test`` (CSRF-protected form) runs a real
3-track generation through that provider alone, inline, its timeout capped at 60 s.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from ..ai import diagnostics as diag
from ..extensions import limiter

bp = Blueprint("diagnostics", __name__)


def _report():
    settings = current_app.config["SETTINGS"]
    # AI_PROBE_TIMEOUT_S (seconds, app config) lets tests and slow networks tune the probes.
    return diag.build_report(settings, probe_timeout_s=float(current_app.config.get("AI_PROBE_TIMEOUT_S", diag.PROBE_TIMEOUT_S)))


def _wants_json() -> bool:
    return request.args.get("format") == "json" or request.accept_mimetypes.best == "application/json"


@bp.get("/test_ai_services")
def page():
    """The diagnostics page (``?format=json``: the :func:`~plex_completer.ai.diagnostics.build_report` dict)."""
    report = _report()
    if _wants_json():
        return report
    return render_template("diagnostics.html", report=report, test=None)


@bp.post("/test_ai_services/<provider>/test")
@limiter.limit("20 per minute")  # each test spends real quota; a stuck button must not drain it
def test_provider(provider: str):
    """Run a 3-track test generation through ``provider`` (``gemini:<model>`` or ``ollama:<model>``)."""
    settings = current_app.config["SETTINGS"]
    try:
        result = diag.run_test(settings, provider)
    except ValueError:
        abort(404, description=f"No AI provider named {provider!r} is configured in the cascade.")
    report = _report()
    if _wants_json():
        return {"test": result, "report": report}
    return render_template("diagnostics.html", report=report, test=result)
