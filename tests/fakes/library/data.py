"""Reading the shared real-music data (``<repo>/../shared/data``) for the test library.

The five sources are described in ``/work/shared/data/README.md``: Billboard Hot 100 songs
and Billboard 200 albums (chart facts, artist credits written without diacritics,
"Featuring" credits), uspop2002 track lists (real albums with track numbers, lower-cased
artists, apostrophes lost), Eurovision entries (non-English titles with diacritics) and
the FiveThirtyEight classic-rock song list. Files are read once per directory and cached;
nothing here is copied into the repository.

Also holds the small string helpers the builder and the evaluation generator share:
:func:`loose_key` (an identity key for de-duplicating names across sources, NOT the
matcher's normalisation) and :func:`split_credit` (Billboard's "A Featuring B").
"""

from __future__ import annotations

import csv
import os
import re
import zlib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from anyascii import anyascii

REPO_ROOT = Path(__file__).resolve().parents[3]
#: Default location of the shared data: ``<repo>/../shared/data``; the environment
#: variable ``PLEX_COMPLETER_SHARED_DATA`` overrides it.
DATA_DIR = Path(os.environ.get("PLEX_COMPLETER_SHARED_DATA") or REPO_ROOT.parent / "shared" / "data")

REQUIRED_FILES = (
    "billboard_hot100_songs.csv",
    "billboard200_albums.csv",
    "uspop2002_tracks.tsv",
    "eurovision_entries.csv",
    "classic_rock_songs.csv",
)


def resolve_data_dir(data_dir: Path | str | None = None) -> Path:
    """Return the shared-data directory: ``data_dir`` if given, else :data:`DATA_DIR`."""
    return Path(data_dir) if data_dir is not None else DATA_DIR


def missing_data(data_dir: Path | str | None = None) -> list[str]:
    """Names of the required source files absent from the shared-data directory."""
    root = resolve_data_dir(data_dir)
    return [name for name in REQUIRED_FILES if not (root / name).is_file()]


def require_shared_data(data_dir: Path | str | None = None) -> Path:
    """Return the shared-data directory, or ``pytest.skip`` the calling test when absent.

    The skip reason reads ``"…/shared/data not found: <path> (missing: <files>)"``.
    """
    root = resolve_data_dir(data_dir)
    missing = missing_data(root)
    if missing:
        import pytest

        pytest.skip(f"…/shared/data not found: {root} (missing: {', '.join(missing)})")
    return root


def stable_hash(*parts: object) -> int:
    """A process-independent 32-bit hash (``hash(str)`` is salted per process)."""
    return zlib.crc32("\x1f".join(str(p) for p in parts).encode("utf-8"))


def chance(percent: float, *parts: object) -> bool:
    """Deterministic coin: True for ``percent`` % of the distinct ``parts`` tuples."""
    return stable_hash(*parts) % 10_000 < percent * 100


_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@cache
def loose_key(text: str) -> str:
    """Identity key for names across sources: ASCII-folded, lower-case, ``&`` read as
    "and", a leading "the" dropped, only letters and digits kept ("AC/DC" and "ac dc"
    give "acdc"; "There's" and "There s" give "theres")."""
    s = anyascii(text).lower().replace("&", " and ")
    s = re.sub(r"^\s*the\s+", "", s)
    return _NON_ALNUM.sub("", s)


# " X " joins collaborations on modern charts ("Black Eyed Peas X Shakira"); it needs the
# spaces on both sides, so "Lil Nas X" and "X Ambassadors" stay whole.
_FEATURING = re.compile(r"\s+(?:featuring|feat\.?|ft\.)\s+", re.IGNORECASE)
_COLLAB_X = re.compile(r"\s+[Xx]\s+(?=[A-Z0-9])")


@cache
def split_credit(credit: str) -> tuple[str, tuple[str, ...]]:
    """Split a Billboard credit into (main artist, featured artists).

    Only "Featuring"/"feat."/"ft."/" X " split: "With" and "&" usually join a band's own name
    ("Elvis Presley With The Jordanaires", "Earth, Wind & Fire"), so they are kept.
    Featured lists are split on ", " and " & " ("A Featuring B, C & D" -> [B, C, D]).
    """
    parts = _FEATURING.split(credit, maxsplit=1)
    main = parts[0].strip()
    featured: tuple[str, ...] = ()
    if len(parts) > 1:
        featured = tuple(f.strip() for f in re.split(r",\s*|\s+&\s+", parts[1]) if f.strip())
    collab = _COLLAB_X.split(main, maxsplit=1)
    if len(collab) > 1:
        main, featured = collab[0].strip(), (collab[1].strip(), *featured)
    return main, featured


