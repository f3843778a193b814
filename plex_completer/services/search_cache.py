"""A small in-process cache of library search answers, valid until the library index changes.

The Library page, the manual-match page and the fill's candidate queries ask the search
index the same questions again and again (paging back and forth, the match page of every
missing track, several people looking at one library), while the index itself changes
only when a library sync runs. A common word is the costly case: ranking "love"'s 19k hits
at 200k tracks takes about 18 ms of FTS5's ``bm25`` on every request, and the ranking
work grows with the hits (https://www.sqlite.org/fts5.html#the_bm25_function), so under
concurrency every person waits for everyone's rankings (issue 19).

An answer is kept under a *stamp* of everything it depends on:

- ``LibrarySyncState``: the sum of ``index_version`` (every sync that changes rows bumps
  it), the last tag read (``tags_updated_at``) and the number of sections: this covers
  writes by any process sharing the database (the CLI's ``flask sync-library`` too);
- the artist aliases (their count and highest id): a new alias changes artist matches;
- a process-local generation, bumped whenever this process writes ``library_tracks``,
  ``library_tags``, ``artist_aliases`` or the search index (any SQL statement naming them,
  seen by an engine event, and again when that transaction commits or rolls back, so an
  answer read while a write was under way is never kept past its end; a transaction that
  wrote them itself gets fresh answers and keeps none).

Reading the stamp is one statement on two small tables, made once per web request (a
page that searches, lists genres and counts the index asks for it three times; each
statement costs about 0.1 ms of Python in SQLAlchemy, which under concurrency is what the
requests queue for, issue 19). Within a request this process's own writes still show at
once (the generation is read each time); another process's write shows at the next
request. The cache holds ``SEARCH_CACHE_ENTRIES`` answers (default :data:`MAX_ENTRIES`; 0: no cache), the least
recently used dropped first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from ..extensions import db
from ..models import ArtistAlias, LibrarySyncState, LibraryTrack

T = TypeVar("T")

#: Answers kept at most unless ``SEARCH_CACHE_ENTRIES`` says otherwise (a page of 50 entries is a few kB).
MAX_ENTRIES = 512
#: Tables whose writes change search answers (the FTS5 shadow tables start with the index's name).
_WATCHED = ("library_tracks", "library_tags", "artist_aliases", "library_search")
_WRITES = ("insert", "update", "delete", "replace", "drop", "create", "alter")

_lock = threading.Lock()
_answers: OrderedDict[Hashable, Any] = OrderedDict()
_generation = 0


def _bump() -> None:
    global _generation
    with _lock:
        _generation += 1
        _answers.clear()


def _is_watched_write(statement: str) -> bool:
    head = statement.lstrip()[:10].lower()
    if not head.startswith(_WRITES):
        return False
    lowered = statement.lower()
    return any(name in lowered for name in _WATCHED)


@sa.event.listens_for(sa.engine.Engine, "after_cursor_execute")
def _note_write(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
    """Engine event: a write to a watched table ends every kept answer, now and at commit."""
    if _is_watched_write(statement):
        conn.info["search_cache_dirty"] = True
        _bump()


@sa.event.listens_for(sa.engine.Engine, "commit")
def _note_commit(conn: Any) -> None:
    if conn.info.pop("search_cache_dirty", False):
        _bump()


@sa.event.listens_for(sa.engine.Engine, "rollback")
def _note_rollback(conn: Any) -> None:
    if conn.info.pop("search_cache_dirty", False):
        _bump()


_STAMP_SQL = sa.select(
    sa.select(sa.func.coalesce(sa.func.sum(LibrarySyncState.index_version), 0)).scalar_subquery(),
    sa.select(sa.func.max(LibrarySyncState.tags_updated_at)).scalar_subquery(),
    sa.select(sa.func.count()).select_from(LibrarySyncState).scalar_subquery(),
    sa.select(sa.func.count()).select_from(ArtistAlias).scalar_subquery(),
    sa.select(sa.func.max(ArtistAlias.id)).scalar_subquery(),
)
#: Where a web request keeps the stamp's database part (``request.environ``: one per request).
_REQUEST_KEY = "plex_completer.search_stamp"


def _database_stamp() -> tuple:
    if not has_request_context():
        return tuple(db.session.execute(_STAMP_SQL).one())
    environ = request.environ
    found = environ.get(_REQUEST_KEY)
    if found is None:
        found = environ[_REQUEST_KEY] = tuple(db.session.execute(_STAMP_SQL).one())
    return found


def stamp() -> tuple:
    """What the answers depend on (see the module docstring): ``(database URL, this
    process's write generation, sum of index_version, last tag read, sections, aliases,
    highest alias id)``. The database part is read once per web request, else each time;
    needs an app context."""
    return (db.engine.url.render_as_string(hide_password=True), _generation, *_database_stamp())


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """The kept answer for ``key`` under the current :func:`stamp`, else ``compute()`` (kept).

    The stamp is read before computing, so an answer computed while the index changed is
    kept under the old stamp and never served for the new one. An answer computed in a
    transaction that has written a watched table itself (it sees its own uncommitted rows)
    is not kept. Callers must treat the answer as read-only (it is shared between requests).
    """
    size = _size()
    if size <= 0:
        return compute()
    full_key = (stamp(), key)
    if db.session.connection().info.get("search_cache_dirty"):
        return compute()
    with _lock:
        if full_key in _answers:
            _answers.move_to_end(full_key)
            return _answers[full_key]
        generation = _generation
    answer = compute()
    with _lock:
        if generation == _generation:  # no write of this process meanwhile
            _answers[full_key] = answer
            while len(_answers) > size:
                _answers.popitem(last=False)
    return answer


def track_count() -> int:
    """Tracks in the library index (all sections), kept like an answer: counting 200k rows
    takes about 0.7 ms, and the dashboard, the Library page and every uncached search ask."""
    return int(cached(("index_count",), lambda: db.session.execute(
        sa.select(sa.func.count()).select_from(LibraryTrack)).scalar() or 0))


def _size() -> int:
    settings = current_app.config.get("SETTINGS")
    return int(getattr(settings, "SEARCH_CACHE_ENTRIES", MAX_ENTRIES))


def clear() -> None:
    """Forget every kept answer (tests, and after a database swap)."""
    _bump()
