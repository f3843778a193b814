"""Playlist writes against the Plex emulator, through real plexapi over loopback HTTP."""

from __future__ import annotations

import pytest
import requests

from plex_completer.plex import playlist_writes as playlists
from plex_completer.plex.errors import PlaylistEmpty, PlaylistGone
from tests.plex.conftest import make_tracks


def _order(emu, rating_key: int) -> list[int]:
    return [key for _, key in emu.playlists[rating_key].items]


def _writes(emu) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in emu.requests if r.method != "GET"]


def test_create_playlist_keeps_order_title_and_summary(settings, emu, tracks):
    keys = [t.rating_key for t in tracks[40:10:-1]]
    ref = playlists.create_playlist(settings, "Night Drive", keys + keys[:3], "Prompt: night drive. Gemini 2.5 Flash, 2026-11-22")

    pl = emu.playlists[ref.rating_key]
    assert ref.title == pl.title == "Night Drive"
    assert _order(emu, ref.rating_key) == keys  # duplicates dropped
    assert pl.summary == "Prompt: night drive. Gemini 2.5 Flash, 2026-11-22"
    assert pl.owner_token == emu.token


def test_long_lists_are_batched_so_no_request_hits_414(make_app, tracks):
    from tests.fakes.plex.server import PlexEmulator

    many = make_tracks(450, first_key=100_000)
    keys = [t.rating_key for t in many]
    with PlexEmulator(many, max_request_line=3000) as emu:
        # The premise: all 450 keys in one create request would be refused.
        uri = f"server://{emu.machine_identifier}/com.plexapp.plugins.library/library/metadata/" + ",".join(map(str, keys))
        unbatched = requests.post(
            f"{emu.url}/playlists", params={"uri": uri, "type": "audio", "title": "x", "smart": 0},
            headers={"X-Plex-Token": emu.token}, timeout=5,
        )
        assert unbatched.status_code == 414
        emu.clear_requests()
        app = make_app(PLEX_URL=emu.url, PLEX_TOKEN=emu.token)
        with app.app_context():
            ref = playlists.create_playlist(app.config["SETTINGS"], "Everything", keys, "")
        assert _order(emu, ref.rating_key) == keys
        assert all(r.status < 400 for r in emu.requests)
        writes = _writes(emu)
        assert writes[0] == ("POST", "/playlists")
        assert writes[1:] == [("PUT", f"/playlists/{ref.rating_key}/items")] * 2  # 200 + 200 + 50


def test_replace_in_place_uses_remove_add_and_minimal_moves(settings, emu, tracks):
    a, b, c, d, e, f, g = (t.rating_key for t in tracks[:7])
    ref = playlists.create_playlist(settings, "Mix", [a, b, c, d, e, g], "")
    plex_playlist = emu.playlists[ref.rating_key]
    g_item = next(item_id for item_id, key in plex_playlist.items if key == g)
    emu.clear_requests()

    result = playlists.replace_playlist_items(settings, ref.rating_key, [b, a, c, d, e, f], identity=ref.identity)

    assert result.rating_key == ref.rating_key and not result.recreated
    assert emu.playlists[ref.rating_key] is plex_playlist  # same playlist, same ratingKey
    assert _order(emu, ref.rating_key) == [b, a, c, d, e, f]
    assert (result.added, result.removed, result.moved, result.strategy) == (1, 1, 1, "edit")
    # server identity, the playlist's identity, read items, remove g, add f, re-read item
    # ids (f's is new), one move, and the read-back that verifies the write
    assert result.requests == len(emu.requests) == 8
    assert [(r.method, r.path.removeprefix(f"/playlists/{ref.rating_key}")) for r in emu.requests][1:5] == [
        ("GET", ""),
        ("GET", "/items"),
        ("DELETE", f"/items/{g_item}"),
        ("PUT", "/items"),
    ]
    assert emu.requests[6].method == "PUT" and emu.requests[6].path.endswith("/move")
    assert emu.requests[7].path.endswith("/items") and result.problem == ""


def test_replace_with_a_reordering_only_moves_the_items_out_of_place(settings, emu, tracks):
    keys = [t.rating_key for t in tracks[:30]]
    ref = playlists.create_playlist(settings, "Long", keys, "")
    wanted = keys[:]
    wanted.insert(3, wanted.pop(20))  # one item moved up
    wanted.append(wanted.pop(0))  # the first to the end
    emu.clear_requests()

    result = playlists.replace_playlist_items(settings, ref.rating_key, wanted, identity=ref.identity)

    assert _order(emu, ref.rating_key) == wanted
    assert (result.moved, result.added, result.removed) == (2, 0, 0)
    assert [r.method for r in emu.requests] == ["GET", "GET", "GET", "PUT", "PUT", "GET"]


def test_replace_refills_when_that_takes_fewer_requests(settings, emu, tracks):
    keys = [t.rating_key for t in tracks[:12]]
    ref = playlists.create_playlist(settings, "Reverse", keys, "")
    emu.clear_requests()

    result = playlists.replace_playlist_items(settings, ref.rating_key, keys[::-1], identity=ref.identity)

    assert _order(emu, ref.rating_key) == keys[::-1]
    assert result.strategy == "refill" and result.rating_key == ref.rating_key
    assert _writes(emu) == [("DELETE", f"/playlists/{ref.rating_key}/items"), ("PUT", f"/playlists/{ref.rating_key}/items")]


