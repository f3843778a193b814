"""``/test_ai_services``: why is my AI not working? (HTML, or JSON with ``?format=json``).

``GET`` shows each provider in cascade order (with the successor that stands in for a
retired model, and where it came from) and live probes that spend no generation quota.
``POST /test_ai_services/<provider>/test`` (CSRF-protected form) runs a real 3-track
generation through that provider alone, inline, its timeout capped at 60 s, then
redirects back to the page (303), which shows the result once: a reload never spends
quota again. With ``?format=json`` the POST answers the result directly.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for

from ..ai import diagnostics as diag
from ..extensions import limiter

bp = Blueprint("diagnostics", __name__)
_SESSION_KEY = "ai_test_result"
_SESSION_FIELDS = ("ok", "provider", "display_name", "latency_ms", "title", "description", "tracks", "message", "outcome")


def _report() -> dict[str, Any]:
    settings = current_app.config["SETTINGS"]
    # AI_PROBE_TIMEOUT_S (seconds, app config) lets tests and slow networks tune the probes.
    return diag.build_report(settings, probe_timeout_s=float(current_app.config.get("AI_PROBE_TIMEOUT_S", diag.PROBE_TIMEOUT_S)))


def _wants_json() -> bool:
    return request.args.get("format") == "json" or request.accept_mimetypes.best == "application/json"


@bp.get("/test_ai_services")
def page():
    """The diagnostics page (``?format=json``: the :func:`~plex_completer.ai.diagnostics.build_report` dict).

    Shows, once, the result of a test the POST below stored in the session.
    """
    report = _report()
    if _wants_json():
        return report
    return render_template("diagnostics.html", report=report, test=session.pop(_SESSION_KEY, None))


@bp.post("/test_ai_services/<provider>/test")
@limiter.limit("20 per minute")  # each test spends real quota; a stuck button must not drain it
def test_provider(provider: str):
    """Run a 3-track test generation through ``provider`` (``gemini:<model>``, a slot key,
    or ``ollama:<model>``); redirect back to the page (303) with the result."""
    settings = current_app.config["SETTINGS"]
    try:
        result = diag.run_test(settings, provider)
    except ValueError:
        abort(404, description=f"No AI provider named {provider!r} is configured in the cascade.")
    if _wants_json():
        return {"test": result, "report": _report()}
    # The result (AI text included, escaped when rendered) rides in the signed session
    # cookie for one page view; the attempt list stays out to keep the cookie small.
    session[_SESSION_KEY] = {k: result[k] for k in _SESSION_FIELDS}
    return redirect(url_for("diagnostics.page", _anchor="diag-test"), code=303)
