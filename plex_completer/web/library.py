"""The library page: size of the library index, its last syncs, "sync now", and a search
of the index (to check what the matcher can see)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from ..extensions import db
from ..jobs import UserFacingError, runner
from ..logging_setup import redact
from ..models import Job
from . import status_panels

log = logging.getLogger(__name__)
bp = Blueprint("library", __name__, url_prefix="/library")

SEARCH_LIMIT = 50


def search_index(text: str, limit: int = SEARCH_LIMIT) -> tuple[list, str | None]:
    """``(tracks, error)`` from ``services.playlists.search_library``; the error is a
    user-readable sentence when the search could not run."""
    try:
        from ..services import playlists as svc

        return list(svc.search_library(text, limit=limit)), None
    except (ImportError, AttributeError):
        return [], "Searching the library is not available in this version."
    except UserFacingError as exc:
        return [], redact(str(exc))
    except Exception:
        log.exception("Library search failed")
        db.session.rollback()
        return [], "The search failed; the error was logged."


@bp.get("")
def page():
    """Library index figures, sync buttons, recent syncs and an optional search (``q``)."""
    query = request.args.get("q", "").strip()[:200]
    results, search_error = search_index(query) if query else ([], None)
    recent = db.session.scalars(
        db.select(Job).where(Job.kind == "library_sync").order_by(Job.id.desc()).limit(5)
    ).all()
    return render_template(
        "library/page.html",
        library=status_panels.library_summary(),
        settings=current_app.config["SETTINGS"],
        recent=recent,
        query=query,
        results=results,
        search_error=search_error,
    )


@bp.post("/sync")
def sync():
    """Start a library sync (``full=1`` for a full one) and show its progress."""
    full = request.form.get("full") == "1"
    try:
        job = runner.enqueue("library_sync", {"full": full}, dedupe_key="library_sync")
    except KeyError:
        flash("Library sync is not available in this version.", "error")
        return redirect(url_for(".page"))
    return redirect(url_for("jobs.detail", job_id=job.id))
