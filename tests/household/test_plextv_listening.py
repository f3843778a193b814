"""Per-account play history and playlist privacy on the PMS emulator, read through the
household client and plexapi."""

from __future__ import annotations

import pytest
import requests
from plexapi.exceptions import NotFound, Unauthorized
from plexapi.server import PlexServer

from plex_completer.plex.errors import PlexUnauthorized
from plex_completer.plex.household import recent_listening, sample_from_rows
from tests.plex_emulator.conftest import CLOCK

DAY = 86400


@pytest.fixture
def plays(pms, household, monkeypatch):
    """Bob played Queen a lot and the Beatles once; Alice (the owner) played Björk; one
    old Bob play falls outside the window."""
    monkeypatch.setattr("plex_completer.plex.household.time.time", lambda: CLOCK)
    bob = household.home.id
    for n, key in enumerate([1015, 1015, 1015, 1016, 1017, 1008, 1015]):
        pms.add_play(key, bob, viewed_at=CLOCK - 3600 * (n + 1))
    pms.add_play(1001, 1, viewed_at=CLOCK - 100)
    pms.add_play(1002, 1, viewed_at=CLOCK - 200)
    pms.add_play(1008, bob, viewed_at=CLOCK - 40 * DAY)


def test_recent_listening_counts_one_accounts_tracks_in_the_window(settings, pms, household, plays):
    sample = recent_listening(settings, pms.token, household.home.id, days=30, limit=2)
    assert sample.plays == 7
    assert sample.top_artists == [("Queen", 6), ("The Beatles", 1)]
    assert sample.top_tracks == [("Queen", "Bohemian Rhapsody", 4), ("Queen", "You're My Best Friend", 1)]
    owner = recent_listening(settings, pms.token, 1, days=30, limit=5)
    assert owner.top_artists == [("Björk", 2)] and owner.plays == 2
    history = [r for r in pms.requests if r.path == "/status/sessions/history/all"]
    assert history and history[0].query["accountID"] == [str(household.home.id)]
    assert history[0].query["sort"] == ["viewedAt:desc"]
    assert history[0].headers["X-Plex-Container-Size"] == "500"


def test_track_artist_counts_on_compilations(settings, pms, household, monkeypatch):
    monkeypatch.setattr("plex_completer.plex.household.time.time", lambda: CLOCK)
    for key in (1012, 1012, 1013):  # "Now 1999" by Various Artists: Cher, Lou Bega
        pms.add_play(key, household.friend.id, viewed_at=CLOCK - 10)
    sample = recent_listening(settings, pms.token, household.friend.id, days=7, limit=5)
    assert sample.top_artists == [("Cher", 2), ("Lou Bega", 1)]


def test_history_pages_until_the_total(settings, pms, household, monkeypatch):
    monkeypatch.setattr("plex_completer.plex.household.time.time", lambda: CLOCK)
    for n in range(1203):
        pms.add_play(1001 + n % 21, household.managed.id, viewed_at=CLOCK - n - 1)
    sample = recent_listening(settings, pms.token, household.managed.id, days=1, limit=3)
    assert sample.plays == 1203
    pages = [r for r in pms.requests if r.path == "/status/sessions/history/all"]
    assert [r.headers["X-Plex-Container-Start"] for r in pages] == ["0", "500", "1000"]


def test_history_is_for_the_server_admin_only(settings, pms, household, plays):
    with pytest.raises(PlexUnauthorized):
        recent_listening(settings, household.home.server_token, household.home.id, days=30, limit=5)
    bob = PlexServer(pms.url, household.home.server_token, timeout=5)
    with pytest.raises(Unauthorized):
        bob.history()
    owner = PlexServer(pms.url, pms.token, timeout=5)
    entries = owner.history(accountID=household.home.id, maxresults=3)
    assert [e.title for e in entries] == ["Bohemian Rhapsody"] * 3 and entries[0].accountID == household.home.id


def test_playlists_are_private_to_the_tokens_account(pms, household):
    alice = PlexServer(pms.url, pms.token, timeout=5)
    bob = PlexServer(pms.url, household.home.server_token, timeout=5)
    carol = PlexServer(pms.url, household.friend.server_token, timeout=5)
    tracks = alice.library.section("Music").searchTracks(maxresults=3)
    mine = alice.createPlaylist("Alice's", items=tracks)
    bobs = bob.createPlaylist("Bob's", items=tracks[:1])
    assert [p.title for p in alice.playlists()] == ["Alice's"]
    assert [p.title for p in bob.playlists()] == ["Bob's"]
    assert carol.playlists() == []
    for key in (mine.ratingKey, bobs.ratingKey):
        assert requests.get(f"{pms.url}/playlists/{key}", headers={"X-Plex-Token": household.friend.server_token},
                            timeout=5).status_code == 404
    with pytest.raises(NotFound):
        carol.fetchItem(f"/playlists/{bobs.ratingKey}")
    headers = {"X-Plex-Token": pms.token}
    for method in ("delete", "put"):
        assert requests.request(method, f"{pms.url}/playlists/{bobs.ratingKey}?title=x", headers=headers,
                                timeout=5).status_code == 404
    assert requests.get(f"{pms.url}/playlists/{bobs.ratingKey}/items", headers=headers, timeout=5).status_code == 404
    # A second server token of Bob's account (e.g. from a later sign-in) sees the same playlists.
    pms.register_account("bob-second-token", household.home.id, "Bob")
    assert [p.title for p in PlexServer(pms.url, "bob-second-token", timeout=5).playlists()] == ["Bob's"]


def test_removed_users_token_is_refused_by_the_server(pms, household):
    token = household.friend.server_token
    household.revoke(household.friend)
    assert requests.get(f"{pms.url}/playlists", headers={"X-Plex-Token": token}, timeout=5).status_code == 401


def test_sample_caps_and_keeps_recent_first_among_ties():
    rows = [("B", "x"), ("A", "y"), ("B", "z"), ("A", "y"), ("", "nameless"), ("C", "")]
    sample = sample_from_rows(rows, 2)
    assert sample.top_artists == [("B", 2), ("A", 2)]
    assert sample.top_tracks == [("A", "y", 2), ("B", "x", 1)]
    assert sample.plays == 6
