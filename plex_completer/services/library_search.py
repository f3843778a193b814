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

On PostgreSQL the index is a table with a ``tsvector`` (``plex/search_pg.py``, migration
0011), written from Python (:func:`search_texts`; an ``after_flush`` hook follows ORM
writes): the same rule becomes a ``tsquery`` (:data:`TSQUERY`), ranked by ``ts_rank_cd``
with the same column weights; each dialect is a :class:`_Backend`. Filters on a track's
rows (years; more to come) are one SQL text for both (:func:`track_conditions`).

Without an index (another dialect, or a database before migration 0007/0011) the search
falls back to the matcher's in-memory search with the filters applied to its hits.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..database import register_sqlite_function
from ..extensions import db
from ..matching import LibraryEntry, SearchResult, artist_keys
from ..matching.normalize import fold, words
from ..models import LibraryTag, LibraryTrack
from ..plex import index_store, search_pg, search_text
from ..plex.tag_rows import normalize_tag
from . import artist_aliases, search_cache

#: Share of a query's word weight a track must hold to be a hit (the in-memory search's
#: ``MIN_COVERAGE``, chosen on issue 14's manual-match cases).
MIN_COVERAGE = 0.7
#: Query words taken into account (the rest are ignored): the minimal covering word sets
#: of 8 words stay below a hundred FTS5 groups.
MAX_WORDS = 8
#: bm25 weights of the index columns title, artist, album, keys: a word in the title counts
#: most, an album word least.
BM25_WEIGHTS = (10.0, 6.0, 2.0, 6.0)
#: Dialects with a search index (the others fall back to the in-memory search).
DIALECTS = index_store.SEARCH_DIALECTS
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


@lru_cache(maxsize=16384)
def _artist_keys_joined(album_artist: str | None, track_artist: str | None) -> tuple[tuple[str, ...], str]:
    keys = tuple(dict.fromkeys(k for k in _artist_key_words(album_artist, track_artist) if k))
    return keys, " ".join(keys)


def index_keys(title: str | None, album_artist: str | None, track_artist: str | None) -> str:
    """Space-free keys: the title's words joined ("dontstop") and the matcher's artist keys
    (``artist_keys``: "beachboys" for "The Beach Boys", "pink" for "P!nk"), each once."""
    joined_title = index_words(title).replace(" ", "")
    artist, joined = _artist_keys_joined(album_artist, track_artist)  # per artist, cached
    if not joined_title:
        return joined
    if joined_title not in artist:
        return f"{joined_title} {joined}" if joined else joined_title
    return " ".join((joined_title, *(k for k in artist if k != joined_title)))


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


def search_texts(title: str | None, album_artist: str | None, track_artist: str | None,
                 album: str | None) -> tuple[str, str, str, str]:
    """The indexed ``(title, artist, album, keys)`` words of one track: what the SQL
    functions give, for an index written from Python (``plex/search_text.py``)."""
    return (index_words(title), index_artist(album_artist, track_artist), index_words(album),
            index_keys(title, album_artist, track_artist))


search_text.search_text = search_texts
_INDEXED_ATTRIBUTES = ("rating_key", "title", "album_artist", "track_artist", "album")


def _follow_orm_writes(session: Any, flush_context: Any) -> None:
    """SQLAlchemy ``after_flush`` hook: on PostgreSQL, re-index the library tracks the flush
    added, changed (title, artists, album) or deleted, in the same transaction (SQLite's
    triggers do this for any writer; PostgreSQL cannot call the normalisation from SQL)."""
    keys: set[int] = set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, LibraryTrack):
            keys.add(obj.rating_key)
    for obj in session.dirty:
        if isinstance(obj, LibraryTrack):
            state = sa.inspect(obj)
            changed = [state.attrs[a].history for a in _INDEXED_ATTRIBUTES]
            if any(h.has_changes() for h in changed):
                keys.add(obj.rating_key)
                keys.update(k for k in changed[0].deleted if k is not None)
    if not keys:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql" and search_pg.exists(conn):
        search_pg.refresh_rating_keys(conn, keys)


sa.event.listen(Session, "after_flush", _follow_orm_writes)


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


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


