"""Edits made in Plex, found by the library sync before the next write (issue 15).

After each library sync, :func:`record_plex_edits` reads ``updatedAt`` of every audio
playlist from one paged listing (``GET /playlists?playlistType=audio``); the app's own
playlists that Plex changed after the app last wrote them are read (items, title,
summary) and what the user did is recorded as the next write's merge would find it
(:mod:`.playlist_merge`), so the playlist page shows "removed by you in Plex" and the
rest right away. Nothing is written to Plex here.

PMS moves a playlist's ``updatedAt`` when its items change (``sm_playlists_audio.xml`` in
../shared/plex-xml: ``updatedAt`` one second after ``addedAt``, the items added after the
create; the ``composite`` thumb path carries it so clients refetch the mosaic). An edit
made within the same second as the app's write is not seen here; the next write's merge
reads the playlist itself and finds it anyway.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from ..config import Settings
from ..extensions import db
from ..models import Playlist, PlaylistStatus
from ..plex import playlist_writes as plex_playlists
from ..plex.errors import PlexError
from . import plex_edits, plex_users
from .match_and_write import ordered_rating_keys, plex_identity
from .playlist_merge import merge_field, merge_keys

log = logging.getLogger(__name__)


def _changed_since_write(playlist: Playlist, updated_at: int | None) -> bool:
    if updated_at is None:
        return False
    seen = max(playlist.plex_updated_at or 0,
               int(playlist.last_written_at.timestamp()) if playlist.last_written_at else 0)
    return updated_at > seen


def record_plex_edits(settings: Settings) -> int:
    """Record the edits made in Plex to the app's playlists since the app wrote them; returns
    how many playlists had new edits. Plex failures are logged and end the check (the next
    write finds the edits anyway); never raises :class:`PlexError`."""
    playlists = list(db.session.scalars(
        sa.select(Playlist).where(Playlist.plex_rating_key.is_not(None), Playlist.status == PlaylistStatus.SYNCED,
                                  Playlist.written_rating_keys.is_not(None))
    ))
    if not playlists or not settings.plex_configured:
        return 0
    found = 0
    by_owner: dict[int | None, list[Playlist]] = {}
    for playlist in playlists:  # issue 16: each owner's playlists are read with their token
        by_owner.setdefault(None if plex_users.is_server_owner(playlist.owner_id) else playlist.owner_id, []).append(playlist)
    for owner_id, owned in by_owner.items():
        try:
            if owner_id is None:
                found += _record_owner_edits(settings, owned)
            else:  # a refused stored token is fetched again once (reads only: safe to repeat)
                found += plex_users.call_as_owner(owner_id, lambda owner_settings, owned=owned: _record_owner_edits(owner_settings, owned))
        except PlexError as exc:
            log.warning("Edits made in Plex not checked%s: %s",
                        "" if owner_id is None else f" for {plex_users.owner_name(owner_id)}", exc)
    db.session.commit()
    if found:
        log.info("Edits made in Plex found in %d playlists", found)
    return found


def _record_owner_edits(settings: Settings, playlists: list[Playlist]) -> int:
    """:func:`record_plex_edits` for the playlists of one owner (``settings`` carries their
    token); returns how many had new edits. Raises :class:`PlexError`."""
    found = 0
    updates = plex_playlists.playlist_updates(settings)
    known_server = plex_playlists.index_server()
    for playlist in playlists:
        updated_at = updates.get(int(playlist.plex_rating_key))
        if not _changed_since_write(playlist, updated_at):
            continue
        state = plex_playlists.read_playlist_state(
            settings, int(playlist.plex_rating_key), identity=plex_identity(playlist), title=playlist.title,
            known_server=known_server,
        )
        playlist.plex_updated_at = updated_at
        if state is None:
            continue
        merged = merge_keys(playlist.written_rating_keys, state.keys, ordered_rating_keys(playlist),
                            removed=plex_edits.removed_keys(playlist), added=plex_edits.added_keys(playlist),
                            keep_order=playlist.order_set_in_plex)
        title = merge_field(playlist.plex_title, state.title, playlist.title, set_in_plex=playlist.title_set_in_plex)
        about = merge_field(playlist.plex_summary, state.summary, "", set_in_plex=playlist.summary_set_in_plex)
        fields = plex_edits.FieldEdits(title.set_in_plex and not playlist.title_set_in_plex,
                                       about.set_in_plex and not playlist.summary_set_in_plex)
        if merged.newly_removed or merged.newly_added or merged.added != plex_edits.added_keys(playlist) \
                or fields.title or fields.summary:
            found += 1
        plex_edits.record_merge(playlist, merged, fields, plex_title=state.title if fields.title else None)
    return found
