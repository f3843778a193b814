"""What the library index knows about genres, styles and moods (``library_tags``, issue
18 point 6), as the fill sampler, the Library page and library search read it.

A track's tags are those of its album and of its album artist (``album_rating_key``
and ``artist_rating_key`` of ``library_tracks``); the sync reads them from the artist
and album listings (:mod:`plex_completer.plex.tag_sync`), which carry the first few
tags of each kind only.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import LibraryTag, LibraryTrack
from ..plex.tag_rows import normalize_tag
from . import search_cache

__all__ = ["genre_choices", "normalize_tag", "track_tags"]


def track_tags() -> dict[int, list[str]]:
    """``{track ratingKey: [tag_norm, ...]}`` over the whole index (album's and album
    artist's genres, styles and moods, a tag once per track); tracks without any tag are
    left out. Two indexed joins; about a second at 200k tracks (read once per library
    index version by :func:`.library_fill.fill_index_for`)."""
    t, g = LibraryTrack.__table__, LibraryTag.__table__
    by_album = sa.select(t.c.rating_key, g.c.tag_norm).join(g, g.c.rating_key == t.c.album_rating_key)
    by_artist = sa.select(t.c.rating_key, g.c.tag_norm).join(g, g.c.rating_key == t.c.artist_rating_key)
    out: dict[int, list[str]] = {}
    for key, norm in db.session.execute(sa.union_all(by_album, by_artist)):
        found = out.setdefault(key, [])
        if norm not in found:
            found.append(norm)
    return out


def genre_choices(limit: int = 200) -> list[tuple[str, str, int]]:
    """``(tag_norm, tag as shown, artists and albums carrying it)`` for the genres and
    styles of the index, the most common first (at most ``limit``), for the Library
    page's genre filter. Kept until the index changes (:mod:`.search_cache`): grouping the
    tags takes a few milliseconds at 200k tracks, on every view of the Library page."""
    return list(search_cache.cached(("genre_choices", limit), lambda: _genre_choices(limit)))


def _genre_choices(limit: int) -> list[tuple[str, str, int]]:
    g = LibraryTag.__table__
    rows = db.session.execute(
        sa.select(g.c.tag_norm, sa.func.min(g.c.tag), sa.func.count())
        .where(g.c.kind.in_(("genre", "style")))
        .group_by(g.c.tag_norm)
        .order_by(sa.func.count().desc(), g.c.tag_norm)
        .limit(limit)
    )
    return [(norm, tag, int(n)) for norm, tag, n in rows]
