"""The library page: size of the library index, its last syncs, "sync now", and a search
of the index (to check what the matcher can see)."""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..config import current_settings
from ..errors import UserFacingError
from ..extensions import db
from ..logging_setup import redact
from ..services import artist_aliases, library_jobs, matcher_cache
from . import status_panels

log = logging.getLogger(__name__)
bp = Blueprint("library", __name__, url_prefix="/library")

SEARCH_LIMIT = 50


def search_index(text: str, limit: int = SEARCH_LIMIT) -> tuple[list, str | None, int]:
    """``(entries, error, total)``: the matcher's search (its normalisation, ranked;
    ``Matcher.search_page``) over the library index; ``entries`` are
    :class:`~plex_completer.matching.LibraryEntry` values (title, album_artist,
    track_artist, album, year, rating_key), ``total`` the number of hits (more than
    listed when over ``limit``), ``error`` a user-readable sentence when it could not run."""
    try:
        page = matcher_cache.get_matcher().search_page(text, limit)
        return page.entries, None, page.total
    except UserFacingError as exc:
        return [], redact(str(exc)), 0
    except Exception:
        log.exception("Library search failed")
        db.session.rollback()
        return [], "The search failed; the error was logged.", 0


@bp.get("")
def page():
    """Library index figures, sync buttons, recent syncs and an optional search (``q``)."""
    query = request.args.get("q", "").strip()[:200]
    results, search_error, total = search_index(query) if query else ([], None, 0)
    recent = library_jobs.recent_library_syncs(5)
    return render_template(
        "library/page.html",
        library=status_panels.library_summary(),
        settings=current_settings(),
        recent=recent,
        query=query,
        results=results,
        search_error=search_error,
        more=max(total - len(results), 0),
        aliases=artist_aliases.list_aliases(),
    )


@bp.post("/aliases/<int:alias_id>/delete")
def delete_alias(alias_id: int):
    """Forget one learned artist alias (the matcher stops using it at once)."""
    if artist_aliases.remove(alias_id):
        flash("The artist alias was removed.", "ok")
    else:
        flash("That artist alias was already gone.", "error")
    return redirect(url_for(".page", _anchor="aliases"))


@bp.post("/sync")
def sync():
    """Start a library sync (``full=1`` for a full one) and show its progress."""
    full = request.form.get("full") == "1"
    job = library_jobs.start_library_sync(full)
    return redirect(url_for("jobs.detail", job_id=job.id))
