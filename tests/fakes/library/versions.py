"""Other versions of songs already in the test library: the copies real libraries hold.

Called by :func:`tests.fakes.library.builder.build_library` after the sources are placed.
Adds, deterministically per seed:

* best-ofs ("Greatest Hits", "The Very Best of X", ...) for 20 % of artists with three or
  more songs, titles plain or suffixed "- 2009 Remaster" / "(Remastered 2011)";
* live albums for 10 % of them, titles "(Live)", "- Live", "(Live at Wembley)" or plain;
* deluxe editions of 6 % of albums with five or more tracks (remastered copies plus
  bonus "(Demo)", "(Acoustic)", "(Remix)", "(Instrumental)" takes);
* "(Radio Edit)", "(Remix)", "(Acoustic Version)" tracks beside 10/5/3 % of singles;
* karaoke copies ("(Made Famous by X)") of 1 % of Hot 100 songs;
* "(Taylor's Version)" re-recordings of Taylor Swift's Fearless, Red, Speak Now and 1989.

Every copy keeps the ``song_id`` of the song it copies; ``tags["version"]`` says which
version it is (see :data:`~tests.fakes.library.builder.VERSIONS`).
"""

from __future__ import annotations

from collections import defaultdict

from tests.fakes.library.builder import VA, LibraryBuilder, make_tags
from tests.fakes.library.data import chance, stable_hash
from tests.fakes.library.model import FakeTrack

_BEST_OF = ("Greatest Hits", "The Very Best of {a}", "Gold", "The Essential {a}", "Anthology", "Number Ones")
_VENUES = ("Wembley", "the Fillmore", "Budokan", "Madison Square Garden", "Red Rocks", "the BBC")
_BONUS = (("Demo", "demo"), ("Acoustic", "acoustic"), ("Remix", "remix"), ("Instrumental", "instrumental"))


def _remaster_suffix(style: int, year: int) -> str:
    return (f" - {year} Remaster", f" (Remastered {year})", " (Remastered)", f" - Remastered {year}")[style % 4]


def _copy(b: LibraryBuilder, album, src: FakeTrack, title: str, version: str, release: str,
          extra_ms: int = 0) -> FakeTrack:
    """A copy of ``src`` on ``album`` with a new title and version (same song_id)."""
    t = src.tags
    tags = make_tags(t["source"], t["artist"], t["title"], featured=t["featured"], version=version,
                     release=release, perturbations=t["perturbations"])
    return b.add(album, title, track_artist=src.track_artist or (src.album_artist if album.album_artist == VA else None),
                 tags=tags, duration_ms=src.duration_ms + extra_ms)


def _originals_by_artist(b: LibraryBuilder) -> dict[str, list[FakeTrack]]:
    by_artist: dict[str, list[FakeTrack]] = defaultdict(list)
    seen: set[str] = set()
    for t in b.tracks:
        tags = t.tags
        if (tags["version"] == "original" and tags["source"] in ("hot100", "uspop2002", "classic_rock")
                and tags["song_id"] not in seen):
            seen.add(tags["song_id"])
            by_artist[tags["artist"]].append(t)
    return by_artist


def _best_ofs_and_live(b: LibraryBuilder) -> None:
    for artist, songs in _originals_by_artist(b).items():
        if len(songs) < 3:
            continue
        lib_artist, _ = b.style_artist(artist)
        last_year = max((s.year or 1990) for s in songs)
        ordered = sorted(songs, key=lambda s: stable_hash(b.seed, "order", s.rating_key))
        if chance(20, b.seed, "bestof", artist):
            h = stable_hash(b.seed, "bestof-style", artist)
            name = _BEST_OF[h % len(_BEST_OF)].format(a=lib_artist)
            album = b.album(lib_artist, name, last_year + 2 + h % 7, kind="best_of")
            remaster_year = 2009 + h % 10
            style = (h >> 8) % 10  # 0-3: plain titles, 4-9: remaster suffixes
            for src in ordered[:14]:
                if style < 4:
                    _copy(b, album, src, src.title, "best_of", "best_of")
                else:
                    _copy(b, album, src, src.title + _remaster_suffix(style, remaster_year), "remaster", "best_of")
        if chance(10, b.seed, "live", artist):
            h = stable_hash(b.seed, "live-style", artist)
            venue = _VENUES[h % len(_VENUES)]
            name = (f"Live at {venue}", f"{lib_artist} Live", "Unplugged", f"Live in {1970 + h % 40}")[(h >> 4) % 4]
            album = b.album(lib_artist, name, last_year + 1 + h % 5, kind="live")
            suffix = (" (Live)", " - Live", f" (Live at {venue})", "")[(h >> 8) % 4]
            for src in ordered[:10]:
                _copy(b, album, src, src.title + suffix, "live", "live_album", extra_ms=25_000 + h % 40_000)