# Billboard writes these names without their diacritics; real tags and LLMs often keep
# them (README of the shared data: "Billboard writes some names without diacritics").
DIACRITIC_NAMES = {
    loose_key(n): n
    for n in (
        "Beyoncé", "Céline Dion", "Michael Bublé", "Sinéad O'Connor", "Mötley Crüe",
        "Blue Öyster Cult", "Björk", "José Feliciano", "Motörhead", "Måneskin",
        "Rosalía", "Tiësto", "Janelle Monáe", "Beyoncé Knowles", "Chloé", "Zoë",
    )
}


@dataclass(frozen=True, slots=True)
class HotSong:
    """One Billboard Hot 100 song (``first_week`` ISO date, ``peak`` chart position)."""

    idx: int
    title: str
    credit: str
    first_week: str
    peak: int
    weeks: int

    @property
    def year(self) -> int:
        return int(self.first_week[:4])


@dataclass(frozen=True, slots=True)
class ChartAlbum:
    """One Billboard 200 album (``first_week`` ISO date)."""

    idx: int
    title: str
    artist: str
    first_week: str
    peak: int

    @property
    def year(self) -> int:
        return int(self.first_week[:4])


@dataclass(frozen=True, slots=True)
class UspopTrack:
    """One uspop2002 file: raw (messy) artist/album/title, track number from the path."""

    idx: int
    artist: str
    album: str
    title: str
    track_number: int | None


@dataclass(frozen=True, slots=True)
class EuroEntry:
    """One Eurovision entry (performer, song with diacritics, contest year)."""

    idx: int
    year: int
    country: str
    performer: str
    song: str


@dataclass(frozen=True, slots=True)
class RockSong:
    """One FiveThirtyEight classic-rock song (``year`` None when the list has none)."""

    idx: int
    title: str
    artist: str
    year: int | None


@dataclass(frozen=True)
class Sources:
    """All five sources, in file order."""

    hot100: tuple[HotSong, ...]
    albums: tuple[ChartAlbum, ...]
    uspop: tuple[UspopTrack, ...]
    eurovision: tuple[EuroEntry, ...]
    classic_rock: tuple[RockSong, ...]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


_TRACK_NO = re.compile(r"/(\d{1,3})-[^/]*$")


@lru_cache(maxsize=4)
def _load(root: str) -> Sources:
    base = Path(root)
    hot = tuple(
        HotSong(i, r["title"].strip(), r["artist"].strip(), r["first_chart_week"],
                int(r["peak_position"] or 100), int(r["weeks_on_chart"] or 1))
        for i, r in enumerate(_rows(base / "billboard_hot100_songs.csv"))
    )
    albums = tuple(
        ChartAlbum(i, " ".join(r["album"].split()), r["artist"].strip(), r["first_chart_week"],
                   int(r["peak_position"] or 200))
        for i, r in enumerate(_rows(base / "billboard200_albums.csv"))
    )
    uspop = []
    with (base / "uspop2002_tracks.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 5:
                continue
            m = _TRACK_NO.search(cols[4])
            uspop.append(UspopTrack(int(cols[0]), cols[1].strip(), cols[2].strip(),
                                    cols[3].strip(), int(m.group(1)) if m else None))
    euro = tuple(
        EuroEntry(i, int(r["year"]), r["country"], r["performer"].strip(), r["song"].strip())
        for i, r in enumerate(_rows(base / "eurovision_entries.csv"))
        if r["performer"].strip() and r["song"].strip()
    )
    rock = tuple(
        RockSong(i, r["Song Clean"].strip(), r["ARTIST CLEAN"].strip(),
                 int(r["Release Year"]) if r["Release Year"].strip().isdigit() else None)
        for i, r in enumerate(_rows(base / "classic_rock_songs.csv"))
        if r["Song Clean"].strip() and r["ARTIST CLEAN"].strip()
    )
    return Sources(hot, albums, tuple(uspop), euro, rock)


def load_sources(data_dir: Path | str | None = None) -> Sources:
    """Read (once per directory, cached) the five shared-data sources.

    Raises ``FileNotFoundError`` when a file is absent; tests call
    :func:`require_shared_data` first to skip instead.
    """
    root = resolve_data_dir(data_dir)
    missing = missing_data(root)
    if missing:
        raise FileNotFoundError(f"shared data not found in {root}: missing {', '.join(missing)}")
    return _load(str(root.resolve()))
