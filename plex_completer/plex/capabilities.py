"""What this Plex server really honours, probed with a few small requests, and the
fallbacks used where it does not.

PMS answers 200 to a filter it does not know and simply leaves it out (issue "Plex: safe
on a real server"), so an ``id`` range filter or an ``updatedAt`` filter that a server
version ignores would not fail: it would return the whole section. Likewise an
``excludeFields`` matched more loosely than we assume could drop ``ratingKey``. Each
assumption the library sync makes is therefore checked once per server (first sync,
every full sync, and Settings → "Test Plex connection"):

=================  =====================================================  ==========================
capability         probe                                                  fallback when missing
=================  =====================================================  ==========================
``updated_filter`` size-0 count with ``updatedAt>>`` in the year 2100:       incremental syncs become
                   0 expected                                             full syncs
``id_filters``     size-0 counts with ``id>>`` above any key and           removal check lists every
                   ``id<<1``: 0 expected                                  ratingKey (plain listing)
``exclude_fields`` one track listed with the slim and the key-only        no excludeElements /
                   excludes: every required attribute present             excludeFields at all
``page_size``      one page of ``PLEX_PAGE_SIZE`` items: how many came     pages of what it served
``tag_updated_``   the ``updatedAt>>`` count on the album and artist       incremental syncs re-read
``filter``         listings (type 9, 8): 0 expected                       every artist and album
=================  =====================================================  ==========================

When the section is empty the filters cannot be told apart from ignored ones; they are
then assumed to work (nothing can be lost from an empty index) and checked again by the
next full sync. Results are stored in ``app_settings`` (key :data:`SETTING_KEY`) with the
server's ``machineIdentifier`` and shown on the Settings page.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from ..extensions import db
from ..models import AppSetting, utcnow
from . import listings, tag_sync
from .errors import PlexRequestFailed
from .gateway import PlexGateway, SectionInfo
from .track_rows import REQUIRED

log = logging.getLogger(__name__)

SETTING_KEY = "plex.capabilities"
# 2100-01-01 in epoch seconds: no track can have been updated after it.
_FAR_FUTURE = 4_102_444_800
# Page sizes tried, largest first, when the server refuses a page with 400.
_SMALLER_PAGES = (500, 200, 100)
# Above any ratingKey a PMS database hands out (a signed 32-bit id).
_KEY_CEILING = 2**31 - 1


@dataclass
class Capabilities:
    """Probe results for one server (``machine_identifier``): booleans per capability,
    ``page_size`` (items the server served on a full page, ≤ 1,000), ``checked_at`` (ISO
    UTC) and ``notes`` (one sentence per fallback in use, for Settings and the log)."""

    machine_identifier: str = ""
    updated_filter: bool = True
    id_filters: bool = True
    exclude_fields: bool = True
    page_size: int = listings.MAX_PAGE_SIZE
    # updatedAt filter on the artist and album listings (library tags); None: not probed
    # yet (capabilities stored before the tags were read).
    tag_updated_filter: bool | None = None
    checked_at: str = ""
    notes: list[str] = field(default_factory=list)

    def slim(self) -> dict[str, str]:
        """The excludes for full track listings (``{}`` as the fallback)."""
        return dict(listings.SLIM) if self.exclude_fields else {}

    def keys_only(self) -> dict[str, str]:
        """The excludes for ratingKey-only listings (``{}`` as the fallback)."""
        return dict(listings.KEYS_ONLY) if self.exclude_fields else {}

    def rows(self) -> list[tuple[str, str]]:
        """``(capability, result)`` lines for the Settings page."""
        yes = lambda ok, fallback: "honoured" if ok else f"ignored → {fallback}"  # noqa: E731
        return [
            ("updatedAt filter", yes(self.updated_filter, "every sync is a full sync")),
            ("id range filters", yes(self.id_filters, "removed tracks found by listing every ratingKey")),
            ("excludeFields", yes(self.exclude_fields, "listings without excludes")),
            ("page size", f"{self.page_size} items"),
            ("updatedAt filter on artists and albums",
             "not checked yet" if self.tag_updated_filter is None
             else yes(self.tag_updated_filter, "genres re-read from every artist and album")),
        ]


def probe(gateway: PlexGateway, section: SectionInfo, page_size: int) -> Capabilities:
    """Run the probes of the module docstring against ``section`` (about six requests).

    Raises :class:`~plex_completer.plex.errors.PlexError` when a request fails outright.
    """
    caps = Capabilities(machine_identifier=gateway.machine_identifier, checked_at=utcnow().isoformat())
    total = listings.count_range(gateway, section, None, None)
    if total > 0:
        if listings.count_range(gateway, section, None, None, **{"updatedAt>>": _FAR_FUTURE}) == total:
            caps.updated_filter = False
            caps.notes.append("Plex ignores the updatedAt filter: every library sync reads the whole section.")
        above = listings.count_range(gateway, section, _KEY_CEILING, None)
        below = listings.count_range(gateway, section, None, 1)
        if above or below:
            caps.id_filters = False
            caps.notes.append(
                "Plex ignores the id range filters: removed tracks are found by listing every ratingKey."
            )
        for excludes in (listings.SLIM, listings.KEYS_ONLY):
            key = listings.listing_key(section, **excludes)
            body = gateway.get_fast(key, headers=listings.page_headers(0, 1), what="list the music library's tracks")
            tracks = listings.parse(body)[1]
            needed = REQUIRED if excludes is listings.SLIM else ("ratingKey",)
            if tracks and any(name not in tracks[0] for name in needed):
                caps.exclude_fields = False
        if not caps.exclude_fields:
            caps.notes.append("Plex drops more attributes than excludeFields names: listings are read whole.")
        wanted = max(1, min(page_size, listings.MAX_PAGE_SIZE))
        key = listings.listing_key(section, **caps.keys_only())
        # A server may refuse a large page (400) instead of cutting it: try smaller ones.
        for asked in sorted({wanted, *(n for n in _SMALLER_PAGES if n < wanted)}, reverse=True):
            try:
                body = gateway.get_fast(
                    key, headers=listings.page_headers(0, asked), what="list the music library's tracks"
                )
            except PlexRequestFailed as exc:
                if exc.status != 400 or asked == min((*_SMALLER_PAGES, wanted)):
                    raise
                continue
            served = body.count(b"<Track ")
            caps.page_size = served if 0 < served < min(asked, total) else asked
            if caps.page_size < wanted:
                caps.notes.append(f"Plex serves at most {caps.page_size} items a page (asked for {wanted}).")
            break
    probe_tags(gateway, section, caps)
    for note in caps.notes:
        log.warning("Plex capability check: %s", note)
    return caps


def probe_tags(gateway: PlexGateway, section: SectionInfo, caps: Capabilities) -> None:
    """Set ``caps.tag_updated_filter`` from two or four size-0 counts of the artist and
    album listings (:func:`.tag_sync.probe_updated_filter`), with a note when missing.
    A failed count leaves it None (asked again by the next sync): the tags are an extra,
    the track sync goes on without them."""
    try:
        caps.tag_updated_filter = tag_sync.probe_updated_filter(gateway, section, _FAR_FUTURE)
    except PlexRequestFailed as exc:
        log.warning("Plex capability check of the artist and album listings failed: %s", exc)
        caps.tag_updated_filter = None
        return
    if not caps.tag_updated_filter:
        caps.notes.append("Plex ignores the updatedAt filter on artists and albums: every sync re-reads their genres.")


def save(caps: Capabilities) -> None:
    """Store ``caps`` (one row of ``app_settings``) and commit."""
    row = db.session.get(AppSetting, SETTING_KEY)
    value = json.dumps(asdict(caps))
    if row is None:
        db.session.add(AppSetting(key=SETTING_KEY, value=value))
    else:
        row.value = value
    db.session.commit()


def load(machine_identifier: str | None = None) -> Capabilities | None:
    """The stored capabilities, or None when none are stored or they belong to another
    server than ``machine_identifier`` (when given)."""
    row = db.session.get(AppSetting, SETTING_KEY)
    if row is None:
        return None
    try:
        data: dict[str, Any] = json.loads(row.value)
        caps = Capabilities(**data)
    except (ValueError, TypeError):
        return None
    if machine_identifier is not None and caps.machine_identifier != machine_identifier:
        return None
    return caps
