"""The library sync against strict and hostile emulators (issue "Plex: safe on a real
server"): pages as PMS wants them, capability fallbacks that keep the index right, and
no answer, however odd, that shrinks the index silently."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from plex_completer.extensions import db
from plex_completer.models import LibraryTrack
from plex_completer.plex import capabilities
from plex_completer.plex.errors import PlexAnswerRejected, PlexServerChanged
from plex_completer.plex.library_sync import sync_library
from tests.fakes.plex.server import PlexEmulator
from tests.plex.conftest import START_EPOCH, TRACK_COUNT, make_tracks, with_settings


def _index() -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(sa.select(LibraryTrack.rating_key)))


def _listings(emu):
    return [r for r in emu.requests if r.path == "/library/sections/1/all"]


def test_every_listing_sends_both_paging_headers_and_at_most_1000(settings, emu):
    sync_library(settings, full=True, page_size=5000)
    emu.advance(3600)
    emu.remove_tracks([emu.tracks[3].rating_key])
    sync_library(settings)
    for r in _listings(emu):
        assert r.headers.get("X-Plex-Container-Start") is not None
        assert 0 <= int(r.headers["X-Plex-Container-Size"]) <= 1000
        assert r.query["sort"] == ["id:asc"]  # unique: no ties to shuffle between pages
    assert all(r.status == 200 for r in emu.requests)


def test_pages_cut_below_the_size_asked_lose_nothing(settings, emu):
    """The issue's replay: a server serving fewer items than asked. Paging moves on by
    the items received, so every track is indexed."""
    emu.set_strictness(max_page=40)  # a silent cut, as a real PMS cuts at 1,000
    result = sync_library(settings, full=True, page_size=100)
    assert result.total == TRACK_COUNT and _index() == set(emu.lib.tracks)
    assert capabilities.load().page_size == 40  # probed and stored


def test_a_page_cap_answered_with_400_is_learnt_from_the_probe(settings, emu):
    """A server that refuses pages above 150 with 400 (instead of cutting them): the probe
    steps down to a size it accepts and the sync uses it."""
    emu.set_strictness(max_page=150, page_cap="error")
    result = sync_library(settings, full=True)
    assert result.total == TRACK_COUNT and _index() == set(emu.lib.tracks)
    assert capabilities.load().page_size == 100


def test_hostile_server_full_and_incremental_syncs_keep_the_index_right(settings, emu, tracks):
    """Pages cut to 70, id filters ignored, excludeFields matched loosely (``key`` drops
    ``ratingKey``), ties shuffled: the capability check finds each and the fallbacks
    (no excludes, plain key listing) keep the index exactly the library."""
    emu.set_strictness(hostile=True, hostile_page=70)
    result = sync_library(settings, full=True)
    assert result.total == TRACK_COUNT and _index() == set(emu.lib.tracks)
    caps = capabilities.load()
    assert (caps.id_filters, caps.exclude_fields, caps.page_size) == (False, False, 70)

    emu.advance(3600)
    emu.add_tracks(make_tracks(3, first_key=9000))
    emu.remove_tracks([tracks[10].rating_key, tracks[150].rating_key])
    emu.update_track(tracks[5].rating_key, title="Renamed")
    result = sync_library(settings)
    assert not result.full and (result.added, result.removed) == (3, 2)
    assert _index() == set(emu.lib.tracks)


def test_ignored_updated_filter_falls_back_to_full_syncs(settings, emu, tracks):
    emu.set_strictness(ignore_updated_filter=True)
    sync_library(settings, full=True)
    assert capabilities.load().updated_filter is False
    emu.advance(3600)
    emu.remove_tracks([tracks[0].rating_key])
    result = sync_library(settings)
    assert result.full and _index() == set(emu.lib.tracks)


def test_fields_dropped_after_the_probe_are_caught_and_read_again(settings, emu):
    """The stored capabilities say excludes work, then the server drops ratingKey with
    them: the full sync notices rows without required attributes and reads again
    without excludes; the index is right and the fallback is remembered."""
    sync_library(settings, full=True)
    emu.set_strictness(hostile=True, hostile_page=1000)
    result = sync_library(settings, full=True)
    assert result.total == TRACK_COUNT and result.removed == 0 and _index() == set(emu.lib.tracks)
    assert capabilities.load().exclude_fields is False


def test_a_listing_that_stops_short_never_replaces_the_index(settings, emu):
    sync_library(settings, full=True)
    emu.set_strictness(stop_listing_at=100)
    with pytest.raises(PlexAnswerRejected, match="kept the previous index"):
        sync_library(settings, full=True)
    assert _index() == set(emu.lib.tracks) and len(_index()) == TRACK_COUNT


def test_id_filters_ignored_after_the_probe_stop_the_incremental_sync(settings, emu, tracks):
    """The stored capabilities say the id filters work, then the server ignores them:
    range listings come back with keys outside the range, the sync stops, nothing is
    removed (the issue's replay removed 4,610 of 6,000 live tracks here)."""
    sync_library(settings, full=True)
    emu.set_strictness(hostile=True, hostile_page=1000)
    emu.advance(3600)
    emu.remove_tracks([tracks[20].rating_key])
    before = _index()
    with pytest.raises(PlexAnswerRejected, match="inconsistent"):
        sync_library(settings, range_leaf=20)  # small ranges: the id filters are needed
    assert _index() == before
    # The whole index in one listing needs no id filter: that check still works.
    result = sync_library(settings)
    assert result.removed == 1 and _index() == set(emu.lib.tracks)


def test_pages_in_no_stable_order_never_replace_the_index(settings, emu):
    """Pages that overlap and miss tracks (no stable order between requests): the
    distinct tracks staged fall short of the plain count, the sync stops."""
    sync_library(settings, full=True)
    emu.set_strictness(unstable_order=True)
    with pytest.raises(PlexAnswerRejected, match="distinct tracks"):
        sync_library(settings, full=True, page_size=20)
    assert len(_index()) == TRACK_COUNT


def test_empty_answers_never_empty_the_index(settings, emu):
    sync_library(settings, full=True)
    emu.set_strictness(stop_listing_at=0)
    with pytest.raises(PlexAnswerRejected):
        sync_library(settings, full=True)
    assert len(_index()) == TRACK_COUNT


def test_another_server_stops_the_sync_until_confirmed(settings, emu, tracks):
    sync_library(settings, full=True)
    other = PlexEmulator(make_tracks(50, first_key=50_000), now=START_EPOCH,
                         machine_identifier="b" * 40).start()
    try:
        moved = with_settings(settings, PLEX_URL=other.url, PLEX_TOKEN=other.token)
        with pytest.raises(PlexServerChanged):
            sync_library(moved)
        assert _index() == {t.rating_key for t in tracks}
        result = sync_library(moved, confirm_server=True)
        assert result.full and _index() == set(other.lib.tracks)
    finally:
        other.stop()
