"""What the playlist page shows and offers about edits made in Plex (issue 15): the tracks
"removed by you in Plex" (with "Put back"), "added by you in Plex", a title or
description "set in Plex", and "Reset to the AI's list".

The actions change the playlist row and enqueue the job that writes to Plex (a web
request never waits on Plex); every function needs an app context.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ..extensions import db
from ..jobs import runner
from ..models import Job, LibraryTrack, MatchOverride, Playlist
from . import plex_edits
from .playlist_lookup import get_playlist

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EditedTrack:
    """A track the user removed in or added to Plex: its ratingKey and a readable name
    ("Artist – Title", or "track 1234" when the library index does not know it)."""

    rating_key: int
    name: str


@dataclass
class PlexEditsView:
    """The user's Plex edits of one playlist, for the page: ``removed``/``added`` tracks,
    ``title``/``description``/``order`` set in Plex (the title as Plex has it, else None)."""

    removed: list[EditedTrack] = field(default_factory=list)
    added: list[EditedTrack] = field(default_factory=list)
    title: str | None = None
    description: bool = False
    order: bool = False

    @property
    def any(self) -> bool:
        """True when the playlist has any edit made in Plex."""
        return bool(self.removed or self.added or self.title or self.description or self.order)


def _names(keys: list[int]) -> dict[int, str]:
    if not keys:
        return {}
    rows = db.session.scalars(db.select(LibraryTrack).where(LibraryTrack.rating_key.in_(keys)))
    return {t.rating_key: f"{t.track_artist or t.album_artist} – {t.title}" for t in rows}


def edits_view(playlist: Playlist) -> PlexEditsView:
    """The edits made in Plex that the app keeps for ``playlist`` (no Plex request)."""
    removed, added = plex_edits.removed_keys(playlist), plex_edits.added_keys(playlist)
    names = _names(removed + added)
    return PlexEditsView(
        removed=[EditedTrack(k, names.get(k, f"track {k}")) for k in removed],
        added=[EditedTrack(k, names.get(k, f"track {k}")) for k in added],
        title=(playlist.plex_title or playlist.title) if playlist.title_set_in_plex else None,
        description=bool(playlist.summary_set_in_plex),
        order=bool(playlist.order_set_in_plex),
    )


def _write_job(playlist: Playlist, kind: str, note: str) -> Job:
    params = {"playlist_id": playlist.id, "history_kind": kind, "history_note": note}
    return runner.enqueue("write_playlist", params, dedupe_key=f"write:{playlist.id}", playlist_id=playlist.id)


def put_back(playlist_id: int, rating_key: int) -> Job:
    """Put a track the user removed in Plex back: it is no longer "removed by you", the
    suggestions that named it match it again (as the user's choice, the very track that
    was removed), and a write job puts it back by its neighbours. Returns the job.

    Raises ``ValueError`` when the track is not one the user removed.
    """
    playlist = get_playlist(playlist_id)
    removed = plex_edits.removed_keys(playlist)
    if int(rating_key) not in removed:
        raise ValueError("That track is not one you removed in Plex (it may be back already).")
    playlist.plex_removed_keys = [k for k in removed if k != int(rating_key)]
    for generation in playlist.generations:
        for track in generation.tracks:
            if track.override == MatchOverride.REMOVED and track.override_rating_key == int(rating_key):
                track.override = MatchOverride.TRACK
    name = _names([int(rating_key)]).get(int(rating_key), f"track {rating_key}")
    db.session.commit()
    log.info("Playlist '%s': track %s put back", playlist.title, rating_key)
    return _write_job(playlist, "put back", f"Put back {name}, which you had removed in Plex.")


def reset_to_ai_list(playlist_id: int) -> Job:
    """Drop the user's Plex edits of one playlist: the next write (enqueued here, returned)
    makes the Plex playlist the AI's list in the AI's order, with the app's title and
    description. The app forgets what it wrote last, so no edit is found in that write.
    Tracks the user chose in the app (manual matches, "not in my library") stay."""
    playlist = get_playlist(playlist_id)
    playlist.plex_removed_keys = None
    playlist.plex_added_keys = None
    playlist.title_set_in_plex = False
    playlist.summary_set_in_plex = False
    playlist.order_set_in_plex = False
    playlist.plex_title = None
    playlist.plex_summary = None
    playlist.written_rating_keys = None
    for generation in playlist.generations:
        for track in generation.tracks:
            if track.override == MatchOverride.REMOVED:
                track.override = None
                track.override_rating_key = None
    db.session.commit()
    log.info("Playlist '%s': edits made in Plex dropped (reset to the AI's list)", playlist.title)
    return _write_job(playlist, "reset", "Reset to the AI's list: your edits made in Plex were dropped.")
