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

# Pages of ratingKey-only listings (removal check): ~35 bytes a track when PMS honours
# excludeFields, so 20,000 keys stay under 1 MB a page.
KEY_LIST_PAGE_SIZE = 20_000
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
    sends them); ``size`` 0 asks for the count alone (``totalSize``)."""
    return {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(size)}


def parse(body: bytes) -> tuple[dict[str, str], list[dict[str, str]]]:
    """:func:`~.track_rows.parse_listing`, raising :class:`PlexRequestFailed` for a body
    that is not XML."""
    try:
        return parse_listing(body)
    except ListingError:
        raise PlexRequestFailed(None, "list the music library (the answer was not Plex XML)") from None


def listing_key(section: SectionInfo, sort: str = "addedAt:asc", **filters: Any) -> str:
    """``/library/sections/{key}/all?type=10&sort=…`` plus ``filters`` as query parameters."""
    # sort=addedAt (a sort PMS offers for tracks, see <Sort key="addedAt"> in includeMeta
    # answers) keeps paging stable while the library changes: tracks added during a sync
    # land after the last page instead of shifting every page after them. Key listings sort
    # by id (ratingKey; plexapi FilteringType._manualSorts lists it), which new tracks also
    # extend at the end and which PMS reads straight off its primary key.
    args = {"type": TYPE_TRACK, "sort": sort, **filters}
    return f"/library/sections/{section.key}/all?{urlencode(args)}"


def raw_pages(gateway: PlexGateway, key: str, page_size: int, what: str) -> Iterator[tuple[int, bytes]]:
    """Yield ``(total, body)`` for each page of track listing ``key``, fetching the next
    page in a background thread while the caller processes this one (network wait and
    server time overlap with parsing and database writes; the session is only used by
    that thread meanwhile)."""
    fetch = lambda start: gateway.get_fast(key, headers=page_headers(start, page_size), what=what)  # noqa: E731
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="plex-page") as pool:
        future = pool.submit(fetch, 0)
        start = 0
        try:
            while True:
                body = future.result()
                count = body.count(b"<Track ")
                head = _CONTAINER_TOTAL.search(body[:2000])
                total = int(head.group(1)) if head else start + count
                start += page_size
                more = count > 0 and start < total
                if more:
                    future = pool.submit(fetch, start)
                yield total, body
                if not more:
                    return
        finally:
            future.cancel()


def pages(gateway: PlexGateway, key: str, page_size: int, what: str) -> Iterator[tuple[int, list[dict[str, str]]]]:
    """Yield ``(total, tracks)`` (``<Track>`` attribute dicts) for each page of listing
    ``key`` (see :func:`raw_pages`)."""
    for total, body in raw_pages(gateway, key, page_size, what):
        yield total, parse(body)[1]


def fetch_all(gateway: PlexGateway, key: str, page_size: int, what: str) -> list[dict[str, str]]:
    """Every ``<Track>`` attribute dict of listing ``key``, all pages."""
    return [track for _, tracks in pages(gateway, key, page_size, what) for track in tracks]


def id_filters(lo: int | None, hi: int | None) -> dict[str, int]:
    """Listing filters selecting ``lo <= ratingKey < hi`` (None: unbounded)."""
    # ">>"/"<<" are strict (PMS "is greater/less than"), so [lo, hi) is id > lo-1, id < hi.
    out = {}
    if lo is not None:
        out["id>>"] = lo - 1
    if hi is not None:
        out["id<<"] = hi
    return out


def count_range(gateway: PlexGateway, section: SectionInfo, lo: int | None, hi: int | None) -> int:
    """Tracks of the section with ``lo <= ratingKey < hi`` (None: unbounded), from one
    ``X-Plex-Container-Size=0`` request."""
    key = listing_key(section, **id_filters(lo, hi))
    body = gateway.get_fast(key, headers=page_headers(0, 0), what="count the music library's tracks")
    head = _CONTAINER_TOTAL.search(body[:2000])
    if head is None:  # (container_total would read a missing and a zero totalSize alike)
        raise PlexRequestFailed(None, "count the music library's tracks (no totalSize in the answer)")
    return int(head.group(1))


def range_keys(gateway: PlexGateway, section: SectionInfo, lo: int | None, hi: int | None) -> set[int]:
    """ratingKeys of the section's tracks with ``lo <= ratingKey < hi``, paged; only
    ``ratingKey`` is read, with a regular expression rather than a parse."""
    key = listing_key(section, sort="id:asc", **id_filters(lo, hi), **KEYS_ONLY)
    keys: set[int] = set()
    for _, body in raw_pages(gateway, key, KEY_LIST_PAGE_SIZE, "list the music library's tracks"):
        keys.update(int(k) for k in _TRACK_KEY.findall(body))
    return keys


def lookup_tracks(gateway: PlexGateway, section: SectionInfo, keys: list[int]) -> list[tuple[Any, ...]]:
    """Index rows of the tracks ``keys`` of ``section`` (``/library/metadata/{k1,k2,…}``,
    :data:`_LOOKUP_CHUNK` keys a request); keys that no longer exist are skipped."""
    rows: list[tuple[Any, ...]] = []
    for i in range(0, len(keys), _LOOKUP_CHUNK):
        chunk = ",".join(str(k) for k in keys[i : i + _LOOKUP_CHUNK])
        try:
            body = gateway.get_fast(f"/library/metadata/{chunk}", what="read tracks from Plex")
        except PlexNotFound:  # PMS answers 404 when none of the keys exists (removed meanwhile)
            continue
        # /library/metadata items carry librarySectionID on each element (README caveat 3).
        tracks = [t for t in parse(body)[1] if t.get("librarySectionID", str(section.key)) == str(section.key)]
        rows.extend(rows_from_tracks(tracks, section.key))
    return rows
