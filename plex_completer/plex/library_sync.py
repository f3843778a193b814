"""Keep the library index (``library_tracks``) in step with the Plex music section.

Full sync: page through ``/library/sections/{key}/all?type=10`` (``X-Plex-Container-Start``
/ ``-Size``, :data:`PAGE_SIZE` tracks a page, nested elements and unused attributes
excluded, see :mod:`.listings`), read each ``<Track>``'s attributes straight from the XML
(no plexapi objects, so no per-track reloads), stage the rows, swap them in at the end
(:mod:`.index_store`). The first sync of a section is always full.

Incremental sync:

1. the tracks with ``updatedAt`` after the cursor stored in ``LibrarySyncState`` (minus
   :data:`OVERLAP_S`), one slim listing;
2. the section's ``totalSize`` from one ``X-Plex-Container-Size=0`` request;
3. the removal check, only when that total differs from what the index will hold, or
   when the section's ``contentChangedAt`` (sent with ``/library/sections``, kept in
   ``last_sync_figures``) moved, since a removal and an addition the date filter missed
   cancel out in the total: ratingKey ranges are counted on both sides and only the
   ranges that disagree are listed, ratingKeys only (:mod:`.key_ranges`). Tracks gone are
   deleted; tracks the date filter missed are fetched by ratingKey. When the totals agree
   the check is :data:`~.key_ranges.CHECK_FANOUT` count requests.

Why ratingKey ranges and what each kind of sync costs: ``docs/library-sync.md``.

Both kinds bump ``LibrarySyncState.index_version`` on success so in-memory matchers
rebuild; a failure leaves the previous index untouched.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from ..errors import UserFacingError
from ..extensions import db
from ..models import LibrarySyncState, utcnow
from . import index_store, key_ranges, listings
from .gateway import PlexGateway, SectionInfo
from .track_rows import ADDED_AT, UPDATED_AT, rows_from_tracks

log = logging.getLogger(__name__)

# Tracks per listing request. plexapi's default is 100 (X_PLEX_CONTAINER_SIZE). Measured
# against the emulator on the ~56k-track library: pages of 500 / 1,000 / 2,000 synced
# ~20k / ~22k / ~24k tracks/s (fewer round trips); a page stays ~2 MB of XML, parsed and
# stored before the one after the next is fetched.
PAGE_SIZE = 2000
# Pages of the changed-tracks listing: 1 % of a 200k library fits in one page, so the
# server filters the section once, not once per page.
KEY_PAGE_SIZE = 5000
# Seconds subtracted from the incremental cursor: Plex timestamps are whole seconds, a
# track updated in the same second as the last one seen (or committed just after our
# read) would be missed with the strict ">>" operator; one minute also absorbs small
# clock corrections on the server. Tracks fetched again are compared and not counted.
OVERLAP_S = 60
# Count probes of one level of the removal check sent at once: their round trips overlap
# (PMS serves requests concurrently); a few suffice, the requests are tiny.
_PROBE_WORKERS = 4

Progress = Callable[[int, int, str], None]
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


def sync_library(
    settings: Any,
    full: bool = False,
    progress: Progress | None = None,
    *,
    page_size: int = PAGE_SIZE,
    range_leaf: int = key_ranges.LEAF,
) -> SyncResult:
    """Sync the index with the music section of ``settings`` (needs an app context).

    ``full`` forces a full sync (it is also done when the section was never synced or
    the music section changed). ``progress(done, total, step)`` is called after each
    page (tracks) or stage. ``page_size`` is tracks per listing page of a full sync;
    ``range_leaf`` the largest ratingKey range an incremental sync lists when looking for
    removed tracks (:mod:`.key_ranges`). Raises :class:`~plex_completer.plex.errors.PlexError` for
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
                added, updated, removed, total = _incremental_sync(
                    conn, gateway, section, state, report, started, range_leaf
                )
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


