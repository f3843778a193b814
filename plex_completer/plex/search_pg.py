"""The search index on PostgreSQL: a ``library_search`` table next to ``library_tracks``.

Each row holds one track's words as the matcher normalises them (the same four texts as
the SQLite FTS5 index: ``title``, ``artist``, ``album``, ``keys``) and a stored generated
``tsvector`` over them (https://www.postgresql.org/docs/15/textsearch-controls.html),
each column under its own weight label so a query can name a column and ranking can
weigh them: title ``A``, artist ``B``, keys ``C``, album ``D`` (:data:`LABELS`). The
``simple`` configuration keeps every word as it is (no stemming, no stop words): the
words are already folded ``[a-z0-9]+`` tokens. A GIN index answers ``@@``
(https://www.postgresql.org/docs/15/textsearch-indexes.html).

PostgreSQL cannot call the app's Python from a trigger, so the app writes these rows in
the same transaction as the tracks: the syncs through :mod:`.index_store` (bulk rebuild
or the changed ratingKeys), other ORM writes through the session hook of
``services/library_search.py``. The words come from :mod:`.search_text`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .search_text import texts

TABLE = "library_search"
#: tsvector weight label of each indexed column.
LABELS = {"title": "A", "artist": "B", "keys": "C", "album": "D"}
_TEXT_COLUMNS = ("title", "artist", "album", "keys")
_BATCH = 5000

def _doc_expression() -> str:
    return " || ".join(f"setweight(to_tsvector('simple', {c}), '{LABELS[c]}')" for c in ("title", "artist", "keys",
                                                                                          "album"))


DDL = (
    f"CREATE TABLE {TABLE} (rating_key INTEGER PRIMARY KEY, title TEXT NOT NULL DEFAULT '', "
    "artist TEXT NOT NULL DEFAULT '', album TEXT NOT NULL DEFAULT '', keys TEXT NOT NULL DEFAULT '', "
    f"doc tsvector GENERATED ALWAYS AS ({_doc_expression()}) STORED)",
    f"CREATE INDEX ix_{TABLE}_doc ON {TABLE} USING gin (doc)",
)


def exists(conn: Connection) -> bool:
    """True when the table is there (migration 0011 applied)."""
    return conn.execute(sa.text(f"SELECT to_regclass('{TABLE}') IS NOT NULL")).scalar() is True


def create(conn: Connection) -> int:
    """Drop and create the table and its GIN index, fill it from ``library_tracks``; no
    commit. Returns the tracks indexed."""
    drop(conn)
    for sql in DDL:
        conn.execute(sa.text(sql))
    return rebuild(conn)


def drop(conn: Connection) -> None:
    """Drop the table (no commit)."""
    conn.execute(sa.text(f"DROP TABLE IF EXISTS {TABLE}"))


def _texts(rows: Iterable[Any]) -> list[dict[str, Any]]:
    out = []
    for key, title, album_artist, track_artist, album in rows:
        t, a, al, k = texts(title, album_artist, track_artist, album)
        out.append({"k": key, "t": t, "a": a, "al": al, "ks": k})
    return out


_INSERT = sa.text(f"INSERT INTO {TABLE} (rating_key, title, artist, album, keys) VALUES (:k, :t, :a, :al, :ks)")
_SOURCE = "SELECT t.rating_key, t.title, t.album_artist, t.track_artist, t.album FROM library_tracks t"


def _insert_from(conn: Connection, where: str = "", params: dict[str, Any] | None = None) -> int:
    result = conn.execute(sa.text(_SOURCE + where), params or {})
    count = 0
    while True:
        batch = result.fetchmany(_BATCH)
        if not batch:
            return count
        conn.execute(_INSERT, _texts(batch))
        count += len(batch)


def rebuild(conn: Connection) -> int:
    """Refill the whole table from ``library_tracks`` (no commit); returns the tracks indexed."""
    conn.execute(sa.text(f"TRUNCATE {TABLE}"))
    return _insert_from(conn)


def refresh_keys(conn: Connection, key_table: str) -> None:
    """Re-index the tracks whose ratingKeys are in the temporary table ``key_table``
    (column ``k``): their rows are deleted, and written again for those still in
    ``library_tracks``; no commit."""
    conn.execute(sa.text(f"DELETE FROM {TABLE} WHERE rating_key IN (SELECT k FROM {key_table})"))
    _insert_from(conn, f" WHERE t.rating_key IN (SELECT k FROM {key_table})")


def refresh_rating_keys(conn: Connection, keys: Iterable[int]) -> None:
    """Re-index the tracks ``keys`` (ORM writes: a few at a time); no commit."""
    keys = sorted(set(keys))
    for i in range(0, len(keys), 1000):
        chunk = keys[i:i + 1000]
        conn.execute(sa.text(f"DELETE FROM {TABLE} WHERE rating_key = ANY(:keys)"), {"keys": chunk})
        _insert_from(conn, " WHERE t.rating_key = ANY(:keys)", {"keys": chunk})
