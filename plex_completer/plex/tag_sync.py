"""Read the genres, styles and moods of the music section's album artists and albums
(issue 18, point 6) for the ``library_tags`` table, with the paging and safety rules of
the track listings (:mod:`.listings`, ``docs/library-sync.md``).

* **Full read** (:func:`read_all`, every full sync): ``/library/sections/{id}/all?type=8``
  (artists) then ``type=9`` (albums), sorted by ``id``, both paging headers, at most
  ``page_size`` ≤ 1,000 items a page, ending at ``totalSize``; child elements other than
  the tags and the long ``summary`` left out. Accepted only when every item has a
  ratingKey and a type, and the distinct items listed equal a fresh plain count of the
  type (within the items added or removed meanwhile, as for tracks);
  :class:`~.errors.PlexAnswerRejected` otherwise.
* **Changes** (:func:`read_changed`, incremental syncs): the same listings filtered on
  ``updatedAt>>`` the tag cursor (minus the overlap), when the capability probe found
  that the filter works on these types (``Capabilities.tag_updated_filter``); otherwise
  the full read again (artists and albums are a small share of a section: about one
  item per 8 tracks in the test library).

A tag read that fails never touches the index: the caller keeps the previous tags and
says so (:mod:`.library_sync`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import listings
from .errors import PlexAnswerRejected, PlexRequestFailed
from .gateway import PlexGateway, SectionInfo
from .tag_rows import DirectoryListing, parse_directories, tag_rows
from .track_rows import ListingError

TYPE_ARTIST, TYPE_ALBUM = 8, 9
_WHAT = {TYPE_ARTIST: "list the music library's artists", TYPE_ALBUM: "list the music library's albums"}
# Child elements left out of artist and album listings: everything plexapi knows to
# exclude (base.py PlexPartialObject._EXCLUDES) except the three tag kinds read here.
_TAG_ELEMENTS = "Media,Country,Guid,Rating,Collection,Director,Writer,Role,Producer,Similar,Format,Label,Field,Image,Location"
# Attributes never read here (only ratingKey, type and updatedAt are); summary can be
# several kilobytes (sm_section_all_artists_type8.xml). No name here ends with "key",
# "type" or "updatedAt", so a server matching names loosely (by suffix) keeps those.
_TAG_UNUSED_FIELDS = (
    "summary,thumb,parentThumb,art,titleSort,guid,parentGuid,title,parentTitle,index,year,"
    "originallyAvailableAt,addedAt,loudnessAnalysisVersion,studio,viewCount,lastViewedAt,leafCount,viewedLeafCount"
)
TAG_SLIM = {"excludeElements": _TAG_ELEMENTS, "excludeFields": _TAG_UNUSED_FIELDS}


@dataclass
class TagRead:
    """What a tag read returned: ``rows`` (``library_tags`` tuples, see
    :data:`~.tag_rows.TAG_COLUMNS`), ``items`` (ratingKeys of the artists and albums
    listed: their tags are replaced by ``rows``), ``max_updated`` (highest updatedAt
    seen, 0 when none), ``complete`` (True for a full read: every item of the section
    was listed, so tags of items not listed go), ``requests`` made."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    items: set[int] = field(default_factory=set)
    max_updated: int = 0
    complete: bool = False
    requests: int = 0


def _listing(
    gateway: PlexGateway, section: SectionInfo, mtype: int, page_size: int, excludes: dict[str, str],
    filters: dict[str, Any], stats: listings.PageStats,
) -> DirectoryListing:
    key = listings.listing_key(section, mtype=mtype, **filters, **excludes)
    parsed = DirectoryListing()
    for _total, body in listings.raw_pages(gateway, key, page_size, _WHAT[mtype], stats, item=b"<Directory "):
        try:
            parse_directories(body, parsed)
        except ListingError:
            raise PlexRequestFailed(None, f"{_WHAT[mtype]} (the answer was not Plex XML)") from None
    return parsed


def _read(
    gateway: PlexGateway, section: SectionInfo, page_size: int, slim: bool, filters: dict[str, Any], indexed: int,
    verify: bool,
) -> TagRead:
    out = TagRead(complete=not filters)
    before = gateway.requests
    tags: list[tuple[int, str, str, str]] = []
    for mtype in (TYPE_ARTIST, TYPE_ALBUM):
        stats = listings.PageStats()
        parsed = _listing(gateway, section, mtype, page_size, TAG_SLIM if slim else {}, filters, stats)
        if parsed.bad and slim:  # attributes dropped that we did not ask to drop: read whole
            stats = listings.PageStats()
            parsed = _listing(gateway, section, mtype, page_size, {}, filters, stats)
        if parsed.bad:
            raise PlexAnswerRejected(f"Plex listed {parsed.bad} artists or albums without a ratingKey or type", indexed)
        if verify:
            fresh = listings.count_range(gateway, section, None, None, mtype=mtype)
            churn = abs(fresh - (stats.first_total if stats.first_total is not None else fresh))
            if abs(len(parsed.items) - fresh) > churn:
                noun = "artists" if mtype == TYPE_ARTIST else "albums"
                raise PlexAnswerRejected(
                    f"Plex listed {len(parsed.items)} distinct {noun} but counts {fresh} in the section", indexed
                )
        out.items.update(parsed.items)
        out.max_updated = max([out.max_updated, *(u or 0 for _level, u in parsed.items.values())])
        tags.extend(parsed.tags)
    out.rows = tag_rows(tags, section.key)
    out.requests = gateway.requests - before
    return out


def read_all(gateway: PlexGateway, section: SectionInfo, page_size: int, *, slim: bool = True, indexed: int = 0) -> TagRead:
    """Every artist and album of ``section`` with its tags (the full read of the module
    docstring). ``slim`` False sends no excludes (a server that mishandles them);
    ``indexed`` is the index's track count, for the error message.

    Raises :class:`~.errors.PlexAnswerRejected` when the listings do not add up and
    other :class:`~.errors.PlexError` for failed requests."""
    return _read(gateway, section, page_size, slim, {}, indexed, verify=True)


def read_changed(
    gateway: PlexGateway, section: SectionInfo, page_size: int, cursor: int, *, slim: bool = True, indexed: int = 0
) -> TagRead:
    """The artists and albums of ``section`` updated after ``cursor`` (epoch seconds),
    with their tags (``complete`` False). Errors as :func:`read_all`."""
    return _read(gateway, section, page_size, slim, {"updatedAt>>": cursor}, indexed, verify=False)


def probe_updated_filter(gateway: PlexGateway, section: SectionInfo, far_future: int) -> bool:
    """True when an ``updatedAt>>`` filter in the far future leaves no album (and no
    artist) in a size-0 count: the server applies it to these types. An empty section
    cannot tell and counts as True (nothing can be missed)."""
    for mtype in (TYPE_ALBUM, TYPE_ARTIST):
        total = listings.count_range(gateway, section, None, None, mtype=mtype)
        if total and listings.count_range(gateway, section, None, None, mtype=mtype, **{"updatedAt>>": far_future}) == total:
            return False
    return True
