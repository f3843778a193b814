"""Genres and styles for the test library, derived from the shared sources (issue 18).

None of the five files in ``../shared/data`` carries a genre per album or artist
(``/work/shared/data/README.md``: chart facts, a file list, contest entries, a radio
song list). What they do say is which list an artist comes from, and that is what
these tags are derived from, per album artist (an artist may collect several):

* on FiveThirtyEight's classic-rock radio song list (``classic_rock_songs.csv``):
  ``Genre "Rock"``, ``Style "Classic Rock"``;
* a Eurovision performer (``eurovision_entries.csv``): ``Genre "Pop"``, ``Style "Europop"``;
* an artist of the uspop2002 set, a collection of US pop music (``uspop2002_tracks.tsv``):
  ``Genre "Pop/Rock"`` (the umbrella genre the Plex music agent gives most such artists);
* only on the Billboard charts: no genre (as in real libraries, where a part of the
  artists has none).

Albums get a genre of their own only where the title says it: "Christmas" or "Holiday"
gives ``Genre "Holiday"``, a "Soundtrack" gives ``Genre "Stage & Screen"``. No source
says anything about moods, so the library has none (tests that need moods set them).
"""

from __future__ import annotations

import re

from tests.fakes.library.data import Sources, loose_key
from tests.fakes.library.model import FakeTrack

_HOLIDAY = re.compile(r"\b(christmas|holiday|xmas)\b", re.IGNORECASE)
_SOUNDTRACK = re.compile(r"\bsoundtrack\b", re.IGNORECASE)


def _source_artists(src: Sources) -> dict[str, tuple[tuple[str, str], ...]]:
    tags: dict[str, list[tuple[str, str]]] = {}

    def add(name: str, pairs: tuple[tuple[str, str], ...]) -> None:
        found = tags.setdefault(loose_key(name), [])
        found.extend(p for p in pairs if p not in found)

    for s in src.classic_rock:
        add(s.artist, (("Genre", "Rock"), ("Style", "Classic Rock")))
    for e in src.eurovision:
        add(e.performer, (("Genre", "Pop"), ("Style", "Europop")))
    for u in src.uspop:
        add(u.artist, (("Genre", "Pop/Rock"),))
    return {k: tuple(v) for k, v in tags.items()}


def album_tags_for(title: str) -> tuple[tuple[str, str], ...]:
    """The album's own genre derived from its title (see the module docstring)."""
    if _HOLIDAY.search(title or ""):
        return (("Genre", "Holiday"),)
    if _SOUNDTRACK.search(title or ""):
        return (("Genre", "Stage & Screen"),)
    return ()


def assign_genres(tracks: list[FakeTrack], src: Sources) -> None:
    """Set ``album_tags`` and ``artist_tags`` of every track in place (deterministic). An
    album artist's tags come from the source lists its canonical name (``tags["artist"]``
    of its tracks, or the album artist) appears in."""
    by_name = _source_artists(src)
    names: dict[int, set[str]] = {}
    for t in tracks:
        keys = names.setdefault(t.artist_rating_key, set())
        keys.add(loose_key(t.album_artist))
        if t.track_artist is None and t.tags.get("artist"):
            keys.add(loose_key(t.tags["artist"]))
    artist_tags: dict[int, tuple[tuple[str, str], ...]] = {}
    for key, found in names.items():
        pairs: list[tuple[str, str]] = []
        for name in sorted(found):
            pairs.extend(p for p in by_name.get(name, ()) if p not in pairs)
        artist_tags[key] = tuple(pairs)
    for t in tracks:
        t.artist_tags = artist_tags[t.artist_rating_key]
        t.album_tags = album_tags_for(t.album)
