"""The emulator's library endpoints, driven through the real plexapi client."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
from plexapi.audio import Album, Artist, Track
from plexapi.exceptions import NotFound

from tests.fakes.library.model import FakeTrack
from tests.plex_emulator.conftest import BASE_ADDED, CLOCK, by_key


def _section_pages(emu, type_="10"):
    """``X-Plex-Container-Start`` of each listing request for ``type_``."""
    return [int(r.headers.get("X-Plex-Container-Start", -1)) for r in emu.requests
            if r.path == "/library/sections/1/all" and r.query.get("type") == [type_]
            and "includeMeta" not in r.query]


def test_server_identity(plex, emu):
    assert plex.friendlyName == "Test Plex"
    assert plex.machineIdentifier == emu.machine_identifier
    assert plex.version == "1.40.2.8395-c67dce28e"
    assert plex.myPlex is True and plex.platform == "Linux"
    ident = plex.identity()
    assert ident.machineIdentifier == emu.machine_identifier


def test_identity_needs_no_token(emu):
    r = requests.get(f"{emu.url}/identity", timeout=5)
    assert r.status_code == 200
    assert f'machineIdentifier="{emu.machine_identifier}"' in r.text


def test_sections_list_music_and_extra_sections(plex, emu):
    emu.add_section(2, "Movies", "movie")
    sections = {s.title: s for s in plex.library.sections()}
    assert set(sections) == {"Music", "Movies"}
    music = sections["Music"]
    assert music.type == "artist" and music.key == 1
    assert music.agent == "tv.plex.agents.music" and music.scanner == "Plex Music"
    assert music.locations == ["/data/music"]
    assert sections["Movies"].type == "movie"
    with pytest.raises(ValueError):
        emu.add_section(2, "Again")


def test_total_view_size_probe(music, emu):
    assert music.totalViewSize(libtype="track") == 21
    assert music.totalViewSize(libtype="album") == 8
    assert music.totalViewSize(libtype="artist") == 8
    probe = [r for r in emu.requests if r.query.get("X-Plex-Container-Size") == ["0"]][-1]
    assert probe.query["type"] == ["8"]


def test_search_pages_through_all_tracks(music, emu, tracks):
    emu.clear_requests()
    found = music.search(libtype="track", container_size=5)
    assert sorted(t.ratingKey for t in found) == sorted(t.rating_key for t in tracks)
    assert _section_pages(emu) == [0, 5, 10, 15, 20]


def test_search_maxresults_stops_early(music, emu):
    emu.clear_requests()
    found = music.search(libtype="track", maxresults=7, container_size=5)
    assert len(found) == 7
    assert _section_pages(emu) == [0, 5]


def test_default_track_order_is_album_artist_then_album_then_index(music):
    found = music.searchTracks()
    order = [(t.grandparentTitle, t.index) for t in found[:5]]
    # AC/DC sorts first (case-insensitive), its album's tracks by number.
    assert order == [("AC/DC", 1), ("AC/DC", 2), ("AC/DC", 3), ("Björk", 1), ("Björk", 2)]


def test_added_at_filter(music, emu, tracks):
    cutoff = BASE_ADDED + 15_000
    found = music.searchTracks(filters={"addedAt>>=": datetime.fromtimestamp(cutoff, UTC)})
    assert sorted(t.ratingKey for t in found) == sorted(t.rating_key for t in tracks if t.added_at > cutoff)
    # plexapi loaded the filter Meta from /all and /collections before the filtered search.
    meta_paths = {r.path for r in emu.requests if r.query.get("includeMeta") == ["1"]}
    assert meta_paths == {"/library/sections/1/all", "/library/sections/1/collections"}
    listing = [r for r in emu.requests if "track.addedAt>>" in r.query][-1]
    assert listing.query["track.addedAt>>"] == [str(cutoff)]


def test_updated_at_filter_sees_update_track(music, emu):
    emu.now = CLOCK + 50
    emu.update_track(1005, title="Kickstart My Heart (Remastered)")
    found = music.searchTracks(filters={"updatedAt>>=": datetime.fromtimestamp(CLOCK, UTC)})
    assert [(t.ratingKey, t.title) for t in found] == [(1005, "Kickstart My Heart (Remastered)")]
    assert found[0].updatedAt == datetime.fromtimestamp(CLOCK + 50)
    assert music.reload().updatedAt == datetime.fromtimestamp(CLOCK + 50)


def test_raw_filter_forms_and_limit(emu, tracks):
    s = requests.Session()
    s.headers["X-Plex-Token"] = emu.token
    s.headers["X-Plex-Container-Size"] = "1000"  # a real PMS answers 400 without it
    base = f"{emu.url}/library/sections/1/all"
    r = s.get(base, params={"type": "10", "addedAt>>": str(BASE_ADDED + 18_000)}, timeout=5)
    assert r.text.count("<Track ") == 2  # 1020 and 1021 were added after the cutoff
    r = s.get(base, params={"type": "10", "title": "love", "sort": "titleSort"}, timeout=5)
    assert r.text.count("<Track ") == 1 and 'title="Love of My Life"' in r.text
    r = s.get(base, params={"type": "10", "limit": "4", "sort": "addedAt:desc"}, timeout=5)
    assert r.text.count("<Track ") == 4 and 'totalSize="4"' in r.text
    assert r.text.index('ratingKey="1021"') < r.text.index('ratingKey="1020"')
    s.close()


def test_sort_and_title_search(music):
    newest = music.searchTracks(sort="addedAt:desc", maxresults=3)
    assert [t.ratingKey for t in newest] == [1021, 1020, 1019]
    assert [t.title for t in music.searchTracks(title="BLACK")] == ["Back in Black"]


def test_albums_and_artists_listings(music):
    albums = music.searchAlbums(sort="titleSort")
    assert albums[0].title == "A Night at the Opera" and len(albums) == 8
    assert all(isinstance(a, Album) for a in albums)
    artists = music.searchArtists()
    assert {a.title for a in artists} >= {"Björk", "Mötley Crüe", "坂本龍一"}
    assert all(isinstance(a, Artist) for a in artists)


def test_fetch_multiple_keys_in_one_request(plex, emu):
    emu.clear_requests()
    items = plex.fetchItems([1001, 1020, 201, 101])
    assert [type(i) for i in items] == [Track, Track, Album, Artist]
    assert [r.path for r in emu.requests] == ["/library/metadata/1001,1020,201,101"]
    assert items[0].librarySectionID == 1 and items[0].section().title == "Music"


def test_fetch_item_and_unknown_key(plex, tracks):
    t = plex.fetchItem(1013)
    src = by_key(tracks)[1013]
    assert (t.title, t.grandparentTitle, t.parentTitle, t.originalTitle) == (
        "Mambo No. 5", "Various Artists", "Now 1999", "Lou Bega")
    assert t.duration == src.duration_ms and t.index == 2 and t.parentIndex == 1
    assert t.media[0].parts[0].file == src.file_path
    assert t.addedAt == datetime.fromtimestamp(src.added_at)
    with pytest.raises(NotFound):
        plex.fetchItem(999_999)


def test_album_tracks_and_artist_albums(plex):
    album = plex.fetchItem(204)
    assert [t.title for t in album.tracks()] == ["Come Together", "Something", "Here Comes the Sun",
                                                 "Octopus's Garden"]
    artist = plex.fetchItem(104)
    assert [a.title for a in artist.albums()] == ["Abbey Road"]
    assert len(artist.tracks()) == 4


def test_hub_search_tracks(plex):
    found = plex.search("love", mediatype="track")
    assert [t.title for t in found] == ["Love of My Life"]
    assert all(isinstance(t, Track) for t in found)
    # Accent-insensitive, and artists come in their own hub.
    artists = plex.search("bjork", mediatype="artist")
    assert [a.title for a in artists] == ["Björk"]
    assert plex.search("zzz-no-such", mediatype="track") == []


def test_hub_search_limit(plex):
    assert len(plex.search("b", mediatype="track", limit=2)) == 2


def test_utf8_round_trip(plex, emu):
    r = requests.get(f"{emu.url}/library/metadata/1007", headers={"X-Plex-Token": emu.token}, timeout=5)
    assert r.headers["Content-Type"] == "text/xml;charset=utf-8"
    assert "坂本龍一".encode() in r.content and "音楽図鑑".encode() in r.content
    assert r.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<MediaContainer ')
    t = plex.fetchItem(1007)
    assert (t.grandparentTitle, t.parentTitle, t.title) == ("坂本龍一", "音楽図鑑", "羽の林で")
    assert plex.fetchItem(1004).grandparentTitle == "Mötley Crüe"
    assert plex.fetchItem(1021).grandparentTitle == "Simon & Garfunkel"
    assert plex.fetchItem(1011).title == "Octopus's Garden"


def test_add_and_remove_tracks(music, emu):
    emu.now = CLOCK + 100
    emu.add_tracks([FakeTrack(rating_key=1100, title="Jóga", album_artist="Björk", album="Homogenic",
                              album_rating_key=209, artist_rating_key=101, track_number=1, year=1997)])
    found = music.searchTracks(filters={"addedAt>>=": datetime.fromtimestamp(CLOCK, UTC)})
    assert [(t.ratingKey, t.title) for t in found] == [(1100, "Jóga")]
    assert music.totalViewSize(libtype="album") == 9
    emu.remove_tracks([1100, 1001])
    assert music.totalViewSize(libtype="track") == 20
    with pytest.raises(NotFound):
        music._server.fetchItem(1001)


def test_clock_reads_as_value_and_as_callable(emu, tracks):
    assert emu.now == CLOCK and emu.now() == CLOCK
    assert emu.advance(30) == CLOCK + 30 and emu.now() == CLOCK + 30
    emu.now = lambda: CLOCK + 99.7
    assert emu.now == CLOCK + 99
    assert sorted(t.rating_key for t in emu.tracks) == sorted(t.rating_key for t in tracks)
