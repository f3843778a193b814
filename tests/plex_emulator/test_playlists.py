"""Playlist endpoints through plexapi's Playlist API, and per-user ownership."""

from __future__ import annotations

import pytest
import requests
from plexapi.exceptions import NotFound
from plexapi.server import PlexServer

from tests.plex_emulator.conftest import CLOCK


@pytest.fixture
def tracks_by_key(plex):
    return {t.ratingKey: t for t in plex.fetchItems([1001, 1002, 1003, 1004, 1005, 1006])}


def _item_keys(emu, rk):
    return [track for _, track in emu.playlists[rk].items]


def test_create_playlist(plex, emu, tracks_by_key):
    emu.clear_requests()
    pl = plex.createPlaylist("Road Trip", items=[tracks_by_key[1001], tracks_by_key[1004]])
    # The create answer says leafCount="0" whatever was added (sm_playlist_create_response.xml);
    # the items are there all the same.
    assert pl.title == "Road Trip" and pl.leafCount == 0 and pl.playlistType == "audio"
    assert _item_keys(emu, pl.ratingKey) == [1001, 1004]
    assert pl.smart is False and pl.addedAt.timestamp() == CLOCK
    post = emu.requests[-1]
    assert post.method == "POST" and post.path == "/playlists"
    assert post.query["uri"] == [f"server://{emu.machine_identifier}/com.plexapp.plugins.library"
                                 "/library/metadata/1001,1004"]
    assert _item_keys(emu, pl.ratingKey) == [1001, 1004]
    assert emu.playlists[pl.ratingKey].owner_token == emu.token
    assert [t.ratingKey for t in pl.items()] == [1001, 1004]
    assert all(t.playlistItemID for t in pl.items())
    assert [p.title for p in plex.playlists(playlistType="audio")] == ["Road Trip"]
    assert plex.playlist("Road Trip").duration == 181_000 + 181_000


def test_playlist_item_changes(plex, emu, tracks_by_key):
    t = tracks_by_key
    pl = plex.createPlaylist("Mix", items=[t[1001], t[1002]])
    pl.addItems([t[1003], t[1004]])
    assert _item_keys(emu, pl.ratingKey) == [1001, 1002, 1003, 1004]
    pl.reload()
    pl.removeItems([t[1002]])
    assert _item_keys(emu, pl.ratingKey) == [1001, 1003, 1004]
    pl.reload()
    pl.moveItem(t[1004], after=t[1001])
    assert _item_keys(emu, pl.ratingKey) == [1001, 1004, 1003]
    pl.reload()
    pl.moveItem(t[1003])  # no "after": to the top
    assert _item_keys(emu, pl.ratingKey) == [1003, 1001, 1004]
    move = emu.requests[-1]
    assert move.method == "PUT" and move.path.endswith("/move") and "after" not in move.query
    pl.reload()
    assert [i.ratingKey for i in pl.items()] == [1003, 1001, 1004]
    assert pl.leafCount == 3


def test_playlist_items_container_duration_in_seconds(plex, emu, tracks_by_key):
    pl = plex.createPlaylist("Secs", items=[tracks_by_key[1001], tracks_by_key[1002]])
    r = requests.get(f"{emu.url}/playlists/{pl.ratingKey}/items",
                     headers={"X-Plex-Token": emu.token, "X-Plex-Container-Size": "100"}, timeout=5)
    # 181 s + 182 s: the items container gives seconds, the Playlist element milliseconds.
    assert ' duration="363"' in r.text.splitlines()[1]
    assert r.text.count("playlistItemID=") == 2


def test_edit_title_and_summary(plex, emu, tracks_by_key):
    pl = plex.createPlaylist("Old", items=[tracks_by_key[1001]])
    emu.now = CLOCK + 60
    pl.editTitle("Nouveau — titre").editSummary("Für Elise & friends")
    edit = emu.requests[-1]
    assert edit.method == "PUT" and edit.query["summary.value"] == ["Für Elise & friends"]
    pl.reload()
    assert (pl.title, pl.summary) == ("Nouveau — titre", "Für Elise & friends")
    assert pl.updatedAt.timestamp() == CLOCK + 60


def test_delete_playlist(plex, emu, tracks_by_key):
    pl = plex.createPlaylist("Gone", items=[tracks_by_key[1001]])
    pl.delete()
    assert pl.ratingKey not in emu.playlists
    assert plex.playlists() == []
    with pytest.raises(NotFound):
        plex.fetchItem(f"/playlists/{pl.ratingKey}")


