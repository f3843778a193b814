"""Plex track listings as the library sync reads them: paged listings fetched ahead in a
background thread, the excludeElements/excludeFields that keep them slim, size probes
that count a ratingKey range, ratingKey-only listings and lookups by ratingKey.

Everything here goes through :class:`~plex_completer.plex.gateway.PlexGateway.get_fast`
(raw bytes) and reads ``<Track>`` attributes with expat (:mod:`.track_rows`) or, where
only ratingKeys matter, a regular expression.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

from .errors import PlexRequestFailed
from .gateway import TYPE_TRACK, PlexGateway, PlexNotFound, SectionInfo
from .track_rows import ListingError, parse_listing, rows_from_tracks

# Largest page PMS serves: it caps listings at 1,000 items and answers 400 "Missing
# X-Plex-Container-Size header" without the size header (sct/overseerr PR #3023,
# van-geaux/plex_nfo_exporter issues #12 and #14, RemiRigal/Plex-Auto-Languages PR #76).
# Every listing here sends both paging headers and never asks for more than this.
MAX_PAGE_SIZE = 1000
# /library/metadata/{k1,k2,...} lookups per request (keeps the request line short).
_LOOKUP_CHUNK = 200
# ratingKey of each <Track> (the attribute need not come first) and the container's totalSize.
_TRACK_KEY = re.compile(rb'<Track\b[^>]*?\sratingKey="(\d+)"')
_CONTAINER_TOTAL = re.compile(rb'<MediaContainer\b[^>]*?\stotalSize="(\d+)"')
# What the listings ask PMS to leave out. excludeElements/excludeFields are the parameters
# plexapi itself sends (base.py PlexPartialObject._EXCLUDES: its element list is reused
# here); PMS drops the named child elements and attributes (WebTools-NG issue #71 lists
# excludable elements and fields). The index reads only <Track> attributes, so the nested
# Media/Part elements and the attributes below are never needed. A server that ignores a
# name sends it anyway: the parse is the same, only larger.
_ELEMENTS = "Media,Genre,Country,Guid,Rating,Collection,Director,Writer,Role,Producer,Similar,Style,Mood,Format,Label,Field,Image"
_UNUSED_FIELDS = (
    "key,parentGuid,grandparentGuid,type,grandparentKey,parentKey,summary,thumb,parentThumb,"
    "grandparentThumb,art,parentArt,grandparentArt,parentStudio,titleSort,userRating,viewCount,"
    "skipCount,lastViewedAt,lastRatedAt,ratingCount,musicAnalysisVersion"
)
_ROW_FIELDS = (
    "parentRatingKey,grandparentRatingKey,guid,title,grandparentTitle,parentTitle,originalTitle,"
    "index,parentIndex,parentYear,year,duration,addedAt,updatedAt"
)
SLIM = {"excludeElements": _ELEMENTS, "excludeFields": _UNUSED_FIELDS}
# Key listings (removal check) need ratingKey only.
KEYS_ONLY = {"excludeElements": _ELEMENTS, "excludeFields": f"{_UNUSED_FIELDS},{_ROW_FIELDS}"}


def page_headers(start: int, size: int) -> dict[str, str]:
    """PMS paging headers (``X-Plex-Container-Start``/``-Size``, as plexapi's fetchItems
    sends them); ``size`` 0 asks for the count alone (``totalSize``); sizes above
    :data:`MAX_PAGE_SIZE` are lowered to it."""
    return {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(min(size, MAX_PAGE_SIZE))}


class PageStats:
    """What a paged listing saw: ``first_total`` and ``last_total`` (``totalSize`` of the
    first and last page, None when absent), ``received`` (items over all pages), ``pages``
    and ``short_pages`` (pages with fewer items than asked before the end: a server that
    cuts pages below the size asked)."""

    def __init__(self) -> None:
        self.first_total: int | None = None
        self.last_total: int | None = None
        self.received = 0
        self.pages = 0
        self.short_pages = 0


def parse(body: bytes) -> tuple[dict[str, str], list[dict[str, str]]]:
    """:func:`~.track_rows.parse_listing`, raising :class:`PlexRequestFailed` for a body
    that is not XML."""
    try:
        return parse_listing(body)
    except ListingError:
        raise PlexRequestFailed(None, "list the music library (the answer was not Plex XML)") from None


def listing_key(section: SectionInfo, sort: str = "id:asc", *, mtype: int = TYPE_TRACK, **filters: Any) -> str:
    """``/library/sections/{key}/all?type=10&sort=…`` plus ``filters`` as query parameters
    (``mtype`` 8 lists album artists, 9 albums)."""
    # sort=id (the ratingKey; plexapi FilteringType._manualSorts lists it) is unique, so no
    # two tracks can swap places between two page requests (sort=addedAt could: tracks added
    # in the same second have no defined order), and PMS numbers new items upwards, so
    # tracks added during a sync land after the last page instead of shifting the pages.
    args = {"type": mtype, "sort": sort, **filters}
    return f"/library/sections/{section.key}/all?{urlencode(args)}"


def raw_pages(
    gateway: PlexGateway, key: str, page_size: int, what: str, stats: PageStats | None = None,
    item: bytes = b"<Track ",
) -> Iterator[tuple[int, bytes]]:
    """Yield ``(total, body)`` for each page of track listing ``key``, fetching the next
    page in a background thread while the caller processes this one (network wait and
    server time overlap with parsing and database writes; the session is only used by
    that thread meanwhile).

    Paging as PMS wants it: both paging headers on every request, at most
    :data:`MAX_PAGE_SIZE` items asked, the next page starts after the items actually
    received (a server that serves fewer than asked loses nothing), and the listing ends
    at ``totalSize`` or at the first empty page. ``stats`` (optional) collects what was
    seen, for the caller's completeness checks. ``item`` is how an item element starts
    (``b"<Directory "`` for artist and album listings).
    """
    size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    seen = stats if stats is not None else PageStats()
    fetch = lambda start: gateway.get_fast(key, headers=page_headers(start, size), what=what)  # noqa: E731
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="plex-page") as pool:
        future = pool.submit(fetch, 0)
        start = 0
        try:
            while True:
                body = future.result()
                count = body.count(item)
                head = _CONTAINER_TOTAL.search(body[:2000])
                reported = int(head.group(1)) if head else None
                if seen.first_total is None:
                    seen.first_total = reported
                seen.last_total = reported
                seen.pages += 1
                seen.received += count
                # Without totalSize, a page shorter than asked is taken as the last one.
                total = reported if reported is not None else (start + count + (size if count >= size else 0))
                start += count
                more = count > 0 and start < total
                if more and count < size:
                    seen.short_pages += 1
                if more:
                    future = pool.submit(fetch, start)
                yield total, body
                if not more:
                    return
        finally:
            future.cancel()


def pages(
    gateway: PlexGateway, key: str, page_size: int, what: str, stats: PageStats | None = None
) -> Iterator[tuple[int, list[dict[str, str]]]]:
    """Yield ``(total, tracks)`` (``<Track>`` attribute dicts) for each page of listing
    ``key`` (see :func:`raw_pages`)."""
    for total, body in raw_pages(gateway, key, page_size, what, stats):
        yield total, parse(body)[1]


def fetch_all(
    gateway: PlexGateway, key: str, page_size: int, what: str, stats: PageStats | None = None
) -> list[dict[str, str]]:
    """Every ``<Track>`` attribute dict of listing ``key``, all pages."""
    return [track for _, tracks in pages(gateway, key, page_size, what, stats) for track in tracks]


def id_filters(lo: int | None, hi: int | None) -> dict[str, int]:
    """Listing filters selecting ``lo <= ratingKey < hi`` (None: unbounded)."""
    # ">>"/"<<" are strict (PMS "is greater/less than"), so [lo, hi) is id > lo-1, id < hi.
    out = {}
    if lo is not None:
        out["id>>"] = lo - 1
    if hi is not None:
        out["id<<"] = hi
    return out


class RangeListingError(PlexRequestFailed):
    """A ratingKey-range listing returned keys outside the range asked (the server ignored
    the ``id`` filters) or not as many keys as its count said."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(None, f"list the music library's tracks consistently ({detail})")