def _deluxe_editions(b: LibraryBuilder) -> None:
    for album in list(b.albums.values()):
        if album.kind != "album" or album.album_artist == VA or len(album.tracks) < 5:
            continue
        if not chance(6, b.seed, "deluxe", album.key):
            continue
        h = stable_hash(b.seed, "deluxe-style", album.key)
        edition = ("Deluxe Edition", "Remastered", "Super Deluxe", "Expanded Edition")[h % 4]
        year = 2009 + h % 12
        new = b.album(album.album_artist, f"{album.title} ({edition})", year, kind="deluxe")
        remastered = (h >> 4) % 3 != 0
        for src in list(album.tracks):
            if remastered:
                _copy(b, new, src, src.title + _remaster_suffix(h >> 6, year), "remaster", "deluxe")
            else:
                _copy(b, new, src, src.title, "original", "deluxe")
        for i in range(1 + (h >> 10) % 3):
            src = album.tracks[(h >> (12 + i)) % len(album.tracks)]
            label, version = _BONUS[(h >> (14 + 2 * i)) % len(_BONUS)]
            _copy(b, new, src, f"{src.title} ({label})", version, "deluxe")


def _single_variants(b: LibraryBuilder) -> None:
    for album in list(b.albums.values()):
        if album.kind != "single" or not album.tracks or album.tracks[0].tags["source"] != "hot100":
            continue
        src = album.tracks[0]
        roll = stable_hash(b.seed, "single-var", album.key) % 100
        if roll < 10:
            _copy(b, album, src, f"{src.title} (Radio Edit)", "radio_edit", "single", extra_ms=-30_000)
        elif roll < 15:
            _copy(b, album, src, f"{src.title} (Remix)", "remix", "single", extra_ms=40_000)
        elif roll < 18:
            _copy(b, album, src, f"{src.title} (Acoustic Version)", "acoustic", "single")


def _karaoke(b: LibraryBuilder) -> None:
    for src in list(b.tracks):
        tags = src.tags
        if tags["source"] != "hot100" or tags["version"] != "original":
            continue
        if not chance(1, b.seed, "karaoke", tags["song_id"]):
            continue
        year = src.year or 2000
        album = b.album("Party Tyme Karaoke", f"Karaoke Hits {year}", year, kind="karaoke")
        title = (f"{tags['title']} (Made Famous by {tags['artist']})" if src.rating_key % 2
                 else f"{tags['title']} (Karaoke Version)")
        new = make_tags("karaoke", tags["artist"], tags["title"], version="karaoke", release="karaoke")
        b.add(album, title, track_artist=None, tags=new, duration_ms=src.duration_ms)


def _taylors_versions(b: LibraryBuilder) -> None:
    for album in list(b.albums.values()):
        if not album.tracks or album.tracks[0].tags["artist"] != "Taylor Swift" or album.kind != "album":
            continue
        if album.title not in ("Fearless", "Red", "Speak Now", "1989"):
            continue
        new = b.album(album.album_artist, f"{album.title} (Taylor's Version)", 2021 + len(album.title) % 3,
                      kind="reissue")
        for src in list(album.tracks):
            _copy(b, new, src, f"{src.title} (Taylor's Version)", "taylors_version", "reissue", extra_ms=2_000)


def add_versions(b: LibraryBuilder) -> None:
    """Add every kind of version copy listed in the module docstring to ``b``."""
    _best_ofs_and_live(b)
    _deluxe_editions(b)
    _single_variants(b)
    _karaoke(b)
    _taylors_versions(b)
