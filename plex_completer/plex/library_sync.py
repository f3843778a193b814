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

Safety on a real server (issue "Plex: safe on a real server"): every listing pages as PMS
wants it (:func:`.listings.raw_pages`); what the server honours is probed first and
missing capabilities fall back (:mod:`.capabilities`); and nothing destructive happens
unless the answers add up (:class:`~.errors.PlexAnswerRejected` otherwise, the old index
stays):

- a full sync swaps in its staging table only when every listed track carries the
  :data:`~.track_rows.REQUIRED` attributes and the distinct tracks staged equal a fresh
  plain count of the section (within the tracks added or removed while it ran, which
  the difference between the first page's ``totalSize`` and that count explains), and,
  when it would drop more than :data:`SHRINK_SHARE` of the index, exactly;
- an incremental sync removes tracks only when every ratingKey-range listing returned
  exactly as many keys as its count said, all inside the range, and the index it would
  leave has exactly as many tracks as a fresh plain count;
- the index remembers the server's ``machineIdentifier``; a sync against another server
  raises :class:`~.errors.PlexServerChanged` until the user confirms the new server
  (``confirm_server=True``).
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

from ..config import Settings
from ..errors import UserFacingError
from ..extensions import db
from ..models import LibrarySyncState, utcnow
from . import capabilities, index_store, key_ranges, listings, tag_store, tag_sync
from .capabilities import Capabilities
from .errors import PlexAnswerRejected, PlexError, PlexServerChanged
from .gateway import PlexGateway, SectionInfo
from .track_rows import ADDED_AT, UPDATED_AT, ListingError, incomplete, rows_from_tracks

log = logging.getLogger(__name__)

# Tracks per listing request: PMS's cap of 1,000 (see listings.MAX_PAGE_SIZE), lowered by
# PLEX_PAGE_SIZE or by a server that serves fewer (capabilities.page_size). plexapi's
# default is 100 (X_PLEX_CONTAINER_SIZE). A page is ~1 MB of XML.
PAGE_SIZE = listings.MAX_PAGE_SIZE
# A sync that would drop more than this share of the index is double-checked: the tracks
# it keeps must equal a fresh plain count exactly (not just within the churn).
SHRINK_SHARE = 0.02
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
    # Why a quick sync was asked for but a full one ran ("" when it ran as asked).
    full_because: str = ""
    # Artists and albums whose genres, styles and moods were read (issue 18), and why
    # they were not ("" when they were: the previous tags stay after a failed read).
    tag_items: int = 0
    tags_note: str = ""
    # Seconds spent reading and storing those tags (included in ``seconds``).
    tags_seconds: float = 0.0

    def summary(self) -> str:
        """One line such as ``Library sync: +42 tracks, 3 updated, 1 removed in 4.1 s
        (56,166 tracks indexed)``; a quick sync that had to read everything says why."""
        kind = "Full library sync" if self.full else "Library sync"
        line = (
            f"{kind}: +{self.added:,} tracks, {self.updated:,} updated, {self.removed:,} removed "
            f"in {self.seconds:.1f} s ({self.total:,} tracks indexed)"
        )
        if self.full_because:
            line = f"{line}. A full sync ran because {self.full_because}."
        if self.tags_note:
            line = f"{line.rstrip('.')}. Genres not updated: {self.tags_note}."
        return line

    def as_dict(self) -> dict[str, Any]:
        """The figures as a JSON-friendly dict."""
        return asdict(self)


def sync_library(
    settings: Settings,
    full: bool = False,
    progress: Progress | None = None,
    *,
    page_size: int | None = None,
    range_leaf: int = key_ranges.LEAF,
    confirm_server: bool = False,
) -> SyncResult:
    """Sync the index with the music section of ``settings`` (needs an app context).

    ``full`` forces a full sync (it is also done when the section was never synced, the
    music section or the server changed, or the server ignores the ``updatedAt`` filter).
    ``progress(done, total, step)`` is called after each page (tracks) or stage.
    ``page_size`` is tracks per listing page (default ``settings.PLEX_PAGE_SIZE``, at most
    1,000); ``range_leaf`` the largest ratingKey range an incremental sync lists when
    looking for removed tracks (:mod:`.key_ranges`). ``confirm_server`` accepts a server
    whose ``machineIdentifier`` differs from the one the index was read from.

    Raises :class:`~plex_completer.plex.errors.PlexServerChanged` for an unconfirmed new
    server, :class:`~plex_completer.plex.errors.PlexAnswerRejected` when an answer fails a
    completeness check, other :class:`~plex_completer.plex.errors.PlexError` for Plex
    problems (the index is then unchanged in every case) and :class:`UserFacingError`
    when another sync is running in this process.
    """
    if not _sync_lock.acquire(blocking=False):
        raise UserFacingError("A library sync is already running; wait for it to finish.")
    try:
        started = time.monotonic()
        report = progress or (lambda done, total, step: None)
        report(0, 0, "Connecting to Plex")
        size = min(page_size or settings.PLEX_PAGE_SIZE, listings.MAX_PAGE_SIZE)
        with PlexGateway.connect(settings) as gateway, db.engine.connect() as conn:
            section = gateway.music_section(settings.PLEX_MUSIC_SECTION)
            server = gateway.machine_identifier
            state = index_store.read_state(conn, section.key)
            known = index_store.index_server(conn)
            asked_full = full
            because = ""
            if known and server and known != server:
                if not confirm_server:
                    raise PlexServerChanged(known, server)
                full, because = True, "the library now comes from another Plex server"
            caps = capabilities.load(server)
            if caps is None or full or state is None:
                report(0, 0, "Checking what the Plex server supports")
                caps = capabilities.probe(gateway, section, size)
                capabilities.save(caps)
            elif caps.tag_updated_filter is None:  # stored before the tags were read
                capabilities.probe_tags(gateway, section, caps)
                capabilities.save(caps)
            size = min(size, caps.page_size)
            if not full:
                because = _why_full(conn, section, state, caps)
                full = bool(because)
            tags = _TagOutcome()
            if full:
                added, updated, removed, total = _full_sync(conn, gateway, section, caps, size, report, started, tags)
            else:
                added, updated, removed, total = _incremental_sync(
                    conn, gateway, section, state, caps, size, report, started, range_leaf, tags
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
            full_because="" if asked_full else because,
            tag_items=tags.items,
            tags_note=tags.note,
            tags_seconds=round(tags.seconds, 3),
        )
        log.info("%s (section %s %r, %d requests)", result.summary(), section.key, section.title, result.requests)
        return result
    finally:
        _sync_lock.release()


@dataclass
class _TagOutcome:
    """What the tag part of a sync did: ``items`` read, ``note`` why not ("" when read),
    ``seconds`` spent reading and storing them."""

    items: int = 0
    note: str = ""
    seconds: float = 0.0


def _read_tags(
    gateway: PlexGateway, section: SectionInfo, caps: Capabilities, page_size: int, cursor: int | None,
    indexed: int, report: Progress, outcome: _TagOutcome,
) -> tag_sync.TagRead | None:
    """The artists' and albums' tags (all of them when ``cursor`` is None or the server
    ignores the updatedAt filter on them, else those updated after ``cursor``), or None
    when the read failed: then ``outcome.note`` says why and the previous tags stay."""
    report(0, 0, "Reading genres from Plex")
    started = time.monotonic()
    try:
        if cursor is None or not caps.tag_updated_filter:
            read = tag_sync.read_all(gateway, section, page_size, slim=caps.exclude_fields, indexed=indexed)
        else:
            read = tag_sync.read_changed(
                gateway, section, page_size, max(cursor - OVERLAP_S, 0), slim=caps.exclude_fields, indexed=indexed
            )
    except PlexAnswerRejected as exc:
        outcome.note = exc.reason
    except (PlexError, ListingError) as exc:
        outcome.note = str(exc)
    else:
        outcome.items = len(read.items)
        return read
    finally:
        outcome.seconds += time.monotonic() - started
    log.warning("Library sync kept the previous genres: %s", outcome.note)
    return None


def _write_tags(read: tag_sync.TagRead | None, outcome: _TagOutcome) -> Callable[[Any], None] | None:
    """The ``before_commit`` step that stores ``read`` (None: nothing to store), timed
    into ``outcome.seconds``."""
    if read is None:
        return None

    def write(conn: Any) -> None:
        started = time.monotonic()
        if read.complete:
            tag_store.replace_all(conn, read.rows)
        else:
            tag_store.replace_items(conn, read.items, read.rows)
        outcome.seconds += time.monotonic() - started

    return write


def _why_full(conn: Any, section: SectionInfo, state: dict[str, Any] | None, caps: Any) -> str:
    """Why a quick sync cannot run ("" when it can): the reason ends the sync's summary."""
    if state is None or state.get("last_full_sync_at") is None:
        return "this is the first sync of the music section"
    if index_store.other_sections_present(conn, section.key):
        return "the music section changed (PLEX_MUSIC_SECTION)"
    if not caps.updated_filter:
        return "this Plex server ignores the updatedAt filter a quick sync needs"
    return ""


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


def _drop_excludes(caps: Capabilities) -> None:
    caps.exclude_fields = False
    caps.notes.append("Plex drops more attributes than excludeFields names: listings are read whole.")
    capabilities.save(caps)


def _plain_count(gateway: PlexGateway, section: SectionInfo) -> int:
    """The section's track count from a size-0 listing without filters or excludes."""
    return listings.count_range(gateway, section, None, None)


def _read_all(
    gateway: PlexGateway,
    section: SectionInfo,
    excludes: dict[str, str],
    page_size: int,
    staging: index_store.StagingTable,
    synced_at: Any,
    report: Progress,
) -> tuple[listings.PageStats, int, int, int]:
    """Stage every track of the section; returns ``(stats, tracks lacking required
    attributes, max addedAt, max updatedAt)``."""
    stats = listings.PageStats()
    max_added = max_updated = bad = 0
    key = listings.listing_key(section, **excludes)
    for total, tracks in listings.pages(gateway, key, page_size, "list the music library's tracks", stats):
        bad += incomplete(tracks)
        rows = rows_from_tracks(tracks, section.key)
        staging.add(rows, synced_at)
        max_added = max([max_added, *(r[ADDED_AT] or 0 for r in rows)])
        max_updated = max([max_updated, *(r[UPDATED_AT] or 0 for r in rows)])
        report(min(stats.received, total), total, "Reading tracks from Plex")
    return stats, bad, max_added, max_updated


def _full_sync(
    conn: Any,
    gateway: PlexGateway,
    section: SectionInfo,
    caps: Capabilities,
    page_size: int,
    report: Progress,
    started: float,
    tags: _TagOutcome,
) -> tuple[int, int, int, int]:
    synced_at = utcnow()
    indexed = index_store.index_count(conn)
    staging = index_store.StagingTable(conn)
    try:
        report(0, 0, "Reading tracks from Plex")
        stats, bad, max_added, max_updated = _read_all(
            gateway, section, caps.slim(), page_size, staging, synced_at, report
        )
        if bad and caps.exclude_fields:
            # The server dropped attributes we did not ask it to drop: read again without
            # any excludes, and remember that for this server.
            log.warning("Plex sent %d tracks without required attributes; reading again without excludes", bad)
            _drop_excludes(caps)
            staging.drop()
            staging = index_store.StagingTable(conn)
            stats, bad, max_added, max_updated = _read_all(gateway, section, {}, page_size, staging, synced_at, report)
        if bad:
            raise PlexAnswerRejected(f"Plex sent {bad} tracks without a ratingKey, title or date", indexed)
        fresh = _plain_count(gateway, section)
        staged = staging.count
        churn = abs(fresh - (stats.first_total if stats.first_total is not None else fresh))
        if abs(staged - fresh) > churn:
            raise PlexAnswerRejected(
                f"Plex listed {staged} distinct tracks but counts {fresh} in the section "
                f"({stats.pages} pages, {stats.short_pages} shorter than asked)",
                indexed,
            )
        kept = staging.kept_count() if staged != fresh else indexed
        if indexed - kept > SHRINK_SHARE * indexed:
            raise PlexAnswerRejected(
                f"the sync would remove {indexed - kept} of {indexed} indexed tracks, and Plex's plain "
                f"count ({fresh}) does not confirm the {staged} tracks listed",
                indexed,
            )
        read = _read_tags(gateway, section, caps, page_size, None, indexed, report, tags)
        report(staged, staged, "Saving the library index")
        state = {
            "section_title": section.title,
            "section_uuid": section.uuid,
            "machine_identifier": gateway.machine_identifier or None,
            "last_full_sync_at": utcnow(),
            "max_added_at": max_added or None,
            "max_updated_at": max_updated or None,
        }
        if read is not None:
            state["tags_updated_at"] = read.max_updated or None
        added, updated, removed = staging.swap_in(
            section.key,
            {**state, "last_sync_figures": None},
            before_commit=_write_tags(read, tags),
        )
        figures = _figures("full", started, added, updated, removed, gateway.requests, section)
        conn.execute(
            index_store.STATE.update().where(index_store.STATE.c.section_id == section.key).values(last_sync_figures=figures)
        )
        conn.commit()
        if removed > SHRINK_SHARE * max(indexed, 1):
            log.warning("Full library sync removed %d of %d indexed tracks (confirmed by a plain count)", removed, indexed)
        return added, updated, removed, staging.count
    finally:
        staging.drop()


def _check_removals(
    conn: Any,
    gateway: PlexGateway,
    section: SectionInfo,
    caps: Capabilities,
    page_size: int,
    server_total: int,
    new_keys: set[int],
    content_changed: bool,
    range_leaf: int,
) -> key_ranges.Reconciled:
    """Which indexed tracks are gone and which server tracks the index lacks, verified:
    each range listing must return exactly the keys its count said (all inside the
    range). Without working ``id`` filters every ratingKey is listed instead."""
    local = index_store.IndexKeys(conn, section.key, extra=new_keys)
    keys_only = caps.keys_only()
    if not caps.id_filters:
        server = listings.range_keys(gateway, section, None, None, page_size=page_size, excludes=keys_only)
        mine = set(local.keys(None, None))
        if len(server) != server_total:
            raise listings.RangeListingError(f"{len(server)} keys listed, {server_total} counted")
        return key_ranges.Reconciled(
            removed=mine - server, missing=server - mine, listed_ranges=1, listed_keys=len(server)
        )
    with ThreadPoolExecutor(max_workers=_PROBE_WORKERS, thread_name_prefix="plex-probe") as pool:
        return key_ranges.reconcile(
            local,
            server_total,
            lambda lo, hi: listings.count_range(gateway, section, lo, hi),
            lambda lo, hi: listings.range_keys(gateway, section, lo, hi, page_size=page_size, excludes=keys_only),
            leaf=range_leaf,
            check_equal=content_changed,
            count_many=lambda ranges: pool.map(lambda r: listings.count_range(gateway, section, *r), ranges),
        )


def _incremental_sync(
    conn: Any,
    gateway: PlexGateway,
    section: SectionInfo,
    state: dict[str, Any],
    caps: Capabilities,
    page_size: int,
    report: Progress,
    started: float,
    range_leaf: int,
    tags: _TagOutcome,
) -> tuple[int, int, int, int]:
    synced_at = utcnow()
    steps = 3
    report(0, steps, "Fetching tracks added or changed in Plex")
    # One filter, on updatedAt: PMS stamps updatedAt when it adds an item and on every
    # change, so it is never older than addedAt, and it also catches tracks whose addedAt
    # was back-dated (an edited or preserved "date added"). Anything it could still miss
    # shows up in the count check below and is fetched by ratingKey.
    cursor = max((state.get("max_updated_at") or 0) - OVERLAP_S, 0)
    key = listings.listing_key(section, **{"updatedAt>>": cursor}, **caps.slim())
    changed = listings.fetch_all(gateway, key, page_size, "list the tracks changed in Plex")
    bad = incomplete(changed)
    if bad and caps.exclude_fields:
        # Attributes dropped that we did not ask to drop: read again without excludes, and
        # keep the fallback (and the key-only listings below) for this server.
        log.warning("Plex sent %d changed tracks without required attributes; reading again without excludes", bad)
        _drop_excludes(caps)
        key = listings.listing_key(section, **{"updatedAt>>": cursor})
        changed = listings.fetch_all(gateway, key, page_size, "list the tracks changed in Plex")
        bad = incomplete(changed)
    indexed = index_store.index_count(conn, section.key)
    if bad:
        raise PlexAnswerRejected(f"Plex sent {bad} changed tracks without a ratingKey, title or date", indexed)
    rows: dict[int, tuple[Any, ...]] = {}
    for row in rows_from_tracks(changed, section.key):
        rows[row[0]] = row

    report(1, steps, "Checking for removed tracks")
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
        check = None
        for attempt in (1, 2):  # a track added or removed between a count and its listing: once more
            try:
                check = _check_removals(
                    conn, gateway, section, caps, page_size, server_total, new_keys, content_changed, range_leaf
                )
                break
            except (listings.RangeListingError, key_ranges.RangeMismatch) as exc:
                if attempt == 2:
                    raise PlexAnswerRejected(f"the removal check got inconsistent answers ({exc})", indexed) from None
                server_total = listings.count_range(gateway, section, None, None)
        assert check is not None
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
        if removed_keys:
            # What the index will hold must match a fresh plain count exactly before a single
            # track is removed; a larger removal is said in the log either way.
            gone_from_index = index_store.existing_keys(conn, list(removed_keys - set(rows)))
            after = indexed + len(set(rows) - index_store.existing_keys(conn, list(rows))) - len(gone_from_index)
            fresh = _plain_count(gateway, section)
            if after != fresh:
                raise PlexAnswerRejected(
                    f"removing {len(removed_keys)} tracks would leave {after} indexed, "
                    f"but Plex counts {fresh}",
                    indexed,
                )
            if len(removed_keys) > SHRINK_SHARE * max(indexed, 1):
                log.warning(
                    "Library sync removes %d of %d indexed tracks (confirmed by a plain count of %d)",
                    len(removed_keys), indexed, fresh,
                )

    read = _read_tags(gateway, section, caps, page_size, state.get("tags_updated_at"), indexed, report, tags)
    report(2, steps, "Saving the library index")
    max_added = max([state.get("max_added_at") or 0, *(r[ADDED_AT] or 0 for r in rows.values())])
    max_updated = max([state.get("max_updated_at") or 0, *(r[UPDATED_AT] or 0 for r in rows.values())])
    new_state = {
        "section_title": section.title,
        "section_uuid": section.uuid,
        "machine_identifier": gateway.machine_identifier or None,
        "last_incremental_sync_at": utcnow(),
        "max_added_at": max_added or None,
        "max_updated_at": max_updated or None,
        "last_sync_figures": None,
    }
    if read is not None:
        new_state["tags_updated_at"] = max(state.get("tags_updated_at") or 0, read.max_updated) or None
    added, updated, removed, total = index_store.apply_changes(
        conn, section.key, list(rows.values()), removed_keys, new_state, synced_at, before_commit=_write_tags(read, tags)
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


def index_server() -> str | None:
    """``machineIdentifier`` of the Plex server the index was read from (None before the
    first sync, or for an index made before the app recorded it)."""
    value = db.session.scalar(
        sa.select(LibrarySyncState.machine_identifier)
        .where(LibrarySyncState.machine_identifier.is_not(None))
        .order_by(LibrarySyncState.index_version.desc())
        .limit(1)
    )
    return value or None


def index_version() -> int:
    """The highest ``LibrarySyncState.index_version`` (0 before the first sync); matchers
    cache their in-memory index under this number and rebuild when it changes."""
    return int(db.session.scalar(sa.select(sa.func.max(LibrarySyncState.index_version))) or 0)
