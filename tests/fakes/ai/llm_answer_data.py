"""Real chart songs that the emulated LLMs draw their answers from.

Reads ``../shared/data`` relative to the repository root (never copied into the repo;
see that folder's README): the Billboard Hot 100 songs (year = year of the first chart
week), the FiveThirtyEight classic-rock list and the Eurovision entries, plus the
Billboard 200 albums to give a song a plausible album (the artist's charting album of
the same or a later year, else ``"<Title> - Single"``, the way Apple Music / iTunes
name single releases).

When the folder is absent, :data:`FALLBACK_SONGS` (30 well-known songs) keeps the
emulators working; :func:`shared_data_available` tells tests whether to skip the checks
that need real data.
"""

from __future__ import annotations

import bisect
import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "data"


@dataclass(frozen=True)
class Song:
    """A real song: ``year`` is its first chart / release year; ``rank`` is lower for
    more popular songs (Hot 100 peak position; 50 for lists without a peak);
    ``source`` is ``"hot100"``, ``"classic_rock"``, ``"eurovision"`` or ``"fallback"``."""

    artist: str
    title: str
    year: int | None
    source: str
    rank: int = 50
    album: str | None = None


# (artist, title, album, year) of 30 well-known songs, used only without shared data.
FALLBACK_SONGS: list[Song] = [
    Song(a, t, y, "fallback", 1, al)
    for a, t, al, y in [
        ("Queen", "Bohemian Rhapsody", "A Night at the Opera", 1975),
        ("Michael Jackson", "Billie Jean", "Thriller", 1983),
        ("Prince", "When Doves Cry", "Purple Rain", 1984),
        ("Madonna", "Like a Virgin", "Like a Virgin", 1984),
        ("a-ha", "Take On Me", "Hunting High and Low", 1985),
        ("Tears for Fears", "Everybody Wants to Rule the World", "Songs from the Big Chair", 1985),
        ("Dire Straits", "Money for Nothing", "Brothers in Arms", 1985),
        ("Whitney Houston", "I Wanna Dance with Somebody (Who Loves Me)", "Whitney", 1987),
        ("Bon Jovi", "Livin' on a Prayer", "Slippery When Wet", 1986),
        ("Eurythmics", "Sweet Dreams (Are Made of This)", "Sweet Dreams (Are Made of This)", 1983),
        ("The Police", "Every Breath You Take", "Synchronicity", 1983),
        ("Cyndi Lauper", "Girls Just Want to Have Fun", "She's So Unusual", 1983),
        ("Fleetwood Mac", "Dreams", "Rumours", 1977),
        ("Eagles", "Hotel California", "Hotel California", 1976),
        ("Led Zeppelin", "Stairway to Heaven", "Led Zeppelin IV", 1971),
        ("The Beatles", "Hey Jude", "Hey Jude", 1968),
        ("The Rolling Stones", "(I Can't Get No) Satisfaction", "Out of Our Heads", 1965),
        ("Nirvana", "Smells Like Teen Spirit", "Nevermind", 1991),
        ("Whitney Houston", "I Will Always Love You", "The Bodyguard", 1992),
        ("Oasis", "Wonderwall", "(What's the Story) Morning Glory?", 1995),
        ("TLC", "Waterfalls", "CrazySexyCool", 1995),
        ("Britney Spears", "...Baby One More Time", "...Baby One More Time", 1999),
        ("OutKast", "Hey Ya!", "Speakerboxxx/The Love Below", 2003),
        ("Beyoncé", "Crazy in Love (feat. Jay-Z)", "Dangerously in Love", 2003),
        ("The Killers", "Mr. Brightside", "Hot Fuss", 2004),
        ("Adele", "Rolling in the Deep", "21", 2011),
        ("Daft Punk", "Get Lucky (feat. Pharrell Williams)", "Random Access Memories", 2013),
        ("Mark Ronson", "Uptown Funk (feat. Bruno Mars)", "Uptown Special", 2014),
        ("Ed Sheeran", "Shape of You", "÷", 2017),
        ("The Weeknd", "Blinding Lights", "After Hours", 2019),
    ]
]


def shared_data_available() -> bool:
    """True when the Hot 100 file of the shared data folder exists."""
    return (DATA_DIR / "billboard_hot100_songs.csv").is_file()


def _year(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text[:4]) if text[:4].isdigit() else None


def _rows(name: str) -> list[dict[str, str]]:
    path = DATA_DIR / name
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def load_songs() -> tuple[Song, ...]:
    """All songs of the shared data (cached; ~36k rows, ~0.3 s), or the fallback list."""
    songs: list[Song] = []
    for r in _rows("billboard_hot100_songs.csv"):
        songs.append(Song(r["artist"], r["title"], _year(r["first_chart_week"]), "hot100",
                          int(r["peak_position"] or 100)))
    for r in _rows("classic_rock_songs.csv"):
        songs.append(Song(r["ARTIST CLEAN"], r["Song Clean"], _year(r["Release Year"]), "classic_rock",
                          max(1, 60 - min(int(r["PlayCount"] or 0), 59))))
    for r in _rows("eurovision_entries.csv"):
        place = r.get("place_final") or ""
        songs.append(Song(r["performer"], r["song"], _year(r["year"]), "eurovision",
                          int(place) if place.isdigit() else 40))
    return tuple(songs) if songs else tuple(FALLBACK_SONGS)


@lru_cache(maxsize=1)
def _albums_by_artist() -> dict[str, tuple[list[int], list[str]]]:
    """Lower-cased artist -> (sorted first-chart years, album titles) from the Billboard 200."""
    table: dict[str, list[tuple[int, str]]] = {}
    for r in _rows("billboard200_albums.csv"):
        y = _year(r["first_chart_week"])
        if y is not None and r["album"]:
            table.setdefault(r["artist"].lower(), []).append((y, r["album"].replace("\n", " ")))
    out = {}
    for artist, items in table.items():
        items.sort()
        out[artist] = ([y for y, _ in items], [a for _, a in items])
    return out


def album_for(song: Song) -> str:
    """A plausible album: the artist's first Billboard 200 album charting in or after the
    song's year (albums usually follow their lead single), else ``"<Title> - Single"``."""
    if song.album:
        return song.album
    entry = _albums_by_artist().get(song.artist.lower())
    if entry and song.year is not None:
        years, titles = entry
        i = bisect.bisect_left(years, song.year)
        if i < len(titles) and years[i] - song.year <= 1:
            return titles[i]
    return f"{song.title} - Single"


def other_album_of(artist: str, exclude: str) -> str | None:
    """Another album of ``artist`` (for the "wrong album" slips LLMs make), or None."""
    entry = _albums_by_artist().get(artist.lower())
    if not entry:
        return None
    for title in entry[1]:
        if title != exclude:
            return title
    return None