@dataclass(frozen=True)
class Syntax:
    """How one backend writes a match expression: SQLite FTS5 (:data:`FTS5`,
    https://www.sqlite.org/fts5.html#full_text_query_syntax) or PostgreSQL ``tsquery``
    (:data:`TSQUERY`, https://www.postgresql.org/docs/15/datatype-textsearch.html#DATATYPE-TSQUERY).
    Words reach it normalised (``[a-z0-9]+``) and quoted anyway."""

    any_of: str
    all_of: str
    word: Callable[[str], str]
    prefix: Callable[[str], str]
    phrase: Callable[[str, Sequence[str]], str]  # (column, words in order)


def _ts_word(word: str, label: str = "") -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'" + (f":{label}" if label else "")


FTS5 = Syntax(" OR ", " AND ", _quote, lambda w: _quote(w) + "*",
              lambda column, ws: f"{column} : {_quote(' '.join(ws))}")
TSQUERY = Syntax(" | ", " & ", _ts_word, lambda w: _ts_word(w) + ":*",
                 lambda column, ws: "(" + " <-> ".join(_ts_word(w, search_pg.LABELS[column]) for w in ws) + ")")


def _phrase_filter(column: str, text: str | None, syntax: Syntax = FTS5) -> str | None:
    ws = words(fold(text or ""))
    if not ws:
        return None
    return syntax.phrase(column, ws)


def alias_alternatives(ws: Sequence[str], pairs: Sequence[tuple[str, str]],
                       syntax: Syntax = FTS5) -> list[tuple[int, int, str]]:
    """``(start, end, match expression)`` for each run ``ws[start:end]`` that spells a learned
    artist alias (``services/artist_aliases.py``: "the boss"): the library's artist words
    as a phrase in the artist column ("springsteen bruce"), another way to hold those words."""
    out = []
    for alias, library_artist in pairs:
        aw, lw = words(fold(alias or "")), words(fold(library_artist or ""))
        if not aw or not lw:
            continue
        for start in range(len(ws) - len(aw) + 1):
            if list(ws[start:start + len(aw)]) == aw:
                out.append((start, start + len(aw), syntax.phrase("artist", lw)))
    return out


def coverage_expression(ws: Sequence[str], doc_count: Any, total: int,
                        alternatives: Sequence[tuple[int, int, str]] = (), syntax: Syntax = FTS5) -> str | None:
    """The match expression (in ``syntax``) for query words ``ws`` (normalised, distinct; the
    last one a prefix): an OR of the minimal sets of words holding :data:`MIN_COVERAGE` of
    the words' weight, each an AND of its words; a word also counts when it is found inside a
    run of 2-3 query words written joined. ``doc_count(term, prefix)`` gives a term's
    document frequency, ``total`` the tracks indexed; the last word also names itself, so
    a whole word ranks above the words it begins. ``alternatives`` (:func:`alias_alternatives`)
    are further ways to hold a run of words. None when no track can be a hit
    (no set reaches the coverage with words the index holds)."""
    m = len(ws)
    df = [doc_count(w, i == m - 1) for i, w in enumerate(ws)]
    n = max(total, 1)
    weight = [math.log(1 + n / (1 + d)) for d in df]
    cover: list[list[str]] = [[syntax.word(w)] if df[i] else [] for i, w in enumerate(ws)]
    if df[-1]:
        # The word being typed: any word it begins; the word itself is named too, so bm25
        # (which sums over the query's phrases) ranks "14" above "140" and "love" above "lovely".
        cover[-1] = [syntax.prefix(ws[-1]), syntax.word(ws[-1])]
    for size in (2, 3):
        for start in range(m - size + 1):
            joined = "".join(ws[start:start + size])
            if doc_count(joined, False):
                for k in range(start, start + size):
                    cover[k].append(syntax.word(joined))
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
        return cover[i][0] if len(cover[i]) == 1 else "(" + syntax.any_of.join(cover[i]) + ")"

    return syntax.any_of.join("(" + syntax.all_of.join(term(i) for i in g) + ")" for g in groups)


