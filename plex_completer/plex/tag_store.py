"""Writes of ``library_tags`` (genres, styles, moods of album artists and albums), done
on the library sync's connection inside the transaction that also swaps in or updates
the tracks, so readers see tracks and tags of the same sync (:mod:`.library_sync`).
Nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..models import LibraryTag, LibraryTrack
from .tag_rows import TAG_COLUMNS

TAGS = LibraryTag.__table__
_TRACKS = LibraryTrack.__table__
_KEY_CHUNK = 500


def _insert(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    if rows:
        conn.execute(TAGS.insert(), [dict(zip(TAG_COLUMNS, row, strict=True)) for row in rows])


def replace_all(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Replace every tag by ``rows`` (a full read: the index holds one music section)."""
    conn.execute(TAGS.delete())
    _insert(conn, rows)


def replace_items(conn: Connection, items: Iterable[int], rows: Sequence[tuple[Any, ...]]) -> None:
    """Replace the tags of the artists and albums ``items`` (ratingKeys) by ``rows``, then
    drop the tags of artists and albums no indexed track refers to any more (call after
    the track changes are applied on ``conn``)."""
    keys = sorted(set(items))
    for i in range(0, len(keys), _KEY_CHUNK):
        conn.execute(TAGS.delete().where(TAGS.c.rating_key.in_(keys[i : i + _KEY_CHUNK])))
    _insert(conn, rows)
    prune(conn)


def prune(conn: Connection) -> int:
    """Delete tags of artists and albums without an indexed track; returns how many."""
    album = sa.select(_TRACKS.c.album_rating_key).where(_TRACKS.c.album_rating_key.is_not(None))
    artist = sa.select(_TRACKS.c.artist_rating_key).where(_TRACKS.c.artist_rating_key.is_not(None))
    result = conn.execute(TAGS.delete().where(TAGS.c.rating_key.not_in(album), TAGS.c.rating_key.not_in(artist)))
    return int(result.rowcount or 0)
