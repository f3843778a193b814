"""The library page: size of the library index, its last syncs, "sync now", and a search
of the index (to check what the matcher can see)."""

from __future__ import annotations

import logging

from flask import Blueprint, redirect, render_template, request, url_for

from ..config import current_settings
from ..errors import UserFacingError
from ..extensions import db
from ..logging_setup import redact
from ..services import library_jobs, playlist_actions
from . import status_panels

log = logging.getLogger(__name__)
bp = Blueprint("library", __name__, url_prefix="/library")

SEARCH_LIMIT = 50


def search_index(text: str, limit: int = SEARCH_LIMIT) -> tuple[list, str | None]:
    """``(tracks, error)`` from ``services.playlist_actions.search_library``; the error is a
    user-readable sentence when the search could not run."""
    try:
        return list(playlist_actions.search_library(text, limit=limit)), None
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
    recent = library_jobs.recent_library_syncs(5)
    return render_template(
        "library/page.html",
        library=status_panels.library_summary(),
        settings=current_settings(),
        recent=recent,
        query=query,
        results=results,
        search_error=search_error,
    )


@bp.post("/sync")
def sync():
    """Start a library sync (``full=1`` for a full one) and show its progress."""
    full = request.form.get("full") == "1"
    job = library_jobs.start_library_sync(full)
    return redirect(url_for("jobs.detail", job_id=job.id))