def track_conditions(filters: Filters) -> tuple[list[str], dict[str, Any]]:
    """The filters that are not words of the index, as SQL conditions on ``library_tracks t``
    with named parameters: the same text on every dialect (a filter on another table, such
    as tags, belongs here too, as ``EXISTS (SELECT 1 FROM ... WHERE ... = t.rating_key)``)."""
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if filters.year_from is not None:
        conditions.append("t.year >= :year_from")
        params["year_from"] = int(filters.year_from)
    if filters.year_to is not None:
        conditions.append("t.year <= :year_to")
        params["year_to"] = int(filters.year_to)
    if filters.genre_norm:  # the album's or the album artist's tags (issue 18 point 6): see genre_clause
        conditions.append("(t.album_rating_key IN (SELECT g.rating_key FROM library_tags g WHERE g.tag_norm = :genre)"
                          " OR t.artist_rating_key IN (SELECT g.rating_key FROM library_tags g WHERE g.tag_norm = :genre))")
        params["genre"] = filters.genre_norm
    return conditions, params


class _Backend:
    """One dialect's search index: its :class:`Syntax`, document frequencies, and the
    ranked page of hits for a match expression (narrowed by :func:`track_conditions`)."""

    syntax: Syntax = FTS5

    def doc_count(self, conn: Any, term: str, prefix: bool) -> int:
        """Tracks holding ``term`` (any word it begins when ``prefix``)."""
        raise NotImplementedError

    def source(self, conditions: list[str]) -> str:
        """``FROM ... WHERE`` of the hits of ``:match`` narrowed by ``conditions``; the index's
        key is selected as ``key``."""
        raise NotImplementedError

    rank = ""
    key = ""

    def ranked(self, conn: Any, match: str, conditions: list[str], params: dict[str, Any], limit: int,
               offset: int) -> tuple[list[int], int]:
        """``(ratingKeys of the page, best first; total hits)``."""
        source = self.source(conditions)
        args = {**params, "match": match}
        keys = [r[0] for r in conn.execute(sa.text(
            f"SELECT {self.key} {source} ORDER BY {self.rank}, {self.key} LIMIT :limit OFFSET :offset"),
            {**args, "limit": limit, "offset": offset})]
        if (keys and len(keys) < limit) or (not keys and not offset):
            return keys, offset + len(keys)  # the last page: no count query (a third of a rare query's time)
        return keys, int(conn.execute(sa.text(f"SELECT count(*) {source}"), args).scalar() or 0)


class _Fts5Backend(_Backend):
    syntax = FTS5
    key = f"{index_store.SEARCH_TABLE}.rowid"
    rank = f"bm25({index_store.SEARCH_TABLE}, {', '.join(str(w) for w in BM25_WEIGHTS)})"

    def doc_count(self, conn: Any, term: str, prefix: bool) -> int:
        if prefix:
            value = conn.exec_driver_sql(
                f"SELECT sum(doc) FROM {index_store.SEARCH_VOCAB} WHERE term >= ? AND term < ?",
                (term, term + "\x7f")).scalar()
        else:
            value = conn.exec_driver_sql(f"SELECT doc FROM {index_store.SEARCH_VOCAB} WHERE term = ?",
                                         (term,)).scalar()
        return int(value or 0)

    def source(self, conditions: list[str]) -> str:
        fts = index_store.SEARCH_TABLE
        if not conditions:  # the index alone counts and ranks (a join per hit doubles the time of "love" at 200k)
            return f"FROM {fts} WHERE {fts} MATCH :match"
        return (f"FROM {fts} JOIN library_tracks t ON t.rating_key = {fts}.rowid WHERE {fts} MATCH :match AND "
                + " AND ".join(conditions))


#: ts_rank_cd weights of the labels D, C, B, A (album, keys, artist, title): :data:`BM25_WEIGHTS` / 10.
TS_RANK_WEIGHTS = "{" + ",".join(str(BM25_WEIGHTS[i] / 10) for i in (2, 3, 1, 0)) + "}"


