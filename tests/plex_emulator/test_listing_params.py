"""Emulator fidelity: excludeElements/excludeFields, ratingKey (``id``) filters and sort,
never-reused ratingKeys, and album/artist tables kept current track by track."""

from __future__ import annotations

import copy
import random
import re
from xml.etree import ElementTree

import pytest

from tests.fakes.plex.state import LibraryState
from tests.fakes.plex.xmlrender import Excludes, RenderContext, track_xml
from tests.plex_emulator.conftest import make_library

SECTION_ALL = "/library/sections/1/all"


# Listings need the paging headers on a real PMS (400 without, see Strictness).
PAGE = {"X-Plex-Container-Start": "0", "X-Plex-Container-Size": "1000"}


def _tracks(plex, key: str, **headers) -> list[ElementTree.Element]:
    return [e for e in plex.query(key, headers={**PAGE, **headers}) if e.tag == "Track"]


def test_exclude_elements_and_fields_on_a_section_listing(plex):
    full = {t.get("ratingKey"): t for t in _tracks(plex, f"{SECTION_ALL}?type=10")}
    slim = _tracks(plex, f"{SECTION_ALL}?type=10&excludeElements=Media,Genre&excludeFields=summary,thumb,parentThumb")

    assert len(slim) == len(full) == 21
    for t in slim:
        ref = full[t.get("ratingKey")]
        assert list(t) == [] and [c.tag for c in ref] == ["Media"]
        assert {"summary", "thumb", "parentThumb"} & set(t.attrib) == set()
        # Everything else as in the full listing, in the same order.
        kept = [(k, v) for k, v in ref.attrib.items() if k not in {"summary", "thumb", "parentThumb"}]
        assert list(t.attrib.items()) == kept


def test_excluding_part_leaves_media_with_a_part_count(plex):
    tracks = _tracks(plex, f"{SECTION_ALL}?type=10&excludeElements=Part")
    media = [m for t in tracks for m in t]
    assert media and all(m.tag == "Media" and m.get("partCount") == "1" and list(m) == [] for m in media)


def test_exclude_fields_reach_nested_elements_and_other_endpoints(plex, emu, tracks):
    one = _tracks(plex, f"/library/metadata/{tracks[0].rating_key}?excludeFields=file,librarySectionTitle")[0]
    part = one.find("Media/Part")
    assert part is not None and "file" not in part.attrib and "key" in part.attrib
    assert "librarySectionTitle" not in one.attrib and one.get("librarySectionID") == "1"

    album = plex.query(f"/library/metadata/{tracks[0].album_rating_key}/children?excludeElements=Media", headers=PAGE)
    assert [len(list(t)) for t in album if t.tag == "Track"] == [0, 0, 0]
    albums = plex.query(f"{SECTION_ALL}?type=9&excludeFields=summary,art", headers=PAGE)
    assert all("summary" not in d.attrib and "art" not in d.attrib and d.get("title") for d in albums)

    key = emu.create_user_playlist("Mix", [t.rating_key for t in tracks[:3]])
    items = _tracks(plex, f"/playlists/{key}/items?excludeElements=Media&excludeFields=guid")
    assert [t.get("playlistItemID") is not None and "guid" not in t.attrib and list(t) == [] for t in items] == [True] * 3


def test_keys_only_listing(plex, tracks):
    # Every Track attribute but ratingKey excluded: what a removal check asks for.
    names = {n for t in _tracks(plex, f"{SECTION_ALL}?type=10") for n in t.attrib} - {"ratingKey"}
    slim = _tracks(plex, f"{SECTION_ALL}?type=10&excludeElements=Media&excludeFields={','.join(sorted(names))}")
    assert [dict(t.attrib) for t in slim] and all(list(t.attrib) == ["ratingKey"] for t in slim)
    assert sorted(int(t.get("ratingKey")) for t in slim) == sorted(t.rating_key for t in tracks)


@pytest.mark.parametrize("fields", ["summary", "ratingKey,title", "thumb,originalTitle,parentYear,index,guid",
                                    "librarySectionTitle,score,playlistItemID,addedAt"])
