"""A realistic, deterministic test music library built from the shared real data.

``build_library(size, seed, data_dir)`` returns :class:`~tests.fakes.library.model.FakeTrack`
rows for the Plex emulator, the library-index tests, the matching evaluation and the
benchmarks:

* ``"small"`` (~2,000 tracks, < 1 s): every source, restricted to a deterministic subset of
  artists plus a fixed list of artists whose names exercise matching rules
  (:data:`ANCHOR_ARTISTS`: Beyoncé, Jay-Z, Earth, Wind & Fire, Lil Nas X, ...).
* ``"full"`` (all sources, ~60,000 tracks): real uspop2002 albums with their track numbers;
  every Billboard Hot 100 song on a Billboard 200 album of its artist from the same
  years or on a "<Title> - Single"; Billboard 200 "Various Artists" albums filled with hits
  of their years; Eurovision entries; classic-rock songs; then best-ofs, live albums,
  deluxe editions, radio edits, karaoke copies and Taylor's Versions
  (:mod:`tests.fakes.library.versions`).
* ``"scaled"`` (~200,000 tracks): the full library plus deterministic variations of it
  (:mod:`tests.fakes.library.scaled`).

Tags carry the messiness of real libraries: lower-cased uspop artists left partly unfixed,
"feat." credits in the track artist (``originalTitle``) or in the title, "The " dropped,
"&" versus "and", diacritics dropped or kept, inverted names, version suffixes.
``FakeTrack.tags`` records the ground truth for each track::

    {"source": "hot100", "artist": "Beyoncé", "title": "Crazy In Love",
     "featured": ("Jay Z",), "song_id": "beyonce|crazyinlove", "version": "original",
     "release": "album", "perturbations": ("feat_in_title",)}

``song_id`` is shared by every copy of one song (original, remaster, live, ...);
``version`` is one of :data:`VERSIONS`. ratingKeys (tracks, albums, artists) come from
one counter, as Plex's do, so they are unique across all three kinds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from anyascii import anyascii

from tests.fakes.library.data import (
    DATA_DIR,
    DIACRITIC_NAMES,
    ChartAlbum,
    HotSong,
    Sources,
    chance,
    load_sources,
    loose_key,
    require_shared_data,
    resolve_data_dir,
    split_credit,
    stable_hash,
)
from tests.fakes.library.model import FakeTrack

__all__ = [
    "ANCHOR_ARTISTS", "DATA_DIR", "SIZES", "VERSIONS", "build_library", "require_shared_data",
    "resolve_data_dir", "shared_library", "song_id", "summarize",
]

SIZES = ("small", "full", "scaled")
#: Versions recorded in ``tags["version"]``. A suggestion that names no version is
#: satisfied by the first group (the same recording or a re-master/edit of it); the
#: second group differs audibly and is only right when asked for.
VERSIONS = (
    "original", "remaster", "best_of", "compilation", "radio_edit", "single_version",
    "taylors_version",
    "live", "acoustic", "demo", "remix", "instrumental", "karaoke",
)
VA = "Various Artists"

#: Artists always present in the small library: names that exercise matching rules.
ANCHOR_ARTISTS = frozenset(loose_key(a) for a in (
    "Beyonce", "Jay-Z", "Taylor Swift", "The Beatles", "Queen", "Earth, Wind & Fire",
    "Florence + The Machine", "Lil Nas X", "X Ambassadors", "Mumford & Sons",
    "Crosby, Stills, Nash & Young", "Led Zeppelin", "Eagles", "ABBA", "Celine Dion",
    "Michael Buble", "Motley Crue", "Marvin Gaye", "Carpenters", "U2", "Toni Braxton",
    "Next", "The Rolling Stones", "Simon & Garfunkel", "Hall & Oates", "Daryl Hall John Oates",
))
_SMALL_PERCENT = 1.2  # share of the other artists kept in "small" (tuned for ~2,000 tracks)
_SMALL_VA_PERCENT = 0.35


def song_id(artist: str, title: str) -> str:
    """Ground-truth identity of a song: ``loose_key(main artist) | loose_key(title)``."""
    return f"{loose_key(artist)}|{loose_key(title)}"


@dataclass
class AlbumState:
    """An album being filled: its ratingKey, album artist and next free track number."""

    key: int
    artist_key: int
    title: str
    album_artist: str
    year: int | None
    tracks: list[FakeTrack] = field(default_factory=list)
    kind: str = "album"


class SourceIndexes:
    """Seed-independent lookups over the sources, built once per loaded data directory.

    ``canonical``: loose key -> the name an LLM would write (Billboard's spelling, with the
    diacritics of :data:`DIACRITIC_NAMES` restored); ``albums_by_artist``: loose artist key
    -> Billboard 200 albums; ``chart_albums``: (artist key, album key) -> album;
    ``hot_index``: (artist key, title key) -> first Hot 100 song; ``hot_credit``: per Hot 100
    song, (main artist, featured artists, canonical main artist).
    """

    def __init__(self, src: Sources) -> None:
        self.src = src
        names: dict[str, str] = {}
        for a in src.albums:
            names.setdefault(loose_key(a.artist), a.artist)
        for s in src.hot100:
            names.setdefault(loose_key(split_credit(s.credit)[0]), split_credit(s.credit)[0])
        for key, name in DIACRITIC_NAMES.items():
            if key in names:
                names[key] = name
        self.canonical = names
        self._canon_cache: dict[str, str] = {}
        self.albums_by_artist: dict[str, list[ChartAlbum]] = defaultdict(list)
        self.chart_albums: dict[tuple[str, str], ChartAlbum] = {}
        for a in src.albums:
            if a.artist != VA:
                self.albums_by_artist[loose_key(a.artist)].append(a)
                self.chart_albums.setdefault((loose_key(a.artist), loose_key(a.title)), a)
        self.hot_credit: list[tuple[str, tuple[str, ...], str]] = []
        self.hot_index: dict[tuple[str, str], HotSong] = {}
        for s in src.hot100:
            main, featured = split_credit(s.credit)
            canonical = self.canonical_artist(main)
            self.hot_credit.append((main, featured, canonical))
            self.hot_index.setdefault((loose_key(canonical), loose_key(s.title)), s)

    def canonical_artist(self, raw: str) -> str:
        """``raw`` as Billboard spells it (diacritics restored), trying the loose key and
        the loose key without "and" ("blood sweat tears"); else ``raw`` itself."""
        hit = self._canon_cache.get(raw)
        if hit is None:
            key = loose_key(raw)
            hit = self.canonical.get(key) or self.canonical.get(key.replace("and", ""))
            hit = hit or DIACRITIC_NAMES.get(key, raw)
            self._canon_cache[raw] = hit
        return hit


_INDEXES: dict[int, SourceIndexes] = {}


def source_indexes(src: Sources) -> SourceIndexes:
    """The cached :class:`SourceIndexes` of ``src`` (sources are cached per directory)."""
    ix = _INDEXES.get(id(src))
    if ix is None or ix.src is not src:
        ix = _INDEXES[id(src)] = SourceIndexes(src)
    return ix


class LibraryBuilder:
    """Accumulates artists, albums and tracks with one ratingKey counter.

    Used by the source placers below and by :mod:`tests.fakes.library.versions`; the
    public entry point is :func:`build_library`.
    """

    def __init__(self, src: Sources, seed: int, small: bool) -> None:
        self.src, self.seed, self.small = src, seed, small
        self.ix = source_indexes(src)
        self.next_key = 100
        self.artist_keys: dict[str, int] = {}
        self.albums: dict[tuple[str, str], AlbumState] = {}
        self.tracks: list[FakeTrack] = []
        self.styled: dict[str, tuple[str, tuple[str, ...]]] = {}

    # -- names -------------------------------------------------------------------------
    def canonical_artist(self, raw: str) -> str:
        """The name an LLM would write for ``raw`` (see :meth:`SourceIndexes.canonical_artist`)."""
        return self.ix.canonical_artist(raw)

    def selected(self, artist: str) -> bool:
        """Whether an artist belongs to this library size (always, for "full")."""
        if not self.small:
            return True
        key = loose_key(artist)
        return key in ANCHOR_ARTISTS or chance(_SMALL_PERCENT, self.seed, "small", key)

    def style_artist(self, canonical: str) -> tuple[str, tuple[str, ...]]:
        """How this library spells an album artist, and the perturbations applied.

        One spelling per artist (as Plex groups albums under one artist): diacritics
        dropped (25 %), "The " dropped (25 %), "&" -> "and" (25 %), "And" -> "&" (20 %),
        "Last, First" for two-word names (2 %).
        """
        hit = self.styled.get(canonical)
        if hit is not None:
            return hit
        name, notes = canonical, []
        if name != anyascii(name) and chance(25, self.seed, "nodia", name):
            name, notes = anyascii(name), ["diacritics_dropped"]
        if name.startswith("The ") and chance(25, self.seed, "the", name):
            name = name[4:]
            notes.append("the_dropped")
        if " & " in name and chance(25, self.seed, "amp", name):
            name = name.replace(" & ", " and ")
            notes.append("and_for_ampersand")
        elif " And " in name and chance(20, self.seed, "and", name):
            name = name.replace(" And ", " & ")
            notes.append("ampersand_for_and")
        parts = name.split(" ")
        if (len(parts) == 2 and name.isascii() and all(p.isalpha() for p in parts)
                and chance(2, self.seed, "inv", name)):
            name = f"{parts[1]}, {parts[0]}"
            notes.append("inverted_name")
        result = (name, tuple(notes))
        self.styled[canonical] = result
        return result

    # -- keys, albums, tracks ----------------------------------------------------------
    def new_key(self) -> int:
        key = self.next_key
        self.next_key += 1
        return key

    def album(self, album_artist: str, title: str, year: int | None, kind: str = "album") -> AlbumState:
        """The album (created on first use) titled ``title`` under ``album_artist``."""
        ident = (album_artist, title)
        state = self.albums.get(ident)
        if state is None:
            artist_key = self.artist_keys.get(album_artist)
            if artist_key is None:
                artist_key = self.artist_keys[album_artist] = self.new_key()
            state = AlbumState(self.new_key(), artist_key, title, album_artist, year, kind=kind)
            self.albums[ident] = state
        return state

    def add(self, album: AlbumState, title: str, *, track_artist: str | None, tags: dict,
            track_number: int | None = None, disc: int = 1, duration_ms: int | None = None) -> FakeTrack:
        """Append a track to ``album`` (next track number unless given)."""
        if track_number is None:
            track_number = len(album.tracks) + 1
        if track_artist == album.album_artist:
            track_artist = None  # Plex omits originalTitle when it equals the album artist
        sid = tags.get("song_id", "")
        if duration_ms is None:
            duration_ms = 150_000 + stable_hash(self.seed, "dur", sid) % 210_000
        added = 1_420_000_000 + stable_hash(self.seed, "added", album.key) % 250_000_000 + len(album.tracks)
        track = FakeTrack(
            rating_key=self.new_key(), title=title, album_artist=album.album_artist,
            album=album.title, album_rating_key=album.key, artist_rating_key=album.artist_key,
            track_artist=track_artist, year=album.year, track_number=track_number,
            disc_number=disc, duration_ms=duration_ms, added_at=added,
            updated_at=added + stable_hash(self.seed, "upd", album.key) % 30_000_000, tags=tags,
        )
        album.tracks.append(track)
        self.tracks.append(track)
        return track


def make_tags(source: str, artist: str, title: str, *, featured=(), version="original",
              release="album", perturbations=()) -> dict:
    """The ground-truth record stored in ``FakeTrack.tags`` (see module docstring)."""
    return {
        "source": source, "artist": artist, "title": title, "featured": tuple(featured),
        "song_id": song_id(artist, title), "version": version, "release": release,
        "perturbations": tuple(perturbations),
    }


# -- entry points ------------------------------------------------------------------------
def build_library(size: str = "small", seed: int = 0, data_dir: Path | None = None) -> list[FakeTrack]:
    """Build the test library (see module docstring for sizes and tags).

    Deterministic for a given ``(size, seed)``. ``data_dir`` defaults to
    :data:`~tests.fakes.library.data.DATA_DIR`. Raises ``ValueError`` for an unknown size
    and ``FileNotFoundError`` when the shared data is absent (call
    :func:`require_shared_data` first in tests). Returns a new list of new objects on
    every call, so callers may mutate it.
    """
    if size not in SIZES:
        raise ValueError(f"unknown library size {size!r}; expected one of {SIZES}")
    src = load_sources(data_dir)
    if size == "scaled":
        from tests.fakes.library.scaled import scale_library

        return scale_library(build_library("full", seed, data_dir), seed=seed)
    b = LibraryBuilder(src, seed, small=(size == "small"))
    placed: set[int] = set()
    from tests.fakes.library.sources import (
        place_classic_rock,
        place_compilations,
        place_eurovision,
        place_hot100,
        place_uspop,
    )

    place_uspop(b, b.ix.hot_index, placed, b.ix.chart_albums)
    place_hot100(b, b.ix.albums_by_artist, placed)
    place_classic_rock(b, b.ix.albums_by_artist)
    place_eurovision(b)
    place_compilations(b)
    from tests.fakes.library.versions import add_versions

    add_versions(b)
    from tests.fakes.library.genres import assign_genres

    assign_genres(b.tracks, src)
    return b.tracks


_SHARED: dict[tuple[str, int, str], list[FakeTrack]] = {}


def shared_library(size: str = "small", seed: int = 0, data_dir: Path | None = None) -> list[FakeTrack]:
    """Like :func:`build_library` but built once per process and shared: callers must
    NOT mutate the list or its tracks (tests that do should call :func:`build_library`)."""
    ident = (size, seed, str(resolve_data_dir(data_dir)))
    if ident not in _SHARED:
        _SHARED[ident] = build_library(size, seed, data_dir)
    return _SHARED[ident]


def summarize(tracks: list[FakeTrack]) -> dict:
    """Counts for logging: tracks, albums, album artists, and tracks by source, version
    and perturbation (``{"tracks": 61234, "by_source": {"hot100": ...}, ...}``)."""
    by_pert: Counter = Counter()
    for t in tracks:
        by_pert.update(t.tags.get("perturbations", ()))
    return {
        "tracks": len(tracks),
        "albums": len({t.album_rating_key for t in tracks}),
        "album_artists": len({t.artist_rating_key for t in tracks}),
        "by_source": dict(Counter(t.tags.get("source", "?") for t in tracks).most_common()),
        "by_version": dict(Counter(t.tags.get("version", "?") for t in tracks).most_common()),
        "by_perturbation": dict(by_pert.most_common()),
    }
