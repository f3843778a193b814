"""Writes of the library index (``library_tracks``) and its sync state, all-or-nothing.

A full sync streams pages into a ``TEMPORARY`` staging table on one dedicated
connection (SQLite keeps temp tables in a separate database, so filling it takes no lock
on the main file and other threads keep writing job progress), then swaps it into
``library_tracks`` in one short transaction. Until that commit, readers (SQLite WAL:
https://www.sqlite.org/wal.html) see the previous complete index; if the sync fails
anywhere before it, the staging table is dropped with the connection and the old index
stays as it was. An incremental sync applies its few changes in one transaction.

Rows arrive as :mod:`.track_rows` tuples (dates as epoch seconds).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..models import LibrarySyncState, LibraryTrack
from . import search_pg
from .track_rows import ADDED_AT, COLUMNS, UPDATED_AT, to_datetime, with_datetimes

TRACKS = LibraryTrack.__table__
STATE = LibrarySyncState.__table__
ALL_COLUMNS = (*COLUMNS, "synced_at")
# SQLite's default limit of host parameters per statement is 999 on old builds.
_KEY_CHUNK = 500


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


_DAYS: dict[int, str] = {}


def _sqlite_datetime_text(epoch: int) -> str:
    # The text SQLAlchemy's SQLite DATETIME stores ("2020-09-13 12:26:40.000000"); checked
    # against the real bind processor before use (see _datetime_converter). The date part
    # is cached per day: a library's tracks were added on a few thousand days at most.
    day, seconds = divmod(epoch, 86_400)
    date = _DAYS.get(day)
    if date is None:
        t = time.gmtime(day * 86_400)
        date = _DAYS[day] = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}"
    hours, rest = divmod(seconds, 3600)
    return f"{date} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}.000000"


def _datetime_converter(column: sa.Column, dialect: Any) -> Callable[[int], Any]:
    """epoch seconds -> the value the column's bind processor would send for that instant.

    Uses the fast SQLite text form when it gives exactly what the processor gives,
    otherwise the processor itself (so any other database stores the same as the ORM).
    """
    # For a TypeDecorator this processor includes process_bind_param (aware -> naive UTC).
    proc = column.type.dialect_impl(dialect).bind_processor(dialect)

    def generic(epoch: int) -> Any:
        value = to_datetime(epoch)
        return proc(value) if proc else value

    samples = (0, 1_600_000_000, 1_698_765_432, 2_000_000_001)
    if all(generic(e) == _sqlite_datetime_text(e) for e in samples):
        return _sqlite_datetime_text
    return generic


class RowWriter:
    """Inserts :mod:`.track_rows` tuples into ``table`` (``library_tracks`` or a copy) with
    the driver's ``executemany`` and dates already in the stored form
    (:func:`_datetime_converter`): the same values as an ORM insert, without SQLAlchemy's
    per-row work (which took a third of a full sync's time)."""

    def __init__(self, conn: Connection, table: sa.Table) -> None:
        self.conn = conn
        dialect = conn.dialect
        compiled = table.insert().compile(dialect=dialect, column_keys=list(ALL_COLUMNS))
        self._sql = str(compiled)
        self._positional = bool(compiled.positiontup)
        order = list(compiled.positiontup) if self._positional else list(ALL_COLUMNS)
        self._order = [ALL_COLUMNS.index(name) for name in order]
        self._identity = self._positional and self._order == list(range(len(ALL_COLUMNS)))
        self._to_db = _datetime_converter(TRACKS.c.added_at, dialect)

    def insert(self, rows: Iterable[tuple[Any, ...]], synced_at: dt.datetime) -> int:
        """Insert ``rows`` (no commit); returns how many."""
        to_db = self._to_db
        synced = to_db(int(synced_at.timestamp()))
        out = []
        for row in rows:
            values = [*row, synced]
            a, u = values[ADDED_AT], values[UPDATED_AT]
            values[ADDED_AT] = None if a is None else to_db(a)
            values[UPDATED_AT] = None if u is None else to_db(u)
            if self._identity:
                out.append(tuple(values))
            elif self._positional:
                out.append(tuple(values[i] for i in self._order))
            else:
                out.append(dict(zip(ALL_COLUMNS, values, strict=False)))
        if out:
            self.conn.exec_driver_sql(self._sql, out)
        return len(out)


class StagingTable:
    """A temporary copy of ``library_tracks`` on ``conn`` that a full sync fills page by page.

    It has no primary key while filling (duplicates are skipped in Python); the ratingKey
    index is built once, before the swap, which is cheaper than maintaining it per row.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        meta = sa.MetaData()
        columns = []
        for c in TRACKS.columns:
            copy = c._copy()
            copy.primary_key = False
            copy.autoincrement = False
            columns.append(copy)
        self.table = sa.Table("library_tracks_staging", meta, *columns, prefixes=["TEMPORARY"])
        self.table.drop(conn, checkfirst=True)
        self.table.create(conn)
        conn.commit()
        self._seen: set[int] = set()
        self._writer = RowWriter(conn, self.table)

    @property
    def count(self) -> int:
        """Distinct tracks staged so far."""
        return len(self._seen)

    def add(self, rows: list[tuple[Any, ...]], synced_at: dt.datetime) -> int:
        """Stage ``rows`` (:mod:`.track_rows` tuples); a ratingKey seen on an earlier page
        (PMS paging shifts when the library changes meanwhile) is skipped. Returns how many
        were new. No commit per page: the staging rows only need to be visible to this
        connection, and :meth:`swap_in` commits them together with the swap."""
        seen = self._seen
        fresh = []
        for row in rows:
            if row[0] not in seen:
                seen.add(row[0])
                fresh.append(row)
        return self._writer.insert(fresh, synced_at)

    def kept_count(self) -> int:
        """Indexed tracks (any section) whose ratingKey is also staged: what a swap keeps."""
        seen = self._seen
        return sum(1 for k in self.conn.scalars(sa.select(TRACKS.c.rating_key)) if k in seen)

    def swap_in(
        self, section_id: int, state: dict[str, Any], before_commit: Callable[[Connection], None] | None = None
    ) -> tuple[int, int, int]:
        """Replace the whole index by the staged rows, bring the search index up to date
        (only the tracks whose ratingKey, title, artists or album changed, or a bulk
        :func:`rebuild_search_index` when more than :data:`SEARCH_REBUILD_SHARE` of them
        did or it was empty) and record ``state`` (plus the new ``track_count``), in one
        transaction.

        Rows of other sections are removed too: the index holds one music section.
        ``before_commit(conn)`` (optional) writes more in the same transaction (the
        artists' and albums' tags). Returns ``(added, updated, removed)`` relative to the
        previous index.
        """
        s, t = self.table, TRACKS
        conn = self.conn
        sa.Index("ix_library_tracks_staging_key", s.c.rating_key, unique=True).create(conn)
        changed = sa.or_(*[s.c[c].is_distinct_from(t.c[c]) for c in COLUMNS if c != "rating_key"])
        added = conn.scalar(
            sa.select(sa.func.count()).select_from(s).where(~sa.exists().where(t.c.rating_key == s.c.rating_key))
        )
        removed = conn.scalar(
            sa.select(sa.func.count()).select_from(t).where(~sa.exists().where(s.c.rating_key == t.c.rating_key))
        )
        updated = conn.scalar(
            sa.select(sa.func.count()).select_from(s.join(t, t.c.rating_key == s.c.rating_key)).where(changed)
        )
        indexed = has_search_index(conn)
        if indexed:  # per-row triggers off; the search index is brought up to date below
            pause_search_triggers(conn, True)
            # emptiness, not a count (counting an FTS5 table reads all of it: 24 ms at 200k)
            search_before = conn.exec_driver_sql(f"SELECT 1 FROM {SEARCH_TABLE} LIMIT 1").first() is not None
            # an empty index (a first sync) is built in bulk: no changed keys to collect
            search_changes = _stage_search_changes(conn, s) if search_before else 0
        conn.execute(t.delete())
        conn.execute(t.insert().from_select(list(ALL_COLUMNS), sa.select(*[s.c[c] for c in ALL_COLUMNS])))
        if indexed:
            after = index_count(conn)
            if not search_before or search_changes > SEARCH_REBUILD_SHARE * max(after, 1):
                rebuild_search_index(conn)
            else:
                refresh_search_rows(conn)
            pause_search_triggers(conn, False)
        write_state(conn, section_id, {**state, "track_count": index_count(conn, section_id)})
        if before_commit is not None:
            before_commit(conn)
        conn.commit()
        return int(added or 0), int(updated or 0), int(removed or 0)

    def drop(self) -> None:
        """Drop the staging table (also happens when the connection closes)."""
        try:
            self.conn.rollback()
            self.table.drop(self.conn, checkfirst=True)
            self.conn.commit()
        except sa.exc.SQLAlchemyError:
            pass


def read_state(conn: Connection, section_id: int) -> dict[str, Any] | None:
    """The ``library_sync_state`` row of ``section_id`` as a dict, or None."""
    row = conn.execute(sa.select(STATE).where(STATE.c.section_id == section_id)).mappings().first()
    return dict(row) if row else None


def index_server(conn: Connection) -> str | None:
    """``machineIdentifier`` the index was last read from (newest sync state), or None."""
    return conn.scalar(
        sa.select(STATE.c.machine_identifier)
        .where(STATE.c.machine_identifier.is_not(None))
        .order_by(STATE.c.index_version.desc())
        .limit(1)
    )


def index_count(conn: Connection, section_id: int | None = None) -> int:
    """Tracks in the index (of ``section_id`` when given)."""
    query = sa.select(sa.func.count()).select_from(TRACKS)
    if section_id is not None:
        query = query.where(TRACKS.c.section_id == section_id)
    return int(conn.scalar(query) or 0)


def other_sections_present(conn: Connection, section_id: int) -> bool:
    """True when the index holds tracks of another section (the music section changed)."""
    return conn.scalar(sa.select(TRACKS.c.rating_key).where(TRACKS.c.section_id != section_id).limit(1)) is not None


def write_state(conn: Connection, section_id: int, values: dict[str, Any]) -> None:
    """Upsert the sync state of ``section_id`` and bump its ``index_version``.

    A new row starts above the highest version of any section, so a reader comparing
    versions notices a switch of music section too.
    """
    existing = read_state(conn, section_id)
    if existing is None:
        top = conn.scalar(sa.select(sa.func.max(STATE.c.index_version))) or 0
        conn.execute(STATE.insert().values(section_id=section_id, index_version=top + 1, **values))
    else:
        conn.execute(
            STATE.update()
            .where(STATE.c.section_id == section_id)
            .values(index_version=STATE.c.index_version + 1, **values)
        )


def existing_keys(conn: Connection, keys: Sequence[int]) -> set[int]:
    """Which of ``keys`` are in the index."""
    found: set[int] = set()
    col = TRACKS.c.rating_key
    for chunk in _chunks(list(keys), _KEY_CHUNK):
        found.update(conn.scalars(sa.select(col).where(col.in_(chunk))))
    return found


def apply_changes(
    conn: Connection,
    section_id: int,
    rows: list[tuple[Any, ...]],
    removed_keys: Iterable[int],
    state: dict[str, Any],
    synced_at: dt.datetime,
    before_commit: Callable[[Connection], None] | None = None,
) -> tuple[int, int, int, int]:
    """Upsert changed ``rows`` (:mod:`.track_rows` tuples), delete ``removed_keys``, update
    their entries in the search index and record ``state`` (plus the new ``track_count``),
    in one transaction.

    Rows identical to the indexed ones (the overlap of the incremental cursor fetches
    some again) are left alone and not counted. ``before_commit(conn)`` (optional)
    writes more in the same transaction, after the track changes. Returns ``(added, updated, removed,
    tracks now indexed)``.
    """
    by_key = {row[0]: with_datetimes(row) for row in rows}
    existing: dict[int, tuple[Any, ...]] = {}
    cols = [TRACKS.c[c] for c in COLUMNS]
    for chunk in _chunks(list(by_key), _KEY_CHUNK):
        for row in conn.execute(sa.select(*cols).where(TRACKS.c.rating_key.in_(chunk))):
            existing[row[0]] = tuple(row)
    added = [k for k in by_key if k not in existing]
    updated = [k for k in by_key if k in existing and existing[k] != by_key[k]]
    removed = sorted(set(removed_keys) - set(by_key))
    indexed = has_search_index(conn)
    if indexed:  # one statement per chunk instead of the per-row triggers (see refresh_search_rows)
        pause_search_triggers(conn, True)
    for chunk in _chunks(updated + removed, _KEY_CHUNK):
        conn.execute(TRACKS.delete().where(TRACKS.c.rating_key.in_(chunk)))
    plain = {row[0]: row for row in rows}
    RowWriter(conn, TRACKS).insert((plain[k] for k in added + updated), synced_at)
    if indexed:
        _set_search_keys(conn, added + updated + removed)
        refresh_search_rows(conn)
        pause_search_triggers(conn, False)
    track_count = index_count(conn, section_id)
    write_state(conn, section_id, {**state, "track_count": track_count})
    if before_commit is not None:
        before_commit(conn)
    conn.commit()
    return len(added), len(updated), len(removed), track_count


class IndexKeys:
    """The ratingKeys of one section in the index plus ``extra`` (tracks about to be
    added), as :class:`~plex_completer.plex.key_ranges.LocalKeys`: counts and keys of a
    ratingKey range come from range queries on the primary key, so checking a range
    never reads the whole index."""

    def __init__(self, conn: Connection, section_id: int, extra: Iterable[int] = ()) -> None:
        self.conn = conn
        self.section_id = section_id
        self.extra = sorted(set(extra))
        self.queries = 0

    def _where(self, lo: int | None, hi: int | None) -> Any:
        # SQLite answers "section_id = ? AND rating_key in a range" from the section_id
        # index alone (its entries end with the rowid, which rating_key is): a covering
        # index range, ~2.5x faster to count than the table's own rowid range.
        col = TRACKS.c.rating_key
        cond = TRACKS.c.section_id == self.section_id
        if lo is not None:
            cond = sa.and_(cond, col >= lo)
        if hi is not None:
            cond = sa.and_(cond, col < hi)
        return cond

    def _extra(self, lo: int | None, hi: int | None) -> list[int]:
        return [k for k in self.extra if (lo is None or k >= lo) and (hi is None or k < hi)]

    def bounds(self) -> tuple[int, int] | None:
        """``(lowest, highest)`` ratingKey, or None when there is none."""
        col = TRACKS.c.rating_key
        self.queries += 1
        low, high = self.conn.execute(
            sa.select(sa.func.min(col), sa.func.max(col)).where(TRACKS.c.section_id == self.section_id)
        ).one()
        values = [v for v in (low, high, *self.extra[:1], *self.extra[-1:]) if v is not None]
        return (min(values), max(values)) if values else None

    def count(self, lo: int | None, hi: int | None) -> int:
        """Keys with ``lo <= key < hi`` (None: unbounded)."""
        self.queries += 1
        found = self.conn.scalar(sa.select(sa.func.count()).select_from(TRACKS).where(self._where(lo, hi)))
        return int(found or 0) + len(self._extra(lo, hi))

    def keys(self, lo: int | None, hi: int | None) -> list[int]:
        """The keys with ``lo <= key < hi``."""
        self.queries += 1
        result = self.conn.execute(sa.select(TRACKS.c.rating_key).where(self._where(lo, hi)))
        try:
            # Plain DBAPI rows: the removal check may read every key of a 200k index, and
            # SQLAlchemy's row objects cost about 2.5x as much for a column of integers.
            found = [row[0] for row in result.cursor.fetchall()]
        finally:
            result.close()
        return [*found, *self._extra(lo, hi)]


# -- the search index -------------------------------------------------------------------
# SQLite FTS5 (https://www.sqlite.org/fts5.html) over the matcher's normalised words of
# each track, rowid = ratingKey. Columns: ``title``, ``artist`` (album artist and track
# artist), ``album`` (space-separated folded words) and ``keys`` (space-free forms:
# "beachboys", "acdc", the title's words joined). The text comes from SQL functions that
# ``services/library_search.py`` registers on every connection
# (``database.register_sqlite_function``); this module only names them. Triggers keep the
# index in the same transaction as any write of ``library_tracks`` (incremental syncs,
# server switches, manual edits) at the cost of the rows written; a full sync's swap
# pauses them and rebuilds the index in bulk before its commit (:meth:`StagingTable.swap_in`).
# PostgreSQL has its own (a table with a tsvector and a GIN index, written by the app:
# :mod:`.search_pg`); the functions below dispatch on the dialect. Other dialects have no
# index (the search falls back to the in-memory matcher).
# Note: Alembic's batch mode recreates ``library_tracks`` and drops its triggers; a
# migration doing that must call :func:`create_search_index` again.

SEARCH_TABLE = "library_search"
SEARCH_VOCAB = "library_search_vocab"
SEARCH_PAUSED = "library_search_paused"
#: The SQL functions the triggers and the rebuild call (``services/library_search.py``).
SEARCH_FUNCTIONS = ("pc_search_words", "pc_search_artist", "pc_search_keys")
_SEARCH_COLUMNS = "rowid, title, artist, album, keys"


def _search_values(p: str) -> str:
    return (f"{p}.rating_key, pc_search_words({p}.title), pc_search_artist({p}.album_artist, {p}.track_artist), "
            f"pc_search_words({p}.album), pc_search_keys({p}.title, {p}.album_artist, {p}.track_artist)")


_NOT_PAUSED = f"WHEN NOT EXISTS (SELECT 1 FROM {SEARCH_PAUSED})"
#: The per-row triggers (:func:`pause_search_triggers` drops and re-creates them).
_TRIGGER_DDL = (
    f"CREATE TRIGGER library_search_ai AFTER INSERT ON library_tracks {_NOT_PAUSED} BEGIN "
    f"INSERT INTO {SEARCH_TABLE}({_SEARCH_COLUMNS}) VALUES ({_search_values('new')}); END",
    f"CREATE TRIGGER library_search_ad AFTER DELETE ON library_tracks {_NOT_PAUSED} BEGIN "
    f"DELETE FROM {SEARCH_TABLE} WHERE rowid = old.rating_key; END",
    f"CREATE TRIGGER library_search_au AFTER UPDATE OF rating_key, title, album_artist, track_artist, album "
    f"ON library_tracks {_NOT_PAUSED} BEGIN "
    f"DELETE FROM {SEARCH_TABLE} WHERE rowid = old.rating_key; "
    f"INSERT INTO {SEARCH_TABLE}({_SEARCH_COLUMNS}) VALUES ({_search_values('new')}); END",
)
_TRIGGER_DROP = (
    "DROP TRIGGER IF EXISTS library_search_ai",
    "DROP TRIGGER IF EXISTS library_search_ad",
    "DROP TRIGGER IF EXISTS library_search_au",
)
_SEARCH_DDL = (
    # unicode61 splits the (already folded, [a-z0-9]) words on spaces; detail=full keeps
    # positions, which phrase filters ("artist : \"beach boys\"") need.
    f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5(title, artist, album, keys, tokenize='unicode61')",
    f"CREATE VIRTUAL TABLE {SEARCH_VOCAB} USING fts5vocab({SEARCH_TABLE}, row)",
    f"CREATE TABLE {SEARCH_PAUSED} (paused INTEGER PRIMARY KEY)",
    *_TRIGGER_DDL,
)
_SEARCH_DROP = (
    *_TRIGGER_DROP,
    f"DROP TABLE IF EXISTS {SEARCH_PAUSED}",
    f"DROP TABLE IF EXISTS {SEARCH_VOCAB}",
    f"DROP TABLE IF EXISTS {SEARCH_TABLE}",
)


#: FTS5's in-memory buffer of pending terms (bytes) before it writes a segment; the default
#: (1 MB) makes a 200k-track build write and merge ~16 segments: 0.94 s, 0.64 s with 64 MB.
#: Only filled during one transaction, so this bounds memory, it does not reserve it.
SEARCH_HASHSIZE = 64 * 1024 * 1024


def _configure_search_table(conn: Connection) -> None:
    # https://www.sqlite.org/fts5.html#fts5_configuration_options (stored in the table)
    conn.exec_driver_sql(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rank) VALUES ('hashsize', ?)", (SEARCH_HASHSIZE,))


#: Dialects with a search index.
SEARCH_DIALECTS = ("sqlite", "postgresql")


def has_search_index(conn: Connection) -> bool:
    """True when the database has the search index (SQLite with migration 0007 applied,
    PostgreSQL with 0011)."""
    if conn.dialect.name == "postgresql":
        return search_pg.exists(conn)
    if conn.dialect.name != "sqlite":
        return False
    found = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (SEARCH_TABLE,)
    ).first()
    return found is not None


def create_search_index(conn: Connection) -> int:
    """Create the search index, its vocabulary view and triggers (dropping any old ones)
    and fill it from ``library_tracks``; no commit. Returns the tracks indexed (0 and
    nothing created on a dialect without one). PostgreSQL: :func:`.search_pg.create`."""
    if conn.dialect.name == "postgresql":
        return search_pg.create(conn)
    if conn.dialect.name != "sqlite":
        return 0
    drop_search_index(conn)
    for sql in _SEARCH_DDL:
        conn.exec_driver_sql(sql)
    return rebuild_search_index(conn)


def drop_search_index(conn: Connection) -> None:
    """Drop the search index, its triggers and tables (no commit)."""
    if conn.dialect.name == "postgresql":
        search_pg.drop(conn)
        return
    if conn.dialect.name != "sqlite":
        return
    for sql in _SEARCH_DROP:
        conn.exec_driver_sql(sql)


def rebuild_search_index(conn: Connection) -> int:
    """Refill the search index from ``library_tracks`` in bulk: the FTS5 table is dropped and
    created again (a ``DELETE`` of every row of an FTS5 table that keeps its content
    reads and unindexes each row: 3.9 s at 200k tracks against 0.13 s for the drop), then
    filled by one ``INSERT ... SELECT``; no commit. The triggers name the table and stay.
    Returns the tracks indexed. PostgreSQL: :func:`.search_pg.rebuild`."""
    if conn.dialect.name == "postgresql":
        return search_pg.rebuild(conn)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {SEARCH_TABLE}")
    conn.exec_driver_sql(_SEARCH_DDL[0])
    _configure_search_table(conn)
    result = conn.exec_driver_sql(
        f"INSERT INTO {SEARCH_TABLE}({_SEARCH_COLUMNS}) SELECT {_search_values('t')} FROM library_tracks t"
    )
    return int(result.rowcount or 0)


def pause_search_triggers(conn: Connection, paused: bool) -> None:
    """Stop (``paused=True``) or restart the per-row triggers inside the current
    transaction, for a writer that brings the search index up to date itself in bulk.

    Pausing drops the three triggers and restarting creates them again; SQLite's DDL is
    transactional, so other connections never see them gone (WAL readers keep the schema
    of their snapshot) and a rollback brings them back. Dropping them, rather than
    checking a pause row in each trigger's ``WHEN`` (the older way; the table
    :data:`SEARCH_PAUSED` stays empty now), takes a per-row subquery off each of a full
    sync's 200k deletes and inserts: 0.49 s of them against 0.25 s at 200k tracks.
    RuntimeError when no transaction could be opened (the triggers are then untouched).
    PostgreSQL has no triggers: nothing to do."""
    if conn.dialect.name != "sqlite":
        return
    if paused:
        # Python's sqlite3 (legacy transaction control, as SQLAlchemy uses it) opens a
        # transaction before DML only: DDL on a connection without one commits at once. A
        # DML statement first (the pause table stays empty) makes sure the drop is part of
        # the caller's transaction; without one the triggers are not touched.
        conn.exec_driver_sql(f"DELETE FROM {SEARCH_PAUSED}")
        if not getattr(conn.connection.dbapi_connection, "in_transaction", False):
            raise RuntimeError("no open transaction: the search index triggers were not paused")
        for sql in _TRIGGER_DROP:
            conn.exec_driver_sql(sql)
    else:
        for sql in _TRIGGER_DDL:
            conn.exec_driver_sql(sql)


#: Above this share of changed tracks a full sync rebuilds the search index in bulk.
SEARCH_REBUILD_SHARE = 0.25
_SEARCH_KEYS = "library_search_keys"


def _insert_keys_sql(conn: Connection, select: str) -> str:
    # Both dialects: unqualified names find the temporary table first.
    if conn.dialect.name == "sqlite":
        return f"INSERT OR IGNORE INTO {_SEARCH_KEYS} (k) {select}"
    return f"INSERT INTO {_SEARCH_KEYS} (k) {select} ON CONFLICT DO NOTHING"


def _set_search_keys(conn: Connection, keys: Sequence[int] = ()) -> None:
    conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {_SEARCH_KEYS} (k INTEGER PRIMARY KEY)")
    conn.exec_driver_sql(f"DELETE FROM {_SEARCH_KEYS}")
    if keys:
        conn.execute(sa.text(_insert_keys_sql(conn, "VALUES (:k)")), [{"k": k} for k in set(keys)])


def _stage_search_changes(conn: Connection, staging: sa.Table) -> int:
    """Collect (in a temp table) the ratingKeys whose search entry a swap of ``staging``
    changes: removed, added, or with another title, album artist, track artist or album.
    Returns how many."""
    _set_search_keys(conn)
    s = staging.name
    is_not = "IS NOT" if conn.dialect.name == "sqlite" else "IS DISTINCT FROM"
    differs = " OR ".join(f"t.{c} {is_not} s.{c}" for c in ("title", "album_artist", "track_artist", "album"))
    conn.exec_driver_sql(_insert_keys_sql(
        conn, f"SELECT t.rating_key FROM library_tracks t WHERE NOT EXISTS "
              f"(SELECT 1 FROM {s} s WHERE s.rating_key = t.rating_key)"))
    conn.exec_driver_sql(_insert_keys_sql(
        conn, f"SELECT s.rating_key FROM {s} s LEFT JOIN library_tracks t ON t.rating_key = s.rating_key "
              f"WHERE t.rating_key IS NULL OR {differs}"))
    return int(conn.exec_driver_sql(f"SELECT count(*) FROM {_SEARCH_KEYS}").scalar() or 0)


def refresh_search_rows(conn: Connection) -> None:
    """Re-index the tracks whose ratingKeys are in the temp key table (removed ones just
    leave the index) with two statements, no commit. Cheaper than the per-row triggers:
    SQLite opens a statement savepoint for each trigger statement on a virtual table, and
    FTS5 writes its pending terms to disk at each savepoint (a tiny segment per row).
    PostgreSQL: :func:`.search_pg.refresh_keys`."""
    if conn.dialect.name == "postgresql":
        search_pg.refresh_keys(conn, _SEARCH_KEYS)
        return
    conn.exec_driver_sql(f"DELETE FROM {SEARCH_TABLE} WHERE rowid IN (SELECT k FROM {_SEARCH_KEYS})")
    conn.exec_driver_sql(
        f"INSERT INTO {SEARCH_TABLE}({_SEARCH_COLUMNS}) SELECT {_search_values('t')} FROM library_tracks t "
        f"WHERE t.rating_key IN (SELECT k FROM {_SEARCH_KEYS})"
    )