def test_fast_slim_rendering_matches_the_full_render_stripped(fields):
    """The emulator renders Media-less tracks with excluded fields by a generated
    function; it must give exactly the full render with those attributes removed."""
    tracks = make_library()
    tracks[0].title, tracks[1].track_artist = 'Quote " & <tag>\tend', 'Feat "X"'
    tracks[2].track_number, tracks[3].year = None, None
    # Artist 101 gets a second, later album, so its thumbs' timestamps differ from the albums'.
    tracks[4].artist_rating_key, tracks[4].album_artist, tracks[4].updated_at = 101, "Björk", 1_800_000_000
    lib = LibraryState(tracks)
    from tests.fakes.plex.state import FakeSection

    ctx = RenderContext(FakeSection(1, "Mü & sic", "artist"), lib)
    excludes = Excludes(frozenset({"Media"}), frozenset(fields.split(",")))
    for t in tracks:
        for kw in ({}, {"section_attrs": True}, {"score": 0.6}, {"playlist_item_id": 9}):
            full = re.sub(r"<Media .*?</Media>\n", "", track_xml(t, ctx, **kw), flags=re.S)
            assert track_xml(t, ctx, excludes=excludes, **kw) == excludes.strip_fields(full)


def test_id_filters_count_and_list_a_ratingkey_range(plex, tracks):
    keys = sorted(t.rating_key for t in tracks)
    lo, hi = keys[4], keys[12]
    probe = plex.query(f"{SECTION_ALL}?type=10&id>>={lo - 1}&id<<={hi}",
                       headers={"X-Plex-Container-Start": "0", "X-Plex-Container-Size": "0"})
    assert probe.get("size") == "0" and probe.get("totalSize") == str(hi - lo)
    listed = _tracks(plex, f"{SECTION_ALL}?type=10&sort=id:desc&id>>={lo - 1}&id<<={hi}")
    assert [int(t.get("ratingKey")) for t in listed] == [k for k in reversed(keys) if lo <= k < hi]
    by_id = _tracks(plex, f"{SECTION_ALL}?type=10&sort=id&title=e")
    assert [int(t.get("ratingKey")) for t in by_id] == sorted(
        t.rating_key for t in tracks if "e" in t.title.casefold())


def test_ratingkeys_are_never_reused(emu, tracks):
    first = emu.create_user_playlist("First", [tracks[0].rating_key])
    emu.delete_playlist(first)
    second = emu.create_user_playlist("Second", [tracks[0].rating_key])
    assert second > first
    top = max(t.rating_key for t in tracks)
    emu.remove_tracks([top])
    third = emu.create_user_playlist("Third", [tracks[1].rating_key])
    assert third > second and third not in {t.rating_key for t in tracks}
    assert first not in emu.playlists and second in emu.playlists


def test_playlist_created_through_plexapi_after_a_delete_gets_a_new_ratingkey(plex, emu, tracks):
    from plexapi.playlist import Playlist

    items = [plex.fetchItem(tracks[0].rating_key)]
    gone = Playlist.create(plex, "Gone", items=items)
    old_key = gone.ratingKey
    gone.delete()
    fresh = Playlist.create(plex, "Fresh", items=items)
    assert fresh.ratingKey != old_key and fresh.ratingKey > old_key


def test_albums_and_artists_stay_current_through_changes():
    """Random adds, removals and edits keep the derived tables equal to a rebuild."""
    rnd = random.Random(7)
    base = make_library()
    lib = LibraryState(copy.deepcopy(base))
    _ = lib.albums, lib.sorted_keys
    next_key = 5000
    for step in range(400):
        keys = list(lib.tracks)
        op = rnd.random()
        if op < 0.3 and keys:
            lib.remove(rnd.choice(keys))
        elif op < 0.6:
            t = copy.copy(rnd.choice(base))
            t.rating_key, next_key = next_key, next_key + 1
            if rnd.random() < 0.4:
                t.album_rating_key, t.artist_rating_key = rnd.randint(201, 212), rnd.randint(101, 110)
            lib.add(t)
        elif keys:
            change = rnd.choice([{"title": "x"}, {"album_rating_key": rnd.randint(201, 212)}, {"year": 1990},
                                 {"artist_rating_key": rnd.randint(101, 110), "album_artist": "Other"},
                                 {"track_number": rnd.randint(1, 9)}, {"updated_at": rnd.randint(1, 10**9)},
                                 {"album": "Renamed"}, {"disc_number": 2}])
            lib.update(lib.tracks[rnd.choice(keys)], change)
        if step % 40 == 39:
            fresh = LibraryState(list(lib.tracks.values()))
            assert lib.albums == fresh.albums, step
            assert lib.artists == fresh.artists, step
            assert lib.sorted_keys == sorted(lib.tracks)
