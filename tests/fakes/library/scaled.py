"""The "scaled" test library (~200,000 tracks): the full library plus deterministic variations.

Benchmarks need a library the size of a large personal collection. Rounds ``v = 1, 2, ...``
walk the full library's albums (compilations and karaoke excluded) and copy each one:

* under an invented artist (first word of one real album artist + last word of another,
  e.g. "Toni Machine"), one invented artist per (real artist, round), so discographies
  stay coherent; 60 % of titles are kept (the same title by another artist, the classic
  false positive) and 40 % are taken from another track of the library;
* every fifth album of a round is instead a "(Deluxe Edition)" re-issue by the same real
  artist (more copies of real songs).

Copies carry ``tags["source"] = "scaled"``, ``tags["scaled_from"]`` (the copied ratingKey)
and a ``song_id`` for their (invented) artist, so the ground truth stays exact.
"""

from __future__ import annotations

from collections import defaultdict

from tests.fakes.library.builder import make_tags
from tests.fakes.library.data import loose_key, stable_hash
from tests.fakes.library.model import FakeTrack

SCALED_TRACKS = 200_000
_SKIP_ARTISTS = ("Various Artists", "Party Tyme Karaoke")


def scale_library(tracks: list[FakeTrack], *, seed: int = 0, target: int = SCALED_TRACKS) -> list[FakeTrack]:
    """Return ``tracks`` (the full library, extended in place) grown to ``target`` tracks
    (a little more: the last album copied is completed).

    Deterministic for a given input and ``seed``; ratingKeys continue above the largest
    key in use. Raises ``ValueError`` when ``tracks`` has no album to copy.
    """
    albums: dict[int, list[FakeTrack]] = defaultdict(list)
    for t in tracks:
        if t.album_artist not in _SKIP_ARTISTS:
            albums[t.album_rating_key].append(t)
    album_list = list(albums.values())
    if not album_list:
        raise ValueError("cannot scale a library without albums")
    artists = sorted({t.album_artist for t in tracks if t.album_artist not in _SKIP_ARTISTS})
    firsts = sorted({a.split(" ")[0] for a in artists if " " in a and a[0].isupper()})
    lasts = sorted({a.split(" ")[-1] for a in artists if " " in a and a[0].isupper()})
    real = {loose_key(a) for a in artists}
    next_key = 1 + max(max(t.rating_key, t.album_rating_key, t.artist_rating_key) for t in tracks)
    shadow_names: dict[tuple[int, int], tuple[str, int]] = {}
    all_titles = [(t.title, t.tags.get("title", t.title)) for t in tracks]
    v = 0
    while len(tracks) < target:
        v += 1
        for n, album in enumerate(album_list):
            if len(tracks) >= target:
                break
            first = album[0]
            h = stable_hash(seed, "scale", v, first.album_rating_key)
            deluxe = n % 5 == 0
            if deluxe:
                artist, artist_key = first.album_artist, first.artist_rating_key
                title = f"{first.album} (Deluxe Edition{'' if v == 1 else f' {v}'})"
            else:
                ident = (first.artist_rating_key, v)
                if ident not in shadow_names:
                    hh = stable_hash(seed, "shadow", *ident)
                    name = f"{firsts[hh % len(firsts)]} {lasts[(hh >> 12) % len(lasts)]}"
                    if loose_key(name) in real:
                        name += " Band"
                    shadow_names[ident] = (name, next_key)
                    next_key += 1
                artist, artist_key = shadow_names[ident]
                title = first.album
            album_key = next_key
            next_key += 1
            year = (first.year + (h % 7) - 3) if first.year else None
            for i, src in enumerate(album):
                if deluxe or (h >> (i % 24)) % 10 < 6:
                    track_title, canonical_title = src.title, src.tags.get("title", src.title)
                else:
                    track_title, canonical_title = all_titles[stable_hash(h, i) % len(all_titles)]
                tag_artist = src.tags.get("artist", artist) if deluxe else artist
                tags = make_tags("scaled", tag_artist, canonical_title,
                                 version=src.tags.get("version", "original"),
                                 release="deluxe" if deluxe else src.tags.get("release", "album"))
                tags["scaled_from"] = src.rating_key
                tracks.append(FakeTrack(
                    rating_key=next_key, title=track_title, album_artist=artist, album=title,
                    album_rating_key=album_key, artist_rating_key=artist_key,
                    track_artist=src.track_artist if deluxe else None, year=year,
                    track_number=src.track_number, disc_number=src.disc_number,
                    duration_ms=src.duration_ms, added_at=src.added_at + 86_400 * v,
                    updated_at=src.updated_at + 86_400 * v, tags=tags,
                    album_tags=src.album_tags, artist_tags=src.artist_tags,
                ))
                next_key += 1
    return tracks