def count_range(
    gateway: PlexGateway, section: SectionInfo, lo: int | None, hi: int | None, **filters: Any
) -> int:
    """Tracks of the section with ``lo <= ratingKey < hi`` (None: unbounded) and
    ``filters``, from one ``X-Plex-Container-Size=0`` request.

    Raises :class:`PlexRequestFailed` when the answer has no ``totalSize``."""
    key = listing_key(section, **id_filters(lo, hi), **filters)
    body = gateway.get_fast(key, headers=page_headers(0, 0), what="count the music library's tracks")
    head = _CONTAINER_TOTAL.search(body[:2000])
    if head is None:  # (container_total would read a missing and a zero totalSize alike)
        raise PlexRequestFailed(None, "count the music library's tracks (no totalSize in the answer)")
    return int(head.group(1))


def range_keys(
    gateway: PlexGateway,
    section: SectionInfo,
    lo: int | None,
    hi: int | None,
    *,
    page_size: int = MAX_PAGE_SIZE,
    excludes: dict[str, str] | None = None,
) -> set[int]:
    """ratingKeys of the section's tracks with ``lo <= ratingKey < hi``, paged; only
    ``ratingKey`` is read, with a regular expression rather than a parse.

    ``excludes`` defaults to :data:`KEYS_ONLY` (``{}`` when the server mishandles
    excludeFields). Raises :class:`RangeListingError` when a key outside the range comes
    back (the server ignored the ``id`` filters: PMS answers 200 to filters it does not
    know and drops them, see the issue "Plex: safe on a real server")."""
    key = listing_key(section, sort="id:asc", **id_filters(lo, hi), **(KEYS_ONLY if excludes is None else excludes))
    keys: set[int] = set()
    for _, body in raw_pages(gateway, key, page_size, "list the music library's tracks"):
        keys.update(int(k) for k in _TRACK_KEY.findall(body))
    if keys and ((lo is not None and min(keys) < lo) or (hi is not None and max(keys) >= hi)):
        raise RangeListingError(f"keys outside [{lo}, {hi}) came back")
    return keys


def lookup_tracks(gateway: PlexGateway, section: SectionInfo, keys: list[int]) -> list[tuple[Any, ...]]:
    """Index rows of the tracks ``keys`` of ``section`` (``/library/metadata/{k1,k2,…}``,
    :data:`_LOOKUP_CHUNK` keys a request, with the paging headers PMS wants on listings);
    keys that no longer exist are skipped."""
    rows: list[tuple[Any, ...]] = []
    for i in range(0, len(keys), _LOOKUP_CHUNK):
        part = keys[i : i + _LOOKUP_CHUNK]
        chunk = ",".join(str(k) for k in part)
        try:
            body = gateway.get_fast(
                f"/library/metadata/{chunk}", headers=page_headers(0, len(part)), what="read tracks from Plex"
            )
        except PlexNotFound:  # PMS answers 404 when none of the keys exists (removed meanwhile)
            continue
        # /library/metadata items carry librarySectionID on each element (README caveat 3).
        tracks = [t for t in parse(body)[1] if t.get("librarySectionID", str(section.key)) == str(section.key)]
        rows.extend(rows_from_tracks(tracks, section.key))
    return rows
