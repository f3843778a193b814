"""Genres, styles and moods of album artists and albums in the library index (issue 18,
point 6): read by the library sync from the artist and album listings (type 8 and 9),
against the Plex emulator over loopback HTTP."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest
import requests
import sqlalchemy as sa

from plex_completer.extensions import db
from plex_completer.models import LibrarySyncState, LibraryTag
from plex_completer.plex import capabilities
from plex_completer.plex.library_sync import OVERLAP_S, sync_library
from plex_completer.plex.tag_rows import normalize_tag, parse_directories
from tests.plex.conftest import START_EPOCH, make_tracks

CAPTURES = Path("/work/shared/plex-xml")
# Album 100 (tracks 1000-1009) and its artist 10; album 101 is by the same artist.
ALBUM, OTHER_ALBUM, ARTIST = 100, 101, 10
ARTIST_TAGS = (("Genre", "Rock"), ("Genre", "Pop/Rock"), ("Genre", "Blues"), ("Style", "Album Rock"),
               ("Mood", "Energetic"))
ALBUM_TAGS = (("Genre", "R&B"), ("Mood", "Warm"))


@pytest.fixture
def tracks():
    found = make_tracks()
    for t in found:
        if t.artist_rating_key == ARTIST:
            t.artist_tags = ARTIST_TAGS
        if t.album_rating_key == ALBUM:
            t.album_tags = ALBUM_TAGS
    return found


def _tags() -> set[tuple[int, str, str, str, str]]:
    db.session.expire_all()
    return {(r.rating_key, r.level, r.kind, r.tag, r.tag_norm) for r in db.session.scalars(sa.select(LibraryTag))}


def _album_tracks(emu, album_key):
    return [t for t in emu.lib.tracks.values() if t.album_rating_key == album_key]


def test_the_emulated_artist_listing_has_the_shape_of_the_real_one(emu):
    """Genre children on a listed artist Directory, as in HA's capture of PMS 1.20.4."""
    real = ElementTree.parse(CAPTURES / "ha_library_section_music_all_artists.xml").getroot()
    real_item = real.find("Directory")
    body = requests.get(f"{emu.url}/library/sections/1/all?type=8&sort=id:asc", timeout=5,
                        headers={"X-Plex-Token": emu.token, "X-Plex-Container-Size": "5"}).content
    ours = ElementTree.fromstring(body).find("Directory")
    assert ours.get("type") == real_item.get("type") == "artist"
    assert {c.tag for c in real_item} >= {"Genre"} and real_item.find("Genre").get("tag") == "Electronic"
    assert {c.tag for c in ours} == {"Genre", "Style", "Mood"}
    assert set(real_item.attrib) - {"viewCount", "lastViewedAt"} <= set(ours.attrib)
    # The real parser reads the capture too.
    parsed = parse_directories((CAPTURES / "ha_library_section_music_all_artists.xml").read_bytes())
    assert parsed.tags == [(300, "artist", "genre", "Electronic")] and parsed.items == {300: ("artist", 1595543202)}
    albums = parse_directories((CAPTURES / "sm_section_all_albums_type9.xml").read_bytes())
    assert albums.items == {8014: ("album", 1710932639)} and albums.tags == []


def test_a_full_sync_indexes_the_listed_tags_of_artists_and_albums(settings, emu):
    result = sync_library(settings, full=True)

    tags = _tags()
    # A listing carries two tags of each kind (the third genre is only in full metadata).
    assert {(k, lvl, kind, tag) for k, lvl, kind, tag, _n in tags} == {
        (ARTIST, "artist", "genre", "Rock"), (ARTIST, "artist", "genre", "Pop/Rock"),
        (ARTIST, "artist", "style", "Album Rock"), (ARTIST, "artist", "mood", "Energetic"),
        (ALBUM, "album", "genre", "R&B"), (ALBUM, "album", "mood", "Warm"),
    }
    assert {(tag, norm) for _k, _l, _kind, tag, norm in tags} >= {("R&B", "r and b"), ("Pop/Rock", "pop rock")}
    assert result.tag_items == len(emu.lib.artists) + len(emu.lib.albums) and result.tags_note == ""
    listings = [r for r in emu.requests if r.path == "/library/sections/1/all" and r.query["type"] != ["10"]]
    assert {r.query["type"][0] for r in listings} == {"8", "9"}
    # Paged like the track listings: both paging headers, a unique sort, nothing over 1,000.
    assert all(r.headers.get("X-Plex-Container-Size") and r.query.get("sort") == ["id:asc"] for r in listings)
    assert all(int(r.headers["X-Plex-Container-Size"]) <= 1000 for r in listings)
    state = db.session.scalars(sa.select(LibrarySyncState)).one()
    assert state.tags_updated_at == max(a.updated_at for a in emu.lib.albums.values())


