"""PMS listing parameters: paging, ``sort=`` and field filters on ``/library/sections/N/all``.

Filter keys have the form ``[libtype.]field[op]=value`` as plexapi's
``LibrarySection._validateFilterField`` builds them (the operator sits in the key because the
last ``=`` is the query separator, e.g. ``track.addedAt>>=1700000000`` parses as key
``track.addedAt>>``). Operators, per the ``<FieldType>``/``<Operator>`` lists PMS publishes
in ``includeMeta=1`` answers: strings ``''`` contains, ``!`` does not contain, ``=`` is,
``!=`` is not, ``<`` begins with, ``>`` ends with (all case-insensitive); numbers and dates
``''`` is, ``!`` is not, ``>>`` greater than / after, ``<<`` less than / before (strict).
Comma-separated values mean "any of". Dates accept epoch seconds or a relative ``-30d``
(units s m h d w mon y). ``push/pop/and/or`` grouping is not supported (filters are ANDed).
Unknown parameters are ignored, as PMS ignores parameters it does not know.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from collections.abc import Callable

from tests.fakes.plex.state import LibraryState, sort_fold

TYPE_ARTIST, TYPE_ALBUM, TYPE_TRACK = 8, 9, 10
LIBTYPE_NAMES = {TYPE_ARTIST: "artist", TYPE_ALBUM: "album", TYPE_TRACK: "track"}

_RELATIVE = re.compile(r"^-?(\d+)(mon|[smhdwy])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mon": 30 * 86400, "y": 365 * 86400}
_FILTER_KEY = re.compile(r"^(?:([a-zA-Z]+)\.)?([a-zA-Z]+)([!<>=]*)$")


def paging(query: dict[str, list[str]], headers) -> tuple[int, int | None]:
    """``(start, size)`` from ``X-Plex-Container-Start``/``-Size`` given as query parameters
    or headers (plexapi's ``fetchItems`` sends headers; ``_loadFilters`` and
    ``totalViewSize`` put them in the query). ``size`` is None when no paging was asked."""

    def pick(name: str) -> str | None:
        if query.get(name):
            return query[name][0]
        return headers.get(name)

    start_s, size_s = pick("X-Plex-Container-Start"), pick("X-Plex-Container-Size")
    start = max(int(start_s), 0) if start_s and start_s.lstrip("-").isdigit() else 0
    size = max(int(size_s), 0) if size_s and size_s.lstrip("-").isdigit() else None
    return start, size


# --- field getters per listing type ------------------------------------------------------
# Each maps "[prefix.]field" to a getter; "" prefix means the item's own type.


def _track_fields(lib: LibraryState) -> dict[str, Callable]:
    albums = lib.albums
    return {
        "title": lambda t: t.title,
        "titleSort": lambda t: t.title,
        "originalTitle": lambda t: t.track_artist or t.album_artist,
        "addedAt": lambda t: t.added_at,
        "updatedAt": lambda t: t.updated_at,
        "duration": lambda t: t.duration_ms,
        "index": lambda t: t.track_number or 0,
        "absoluteIndex": lambda t: t.disc_number * 10000 + (t.track_number or 0),
        "parentIndex": lambda t: t.disc_number,
        "id": lambda t: t.rating_key,
        "artist.title": lambda t: t.album_artist,
        "artist.titleSort": lambda t: t.album_artist,
        "artist.id": lambda t: t.artist_rating_key,
        "album.title": lambda t: t.album,
        "album.titleSort": lambda t: t.album,
        "album.year": lambda t: t.year or 0,
        "album.id": lambda t: t.album_rating_key,
        "album.index": lambda t: 1,
        "album.originallyAvailableAt": lambda t: t.year or 0,
        "album.addedAt": lambda t: albums[t.album_rating_key].added_at,
    }


def _album_fields(lib: LibraryState) -> dict[str, Callable]:
    return {
        "title": lambda a: a.title,
        "titleSort": lambda a: a.title,
        "year": lambda a: a.year or 0,
        "originallyAvailableAt": lambda a: a.year or 0,
        "addedAt": lambda a: a.added_at,
        "updatedAt": lambda a: a.updated_at,
        "id": lambda a: a.rating_key,
        "index": lambda a: 1,
        "artist.title": lambda a: a.artist_title,
        "artist.titleSort": lambda a: a.artist_title,
        "artist.id": lambda a: a.artist_rating_key,
    }


def _artist_fields(lib: LibraryState) -> dict[str, Callable]:
    return {
        "title": lambda a: a.title,
        "titleSort": lambda a: a.title,
        "addedAt": lambda a: a.added_at,
        "updatedAt": lambda a: a.updated_at,
        "id": lambda a: a.rating_key,
        "index": lambda a: 1,
    }


_FIELDS = {TYPE_TRACK: _track_fields, TYPE_ALBUM: _album_fields, TYPE_ARTIST: _artist_fields}
_DATE_FIELDS = {"addedAt", "updatedAt", "album.addedAt"}
_STRING_FIELDS = {"title", "titleSort", "originalTitle", "artist.title", "artist.titleSort",
                  "album.title", "album.titleSort"}
_DEFAULT_SORT = {
    # PMS's default ("Album Artist") orders; see the <Sort default="asc"> in includeMeta answers.
    TYPE_TRACK: "artist.titleSort,album.titleSort,album.year,track.absoluteIndex,track.titleSort,track.id",
    TYPE_ALBUM: "artist.titleSort,album.titleSort,album.id",
    TYPE_ARTIST: "titleSort,id",
}


def _field_name(mtype: int, prefix: str | None, name: str) -> str:
    own = LIBTYPE_NAMES[mtype]
    if prefix is None or prefix == own:
        return name
    return f"{prefix}.{name}"


def base_items(lib: LibraryState, mtype: int) -> list:
    if mtype == TYPE_TRACK:
        return list(lib.tracks.values())
    if mtype == TYPE_ALBUM:
        return list(lib.albums.values())
    return list(lib.artists.values())


_BY_ID = ("id", "id:asc", "track.id", "track.id:asc")


def _order(lib: LibraryState, mtype: int, spec: str, items: list) -> tuple[list, bool]:
    """Sort ``items`` in place by ``spec``; returns ``(items, is_random)``."""
    if mtype == TYPE_TRACK and spec in _BY_ID and _in_key_order(items):
        return items, False  # already in ratingKey order (an id window): nothing to sort
    fields = _FIELDS[mtype](lib)
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    memo: dict[str, str] = {}

    def fold(text: str | None) -> str:
        # Artist and album names repeat across many tracks: fold each distinct one once.
        r = memo.get(text)  # type: ignore[arg-type]
        if r is None:
            r = memo[text] = sort_fold(text)  # type: ignore[index]
        return r

    keys: list[tuple[Callable, bool]] = []  # (key function, descending)
    is_random = False
    for part in parts:
        name, _, direction = part.partition(":")
        m = re.match(r"^(?:([a-zA-Z]+)\.)?([a-zA-Z]+)$", name)
        if not m:
            continue
        if m.group(2) == "random":
            is_random = True
            keys = []
            break
        fname = _field_name(mtype, m.group(1), m.group(2))
        getter = fields.get(fname)
        if getter is None:
            continue
        if fname in _STRING_FIELDS:
            getter = (lambda g: lambda it: fold(g(it)))(getter)
        keys.append((getter, direction == "desc"))
    if is_random:
        random.shuffle(items)
    # Runs of keys with one direction sort together on a tuple; runs are applied last to
    # first with stable sorts, which gives the multi-key order.
    runs: list[tuple[list[Callable], bool]] = []
    for getter, desc in keys:
        if runs and runs[-1][1] == desc:
            runs[-1][0].append(getter)
        else:
            runs.append(([getter], desc))
    for getters, desc in reversed(runs):
        if len(getters) == 1:
            items.sort(key=getters[0], reverse=desc)
        else:
            items.sort(key=lambda it, gs=getters: tuple(g(it) for g in gs), reverse=desc)
    return items, is_random


def sorted_items(lib: LibraryState, mtype: int, sort: str | None) -> list:
    """Items of ``mtype`` ordered by ``sort`` (comma list of ``[libtype.]field[:asc|desc]``;
    unknown fields are skipped). Orders are cached until the library changes; ``random``
    is never cached."""
    spec = sort or _DEFAULT_SORT[mtype]
    cache_key = (mtype, spec)
    cached = lib.order_cache.get(cache_key)
    if cached is not None:
        return cached
    if mtype == TYPE_TRACK and spec in _BY_ID:
        # ratingKey order is the order of the (maintained) sorted keys, as PMS reads it off
        # its primary key.
        tracks = lib.tracks
        items = lib.order_cache[cache_key] = [tracks[k] for k in lib.sorted_keys]
        return items
    items, is_random = _order(lib, mtype, spec, base_items(lib, mtype))
    if not is_random:
        lib.order_cache[cache_key] = items
    return items


def _parse_date(value: str, now: int) -> int:
    m = _RELATIVE.match(value)
    if m and not value.lstrip("-").isdigit():
        return now - int(m.group(1)) * _UNIT_S[m.group(2)]
    return int(float(value))


def build_filters(lib: LibraryState, mtype: int, query: dict[str, list[str]], now: int
                  ) -> list[Callable[[object], bool]]:
    """Predicates for the field filters in ``query`` (see the module docstring). ``title``
    without an operator is the plain "title contains" search plexapi sends as ``title=``."""
    fields = _FIELDS[mtype](lib)
    preds: list[Callable[[object], bool]] = []
    for key, values in query.items():
        m = _FILTER_KEY.match(key)
        if not m:
            continue
        prefix, name, op = m.groups()
        if prefix is not None and prefix not in ("artist", "album", "track"):
            continue
        fname = _field_name(mtype, prefix, name)
        getter = fields.get(fname)
        if getter is None:
            continue
        for value in values:
            preds.append(_predicate(fname, getter, op, value, now))
    return preds


def _predicate(fname: str, getter: Callable, op: str, value: str, now: int) -> Callable[[object], bool]:
    options = [v for v in value.split(",")] if value else [""]
    if fname in _STRING_FIELDS:
        wanted = [o.casefold() for o in options]
        tests = {
            "": lambda s: any(w in s for w in wanted),
            "!": lambda s: not any(w in s for w in wanted),
            "=": lambda s: s in wanted,
            "!=": lambda s: s not in wanted,
            "<": lambda s: any(s.startswith(w) for w in wanted),
            ">": lambda s: any(s.endswith(w) for w in wanted),
        }
        test = tests.get(op, tests[""])
        return lambda it: test((getter(it) or "").casefold())
    conv = (lambda v: _parse_date(v, now)) if fname in _DATE_FIELDS else (lambda v: int(float(v)))
    try:
        nums = [conv(o) for o in options if o != ""]
    except ValueError:
        return lambda it: False
    if not nums:
        return lambda it: True
    if op == ">>":
        return lambda it: getter(it) > nums[0]
    if op == "<<":
        return lambda it: getter(it) < nums[0]
    if op == "!":
        return lambda it: getter(it) not in nums
    return lambda it: getter(it) in nums


def shuffle_ties(lib: LibraryState, mtype: int, sort: str | None, items: list) -> list:
    """``items`` (already in ``sort`` order) with the order among equal sort keys shuffled,
    as a hostile server may answer each page request (PMS defines no order among tracks
    added in the same second). A sort that ends in ``id`` is unique: nothing to shuffle."""
    spec = sort or _DEFAULT_SORT[mtype]
    if spec.split(",")[-1].split(":")[0].split(".")[-1] == "id":
        return items
    random.shuffle(items)
    return _order(lib, mtype, spec, items)[0]


def _in_key_order(items: list) -> bool:
    return all(a.rating_key < b.rating_key for a, b in itertools.pairwise(items))


ID_BOUND = re.compile(r"^(?:track\.)?id(>>|<<)$")


def _id_window(lib: LibraryState, query: dict[str, list[str]], as_keys: bool = False) -> list | None:
    """Tracks (``as_keys``: their ratingKeys, ascending) whose ratingKey satisfies the
    query's ``id>>``/``id<<`` filters, found by bisecting the sorted ratingKeys (as PMS
    answers them from its primary-key index), or None when the query has no such filter."""
    low, high = None, None
    for key, values in query.items():
        m = ID_BOUND.match(key)
        if not m:
            continue
        for v in values:
            try:
                n = int(float(v))
            except ValueError:
                continue
            if m.group(1) == ">>":
                low = n if low is None else max(low, n)
            else:
                high = n if high is None else min(high, n)
    if low is None and high is None:
        return None
    keys = lib.sorted_keys
    i = 0 if low is None else bisect.bisect_right(keys, low)
    j = len(keys) if high is None else bisect.bisect_left(keys, high)
    if as_keys:
        return keys[i:j]
    tracks = lib.tracks
    return [tracks[k] for k in keys[i:j]]


def select(lib: LibraryState, mtype: int, query: dict[str, list[str]], now: int,
           ordered: bool = True) -> list:
    """The items a section listing answers before paging: filtered, sorted (unless
    ``ordered`` is False, for a count), and capped by ``limit=`` when given.

    A filtered listing sorts only the items that pass the filters unless the full order
    is already cached, so a small filtered answer (changes since a date, a ratingKey
    range) costs one pass over the library rather than a full sort after each change.
    """
    sort = (query.get("sort") or [None])[0]
    spec = sort or _DEFAULT_SORT[mtype]
    window = _id_window(lib, query, as_keys=True) if mtype == TYPE_TRACK else None
    if window is not None:  # the id filters are what the window already applied
        query = {k: v for k, v in query.items() if not ID_BOUND.match(k)}
    preds = build_filters(lib, mtype, query, now)
    if window is not None:
        if not preds and not ordered and "limit" not in query:
            # A count of a ratingKey range (size probe): the keys stand in for the tracks,
            # which are never rendered.
            return window
        tracks = lib.tracks
        window = [tracks[k] for k in window]
    cached = lib.order_cache.get((mtype, spec))
    if not preds and window is not None:
        items = _order(lib, mtype, spec, window)[0] if ordered else window
    elif not preds and not ordered and mtype == TYPE_TRACK:
        items = lib.sorted_keys  # a count of every track: the keys stand in, never rendered
    elif not preds:
        items = sorted_items(lib, mtype, sort) if ordered else base_items(lib, mtype)
    elif cached is not None and window is None:
        items = [it for it in cached if all(p(it) for p in preds)]
    else:
        pool = window if window is not None else base_items(lib, mtype)
        if len(preds) == 1:
            pred = preds[0]
            items = [it for it in pool if pred(it)]
        else:
            items = [it for it in pool if all(p(it) for p in preds)]
        if ordered:
            items, _ = _order(lib, mtype, spec, items)
    limit = (query.get("limit") or [""])[0]
    if limit.isdigit():
        items = list(items)[: int(limit)]
    return items


__all__ = [
    "TYPE_ALBUM",
    "TYPE_ARTIST",
    "TYPE_TRACK",
    "base_items",
    "build_filters",
    "paging",
    "select",
    "sorted_items",
]
