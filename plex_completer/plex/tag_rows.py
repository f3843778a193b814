"""Turn PMS artist and album listings (``/library/sections/{id}/all?type=8|9``) into
``library_tags`` rows: the genres, styles and moods of each album artist and album.

Shape (``/work/shared/plex-xml/ha_library_section_music_all_artists.xml``, an artist
listing of PMS 1.20.4): each item is a ``<Directory type="artist">`` (``type="album"`` in
``sm_section_all_albums_type9.xml``) with child elements such as ``<Genre tag="Electronic"
/>`` and ``<Country tag="United Kingdom" />``. plexapi reads ``Genre``, ``Style`` and
``Mood`` children of artists and albums (``plexapi/audio.py``, ``Artist._loadData`` and
``Album._loadData``: ``genres``, ``styles``; ``Audio._loadData``: ``moods``).

Listings carry only the first few tags of each kind (python-plexapi issues #249 and #200:
a listed item showed 2 of its 4 genres; a full ``/library/metadata/{id}`` has them all),
so the index knows the leading genres, styles and moods of each item, not every one.
Parsed with expat's start-element callback only, as :mod:`.track_rows` does.
"""

from __future__ import annotations

import re
from typing import Any
from xml.parsers import expat

from anyascii import anyascii

from .track_rows import ListingError

#: Child element name -> ``library_tags.kind``.
TAG_KINDS = {"Genre": "genre", "Style": "style", "Mood": "mood"}
#: ``type`` attribute of a listed Directory -> ``library_tags.level``.
LEVELS = {"artist": "artist", "album": "album"}
# Longest tag text kept (the column is 200 characters).
_MAX_TAG = 200
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Row order of the tuples built here: library_tags columns without ``id``.
TAG_COLUMNS = ("section_id", "rating_key", "level", "kind", "tag", "tag_norm")


def normalize_tag(tag: str) -> str:
    """The comparison form of a genre, style or mood: folded to lower-case ASCII with
    ``anyascii`` as the matcher folds names, ``&`` and ``+`` read as "and", other
    punctuation a space ("R&B" -> "r and b", "Pop/Rock" -> "pop rock", "Électro" ->
    "electro"). Kept here because ``plex`` may not import ``matching``; the fill
    sampler and the library search filter compare these forms only."""
    text = anyascii(tag or "").lower().replace("&", " and ").replace("+", " and ").replace("'", "")
    return " ".join(_NON_WORD.sub(" ", text).split())


class DirectoryListing:
    """What one artist or album listing page held: ``container`` (MediaContainer
    attributes), ``items`` (``{ratingKey: (level, updatedAt or None)}``) and ``tags``
    (``(ratingKey, level, kind, tag)`` tuples), ``bad`` (Directories without a numeric
    ratingKey or an artist/album ``type``)."""

    def __init__(self) -> None:
        self.container: dict[str, str] = {}
        self.items: dict[int, tuple[str, int | None]] = {}
        self.tags: list[tuple[int, str, str, str]] = []
        self.bad = 0


def parse_directories(body: bytes, listing: DirectoryListing | None = None) -> DirectoryListing:
    """Parse one ``/library/sections/{id}/all?type=8|9`` page into ``listing`` (a new one
    when None) and return it. Tags are read from ``Genre``/``Style``/``Mood`` children of
    each ``<Directory>``; other children (``Country``, ``Guid``, ...) are ignored.

    Raises :class:`~.track_rows.ListingError` when ``body`` is not well-formed XML."""
    out = listing if listing is not None else DirectoryListing()
    current: list[Any] = [None]  # (ratingKey, level) of the open Directory
    depth = [0]
    container = out.container

    def start(name: str, attrs: dict[str, str]) -> None:
        depth[0] += 1
        if name == "Directory" and depth[0] == 2:
            key = attrs.get("ratingKey") or ""
            level = LEVELS.get(attrs.get("type") or "")
            if not key.isdigit() or level is None:
                out.bad += 1
                current[0] = None
                return
            updated = attrs.get("updatedAt") or ""
            out.items[int(key)] = (level, int(updated) if updated.isdigit() else None)
            current[0] = (int(key), level)
        elif depth[0] == 3 and current[0] is not None:
            kind = TAG_KINDS.get(name)
            tag = (attrs.get("tag") or "").strip()
            if kind and tag:
                out.tags.append((current[0][0], current[0][1], kind, tag[:_MAX_TAG]))
        elif name == "MediaContainer" and depth[0] == 1 and not container:
            container.update(attrs)

    def end(name: str) -> None:
        if depth[0] == 2:
            current[0] = None
        depth[0] -= 1

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise ListingError(str(exc)) from None
    return out


def tag_rows(tags: list[tuple[int, str, str, str]], section_id: int) -> list[tuple[Any, ...]]:
    """``library_tags`` rows (:data:`TAG_COLUMNS` order) of parsed ``tags``, one per
    (ratingKey, kind, tag): a tag repeated on an item (or on two pages) is kept once."""
    seen: set[tuple[int, str, str]] = set()
    rows = []
    for key, level, kind, tag in tags:
        ident = (key, kind, tag)
        if ident in seen:
            continue
        seen.add(ident)
        rows.append((section_id, key, level, kind, tag, normalize_tag(tag)))
    return rows