class _TsBackend(_Backend):
    """PostgreSQL (:mod:`~plex_completer.plex.search_pg`): ``@@`` over the GIN index, ranked by
    ``ts_rank_cd`` with the column weights of :data:`BM25_WEIGHTS` and normalisation 1
    (divided by 1 + log of the track's word count, as bm25 favours short fields;
    https://www.postgresql.org/docs/15/textsearch-controls.html#TEXTSEARCH-RANKING): of
    ``ts_rank`` and ``ts_rank_cd`` with normalisations 0-32, the one whose order agrees most
    with bm25's on the tests' tags (the same best hit but for one near-tie). A prefix
    word's document frequency counts tracks (FTS5's vocabulary sums its words' counts)."""

    syntax = TSQUERY
    key = "s.rating_key"
    rank = f"ts_rank_cd('{TS_RANK_WEIGHTS}', s.doc, CAST(:match AS tsquery), 1) DESC"

    def doc_count(self, conn: Any, term: str, prefix: bool) -> int:
        query = TSQUERY.prefix(term) if prefix else TSQUERY.word(term)
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {search_pg.TABLE} WHERE doc @@ CAST(:q AS tsquery)"),
                                {"q": query}).scalar() or 0)

    def source(self, conditions: list[str]) -> str:
        join = " JOIN library_tracks t ON t.rating_key = s.rating_key" if conditions else ""
        return (f"FROM {search_pg.TABLE} s{join} WHERE s.doc @@ CAST(:match AS tsquery)"
                + "".join(f" AND {c}" for c in conditions))


_BACKENDS = {"sqlite": _Fts5Backend(), "postgresql": _TsBackend()}


def search(text: str, limit: int = 20, filters: Filters | None = None, offset: int = 0) -> SearchResult:
    """Library tracks for ``text`` (title, artist and album words, any order; the last word a
    prefix), narrowed by ``filters``: up to ``limit`` :class:`~plex_completer.matching.LibraryEntry`
    values from ``offset`` on, best first (bm25 on SQLite, ts_rank on PostgreSQL; by artist,
    album, disc and track when only filters are given), and the total number of hits. Empty
    for a blank query without filters or ``limit <= 0``. Needs an app context.

    Answers are kept until the library index changes (:mod:`.search_cache`)."""
    filters = filters or Filters()
    key = ("search", text or "", int(limit), filters, max(int(offset), 0))
    answer = search_cache.cached(key, lambda: _search(text, limit, filters, offset))
    return SearchResult(list(answer.entries), answer.total)  # the kept list stays unshared


def _search(text: str, limit: int, filters: Filters, offset: int) -> SearchResult:
    ws = list(dict.fromkeys(words(fold(text or ""))))[:MAX_WORDS]
    if limit <= 0 or (not ws and filters.empty):
        return SearchResult([], 0)
    conn = db.session.connection()
    if not index_store.has_search_index(conn):
        return _fallback(text, limit, filters, offset)
    backend = _BACKENDS[conn.dialect.name]
    syntax = backend.syntax
    parts: list[str] = []
    if ws:
        total = search_cache.track_count()
        alternatives = alias_alternatives(ws, artist_aliases.pairs(), syntax)
        expr = coverage_expression(ws, lambda t, p: backend.doc_count(conn, t, p), total, alternatives, syntax)
        if expr is None:
            return SearchResult([], 0)
        parts.append(f"({expr})")
    for column, value in (("artist", filters.artist), ("album", filters.album)):
        phrase = _phrase_filter(column, value, syntax)
        if phrase:
            parts.append(phrase)
    conditions, params = track_conditions(filters)
    limit, offset = int(limit), max(int(offset), 0)
    cols = ", ".join(f"t.{c}" for c in _ENTRY_COLUMNS)
    if not parts:  # row filters only
        where = " AND ".join(conditions)
        hits = int(conn.execute(sa.text(f"SELECT count(*) FROM library_tracks t WHERE {where}"), params).scalar() or 0)
        rows = conn.execute(sa.text(
            f"SELECT {cols} FROM library_tracks t WHERE {where} ORDER BY t.album_artist, t.album, t.disc_number, "
            "t.track_number, t.rating_key LIMIT :limit OFFSET :offset"), {**params, "limit": limit, "offset": offset})
        return SearchResult([_entry(r) for r in rows], hits)
    keys, hits = backend.ranked(conn, syntax.all_of.join(parts), conditions, params, limit, offset)
    if not keys:
        return SearchResult([], hits)
    found = {r[0]: r for r in conn.execute(
        sa.text(f"SELECT {cols} FROM library_tracks t WHERE t.rating_key IN :keys").bindparams(
            sa.bindparam("keys", expanding=True)), {"keys": keys})}
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
