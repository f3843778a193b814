"""Turn a PMS track listing (``<MediaContainer><Track .../>...``) into library index rows.

Attribute names are PMS's (see ``/work/shared/plex-xml/README.md``, "Track"):
``ratingKey``, ``title``, ``grandparentTitle`` (album artist), ``originalTitle`` (track
artist, only sent when it differs), ``parentTitle`` (album), ``parentYear`` (album year;
``year`` on some servers), ``index`` (track number), ``parentIndex`` (disc number),
``duration`` (milliseconds), ``parentRatingKey``/``grandparentRatingKey`` (album/artist),
``addedAt``/``updatedAt`` (epoch seconds).

Pages are parsed with expat's start-element callback only: the ``<Track>`` attributes are
all the index needs, so the nested ``Media``/``Part`` elements are never built (about a
quarter faster than ``ElementTree.fromstring`` on a 1,000-track page).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.parsers import expat

# Column order of the rows built here: LibraryTrack columns, with ``added_at`` and
# ``updated_at`` as epoch seconds (int) and without ``synced_at`` (the writer adds it).
COLUMNS = (
    "rating_key",
    "section_id",
    "guid",
    "title",
    "album_artist",
    "track_artist",
    "album",
    "year",
    "track_number",
    "disc_number",
    "duration_ms",
    "album_rating_key",
    "artist_rating_key",
    "added_at",
    "updated_at",
)
ADDED_AT, UPDATED_AT = COLUMNS.index("added_at"), COLUMNS.index("updated_at")

_UTC = dt.UTC


class ListingError(ValueError):
    """The answer was not well-formed XML."""


def _int(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        try:
            return int(float(value))
        except ValueError:
            return None


def parse_listing(body: bytes) -> tuple[dict[str, str], list[dict[str, str]]]:
    """``(container attributes, [attributes of each <Track>])`` of one response body.

    Raises :class:`ListingError` when ``body`` is not well-formed XML.
    """
    container: dict[str, str] = {}
    tracks: list[dict[str, str]] = []
    append = tracks.append

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "Track":
            append(attrs)
        elif name == "MediaContainer" and not container:
            container.update(attrs)

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise ListingError(str(exc)) from None
    return container, tracks


def container_total(container: dict[str, str], fallback: int) -> int:
    """``totalSize`` of a paged listing (``size`` when unpaged), else ``fallback``."""
    return _int(container.get("totalSize")) or _int(container.get("size")) or fallback


def _row(a: dict[str, str], section_id: int, number: Any) -> tuple[Any, ...] | None:
    get = a.get
    try:
        rating_key = int(a["ratingKey"])
    except (KeyError, ValueError):
        return None
    album_artist = get("grandparentTitle") or ""
    track_artist = get("originalTitle") or None
    if track_artist == album_artist:
        track_artist = None
    return (
        rating_key,
        section_id,
        get("guid"),
        get("title") or "",
        album_artist,
        track_artist,
        get("parentTitle") or "",
        number(get("parentYear") or get("year")),
        number(get("index")),
        number(get("parentIndex")),
        number(get("duration")),
        number(get("parentRatingKey")),
        number(get("grandparentRatingKey")),
        number(get("addedAt")),
        number(get("updatedAt")),
    )


# Attributes every <Track> of a listing must carry for its index row to be trusted: a
# listing that lost one (an excludeFields a server matched more loosely than asked, say)
# must not be swapped in as the index.
REQUIRED = ("ratingKey", "title", "grandparentTitle", "parentTitle", "addedAt", "updatedAt")


def incomplete(tracks: list[dict[str, str]]) -> int:
    """How many of ``tracks`` lack a numeric ``ratingKey`` or another :data:`REQUIRED`
    attribute."""
    bad = 0
    for a in tracks:
        if not (a.get("ratingKey") or "").isdigit() or any(name not in a for name in REQUIRED):
            bad += 1
    return bad


def _fast_int(value: str | None) -> int | None:
    return int(value) if value else None


def rows_from_tracks(tracks: list[dict[str, str]], section_id: int) -> list[tuple[Any, ...]]:
    """One row tuple (in :data:`COLUMNS` order) per track attribute dict; tracks without a
    numeric ``ratingKey`` are skipped, other unreadable numbers become None."""
    rows = []
    for a in tracks:
        try:
            row = _row(a, section_id, _fast_int)
        except ValueError:  # a number such as "1.0" or "": take the careful path for this track
            row = _row(a, section_id, _int)
        if row is not None:
            rows.append(row)
    return rows


def to_datetime(epoch: int | None) -> dt.datetime | None:
    """Aware UTC datetime of epoch seconds (None stays None)."""
    return None if epoch is None else dt.datetime.fromtimestamp(epoch, _UTC)


def with_datetimes(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """``row`` with ``added_at``/``updated_at`` as aware datetimes (the model's column types)."""
    values = list(row)
    values[ADDED_AT] = to_datetime(values[ADDED_AT])
    values[UPDATED_AT] = to_datetime(values[UPDATED_AT])
    return tuple(values)
