"""Finding removed tracks without listing every ratingKey: the range reconciliation on its
own (an in-memory server), and incremental syncs against the Plex emulator over plexapi."""

from __future__ import annotations

import bisect

import pytest
import sqlalchemy as sa

from plex_completer.extensions import db
from plex_completer.models import LibraryTrack
from plex_completer.plex import key_ranges
from plex_completer.plex.key_ranges import SortedKeys, reconcile
from plex_completer.plex.library_sync import sync_library
from tests.plex.conftest import TRACK_COUNT, make_tracks

# -- reconcile() against an in-memory server -------------------------------------------


class FakeServer:
    """Answers range counts and key listings from a set of ratingKeys, logging the calls."""

    def __init__(self, keys):
        self.keys = sorted(keys)
        self.counts: list[tuple] = []
        self.listings: list[tuple] = []

    def _slice(self, lo, hi):
        i = 0 if lo is None else bisect.bisect_left(self.keys, lo)
        j = len(self.keys) if hi is None else bisect.bisect_left(self.keys, hi)
        return self.keys[i:j]

    def count(self, lo, hi):
        self.counts.append((lo, hi))
        return len(self._slice(lo, hi))

    def list_keys(self, lo, hi):
        self.listings.append((lo, hi))
        return self._slice(lo, hi)

    def listed(self):
        return sum(len(self._slice(lo, hi)) for lo, hi in self.listings)


def _run(local, server, **kw):
    return reconcile(SortedKeys(sorted(local)), len(server.keys), server.count, server.list_keys, **kw)


def test_equal_totals_cost_nothing_unless_asked():
    keys = list(range(1, 10_001))
    server = FakeServer(keys)
    found = _run(keys, server)
    assert (found.removed, found.missing, found.probes, server.listings) == (set(), set(), 0, [])


def test_a_removed_cluster_is_found_by_probing_and_one_small_listing():
    local = list(range(1, 50_001))
    gone = set(range(20_100, 20_160))  # an album's worth of neighbouring ratingKeys
    server = FakeServer(set(local) - gone)

    found = _run(local, server, fanout=8, leaf=500)

    assert found.removed == gone and found.missing == set()
    assert server.listed() <= 500 and len(server.listings) <= 2
    assert found.probes == len(server.counts) <= 8 * 5
    assert (None, None) not in server.listings


def test_removals_spread_everywhere_fall_back_to_listing_without_deep_probing():
    local = list(range(1, 20_001))
    gone = set(local[7::100])
    server = FakeServer(set(local) - gone)

    found = _run(local, server, fanout=8, leaf=100)

    assert found.removed == gone
    assert found.probes == 8  # one level, then every part differed: listed at once
    assert len(server.listings) == 1 and server.listed() == len(server.keys)  # neighbours merged


def test_tracks_missing_locally_are_found_too():
    server_keys = list(range(1, 5_001))
    local = [k for k in server_keys if not 3_000 <= k < 3_005] + [9_999]  # 5 unseen, 1 removed
    server = FakeServer(server_keys)
    found = _run(local, server, fanout=4, leaf=50)
    assert found.missing == set(range(3_000, 3_005)) and found.removed == {9_999}


def test_check_equal_finds_a_removal_hidden_by_an_unseen_addition():
    local = list(range(1, 8_001))
    server_keys = (set(local) - {1_234}) | {7_500_000}  # same total, different ranges
    server = FakeServer(server_keys)

    assert _run(local, server).removed == set()  # totals agree: nothing probed
    found = _run(local, server, check_equal=True, fanout=4, leaf=64)
    assert found.removed == {1_234} and found.missing == {7_500_000}


def test_reconcile_rejects_nonsense_parameters():
    with pytest.raises(ValueError):
        reconcile(SortedKeys([1]), 1, lambda a, b: 0, lambda a, b: [], fanout=1)


# -- incremental syncs against the emulator --------------------------------------------

LEAF = 20  # small ranges for a 230-track library, so ranges are probed, not listed whole


def _index() -> dict[int, LibraryTrack]:
    db.session.expire_all()
    return {t.rating_key: t for t in db.session.scalars(sa.select(LibraryTrack))}


def _key_listings(emu):
    """Listings of ratingKeys made by the removal check (sort=id), with their paging."""
    return [r for r in emu.requests if r.path == "/library/sections/1/all" and r.query.get("sort") == ["id:asc"]
            and r.query.get("type") == ["10"]  # not the artist and album listings of the tags
            and r.headers.get("X-Plex-Container-Size") != "0" and "ratingKey" not in r.query.get("excludeFields", [""])[0]
            and "title" in r.query.get("excludeFields", [""])[0].split(",")]


def _full_track_listings(emu):
    """type=10 listings with neither a date nor a ratingKey filter that return rows."""
    return [r for r in emu.requests if r.path == "/library/sections/1/all" and r.query.get("type") == ["10"]
            and r.headers.get("X-Plex-Container-Size") != "0"
            and not any(k.startswith(("updatedAt", "id")) for k in r.query)]


