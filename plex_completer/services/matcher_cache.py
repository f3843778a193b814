"""The process-wide in-memory matcher, built from the library index and rebuilt when it changes.

Building a matcher reads every ``LibraryTrack`` row (about 1 s per 100k tracks), so it
is built once and kept until a library sync bumps ``LibrarySyncState.index_version``
(or the row count changes, e.g. after a manual edit in tests). Reads and rebuilds are
guarded by a lock so concurrent jobs never build it twice.
"""

from __future__ import annotations

import logging
import threading
import time

import sqlalchemy as sa

from ..extensions import db
from ..matching import LibraryEntry, Matcher
from ..models import LibrarySyncState, LibraryTrack

log = logging.getLogger(__name__)

_lock = threading.Lock()
_cache: dict[str, tuple[tuple, Matcher]] = {}


def _index_fingerprint() -> tuple:
    versions = db.session.execute(sa.select(sa.func.coalesce(sa.func.sum(LibrarySyncState.index_version), 0))).scalar()
    count = db.session.execute(sa.select(sa.func.count()).select_from(LibraryTrack)).scalar()
    last = db.session.execute(sa.select(sa.func.max(LibraryTrack.synced_at))).scalar()
    return (db.engine.url.render_as_string(hide_password=True), int(versions or 0), int(count or 0), str(last))


def load_entries() -> list[LibraryEntry]:
    """Read the library index as :class:`LibraryEntry` values (columns only, no ORM objects)."""
    rows = db.session.execute(
        sa.select(
            LibraryTrack.rating_key,
            LibraryTrack.title,
            LibraryTrack.album_artist,
            LibraryTrack.track_artist,
            LibraryTrack.album,
            LibraryTrack.year,
            LibraryTrack.track_number,
            LibraryTrack.duration_ms,
        )
    )
    return [
        LibraryEntry(
            rating_key=r[0], title=r[1], album_artist=r[2] or "", track_artist=r[3], album=r[4] or "",
            year=r[5], track_number=r[6], duration_ms=r[7],
        )
        for r in rows
    ]


def get_matcher() -> Matcher:
    """Return a matcher for the current library index (needs an app context), with the
    artist aliases learned from manual matches (``services.artist_aliases``; read on
    every call, a small table, so a new alias applies without a rebuild)."""
    from . import artist_aliases

    fingerprint = _index_fingerprint()
    key = fingerprint[0]
    aliases = tuple(artist_aliases.pairs())
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == fingerprint:
            matcher = cached[1]
        else:
            started = time.perf_counter()
            matcher = Matcher.build(load_entries())
            _cache[key] = (fingerprint, matcher)
            log.info("Matcher built from %d library tracks in %.2f s", len(matcher), time.perf_counter() - started)
        if matcher.alias_pairs != aliases:
            matcher.set_aliases(aliases)
        return matcher


def invalidate() -> None:
    """Forget every cached matcher (tests, or after bulk edits of the index)."""
    with _lock:
        _cache.clear()
