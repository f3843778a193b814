"""The library search index (FTS5, ``plex/index_store.py``) stays in step with full and
incremental syncs, and a failed full sync leaves it as it was."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from plex_completer.extensions import db
from plex_completer.models import LibraryTrack
from plex_completer.plex.errors import PlexRequestFailed
from plex_completer.plex.library_sync import sync_library
from plex_completer.services import library_search
from tests.plex.conftest import TRACK_COUNT, make_tracks


def keys(text: str, **filters) -> list[int]:
    db.session.expire_all()
    db.session.rollback()
    return [e.rating_key for e in library_search.search(text, 50, library_search.Filters(**filters)).entries]


def test_full_sync_builds_the_index_and_a_second_one_replaces_it(settings, emu, tracks):
    sync_library(settings, full=True, page_size=50)
    assert library_search.indexed_count() == TRACK_COUNT
    assert keys("song 17 more")[:1] == [tracks[17].rating_key]  # then "Album 17"'s tracks
    assert keys("guest 14")[:1] == [tracks[14].rating_key]  # the track artist is indexed; "140" ranks after "14"
    emu.update_track(tracks[17].rating_key, title="Renamed Tune")
    emu.remove_tracks([tracks[18].rating_key])
    sync_library(settings, full=True, page_size=50)
    assert library_search.indexed_count() == TRACK_COUNT - 1
    assert keys("renamed tune") == [tracks[17].rating_key]
    found = keys("song 17 more") + keys("song 18 more")
    assert tracks[17].rating_key not in found and tracks[18].rating_key not in found


def test_a_full_sync_changing_most_tracks_rebuilds_the_index_in_bulk(settings, emu, tracks, monkeypatch):
    from plex_completer.plex import index_store

    sync_library(settings, full=True)
    for t in tracks[:100]:  # 100 of 230: over SEARCH_REBUILD_SHARE
        emu.update_track(t.rating_key, title=f"Retitled {t.rating_key}")
    calls = []
    monkeypatch.setattr(index_store, "refresh_search_rows", lambda conn: calls.append("refresh"))
    sync_library(settings, full=True)
    assert calls == []  # rebuilt, not refreshed
    assert keys("retitled 1005") == [1005]
    assert tracks[5].rating_key not in keys("song 5 more")
    assert library_search.indexed_count() == TRACK_COUNT


def test_incremental_sync_updates_only_the_changed_tracks(settings, emu, tracks):
    sync_library(settings, full=True)
    new = make_tracks(3, first_key=9000)
    for t in new:
        t.title, t.album_artist = f"Fresh Arrival {t.rating_key}", "Newcomer"
    emu.add_tracks(new)
    emu.update_track(tracks[5].rating_key, title="Changed Title")
    emu.remove_tracks([tracks[10].rating_key])
    result = sync_library(settings, full=False)
    assert (result.added, result.updated, result.removed) == (3, 1, 1)
    assert sorted(keys("fresh arrival")) == [9000, 9001, 9002]
    assert keys("changed title") == [tracks[5].rating_key]
    assert tracks[5].rating_key not in keys("song 5 more") and tracks[10].rating_key not in keys("song 10 more")
    assert library_search.indexed_count() == db.session.scalar(sa.select(sa.func.count()).select_from(LibraryTrack))
    assert sorted(keys("", artist="newcomer")) == [9000, 9001, 9002]


def test_a_full_sync_failing_midway_keeps_the_previous_search_index(settings, emu, tracks):
    sync_library(settings, full=True)
    emu.update_track(tracks[60].rating_key, title="Changed")

    def progress(done, total, step):
        if done and step == "Reading tracks from Plex":
            emu.set_fault(fail_status=500, fail_count=-1)

    with pytest.raises(PlexRequestFailed):
        sync_library(settings, full=True, page_size=50, progress=progress)
    assert keys("song 60 more")[:1] == [tracks[60].rating_key] and keys("changed") == []
    assert library_search.indexed_count() == TRACK_COUNT
