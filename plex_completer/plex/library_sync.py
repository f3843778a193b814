"""Keep the library index (``library_tracks``) in step with the Plex music section.

Full sync: page through ``/library/sections/{key}/all?type=10`` (``X-Plex-Container-Start``
/ ``-Size``, :data:`PAGE_SIZE` tracks a page), read each ``<Track>``'s attributes straight
from the XML (no plexapi objects, so no per-track reloads), stage the rows, swap them in
at the end (:mod:`.index_store`). The first sync of a section is always full.

Incremental sync: the tracks with ``updatedAt`` after the cursor stored in
``LibrarySyncState`` (minus :data:`OVERLAP_S`), then a removal check: one
``X-Plex-Container-Size=0`` request gives the section's ``totalSize``; only when it differs
from what the index will hold is the ratingKey list fetched and compared (tracks gone are
deleted, tracks the date filters missed are fetched by key). Measured in
``bench/library_sync.py`` (200k tracks, emulator): an incremental sync with 1 % added or
changed tracks takes ~5 % of a full sync's time with 4 requests; the ratingKey listing
costs ~45 % of a full sync (the server still renders every track), so it is made only when
the counts disagree.

Both kinds bump ``LibrarySyncState.index_version`` on success so in-memory matchers
rebuild; a failure leaves the previous index untouched.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..jobs import UserFacingError, job_kind
from ..models import LibrarySyncState, utcnow
from . import index_store
from .errors import PlexRequestFailed
from .gateway import TYPE_TRACK, PlexGateway, PlexNotFound, SectionInfo
from .track_rows import ADDED_AT, UPDATED_AT, ListingError, container_total, parse_listing, rows_from_tracks

log = logging.getLogger(__name__)

# Tracks per listing request. plexapi's default is 100 (X_PLEX_CONTAINER_SIZE). Measured
# against the emulator on the ~56k-track library: pages of 500 / 1,000 / 2,000 synced
# ~20k / ~22k / ~24k tracks/s (fewer round trips); a page stays ~2 MB of XML, parsed and
# stored before the one after the next is fetched.
PAGE_SIZE = 2000
# Pages of the changed-tracks listing and of the ratingKey listing (removal check): the
# first is small (1 % of a 200k library fits in one page, so the server filters the
# section once, not once per page), the second keeps only keys, so larger pages cost
# little memory and save round trips.
KEY_PAGE_SIZE = 5000
# Seconds subtracted from the incremental cursor: Plex timestamps are whole seconds, a
# track updated in the same second as the last one seen (or committed just after our
# read) would be missed with the strict ">>" operator; one minute also absorbs small
# clock corrections on the server. Tracks fetched again are compared and not counted.
OVERLAP_S = 60
# /library/metadata/{k1,k2,...} lookups per request (keeps the request line short).
_LOOKUP_CHUNK = 200

Progress = Callable[[int, int, str], None]
# ratingKey of each <Track> (the attribute need not come first) and the container's totalSize.
_TRACK_KEY = re.compile(rb'<Track\b[^>]*?\sratingKey="(\d+)"')
_CONTAINER_TOTAL = re.compile(rb'<MediaContainer\b[^>]*?\stotalSize="(\d+)"')
# Parameters plexapi itself sends to PMS to leave out what it does not need (base.py
# PlexPartialObject._EXCLUDES): the index reads only <Track> attributes, never the nested
# Media/Part elements or the summary. A server that ignores them sends full rows.
_SLIM = {"excludeElements": "Media,Genre,Mood,Guid", "excludeFields": "summary"}
_sync_lock = threading.Lock()


@dataclass
class SyncResult:
    """Figures of one sync: tracks ``added``/``updated``/``removed``, ``total`` tracks in
    the index afterwards, ``seconds`` wall time, ``full`` (True for a full sync),
    ``requests`` HTTP requests made to Plex."""

    added: int
    updated: int
    removed: int
    total: int
    seconds: float
    full: bool
    requests: int

    def summary(self) -> str:
        """One line such as ``Library sync: +42 tracks, 3 updated, 1 removed in 4.1 s``."""
        kind = "Full library sync" if self.full else "Library sync"
        return (
            f"{kind}: +{self.added} tracks, {self.updated} updated, {self.removed} removed "
            f"in {self.seconds:.1f} s ({self.total} tracks indexed)"
        )

    def as_dict(self) -> dict[str, Any]:
        """The figures as a JSON-friendly dict."""
        return asdict(self)


def _page_headers(start: int, size: int) -> dict[str, str]:
    return {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(size)}


def _parse(body: bytes) -> tuple[dict[str, str], list[dict[str, str]]]:
    try:
        return parse_listing(body)
    except ListingError:
        raise PlexRequestFailed(None, "list the music library (the answer was not Plex XML)") from None


def _listing_key(section: SectionInfo, **filters: Any) -> str:
    # sort=addedAt (a sort PMS offers for tracks, see <Sort key="addedAt"> in includeMeta
    # answers) keeps paging stable while the library changes: tracks added during a sync
    # land after the last page instead of shifting every page after them.
    args = {"type": TYPE_TRACK, "sort": "addedAt:asc", **filters}
    return f"/library/sections/{section.key}/all?{urlencode(args)}"


def _pages(gateway: PlexGateway, key: str, page_size: int, what: str) -> Iterator[tuple[int, list[dict[str, str]]]]:
    """Yield ``(total, tracks)`` (``<Track>`` attribute dicts) for each page of listing
    ``key``, fetching the next page in a
    background thread while the caller processes this one (network wait and server time
    overlap with parsing and database writes; the session is only used by that thread
    meanwhile)."""
    fetch = lambda start: gateway.get_fast(key, headers=_page_headers(start, page_size), what=what)  # noqa: E731
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="plex-page") as pool:
        future = pool.submit(fetch, 0)
        start = 0
        try:
            while True:
                container, tracks = _parse(future.result())
                total = container_total(container, start + len(tracks))
                start += page_size
                more = bool(tracks) and start < total
                if more:
                    future = pool.submit(fetch, start)
                yield total, tracks
                if not more:
                    return
        finally:
            future.cancel()


def sync_library(
    settings: Any,
    full: bool = False,
    progress: Progress | None = None,
    *,
    page_size: int = PAGE_SIZE,
) -> SyncResult:
    """Sync the index with the music section of ``settings`` (needs an app context).

    ``full`` forces a full sync (it is also done when the section was never synced or
    the music section changed). ``progress(done, total, step)`` is called after each
    page (tracks) or stage. Raises :class:`~plex_completer.plex.errors.PlexError` for
    Plex problems (the index is then unchanged) and :class:`UserFacingError` when
    another sync is running in this process.
    """
    if not _sync_lock.acquire(blocking=False):
        raise UserFacingError("A library sync is already running; wait for it to finish.")
    try:
        started = time.monotonic()
        report = progress or (lambda done, total, step: None)
        report(0, 0, "Connecting to Plex")
        with PlexGateway.connect(settings) as gateway, db.engine.connect() as conn:
            section = gateway.music_section(settings.PLEX_MUSIC_SECTION)
            state = index_store.read_state(conn, section.key)
            if not full and (
                state is None
                or state.get("last_full_sync_at") is None
                or index_store.other_sections_present(conn, section.key)
            ):
                full = True
            if full:
                added, updated, removed, total = _full_sync(conn, gateway, section, page_size, report, started)
            else:
                added, updated, removed, total = _incremental_sync(conn, gateway, section, state, report, started)
        db.session.expire_all()
        result = SyncResult(
            added=added,
            updated=updated,
            removed=removed,
            total=total,
            seconds=round(time.monotonic() - started, 3),
            full=full,
            requests=gateway.requests,
        )
        log.info("%s (section %s %r, %d requests)", result.summary(), section.key, section.title, result.requests)
        return result
    finally:
        _sync_lock.release()


def _figures(kind: str, started: float, added: int, updated: int, removed: int, requests: int) -> dict[str, Any]:
    return {
        "kind": kind,
        "added": added,
        "updated": updated,
        "removed": removed,
        "seconds": round(time.monotonic() - started, 3),
        "requests": requests,
    }


def _full_sync(
    conn: Any, gateway: PlexGateway, section: SectionInfo, page_size: int, report: Progress, started: float
) -> tuple[int, int, int, int]:
    synced_at = utcnow()
    staging = index_store.StagingTable(conn)
    try:
        total, done = 0, 0
        max_added = max_updated = 0
        report(0, 0, "Reading tracks from Plex")
        key = _listing_key(section, **_SLIM)
        for total, tracks in _pages(gateway, key, page_size, "list the music library's tracks"):
            rows = rows_from_tracks(tracks, section.key)
            staging.add(rows, synced_at)
            max_added = max([max_added, *(r[ADDED_AT] or 0 for r in rows)])
            max_updated = max([max_updated, *(r[UPDATED_AT] or 0 for r in rows)])
            done += page_size
            report(min(done, total), total, "Reading tracks from Plex")
        report(total, total, "Saving the library index")
        state = {
            "section_title": section.title,
            "section_uuid": section.uuid,
            "last_full_sync_at": utcnow(),
            "max_added_at": max_added or None,
            "max_updated_at": max_updated or None,
        }
        added, updated, removed = staging.swap_in(
            section.key,
            {**state, "last_sync_figures": None},
        )
        figures = _figures("full", started, added, updated, removed, gateway.requests)
        conn.execute(
            index_store.STATE.update().where(index_store.STATE.c.section_id == section.key).values(last_sync_figures=figures)
        )
        conn.commit()
        return added, updated, removed, staging.count
    finally:
        staging.drop()


def _fetch_all(gateway: PlexGateway, key: str, page_size: int, what: str) -> list[dict[str, str]]:
    return [track for _, tracks in _pages(gateway, key, page_size, what) for track in tracks]


def _incremental_sync(
    conn: Any, gateway: PlexGateway, section: SectionInfo, state: dict[str, Any], report: Progress, started: float
) -> tuple[int, int, int, int]:
    synced_at = utcnow()
    steps = 3
    report(0, steps, "Fetching tracks added or changed in Plex")
    # One filter, on updatedAt: PMS stamps updatedAt when it adds an item and on every
    # change, so it is never older than addedAt, and it also catches tracks whose addedAt
    # was back-dated (an edited or preserved "date added"). Anything it could still miss
    # shows up in the count check below and is fetched by ratingKey.
    cursor = max((state.get("max_updated_at") or 0) - OVERLAP_S, 0)
    key = _listing_key(section, **{"updatedAt>>": cursor})
    rows: dict[int, tuple[Any, ...]] = {}
    for row in rows_from_tracks(_fetch_all(gateway, key, KEY_PAGE_SIZE, "list the tracks changed in Plex"), section.key):
        rows[row[0]] = row

    report(1, steps, "Checking for removed tracks")
    indexed = index_store.index_count(conn, section.key)
    known = index_store.existing_keys(conn, list(rows))
    expected = indexed + sum(1 for k in rows if k not in known)
    probe = gateway.get_fast(_listing_key(section), headers=_page_headers(0, 0), what="count the music library's tracks")
    server_total = container_total(_parse(probe)[0], -1)
    removed_keys: set[int] = set()
    if server_total != expected:
        log.info("Library count differs (Plex %d, index %d): comparing ratingKeys", server_total, expected)
        server_keys = _all_rating_keys(gateway, section)
        local_keys = index_store.indexed_keys(conn, section.key)
        removed_keys = local_keys - server_keys
        missing = sorted(server_keys - local_keys - set(rows))
        for row in _lookup_tracks(gateway, section, missing):
            rows[row[0]] = row

    report(2, steps, "Saving the library index")
    max_added = max([state.get("max_added_at") or 0, *(r[ADDED_AT] or 0 for r in rows.values())])
    max_updated = max([state.get("max_updated_at") or 0, *(r[UPDATED_AT] or 0 for r in rows.values())])
    new_state = {
        "section_title": section.title,
        "section_uuid": section.uuid,
        "last_incremental_sync_at": utcnow(),
        "max_added_at": max_added or None,
        "max_updated_at": max_updated or None,
        "last_sync_figures": None,
    }
    added, updated, removed = index_store.apply_changes(
        conn, section.key, list(rows.values()), removed_keys, new_state, synced_at
    )
    figures = _figures("incremental", started, added, updated, removed, gateway.requests)
    conn.execute(
        index_store.STATE.update().where(index_store.STATE.c.section_id == section.key).values(last_sync_figures=figures)
    )
    conn.commit()
    report(steps, steps, "Done")
    return added, updated, removed, index_store.index_count(conn, section.key)


def _all_rating_keys(gateway: PlexGateway, section: SectionInfo) -> set[int]:
    # Only ratingKey is read from these rows, with a regular expression rather than a parse.
    key = _listing_key(section, **_SLIM)
    keys: set[int] = set()
    what = "list the music library's tracks"
    start = 0
    while True:
        body = gateway.get_fast(key, headers=_page_headers(start, KEY_PAGE_SIZE), what=what)
        page = [int(k) for k in _TRACK_KEY.findall(body)]
        keys.update(page)
        head = _CONTAINER_TOTAL.search(body[:2000])
        total = int(head.group(1)) if head else start + len(page)
        start += KEY_PAGE_SIZE
        if not page or start >= total:
            return keys


def _lookup_tracks(gateway: PlexGateway, section: SectionInfo, keys: list[int]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for i in range(0, len(keys), _LOOKUP_CHUNK):
        chunk = ",".join(str(k) for k in keys[i : i + _LOOKUP_CHUNK])
        try:
            body = gateway.get_fast(f"/library/metadata/{chunk}", what="read tracks from Plex")
        except PlexNotFound:  # PMS answers 404 when none of the keys exists (removed meanwhile)
            continue
        # /library/metadata items carry librarySectionID on each element (README caveat 3).
        tracks = [t for t in _parse(body)[1] if t.get("librarySectionID", str(section.key)) == str(section.key)]
        rows.extend(rows_from_tracks(tracks, section.key))
    return rows


def index_version() -> int:
    """The highest ``LibrarySyncState.index_version`` (0 before the first sync); matchers
    cache their in-memory index under this number and rebuild when it changes."""
    return int(db.session.scalar(sa.select(sa.func.max(LibrarySyncState.index_version))) or 0)


@job_kind("library_sync")
def library_sync_job(ctx: Any, full: bool = False) -> dict[str, Any]:
    """Job ``library_sync`` (params ``{"full": bool}``): run :func:`sync_library` with the
    job's progress reporting; the job message is :meth:`SyncResult.summary`."""
    settings = current_app.config["SETTINGS"]
    result = sync_library(settings, full=bool(full), progress=lambda done, total, step: ctx.progress(done, total, step))
    return {"message": result.summary(), **result.as_dict()}
