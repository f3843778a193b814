"""Small lookups shared by the playlist services."""

from __future__ import annotations

from typing import Any

from flask import current_app

from ..extensions import db
from ..models import Playlist


def settings() -> Any:
    """The app's :class:`~plex_completer.config.Settings`."""
    return current_app.config["SETTINGS"]


def get_playlist(playlist_id: int) -> Playlist:
    """The playlist with ``playlist_id``; raises ``ValueError`` with a user message if gone."""
    playlist = db.session.get(Playlist, playlist_id)
    if playlist is None:
        raise ValueError(f"Playlist {playlist_id} does not exist (it may have been deleted).")
    return playlist