def _synced_then_changed(settings, emu):
    sync_library(settings, full=True)
    emu.clear_requests()
    emu.advance(3600)


def test_removed_album_is_found_without_a_full_key_listing(settings, emu, tracks):
    _synced_then_changed(settings, emu)
    album = tracks[40].album_rating_key
    gone = {t.rating_key for t in tracks if t.album_rating_key == album}
    emu.remove_tracks(gone)

    result = sync_library(settings, range_leaf=LEAF)

    assert (result.added, result.updated, result.removed) == (0, 0, len(gone)) == (0, 0, 10)
    assert gone.isdisjoint(_index()) and len(_index()) == TRACK_COUNT - 10
    assert _full_track_listings(emu) == []
    listed = _key_listings(emu)
    assert listed and all("id>>" in r.query or "id<<" in r.query for r in listed)
    # only ratingKeys were asked for: every other attribute and child element excluded
    assert all("ratingKey" not in r.query["excludeFields"][0].split(",") for r in listed)
    assert all("title" in r.query["excludeFields"][0].split(",") for r in listed)
    figures = _state_figures()
    assert figures["removed"] == 10 and figures["keys_listed"] <= 3 * LEAF


def _state_figures():
    from plex_completer.models import LibrarySyncState

    db.session.expire_all()
    return db.session.scalars(sa.select(LibrarySyncState)).one().last_sync_figures


def test_removed_artist_is_found_without_a_full_key_listing(settings, emu, tracks):
    _synced_then_changed(settings, emu)
    artist = tracks[95].artist_rating_key
    gone = {t.rating_key for t in tracks if t.artist_rating_key == artist}
    emu.remove_tracks(gone)

    result = sync_library(settings, range_leaf=LEAF)

    assert result.removed == len(gone) == 30
    index = _index()
    assert not any(t.artist_rating_key == artist for t in index.values())
    assert set(index) == set(emu.lib.tracks)
    assert _full_track_listings(emu) == []


def test_removals_and_additions_that_cancel_in_the_total(settings, emu, tracks):
    """5 tracks removed, 5 added on another album: the section's total is unchanged; the
    additions come from the updatedAt listing, so the expected count differs and the
    removals are found."""
    _synced_then_changed(settings, emu)
    removed = [t.rating_key for t in tracks[100:105]]
    emu.remove_tracks(removed)
    added = make_tracks(5, first_key=20_000)
    emu.add_tracks(added)
    assert len(emu.lib.tracks) == TRACK_COUNT

    result = sync_library(settings, range_leaf=LEAF)

    assert (result.added, result.removed, result.total) == (5, 5, TRACK_COUNT)
    assert set(_index()) == set(emu.lib.tracks)
    assert _full_track_listings(emu) == []


def test_removal_hidden_by_an_unseen_addition_is_found_when_the_content_changed(settings, emu, tracks):
    """A track comes back with its old timestamps (the updatedAt filter cannot see it)
    while another is removed: totals agree, but contentChangedAt moved, so the ranges are
    counted and both differences found."""
    sync_library(settings, full=True)
    old = tracks[3]
    emu.remove_tracks([old.rating_key])
    sync_library(settings)
    assert old.rating_key not in _index()
    emu.advance(3600)
    emu.remove_tracks([tracks[200].rating_key])
    emu.add_tracks([old], stamp=False)  # back, with timestamps older than the cursor
    assert len(emu.lib.tracks) == TRACK_COUNT - 1

    result = sync_library(settings, range_leaf=LEAF)

    assert (result.added, result.removed) == (1, 1)
    assert set(_index()) == set(emu.lib.tracks)


def test_the_whole_index_of_a_small_library_is_compared_in_one_listing(settings, emu, tracks):
    """With the default leaf size a 230-track library is below one range: one ratingKey
    listing settles it (cheaper than a level of probes)."""
    _synced_then_changed(settings, emu)
    emu.remove_tracks([tracks[7].rating_key, tracks[150].rating_key])

    result = sync_library(settings)

    assert result.removed == 2 and key_ranges.LEAF >= TRACK_COUNT
    listed = _key_listings(emu)
    assert len(listed) == 1 and not any(k.startswith("id") for k in listed[0].query)


def test_changed_listing_asks_for_slim_rows(settings, emu, tracks):
    _synced_then_changed(settings, emu)
    emu.update_track(tracks[0].rating_key, title="New")
    sync_library(settings)
    changed = [r for r in emu.requests if any(k.startswith("updatedAt") for k in r.query) and r.query["type"] == ["10"]]
    assert len(changed) == 1
    assert "Media" in changed[0].query["excludeElements"][0].split(",")
    excluded = set(changed[0].query["excludeFields"][0].split(","))
    # nothing the index stores is excluded
    assert excluded.isdisjoint({"ratingKey", "title", "grandparentTitle", "originalTitle", "parentTitle",
                                "parentYear", "index", "parentIndex", "duration", "addedAt", "updatedAt",
                                "guid", "parentRatingKey", "grandparentRatingKey"})
    assert _index()[tracks[0].rating_key].title == "New"
