"""The emulator is never friendlier than PMS: paging rules, ignored filters, the create
answer, ids and guids as real captures show them, and the hostile mode."""

from __future__ import annotations

import re

import requests

from tests.fakes.plex.xmlrender import media_id

SECTION_ALL = "/library/sections/1/all"


def _get(emu, path, params=None, **headers):
    return requests.get(emu.url + path, params=params or {}, headers={"X-Plex-Token": emu.token, **headers}, timeout=5)


def _keys(text: str) -> list[int]:
    return [int(k) for k in re.findall(r'<Track ratingKey="(\d+)"', text)]


def test_listings_without_the_size_header_get_400(emu):
    # sct/overseerr PR #3023: 400 "Missing X-Plex-Container-Size header"
    r = _get(emu, SECTION_ALL, {"type": "10"})
    assert r.status_code == 400 and "Missing X-Plex-Container-Size header" in r.text
    rk = emu.create_user_playlist("Mine", [1001, 1002])
    assert _get(emu, f"/playlists/{rk}/items").status_code == 400
    assert _get(emu, "/playlists").status_code == 400
    # plexapi's own unpaged requests keep working
    assert _get(emu, "/library/sections").status_code == 200
    assert _get(emu, "/library/metadata/1001").status_code == 200
    assert _get(emu, SECTION_ALL, {"type": "10"}, **{"X-Plex-Container-Size": "5"}).status_code == 200


def test_pages_are_capped_silently_or_with_400(emu):
    emu.set_strictness(max_page=5)
    r = _get(emu, SECTION_ALL, {"type": "10"}, **{"X-Plex-Container-Size": "50"})
    assert r.status_code == 200 and len(_keys(r.text)) == 5 and 'totalSize="21"' in r.text
    emu.set_strictness(page_cap="error")
    assert _get(emu, SECTION_ALL, {"type": "10"}, **{"X-Plex-Container-Size": "50"}).status_code == 400


def test_unknown_filters_are_ignored_with_200(emu):
    r = _get(emu, SECTION_ALL, {"type": "10", "noSuchField>>": "5"}, **{"X-Plex-Container-Size": "0"})
    assert r.status_code == 200 and 'totalSize="21"' in r.text


def test_guids_media_ids_and_play_stats_look_like_real_tracks(emu):
    text = _get(emu, SECTION_ALL, {"type": "10", "sort": "id"}, **{"X-Plex-Container-Size": "30"}).text
    guids = re.findall(r'<Track [^>]*guid="plex://track/([0-9a-f]+)"', text)
    assert len(guids) == 21 and all(len(g) == 24 for g in guids)
    assert all(int(g, 16) != k for g, k in zip(guids, _keys(text), strict=True))  # not the ratingKey
    media = [int(m) for m in re.findall(r'<Media id="(\d+)"', text)]
    assert media == [media_id(k) for k in _keys(text)] and not set(media) & set(_keys(text))
    assert 'userRating="8.0"' in text and "viewCount=" in text and "lastViewedAt=" in text


def test_create_answer_says_leafcount_zero(emu):
    uri = f"server://{emu.machine_identifier}/com.plexapp.plugins.library/library/metadata/1001,1002"
    r = requests.post(emu.url + "/playlists", params={"type": "audio", "title": "x", "smart": "0", "uri": uri},
                      headers={"X-Plex-Token": emu.token}, timeout=5)
    assert r.status_code == 200 and 'leafCount="0"' in r.text  # sm_playlist_create_response.xml


def test_partial_add_batches_answer_200(emu):
    rk = emu.create_user_playlist("Mine", [1001])
    emu.faults.partial_adds = 1
    uri = f"server://{emu.machine_identifier}/com.plexapp.plugins.library/library/metadata/1002,1003"
    r = requests.put(f"{emu.url}/playlists/{rk}/items", params={"uri": uri}, headers={"X-Plex-Token": emu.token},
                     timeout=5)
    assert r.status_code == 200 and 'leafCountAdded="1"' in r.text and 'leafCountRequested="2"' in r.text
    assert [k for _, k in emu.playlists[rk].items] == [1001, 1002]


def test_hostile_mode(emu):
    emu.set_strictness(hostile=True, hostile_page=4)
    page = _get(emu, SECTION_ALL, {"type": "10", "sort": "id"}, **{"X-Plex-Container-Size": "10"}).text
    assert len(_keys(page)) == 4  # cut below what was asked
    count = _get(emu, SECTION_ALL, {"type": "10", "id>>": "1010"}, **{"X-Plex-Container-Size": "0"}).text
    assert 'totalSize="21"' in count  # id filter ignored
    slim = _get(emu, SECTION_ALL, {"type": "10", "excludeFields": "key", "excludeElements": "Media"},
                **{"X-Plex-Container-Size": "3"}).text
    assert "ratingKey=" not in slim and "parentRatingKey=" not in slim  # matched loosely
    for t in emu.lib.tracks.values():
        t.added_at = 1
    emu.lib.invalidate()
    orders = {tuple(re.findall(r'ratingKey="(\d+)"', _get(emu, SECTION_ALL, {"type": "10", "sort": "addedAt"},
                                                             **{"X-Plex-Container-Size": "4"}).text))
              for _ in range(8)}
    assert len(orders) > 1  # ties shuffled between requests
