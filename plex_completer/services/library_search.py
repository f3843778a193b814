"""Library search in the database: the Library page, the manual-match page and candidate
queries (by artist, album, year range) over the library index's search index.

The index (``plex/index_store.py``: SQLite FTS5, https://www.sqlite.org/fts5.html) holds
each track's words as the matcher normalises them (``matching.normalize``: ``fold`` +
``words``: case, diacritics, apostrophes and punctuation folded, so "beyonce" finds
"Beyoncé" and "dont" finds "Don't") plus space-free keys (the matcher's artist keys:
"beachboys" for "The Beach Boys", "acdc"; the title's words joined). The SQL functions
that compute that text are defined here and registered on every SQLite connection
(``database.register_sqlite_function``) when this module is imported.

A query keeps the rules of the in-memory search (``matching/search.py``, issue 14 class
7): its words are weighted by rarity, ``log(1 + N / (1 + df))`` with ``df`` read from the
FTS5 vocabulary table (https://www.sqlite.org/fts5.html#the_fts5vocab_virtual_table_module);
a track is a hit when it holds at least :data:`MIN_COVERAGE` of the query's weight (so
"The Beach Boys Good Vibrations" finds a library writing "Beach Boys"); the last word is
a prefix ("crazy in lo"); two or three words typed apart count when found joined ("ac
dc" for "acdc"); a learned artist alias in the query ("The Boss") also matches the
library's spelling of that artist. That rule becomes one FTS5 expression: an OR of the minimal word sets
that reach the coverage, each an AND of its words. Every word is quoted (FTS5 strings,
https://www.sqlite.org/fts5.html#fts5_strings), and the words are ``[a-z0-9]+`` after
normalisation anyway, so no user text is FTS5 syntax; values reach SQL as bound
parameters only. Hits are ranked by FTS5's ``bm25`` with column weights
:data:`BM25_WEIGHTS` (https://www.sqlite.org/fts5.html#the_bm25_function).

Without the index (another dialect, or a database before migration 0007) the search
falls back to the matcher's in-memory search with the filters applied to its hits.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from ..database import register_sqlite_function
from ..extensions import db
from ..matching import LibraryEntry, SearchResult, artist_keys
from ..matching.normalize import fold, words
from ..models import LibraryTag, LibraryTrack
from ..plex import index_store
from ..plex.tag_rows import normalize_tag
from . import artist_aliases

#: Share of a query's word weight a track must hold to be a hit (the in-memory search's
#: ``MIN_COVERAGE``, chosen on issue 14's manual-match cases).
MIN_COVERAGE = 0.7
#: Query words taken into account (the rest are ignored): the minimal covering word sets
#: of 8 words stay below a hundred FTS5 groups.
MAX_WORDS = 8
#: bm25 weights of the index columns title, artist, album, keys: a word in the title counts
#: most, an album word least.
BM25_WEIGHTS = (10.0, 6.0, 2.0, 6.0)
_ENTRY_COLUMNS = ("rating_key", "title", "album_artist", "track_artist", "album", "year", "track_number",
                  "duration_ms")


# -- the indexed text (SQL functions) ---------------------------------------------------


@lru_cache(maxsize=65536)
def index_words(text: str | None) -> str:
    """The normalised words of ``text`` separated by spaces ("Don't Stop" -> "dont stop")."""
    return " ".join(words(fold(text or "")))


@lru_cache(maxsize=16384)
def index_artist(album_artist: str | None, track_artist: str | None) -> str:
    """The words of the album artist and (when set) the track artist, each once."""
    found = index_words(album_artist).split()
    if track_artist:
        found += index_words(track_artist).split()
    return " ".join(dict.fromkeys(found))


@lru_cache(maxsize=16384)
def _artist_key_words(album_artist: str | None, track_artist: str | None) -> tuple[str, ...]:
    keys = list(artist_keys(album_artist or "")[:1])
    if track_artist:
        keys += artist_keys(track_artist)[:2]
    return tuple(keys)


def index_keys(title: str | None, album_artist: str | None, track_artist: str | None) -> str:
    """Space-free keys: the title's words joined ("dontstop") and the matcher's artist keys
    (``artist_keys``: "beachboys" for "The Beach Boys", "pink" for "P!nk")."""
    keys = [index_words(title).replace(" ", ""), *_artist_key_words(album_artist, track_artist)]
    return " ".join(dict.fromkeys(k for k in keys if k))


for _name, _nargs, _func in (("pc_search_words", 1, index_words), ("pc_search_artist", 2, index_artist),
                             ("pc_search_keys", 3, index_keys)):
    assert _name in index_store.SEARCH_FUNCTIONS
    register_sqlite_function(_name, _nargs, _func)


def install_functions(dbapi_connection: Any) -> None:
    """Register the index's SQL functions on one already open SQLite DB-API connection
    (the migration's, which may predate this module's import)."""
    dbapi_connection.create_function("pc_search_words", 1, index_words, deterministic=True)
    dbapi_connection.create_function("pc_search_artist", 2, index_artist, deterministic=True)
    dbapi_connection.create_function("pc_search_keys", 3, index_keys, deterministic=True)


# -- queries -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filters:
    """Narrow a search: ``artist`` / ``album`` (their normalised words, in order, inside the
    track's artist credit / album title: "beach boys" matches "The Beach Boys"),
    ``year_from`` / ``year_to`` (inclusive; tracks without a year never match a year
    filter), ``genre`` (a genre, style or mood of the track's album or album artist,
    compared in its normalised form: "r&b" matches "R&B", see :func:`genre_clause`)."""

    artist: str | None = None
    album: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    genre: str | None = None

    @property
    def empty(self) -> bool:
        """True when nothing narrows the search."""
        return (not (self.artist or self.album or self.genre_norm) and self.year_from is None
                and self.year_to is None)

    @property
    def genre_norm(self) -> str:
        """``genre`` normalised as ``library_tags.tag_norm`` ("" when none)."""
        return normalize_tag(self.genre or "")


def genre_clause(genre_norm: str, tracks: Any = None) -> sa.ColumnElement[bool]:
    """A dialect-independent SQLAlchemy condition on ``tracks`` (``library_tracks`` or an
    alias of it, default the table): the track's album or album artist carries the tag
    ``genre_norm`` (a ``library_tags.tag_norm``: genre, style or mood). Two ``IN``
    subqueries over the ``tag_norm`` index (issue 18 point 6, issue 19)."""
    t = tracks if tracks is not None else LibraryTrack.__table__
    tagged = sa.select(LibraryTag.__table__.c.rating_key).where(LibraryTag.__table__.c.tag_norm == genre_norm)
    return sa.or_(t.c.album_rating_key.in_(tagged), t.c.artist_rating_key.in_(tagged))


def _genre_sql(conn: Any, genre_norm: str) -> str:
    """:func:`genre_clause` on the alias ``t`` as SQL text for the statements below. The
    value is inlined by the dialect's literal rendering; it is a normalised tag, only
    ``[a-z0-9 ]`` (:func:`~plex_completer.plex.tag_rows.normalize_tag`)."""
    clause = genre_clause(genre_norm, LibraryTrack.__table__.alias("t"))
    return "(" + str(clause.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})) + ")"


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _phrase_filter(column: str, text: str | None) -> str | None:
    ws = words(fold(text or ""))
    if not ws:
        return None
    return f"{column} : {_quote(' '.join(ws))}"


def _doc_count(conn: Any, term: str, prefix: bool) -> int:
    if prefix:
        value = conn.exec_driver_sql(
            f"SELECT sum(doc) FROM {index_store.SEARCH_VOCAB} WHERE term >= ? AND term < ?", (term, term + "\x7f")
        ).scalar()
    else:
        value = conn.exec_driver_sql(f"SELECT doc FROM {index_store.SEARCH_VOCAB} WHERE term = ?", (term,)).scalar()
    return int(value or 0)


def alias_alternatives(ws: Sequence[str], pairs: Sequence[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """``(start, end, FTS5 expression)`` for each run ``ws[start:end]`` that spells a learned
    artist alias (``services/artist_aliases.py``: "the boss"): the library's artist words
    as a phrase in the artist column ("springsteen bruce"), another way to hold those words."""
    out = []
    for alias, library_artist in pairs:
        aw, lw = words(fold(alias or "")), words(fold(library_artist or ""))
        if not aw or not lw:
            continue
        for start in range(len(ws) - len(aw) + 1):
            if list(ws[start:start + len(aw)]) == aw:
                out.append((start, start + len(aw), f"artist : {_quote(' '.join(lw))}"))
    return out


def coverage_expression(ws: Sequence[str], doc_count: Any, total: int,
                        alternatives: Sequence[tuple[int, int, str]] = ()) -> str | None:
    """The FTS5 expression for query words ``ws`` (normalised, distinct; the last one a
    prefix): an OR of the minimal sets of words holding :data:`MIN_COVERAGE` of the
    words' weight, each an AND of its words; a word also counts when it is found inside a
    run of 2-3 query words written joined. ``doc_count(term, prefix)`` gives a term's
    document frequency, ``total`` the tracks indexed; the last word also names itself, so
    a whole word ranks above the words it begins. ``alternatives`` (:func:`alias_alternatives`)
    are further ways to hold a run of words. None when no track can be a hit
    (no set reaches the coverage with words the index holds)."""
    m = len(ws)
    df = [doc_count(w, i == m - 1) for i, w in enumerate(ws)]
    n = max(total, 1)
    weight = [math.log(1 + n / (1 + d)) for d in df]
    cover: list[list[str]] = [[_quote(w)] if df[i] else [] for i, w in enumerate(ws)]
    if df[-1]:
        # The word being typed: any word it begins; the word itself is named too, so bm25
        # (which sums over the query's phrases) ranks "14" above "140" and "love" above "lovely".
        cover[-1] = [_quote(ws[-1]) + "*", _quote(ws[-1])]
    for size in (2, 3):
        for start in range(m - size + 1):
            joined = "".join(ws[start:start + size])
            if doc_count(joined, False):
                for k in range(start, start + size):
                    cover[k].append(_quote(joined))
    for start, end, expr in alternatives:
        for k in range(start, end):
            cover[k].append(expr)
    need = MIN_COVERAGE * sum(weight) - 1e-9
    usable = [i for i in range(m) if cover[i]]
    groups: list[tuple[int, ...]] = []
    for size in range(1, len(usable) + 1):
        for combo in itertools.combinations(usable, size):
            if sum(weight[i] for i in combo) < need:
                continue
            if any(set(g) <= set(combo) for g in groups):
                continue  # not minimal
            groups.append(combo)
    if not groups:
        return None

    def term(i: int) -> str:
        return cover[i][0] if len(cover[i]) == 1 else "(" + " OR ".join(cover[i]) + ")"

    return " OR ".join("(" + " AND ".join(term(i) for i in g) + ")" for g in groups)


def search(text: str, limit: int = 20, filters: Filters | None = None, offset: int = 0) -> SearchResult:
    """Library tracks for ``text`` (title, artist and album words, any order; the last word a
    prefix), narrowed by ``filters``: up to ``limit`` :class:`~plex_completer.matching.LibraryEntry`
    values from ``offset`` on, best first (bm25; by artist, album, disc and track when only
    filters are given), and the total number of hits. Empty for a blank query without
    filters or ``limit <= 0``. Needs an app context."""
    filters = filters or Filters()
    ws = list(dict.fromkeys(words(fold(text or ""))))[:MAX_WORDS]
    if limit <= 0 or (not ws and filters.empty):
        return SearchResult([], 0)
    conn = db.session.connection()
    if not index_store.has_search_index(conn):
        return _fallback(text, limit, filters, offset)
    parts: list[str] = []
    if ws:
        total = int(conn.exec_driver_sql("SELECT count(*) FROM library_tracks").scalar() or 0)
        alternatives = alias_alternatives(ws, artist_aliases.pairs())
        expr = coverage_expression(ws, lambda t, p: _doc_count(conn, t, p), total, alternatives)
        if expr is None:
            return SearchResult([], 0)
        parts.append(f"({expr})")
    for column, value in (("artist", filters.artist), ("album", filters.album)):
        phrase = _phrase_filter(column, value)
        if phrase:
            parts.append(phrase)
    years: list[str] = []
    params: list[Any] = []
    if filters.year_from is not None:
        years.append("t.year >= ?")
        params.append(int(filters.year_from))
    if filters.year_to is not None:
        years.append("t.year <= ?")
        params.append(int(filters.year_to))
    if filters.genre_norm:  # a condition on library_tracks too (joined like the years)
        years.append(_genre_sql(conn, filters.genre_norm))
    fts = index_store.SEARCH_TABLE
    cols = ", ".join(f"t.{c}" for c in _ENTRY_COLUMNS)
    page = (int(limit), max(int(offset), 0))
    if not parts:  # years only
        where = " AND ".join(years)
        hits = int(conn.exec_driver_sql(f"SELECT count(*) FROM library_tracks t WHERE {where}", tuple(params)).scalar()
                   or 0)
        rows = conn.exec_driver_sql(
            f"SELECT {cols} FROM library_tracks t WHERE {where} ORDER BY t.album_artist, t.album, t.disc_number, "
            "t.track_number, t.rating_key LIMIT ? OFFSET ?", (*params, *page)).fetchall()
        return SearchResult([_entry(r) for r in rows], hits)
    match = " AND ".join(parts)
    rank = f"bm25({fts}, {', '.join(str(w) for w in BM25_WEIGHTS)})"
    if years:  # the year is in library_tracks: join
        source = f"{fts} JOIN library_tracks t ON t.rating_key = {fts}.rowid WHERE {fts} MATCH ? AND " + " AND ".join(years)
        args: tuple = (match, *params)
    else:  # the index alone counts and ranks (a join per hit doubles the time of "love" at 200k)
        source = f"{fts} WHERE {fts} MATCH ?"
        args = (match,)
    hits = int(conn.exec_driver_sql(f"SELECT count(*) FROM {source}", args).scalar() or 0)
    if hits == 0:
        return SearchResult([], 0)
    keys = [r[0] for r in conn.exec_driver_sql(
        f"SELECT {fts}.rowid FROM {source} ORDER BY {rank}, {fts}.rowid LIMIT ? OFFSET ?", (*args, *page))]
    if not keys:
        return SearchResult([], hits)
    marks = ", ".join("?" * len(keys))
    found = {r[0]: r for r in conn.exec_driver_sql(
        f"SELECT {cols} FROM library_tracks t WHERE t.rating_key IN ({marks})", tuple(keys))}
    return SearchResult([_entry(found[k]) for k in keys if k in found], hits)


def _entry(r: Sequence[Any]) -> LibraryEntry:
    return LibraryEntry(rating_key=r[0], title=r[1], album_artist=r[2] or "", track_artist=r[3], album=r[4] or "",
                        year=r[5], track_number=r[6], duration_ms=r[7])


def _fallback(text: str, limit: int, filters: Filters, offset: int) -> SearchResult:
    """The in-memory search (``Matcher.search_page``) with ``filters`` applied in Python."""
    from . import matcher_cache

    if not words(fold(text or "")):
        return SearchResult([], 0)
    matcher = matcher_cache.get_matcher()
    if filters.empty:
        page = matcher.search_page(text, limit + offset)
        return SearchResult(page.entries[offset:], page.total)
    page = matcher.search_page(text, len(matcher))
    kept = [e for e in page.entries if _passes(e, filters)]
    if filters.genre_norm:
        tagged = set(db.session.scalars(sa.select(LibraryTrack.rating_key).where(genre_clause(filters.genre_norm))))
        kept = [e for e in kept if e.rating_key in tagged]
    return SearchResult(kept[offset:offset + limit], len(kept))


def _passes(e: LibraryEntry, f: Filters) -> bool:
    def inside(needle: str | None, hay: str) -> bool:
        n = index_words(needle)
        return not n or f" {n} " in f" {hay} "

    return (inside(f.artist, index_artist(e.album_artist, e.track_artist)) and inside(f.album, index_words(e.album))
            and (f.year_from is None or (e.year is not None and e.year >= f.year_from))
            and (f.year_to is None or (e.year is not None and e.year <= f.year_to)))


def reindex(conn: Any | None = None) -> int:
    """Create (or re-create) the search index and fill it from the library index, and
    commit; returns the tracks indexed (0 on a dialect without one). ``flask --app app
    reindex-search``."""
    own = conn is None
    if own:
        conn = db.session.connection()
    found = index_store.create_search_index(conn)
    if own:
        db.session.commit()
    return found


def indexed_count() -> int:
    """Tracks in the search index (0 without one)."""
    conn = db.session.connection()
    if not index_store.has_search_index(conn):
        return 0
    return int(conn.exec_driver_sql(f"SELECT count(*) FROM {index_store.SEARCH_TABLE}").scalar() or 0)