def _figures(
    kind: str, started: float, added: int, updated: int, removed: int, requests: int, section: SectionInfo
) -> dict[str, Any]:
    # content_changed_at: the section's contentChangedAt seen by this sync, compared by the
    # next incremental sync (kept here rather than in a column of its own).
    return {
        "kind": kind,
        "added": added,
        "updated": updated,
        "removed": removed,
        "seconds": round(time.monotonic() - started, 3),
        "requests": requests,
        "content_changed_at": section.content_changed_at,
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
        key = listings.listing_key(section, **listings.SLIM)
        for total, tracks in listings.pages(gateway, key, page_size, "list the music library's tracks"):
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
        figures = _figures("full", started, added, updated, removed, gateway.requests, section)
        conn.execute(
            index_store.STATE.update().where(index_store.STATE.c.section_id == section.key).values(last_sync_figures=figures)
        )
        conn.commit()
        return added, updated, removed, staging.count
    finally:
        staging.drop()


def _incremental_sync(
    conn: Any,
    gateway: PlexGateway,
    section: SectionInfo,
    state: dict[str, Any],
    report: Progress,
    started: float,
    range_leaf: int,
) -> tuple[int, int, int, int]:
    synced_at = utcnow()
    steps = 3
    report(0, steps, "Fetching tracks added or changed in Plex")
    # One filter, on updatedAt: PMS stamps updatedAt when it adds an item and on every
    # change, so it is never older than addedAt, and it also catches tracks whose addedAt
    # was back-dated (an edited or preserved "date added"). Anything it could still miss
    # shows up in the count check below and is fetched by ratingKey.
    cursor = max((state.get("max_updated_at") or 0) - OVERLAP_S, 0)
    key = listings.listing_key(section, **{"updatedAt>>": cursor}, **listings.SLIM)
    rows: dict[int, tuple[Any, ...]] = {}
    for row in rows_from_tracks(listings.fetch_all(gateway, key, KEY_PAGE_SIZE, "list the tracks changed in Plex"), section.key):
        rows[row[0]] = row

    report(1, steps, "Checking for removed tracks")
    indexed = index_store.index_count(conn, section.key)
    new_keys = set(rows) - index_store.existing_keys(conn, list(rows))
    server_total = listings.count_range(gateway, section, None, None)
    previous = (state.get("last_sync_figures") or {}).get("content_changed_at")
    # contentChangedAt moved (or is unknown): removals may hide behind additions the
    # updatedAt filter missed, so the first level of ranges is probed even when the
    # totals agree (FANOUT small requests).
    content_changed = section.content_changed_at is None or section.content_changed_at != previous
    removed_keys: set[int] = set()
    check: key_ranges.Reconciled | None = None
    if server_total != indexed + len(new_keys) or content_changed:
        local = index_store.IndexKeys(conn, section.key, extra=new_keys)
        with ThreadPoolExecutor(max_workers=_PROBE_WORKERS, thread_name_prefix="plex-probe") as pool:
            check = key_ranges.reconcile(
                local,
                server_total,
                lambda lo, hi: listings.count_range(gateway, section, lo, hi),
                lambda lo, hi: listings.range_keys(gateway, section, lo, hi),
                leaf=range_leaf,
                check_equal=content_changed,
                count_many=lambda ranges: pool.map(lambda r: listings.count_range(gateway, section, *r), ranges),
            )
        if check.removed or check.missing:
            log.info(
                "Library counts differ (Plex %d, index %d): %d removed, %d not indexed; %d probes, %d keys listed",
                server_total, indexed + len(new_keys), len(check.removed), len(check.missing),
                check.probes, check.listed_keys,
            )
        removed_keys = check.removed
        for k in removed_keys:  # removed while this sync ran
            rows.pop(k, None)
        for row in listings.lookup_tracks(gateway, section, sorted(check.missing - set(rows))):
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
    added, updated, removed, total = index_store.apply_changes(
        conn, section.key, list(rows.values()), removed_keys, new_state, synced_at
    )
    figures = _figures("incremental", started, added, updated, removed, gateway.requests, section)
    if check is not None:
        figures.update(range_probes=check.probes, keys_listed=check.listed_keys)
    conn.execute(
        index_store.STATE.update().where(index_store.STATE.c.section_id == section.key).values(last_sync_figures=figures)
    )
    conn.commit()
    report(steps, steps, "Done")
    return added, updated, removed, total


def index_version() -> int:
    """The highest ``LibrarySyncState.index_version`` (0 before the first sync); matchers
    cache their in-memory index under this number and rebuild when it changes."""
    return int(db.session.scalar(sa.select(sa.func.max(LibrarySyncState.index_version))) or 0)