def test_an_incremental_sync_reads_only_changed_artists_and_albums(settings, emu):
    sync_library(settings, full=True)
    cursor = db.session.scalars(sa.select(LibrarySyncState)).one().tags_updated_at
    emu.advance(3600)
    for t in _album_tracks(emu, OTHER_ALBUM):
        emu.update_track(t.rating_key, album_tags=(("Genre", "Jazz"), ("Style", "Cool")))
    emu.clear_requests()

    result = sync_library(settings)

    assert not result.full and result.tags_note == ""
    tags = _tags()
    assert (OTHER_ALBUM, "album", "genre", "Jazz", "jazz") in tags and (OTHER_ALBUM, "album", "style", "Cool", "cool") in tags
    assert (ALBUM, "album", "genre", "R&B", "r and b") in tags  # untouched
    tag_listings = [r for r in emu.requests if r.path == "/library/sections/1/all" and r.query["type"] != ["10"]]
    assert [r.query.get("updatedAt>>") for r in tag_listings] == [[str(cursor - OVERLAP_S)]] * 2
    # Only the changed album and its artist, and those within the cursor's overlap, were listed.
    overlap = {k for k, x in {**emu.lib.albums, **emu.lib.artists}.items() if x.updated_at > cursor - OVERLAP_S}
    assert {OTHER_ALBUM, ARTIST} <= overlap and result.tag_items == len(overlap) < len(emu.lib.albums)


def test_tags_of_an_album_that_left_the_library_go_with_it(settings, emu):
    sync_library(settings, full=True)
    emu.advance(3600)
    emu.remove_tracks([t.rating_key for t in _album_tracks(emu, ALBUM)])

    sync_library(settings)

    assert not {row for row in _tags() if row[0] == ALBUM}
    assert {row for row in _tags() if row[0] == ARTIST}, "the artist still has albums"


def test_a_failed_tag_listing_keeps_the_previous_tags_and_says_so(settings, emu):
    sync_library(settings, full=True)
    before = _tags()
    emu.advance(3600)
    for t in _album_tracks(emu, ALBUM):
        emu.update_track(t.rating_key, album_tags=(("Genre", "Polka"),), title=t.title + " (new)")
    emu.faults.fail_listing_types = frozenset({9})

    result = sync_library(settings)

    assert result.updated == 10, "the tracks are still synced"
    assert _tags() == before
    assert "Genres not updated" in result.summary()
    state = db.session.scalars(sa.select(LibrarySyncState)).one()
    emu.clear_faults()
    sync_library(settings)  # the cursor did not move: the next sync catches up
    assert (ALBUM, "album", "genre", "Polka", "polka") in _tags()
    assert state.tags_updated_at is not None


def test_a_full_sync_whose_tag_listing_fails_keeps_the_tags_too(settings, emu):
    sync_library(settings, full=True)
    before = _tags()
    emu.faults.fail_listing_types = frozenset({8})
    result = sync_library(settings, full=True)
    assert result.total == len(emu.lib.tracks) and _tags() == before and result.tags_note


def test_a_server_ignoring_the_updated_filter_on_albums_gets_a_full_tag_read(settings, emu):
    sync_library(settings, full=True)
    caps = capabilities.load()
    assert caps.tag_updated_filter is True
    caps.tag_updated_filter = False  # as the probe finds on such a server
    capabilities.save(caps)
    emu.advance(3600)
    emu.clear_requests()

    result = sync_library(settings)

    tag_listings = [r for r in emu.requests if r.path == "/library/sections/1/all" and r.query["type"] != ["10"]
                    and r.headers.get("X-Plex-Container-Size") != "0"]
    assert tag_listings and all("updatedAt>>" not in r.query for r in tag_listings)
    assert result.tag_items == len(emu.lib.artists) + len(emu.lib.albums)


def test_the_probe_finds_a_server_that_ignores_the_updated_filter(settings, emu):
    emu.set_strictness(ignore_updated_filter=True)
    sync_library(settings, full=True)
    caps = capabilities.load()
    assert caps.tag_updated_filter is False
    assert any("artists and albums" in note for note in caps.notes)


def test_capabilities_stored_before_the_tags_are_probed_once(settings, emu):
    sync_library(settings, full=True)
    caps = capabilities.load()
    caps.tag_updated_filter = None
    capabilities.save(caps)
    sync_library(settings)
    assert capabilities.load().tag_updated_filter is True


def test_normalize_tag_folds_like_the_matcher():
    assert normalize_tag("Électro-Pop") == "electro pop"
    assert normalize_tag("R&B") == normalize_tag("r & b") == "r and b"
    assert normalize_tag("Rock 'n' Roll") == "rock n roll"
    assert normalize_tag("  ") == ""
    assert START_EPOCH  # the emulator clock the cursors above start from
