"""Manual match: search the library index for one AI track and pick the right library
track, or say "not in my library". The choice is stored on the suggested track and
survives rescans (the matcher honours ``SuggestedTrack.override``)."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, request, url_for

from ..errors import UserFacingError
from ..extensions import db
from ..logging_setup import redact
from ..models import Generation, LibraryTrack, MatchOverride, SuggestedTrack
from ..services import artist_aliases, matcher_cache, playlist_actions
from .library import search_index
from .playlist_pages import bp, get_playlist

SEARCH_LIMIT = 20
log = logging.getLogger(__name__)


def _get_track(playlist_id: int, track_id: int) -> tuple:
    playlist = get_playlist(playlist_id)
    track = db.session.get(SuggestedTrack, track_id)
    if track is None or db.session.get(Generation, track.generation_id).playlist_id != playlist.id:
        abort(404, description="No such track in this playlist.")
    return playlist, track


def _learn_alias(track: SuggestedTrack, chosen: LibraryTrack):
    """Record an artist alias when the chosen track's artist is written another way than
    the suggestion's (``services.artist_aliases``); None when nothing was learned. A
    failure is logged and never blocks the manual match."""
    try:
        return artist_aliases.learn_from_manual_match(track.artist, track.title, chosen, matcher_cache.get_matcher())
    except Exception:
        log.exception("Could not record an artist alias")
        db.session.rollback()
        return None


@bp.get("/<int:playlist_id>/tracks/<int:track_id>/match")
def match(playlist_id: int, track_id: int):
    """The manual-match page: the AI's track, its current match, and a library search (``q``)."""
    playlist, track = _get_track(playlist_id, track_id)
    query = request.args.get("q")
    if query is None:
        query = f"{track.artist} {track.title}"
    query = query.strip()[:200]
    results, search_error, total = search_index(query, SEARCH_LIMIT) if query else ([], None, 0)
    current_key = track.override_rating_key if track.override == MatchOverride.TRACK else track.matched_rating_key
    current = db.session.get(LibraryTrack, current_key) if current_key else None
    return render_template(
        "playlists/match.html",
        playlist=playlist, track=track, query=query, results=results,
        search_error=search_error, current=current, more=max(total - len(results), 0),
    )


@bp.post("/<int:playlist_id>/tracks/<int:track_id>/match")
def set_match(playlist_id: int, track_id: int):
    """Store the user's choice (``choice`` = ``track`` with ``rating_key``, ``absent`` or
    ``clear``) and rescan the playlist in the background."""
    playlist, track = _get_track(playlist_id, track_id)
    choice = request.form.get("choice")
    rating_key = None
    if choice == "track":
        rating_key = request.form.get("rating_key", type=int)
        if rating_key is None or db.session.get(LibraryTrack, rating_key) is None:
            flash("That track is no longer in the library index. Search again.", "error")
            return redirect(url_for(".match", playlist_id=playlist_id, track_id=track_id))
        kind = MatchOverride.TRACK
    elif choice == "absent":
        kind = MatchOverride.ABSENT
    elif choice == "clear":
        kind = None
    else:
        abort(400, description="Choose a track, “not in my library”, or “let the matcher decide”.")
    learned = None
    if kind == MatchOverride.TRACK:
        # Before the override is stored: would the matcher find this track by itself?
        learned = _learn_alias(track, db.session.get(LibraryTrack, rating_key))
    try:
        playlist_actions.set_override(track.id, kind, rating_key)
    except (UserFacingError, ValueError) as exc:
        flash(redact(str(exc)), "error")
        return redirect(url_for(".match", playlist_id=playlist_id, track_id=track_id))
    message = {
        MatchOverride.TRACK: f"“{track.title}” now uses the track you picked.",
        MatchOverride.ABSENT: f"“{track.title}” is marked as not in your library.",
        None: f"The matcher decides “{track.title}” again.",
    }[kind]
    if learned is not None:
        message += f" From now on “{learned.alias}” also finds “{learned.library_artist}” (Library → Artist aliases)."
    flash(message + " Rescanning the playlist…", "ok")
    return redirect(url_for(".detail", playlist_id=playlist.id, _anchor=f"track-{track.id}"))
