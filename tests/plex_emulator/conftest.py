"""Fixtures for the Plex emulator tests: a hand-made 21-track library (with non-ASCII
names, a compilation with track artists, and XML-special characters), a started emulator
on a fixed clock, and a real plexapi client connected to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from plexapi.server import PlexServer

from tests.fakes.library.model import FakeTrack
from tests.fakes.plex.server import PlexEmulator

SHARED_XML = Path(__file__).resolve().parents[2].parent / "shared" / "plex-xml"
CLOCK = 1_700_000_000
BASE_ADDED = 1_600_000_000

# (artist ratingKey, album artist, album ratingKey, album, year, [(title, track artist)])
_ALBUMS = [
    (101, "Björk", 201, "Debut", 1993,
     [("Human Behaviour", None), ("Venus as a Boy", None), ("Big Time Sensuality", None)]),
    (102, "Mötley Crüe", 202, "Dr. Feelgood", 1989, [("Dr. Feelgood", None), ("Kickstart My Heart", None)]),
    (103, "坂本龍一", 203, "音楽図鑑", 1984, [("Tibetan Dance", None), ("羽の林で", None)]),
    (104, "The Beatles", 204, "Abbey Road", 1969,
     [("Come Together", None), ("Something", None), ("Here Comes the Sun", None), ("Octopus's Garden", None)]),
    (105, "Various Artists", 205, "Now 1999", 1999,
     [("Believe", "Cher"), ("Mambo No. 5", "Lou Bega"), ("No Scrubs", "TLC")]),
    (106, "Queen", 206, "A Night at the Opera", 1975,
     [("Bohemian Rhapsody", None), ("You're My Best Friend", None), ("Love of My Life", None)]),
    (107, "AC/DC", 207, "Back in Black", 1980,
     [("Hells Bells", None), ("Back in Black", None), ("You Shook Me All Night Long", None)]),
    (108, "Simon & Garfunkel", 208, "Bridge Over Troubled Water", 1970,
     [("Bridge Over Troubled Water", None)]),
]


def make_library() -> list[FakeTrack]:
    """21 tracks with ratingKeys 1001..1021, added one per 1000 s from BASE_ADDED."""
    tracks, rk = [], 1001
    for artist_rk, artist, album_rk, album, year, songs in _ALBUMS:
        for n, (title, track_artist) in enumerate(songs, start=1):
            at = BASE_ADDED + (rk - 1001) * 1000
            tracks.append(FakeTrack(rating_key=rk, title=title, album_artist=artist, album=album,
                                    album_rating_key=album_rk, artist_rating_key=artist_rk,
                                    track_artist=track_artist, year=year, track_number=n,
                                    duration_ms=180_000 + n * 1000, added_at=at, updated_at=at))
            rk += 1
    return tracks


@pytest.fixture
def tracks() -> list[FakeTrack]:
    return make_library()


@pytest.fixture
def emu(tracks):
    with PlexEmulator(tracks, now=CLOCK, tokens={"second-user-token": "guest"}) as e:
        yield e


@pytest.fixture
def plex(emu) -> PlexServer:
    return PlexServer(emu.url, emu.token, timeout=5)


@pytest.fixture
def music(plex):
    return plex.library.section("Music")


def by_key(tracks: list[FakeTrack]) -> dict[int, FakeTrack]:
    return {t.rating_key: t for t in tracks}
