"""The library page: size of the library index, its last syncs, "sync now", and a search
of the index (to check what the matcher can see)."""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..config import current_settings
from ..errors import UserFacingError
from ..extensions import db
from ..logging_setup import redact
from ..services import artist_aliases, library_jobs, library_search, library_tags
from . import status_panels

log = logging.getLogger(__name__)
bp = Blueprint("library", __name__, url_prefix="/library")

SEARCH_LIMIT = 50


def _year(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value < 10_000 else None


def search_filters() -> library_search.Filters:
    """The optional filters of a search request: ``artist``, ``album``, ``year_from``,
    ``year_to``, ``genre``."""
    return library_search.Filters(
        artist=request.args.get("artist", "").strip()[:200] or None,
        album=request.args.get("album", "").strip()[:200] or None,
        year_from=_year("year_from"),
        year_to=_year("year_to"),
        genre=request.args.get("genre", "").strip()[:200] or None,
    )


def search_index(text: str, limit: int = SEARCH_LIMIT,
                 filters: library_search.Filters | None = None) -> tuple[list, str | None, int]:
    """``(entries, error, total)``: the library search (``services.library_search.search``:
    the matcher's normalisation, ranked by relevance) over the library index; ``entries``
    are :class:`~plex_completer.matching.LibraryEntry` values (title, album_artist,
    track_artist, album, year, rating_key), ``total`` the number of hits (more than
    listed when over ``limit``), ``error`` a user-readable sentence when it could not run."""
    try:
        page = library_search.search(text, limit, filters)
        return page.entries, None, page.total
    except UserFacingError as exc:
        return [], redact(str(exc)), 0
    except Exception:
        log.exception("Library search failed")
        db.session.rollback()
        return [], "The search failed; the error was logged.", 0


@bp.get("")
def page():
    """Library index figures, sync buttons, recent syncs and an optional search (``q``,
    narrowed by ``artist``, ``album``, ``year_from``, ``year_to``, ``genre``; a genre alone
    lists its tracks)."""
    query = request.args.get("q", "").strip()[:200]
    filters = search_filters()
    searched = bool(query or filters.genre_norm)
    results, search_error, total = search_index(query, SEARCH_LIMIT, filters) if searched else ([], None, 0)
    recent = library_jobs.recent_library_syncs(5)
    return render_template(
        "library/page.html",
        library=status_panels.library_summary(),
        settings=current_settings(),
        recent=recent,
        query=query,
        searched=searched,
        genre=filters.genre or "",
        genres=library_tags.genre_choices(),
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