def test_replace_drops_duplicate_items_and_writes_title_and_summary(settings, emu, tracks):
    a, b, c = (t.rating_key for t in tracks[:3])
    ref = playlists.create_playlist(settings, "Dupes", [a, b, c], "")
    emu.append_items(emu.playlists[ref.rating_key], [a])  # a duplicate added in Plex

    result = playlists.replace_playlist_items(settings, ref.rating_key, [a, b, c], title="Dupes renamed", summary="new summary", identity=ref.identity)

    assert _order(emu, ref.rating_key) == [a, b, c]
    assert result.removed == 1
    pl = emu.playlists[ref.rating_key]
    assert (pl.title, pl.summary, result.title) == ("Dupes renamed", "new summary", "Dupes renamed")


def test_new_playlist_never_takes_the_title_of_a_user_playlist(settings, emu, tracks):
    keys = [t.rating_key for t in tracks[:5]]
    user_key = emu.create_user_playlist("Night Drive", keys[:2])

    first = playlists.create_playlist(settings, "Night Drive", keys, "")
    second = playlists.create_playlist(settings, "night drive", keys, "")

    assert (first.title, second.title) == ("Night Drive (2)", "night drive (3)")
    user = emu.playlists[user_key]
    assert (user.title, _order(emu, user_key)) == ("Night Drive", keys[:2])
    # Writing the app's playlist again with its base title keeps the de-duplicated one.
    emu.clear_requests()
    result = playlists.replace_playlist_items(settings, first.rating_key, keys[:4], title="Night Drive", identity=first.identity)
    assert result.title == "Night Drive (2)" and emu.playlists[first.rating_key].title == "Night Drive (2)"
    assert not [r for r in emu.requests if r.path == "/playlists"]  # no title lookup needed
    assert _order(emu, user_key) == keys[:2]


def test_playlist_deleted_in_plex_is_reported_or_recreated(settings, emu, tracks):
    keys = [t.rating_key for t in tracks[:8]]
    ref = playlists.create_playlist(settings, "Gone Soon", keys, "s")
    # PMS never reuses a ratingKey; a later playlist keeps the emulator from handing it out again.
    emu.create_user_playlist("Later", keys[:1])
    emu.delete_playlist(ref.rating_key)

    with pytest.raises(PlaylistGone) as info:
        playlists.replace_playlist_items(settings, ref.rating_key, keys, identity=ref.identity)
    assert info.value.playlist_gone and str(ref.rating_key) in str(info.value)

    result = playlists.replace_playlist_items(settings, ref.rating_key, keys[::-1], title="Gone Soon", summary="s2", recreate=True, identity=ref.identity)
    assert result.recreated and result.rating_key != ref.rating_key
    assert _order(emu, result.rating_key) == keys[::-1]
    assert emu.playlists[result.rating_key].summary == "s2"


def test_create_without_tracks_says_why(settings, emu):
    with pytest.raises(PlaylistEmpty):
        playlists.create_playlist(settings, "Empty", [], "")
    assert not emu.playlists


def test_long_summaries_are_clipped(settings, emu, tracks):
    ref = playlists.create_playlist(settings, "Wordy", [tracks[0].rating_key], "x" * 5000)
    summary = emu.playlists[ref.rating_key].summary
    assert len(summary) == playlists.SUMMARY_MAX_CHARS and summary.endswith("…")


def test_delete_playlist_only_by_rating_key(settings, emu, tracks):
    ref = playlists.create_playlist(settings, "Temp", [tracks[0].rating_key], "")
    user_key = emu.create_user_playlist("Temp", [tracks[1].rating_key])
    assert playlists.delete_playlist(settings, ref.rating_key, identity=ref.identity) is True
    assert playlists.delete_playlist(settings, ref.rating_key, identity=ref.identity) is False
    assert user_key in emu.playlists


def test_list_playlists_and_track_sample(settings, emu, tracks):
    featured, plain = tracks[7], tracks[8]
    key = emu.create_user_playlist("Favourites", [featured.rating_key, plain.rating_key])
    emu.create_user_playlist("Other", [plain.rating_key])

    assert playlists.list_playlists(settings) == [(key, "Favourites", 2), (key + 1, "Other", 1)]
    lines = playlists.playlist_track_sample(settings, key, limit=50)
    assert lines == [f"{featured.track_artist} – {featured.title}", f"{plain.album_artist} – {plain.title}"]
    assert playlists.playlist_track_sample(settings, key, limit=1) == lines[:1]
    with pytest.raises(PlaylistGone):
        playlists.playlist_track_sample(settings, 999_999)


def test_replace_skips_a_track_deleted_from_the_library_since_the_index_sync(settings, emu, tracks):
    a, b, c, d, gone = (t.rating_key for t in tracks[:5])
    ref = playlists.create_playlist(settings, "Stale", [a, b, c], "")
    emu.remove_tracks([gone])

    result = playlists.replace_playlist_items(settings, ref.rating_key, [c, gone, d, a, b], identity=ref.identity)

    assert [k for k in _order(emu, ref.rating_key) if k != gone] == [c, d, a, b]
    assert result.rating_key == ref.rating_key
    assert "1 of 5 tracks were not accepted" in result.problem  # said, not hidden
