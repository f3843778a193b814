"""Fixtures for the Plex layer: a small emulated music section and an app pointed at it.

The library is synthetic (a few hundred tracks made here, no shared data needed) so the
tests run in seconds; the emulator clock is fixed so incremental-sync cursors are exact.
"""

from __future__ import annotations

import pytest

from tests.fakes.library.model import FakeTrack
from tests.fakes.plex.server import PlexEmulator

START_EPOCH = 1_700_000_000
TRACK_COUNT = 230


def make_tracks(n: int = TRACK_COUNT, first_key: int = 1000, added_at: int = START_EPOCH - 86_400) -> list[FakeTrack]:
    """``n`` tracks on albums of 10 by artists of 3 albums; every 7th has a featured track artist."""
    tracks = []
    for i in range(n):
        album_no, artist_no = i // 10, i // 30
        tracks.append(
            FakeTrack(
                rating_key=first_key + i,
                title=f"Song {i} & More",
                album_artist=f"Artist {artist_no}",
                album=f"Album {album_no}",
                album_rating_key=100 + album_no,
                artist_rating_key=10 + artist_no,
                track_artist=f"Artist {artist_no} feat. Guest {i}" if i % 7 == 0 else None,
                year=1980 + album_no % 40,
                track_number=i % 10 + 1,
                duration_ms=180_000 + i,
                added_at=added_at + i,
                updated_at=added_at + i,
            )
        )
    return tracks


@pytest.fixture
def tracks() -> list[FakeTrack]:
    return make_tracks()


@pytest.fixture
def emu(tracks):
    """A started emulator holding :func:`tracks`, clock fixed at :data:`START_EPOCH`."""
    emulator = PlexEmulator(tracks, now=START_EPOCH).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def plex_app(make_app, emu):
    """An app (in an app context) whose PLEX_URL/PLEX_TOKEN point at :func:`emu`."""
    app = make_app(PLEX_URL=emu.url, PLEX_TOKEN=emu.token, PLEX_TIMEOUT=5)
    with app.app_context():
        yield app


@pytest.fixture
def settings(plex_app):
    return plex_app.config["SETTINGS"]


def with_settings(settings, **changes):
    """A copy of ``settings`` with ``changes`` (Settings is frozen)."""
    from pydantic import SecretStr

    if "PLEX_TOKEN" in changes and isinstance(changes["PLEX_TOKEN"], str):
        changes["PLEX_TOKEN"] = SecretStr(changes["PLEX_TOKEN"])
    return settings.model_copy(update=changes)