def test_upload_poster(plex, emu, tracks_by_key, tmp_path):
    pl = plex.createPlaylist("Cover", items=[tracks_by_key[1001]])
    image = tmp_path / "cover.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\nfake-image-bytes")
    pl.uploadPoster(filepath=str(image))
    post = emu.requests[-1]
    assert (post.method, post.path) == ("POST", f"/library/metadata/{pl.ratingKey}/posters")
    assert emu.playlists[pl.ratingKey].poster == image.read_bytes()


def test_user_made_playlist_and_deleting_it(plex, emu):
    rk = emu.create_user_playlist("Made in Plex", [1008, 1009])
    pl = plex.playlist("Made in Plex")
    assert pl.ratingKey == rk and [t.title for t in pl.items()] == ["Come Together", "Something"]
    emu.delete_playlist(rk)
    with pytest.raises(NotFound):
        plex.playlist("Made in Plex")


def test_removed_tracks_drop_out_of_playlists(plex, emu):
    rk = emu.create_user_playlist("Shrinks", [1008, 1009, 1010])
    emu.remove_tracks([1009])
    pl = plex.fetchItem(rk)
    assert pl.leafCount == 2 and [t.ratingKey for t in pl.items()] == [1008, 1010]


def test_second_token_cannot_see_first_users_playlist(plex, emu, tracks_by_key):
    pl = plex.createPlaylist("Private", items=[tracks_by_key[1001]])
    guest = PlexServer(emu.url, "second-user-token", timeout=5)
    assert guest.playlists() == []
    with pytest.raises(NotFound):
        guest.fetchItem(f"/playlists/{pl.ratingKey}")
    other = requests.delete(f"{emu.url}/playlists/{pl.ratingKey}",
                            headers={"X-Plex-Token": "second-user-token"}, timeout=5)
    assert other.status_code == 404 and pl.ratingKey in emu.playlists
    own = emu.create_user_playlist("Guest list", [1002], token="second-user-token")
    assert [p.ratingKey for p in guest.playlists()] == [own]
    assert [p.title for p in plex.playlists()] == ["Private"]


def test_create_with_unknown_items_or_other_server_is_rejected(plex, emu):
    s = requests.Session()
    s.headers["X-Plex-Token"] = emu.token
    bad_keys = f"server://{emu.machine_identifier}/com.plexapp.plugins.library/library/metadata/999999"
    other = "server://another-server/com.plexapp.plugins.library/library/metadata/1001"
    for uri in (bad_keys, other):
        r = s.post(f"{emu.url}/playlists", params={"type": "audio", "title": "x", "smart": "0", "uri": uri},
                   timeout=5)
        assert r.status_code == 400
    assert emu.playlists == {}
    s.close()


def test_create_with_album_key_expands_to_tracks(plex, emu):
    album = plex.fetchItem(204)
    pl = plex.createPlaylist("Whole album", items=[album])
    assert pl.leafCount == 0 and _item_keys(emu, pl.ratingKey) == [1008, 1009, 1010, 1011]


def test_long_playlist_items_are_paged(plex, emu):
    # plexapi asks for 100 items per page; 150 items need a second page, which it only
    # requests because the answer carries totalSize.
    keys = [1001 + i % 21 for i in range(150)]
    rk = emu.create_user_playlist("Long", keys)
    emu.clear_requests()
    pl = plex.fetchItem(rk)
    assert [t.ratingKey for t in pl.items()] == keys
    pages = [r.headers.get("X-Plex-Container-Start") for r in emu.requests if r.path == f"/playlists/{rk}/items"]
    assert pages == ["0", "100"]


def test_clear_items(plex, emu):
    rk = emu.create_user_playlist("Clear me", [1001, 1002])
    r = requests.delete(f"{emu.url}/playlists/{rk}/items", headers={"X-Plex-Token": emu.token}, timeout=5)
    assert r.status_code == 200 and 'leafCount="0"' in r.text
    assert emu.playlists[rk].items == [] and plex.fetchItem(rk).items() == []


def test_item_changes_on_unknown_ids_are_404(emu):
    rk = emu.create_user_playlist("Ids", [1001, 1002])
    s = requests.Session()
    s.headers["X-Plex-Token"] = emu.token
    assert s.delete(f"{emu.url}/playlists/{rk}/items/999", timeout=5).status_code == 404
    first = emu.playlists[rk].items[0][0]
    assert s.put(f"{emu.url}/playlists/{rk}/items/{first}/move", params={"after": "999"},
                 timeout=5).status_code == 404
    assert [k for _, k in emu.playlists[rk].items] == [1001, 1002]
    s.close()
