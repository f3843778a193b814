"""Library index sync against the Plex emulator, through real plexapi over loopback HTTP."""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa

from plex_completer.extensions import db
from plex_completer.models import Job, JobStatus, LibrarySyncState, LibraryTrack
from plex_completer.plex import library_sync
from plex_completer.plex.errors import PlexRequestFailed
from plex_completer.plex.library_sync import OVERLAP_S, sync_library
from tests.plex.conftest import START_EPOCH, TRACK_COUNT, make_tracks


def _index() -> dict[int, LibraryTrack]:
    db.session.expire_all()
    return {t.rating_key: t for t in db.session.scalars(sa.select(LibraryTrack))}


def _state() -> LibrarySyncState:
    db.session.expire_all()
    return db.session.scalars(sa.select(LibrarySyncState)).one()


def _listing_requests(emu):
    # Track listings only (the artist and album listings of the tags are type 8 and 9).
    return [r for r in emu.requests if r.path == "/library/sections/1/all" and r.query.get("type") == ["10"]]


def test_full_sync_pages_through_the_section_and_indexes_every_track(settings, emu, tracks):
    result = sync_library(settings, full=True, page_size=50)

    assert (result.added, result.updated, result.removed, result.total, result.full) == (TRACK_COUNT, 0, 0, TRACK_COUNT, True)
    index = _index()
    assert set(index) == {t.rating_key for t in tracks}
    featured = tracks[7]
    row = index[featured.rating_key]
    assert (row.title, row.album_artist, row.track_artist, row.album) == (
        featured.title, featured.album_artist, featured.track_artist, featured.album)
    assert (row.year, row.track_number, row.disc_number, row.duration_ms) == (
        featured.year, featured.track_number, 1, featured.duration_ms)
    assert (row.album_rating_key, row.artist_rating_key) == (featured.album_rating_key, featured.artist_rating_key)
    assert int(row.added_at.timestamp()) == featured.added_at
    assert index[tracks[1].rating_key].track_artist is None  # Plex omits originalTitle then

    pages = [r for r in _listing_requests(emu) if r.headers.get("X-Plex-Container-Size") == "50"
             and "title" not in r.query["excludeFields"][0].split(",")]  # not the key-only page-size probe
    assert len(pages) == math.ceil(TRACK_COUNT / 50)
    starts = sorted(int(r.headers.get("X-Plex-Container-Start")) for r in pages)
    assert starts == list(range(0, TRACK_COUNT, 50))
    # Every listing sends both paging headers and a unique sort.
    assert all(r.headers.get("X-Plex-Container-Size") for r in _listing_requests(emu))
    assert all(r.query.get("sort") == ["id:asc"] for r in _listing_requests(emu))
    # No per-track reloads: identity, sections, the capability probes (7, and 4 for the
    # artist and album listings), the listing pages and one plain count confirming the
    # total; then the tags: one artist page and one album page, each with its plain count.
    assert {r.path for r in emu.requests} == {"/", "/library/sections", "/library/sections/1/all"}
    assert result.requests == len(emu.requests) == 2 + 7 + 4 + len(pages) + 1 + 4

    state = _state()
    assert state.track_count == TRACK_COUNT and state.index_version == 1
    assert state.max_added_at == max(t.added_at for t in tracks)
    assert state.last_full_sync_at is not None and state.last_sync_figures["kind"] == "full"


def test_first_sync_is_full_even_when_incremental_is_asked(settings, emu):
    result = sync_library(settings, full=False)
    assert result.full and result.added == TRACK_COUNT


def test_incremental_sync_picks_up_added_updated_and_removed_tracks(settings, emu, tracks):
    sync_library(settings, full=True)
    expected_cursor = max(t.updated_at for t in tracks) - OVERLAP_S
    emu.clear_requests()
    emu.advance(3600)
    new = make_tracks(3, first_key=9000)
    emu.add_tracks(new)
    emu.update_track(tracks[5].rating_key, title="Renamed Song")
    emu.update_track(tracks[6].rating_key, album_artist="Another Artist")
    emu.remove_tracks([tracks[10].rating_key])

    result = sync_library(settings)

    assert not result.full
    assert (result.added, result.updated, result.removed) == (3, 2, 1)
    index = _index()
    assert set(index) == set(emu.lib.tracks)
    assert index[tracks[5].rating_key].title == "Renamed Song"
    assert index[tracks[6].rating_key].album_artist == "Another Artist"
    # One filter on the stored cursor minus the overlap; the count probe found the removal,
    # so one ratingKey listing followed. Nothing per track.
    filters = [{k: v[0] for k, v in r.query.items() if k.endswith(">>")} for r in _listing_requests(emu)]
    assert [f for f in filters if f] == [{"updatedAt>>": str(expected_cursor)}]
    assert all(r.query["type"] == ["10"] for r in _listing_requests(emu))
    # identity, sections, the changed listing, the total, one key listing, and the plain
    # count that confirms the removal before it is applied; then the changed artists and
    # albums (two listings, for their genres)
    assert result.requests == len(emu.requests) == 8
    state = _state()
    assert state.max_updated_at == START_EPOCH + 3600 and state.index_version == 2
    assert state.track_count == TRACK_COUNT + 3 - 1


def test_incremental_sync_without_removals_probes_ranges_but_lists_no_keys(settings, emu):
    """Additions move the section's contentChangedAt: a few ratingKey ranges are counted
    (removals could hide behind unseen additions), and nothing is listed."""
    sync_library(settings, full=True)
    emu.clear_requests()
    emu.advance(60)
    emu.add_tracks(make_tracks(2, first_key=9100))

    result = sync_library(settings, range_leaf=20)

    assert (result.added, result.updated, result.removed) == (2, 0, 0)
    listings = _listing_requests(emu)
    sizes = [r.headers.get("X-Plex-Container-Size") for r in listings]
    # the updatedAt listing, the total count, one count per range of the first level
    assert sizes[0] != "0" and sizes[1:] == ["0"] * (len(listings) - 1)
    assert len(listings) == 2 + library_sync.key_ranges.CHECK_FANOUT
    assert len(emu.requests) == 2 + len(listings) + 2  # + the changed artists and albums


def test_incremental_sync_with_unchanged_content_makes_two_listing_requests(settings, emu):
    sync_library(settings, full=True)
    emu.clear_requests()

    result = sync_library(settings)

    assert (result.added, result.updated, result.removed) == (0, 0, 0)
    # identity, sections, the updatedAt listing, the count probe, and the updatedAt
    # listings of artists and albums (their genres)
    assert len(emu.requests) == 6 and len(_listing_requests(emu)) == 2


def test_incremental_sync_with_nothing_changed_counts_nothing(settings, emu):
    sync_library(settings, full=True)
    result = sync_library(settings)
    assert (result.added, result.updated, result.removed, result.total) == (0, 0, 0, TRACK_COUNT)
    assert _state().index_version == 2  # bumped on every successful sync


def test_incremental_sync_finds_tracks_the_date_filters_miss(settings, emu, tracks):
    """A track restored with an old addedAt/updatedAt is found by the count check and
    fetched by ratingKey."""
    sync_library(settings, full=True)
    emu.remove_tracks([tracks[0].rating_key])
    sync_library(settings)
    emu.add_tracks([tracks[0]], stamp=False)  # back, with its old timestamps

    result = sync_library(settings)

    assert (result.added, result.removed) == (1, 0)
    assert tracks[0].rating_key in _index()


def test_sync_reports_progress_up_to_the_total(settings, emu):
    calls = []
    sync_library(settings, full=True, page_size=100, progress=lambda d, t, s: calls.append((d, t, s)))
    reading = [(d, t) for d, t, s in calls if s == "Reading tracks from Plex" and t]
    assert reading == [(100, TRACK_COUNT), (200, TRACK_COUNT), (TRACK_COUNT, TRACK_COUNT)]
    assert calls[-1][0] == calls[-1][1] == TRACK_COUNT


def test_a_sync_failing_midway_keeps_the_previous_index(settings, emu, tracks):
    sync_library(settings, full=True)
    before = {k: (t.title, t.album_artist) for k, t in _index().items()}
    emu.remove_tracks([t.rating_key for t in tracks[:50]])
    emu.update_track(tracks[60].rating_key, title="Changed")
    seen_by_readers = []

    def progress(done, total, step):
        if done and step == "Reading tracks from Plex":
            # Another connection reads the index while the sync runs: still the old one.
            seen_by_readers.append(db.session.scalar(sa.select(sa.func.count()).select_from(LibraryTrack)))
            emu.set_fault(fail_status=500, fail_count=-1)

    with pytest.raises(PlexRequestFailed) as info:
        sync_library(settings, full=True, page_size=50, progress=progress)

    assert "HTTP 500" in str(info.value)
    # (the page fetched ahead before the fault may still arrive: one or two progress calls)
    assert seen_by_readers and set(seen_by_readers) == {TRACK_COUNT}
    after = {k: (t.title, t.album_artist) for k, t in _index().items()}
    assert after == before
    assert _state().index_version == 1
    emu.clear_faults()
    result = sync_library(settings, full=True)
    assert (result.removed, result.updated, result.total) == (50, 1, TRACK_COUNT - 50)


def test_a_swap_failing_inside_the_search_index_work_keeps_the_index_and_its_triggers(settings, emu, tracks,
                                                                                     monkeypatch):
    """The swap drops the search index's triggers in its transaction; when the index work
    then fails (a database error no emulator can cause, so it is patched in), the rollback
    brings back the previous rows, the index and the triggers, and later writes are
    indexed again."""
    from plex_completer.plex import index_store
    from plex_completer.services.library_search import Filters, search

    sync_library(settings, full=True)
    before = {k: t.title for k, t in _index().items()}
    emu.update_track(tracks[0].rating_key, title="Renamed In Plex")

    def broken(conn):
        raise sa.exc.OperationalError("INSERT INTO library_search ...", {}, Exception("disk I/O error"))

    monkeypatch.setattr(index_store, "refresh_search_rows", broken)
    monkeypatch.setattr(index_store, "rebuild_search_index", broken)
    with pytest.raises(sa.exc.OperationalError):
        sync_library(settings, full=True)
    monkeypatch.undo()
    db.session.remove()
    assert {k: t.title for k, t in _index().items()} == before
    triggers = {r[0] for r in db.session.execute(sa.text(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'library_search_%'"))}
    assert triggers == {"library_search_ai", "library_search_ad", "library_search_au"}
    track = db.session.get(LibraryTrack, tracks[1].rating_key)
    track.title = "Written After The Failure"
    db.session.commit()
    assert [e.rating_key for e in search("written after the failure", 5, Filters()).entries] == [tracks[1].rating_key]
    result = sync_library(settings, full=True)
    assert result.updated == 2  # the rename in Plex, and the local write put back as Plex has it


def test_library_sync_job_records_progress_and_summary(plex_app, emu):
    from plex_completer.jobs import runner

    job = runner.enqueue("library_sync", {"full": True})

    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == JobStatus.DONE, job.message
    assert job.message.startswith(f"Full library sync: +{TRACK_COUNT} tracks, 0 updated, 0 removed in ")
    assert job.progress_done == job.progress_total == TRACK_COUNT
    assert job.result["added"] == TRACK_COUNT and job.result["full"] is True
    assert library_sync.index_version() == 1


def test_library_sync_job_fails_with_the_user_message(plex_app, emu):
    from plex_completer.jobs import runner

    emu.set_fault(fail_status=401)
    job = runner.enqueue("library_sync", {"full": False})
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == JobStatus.FAILED
    assert "401" in job.message and "PLEX_TOKEN" in job.message
    assert emu.token not in job.message


def test_switching_music_section_forces_a_full_sync_and_drops_the_old_rows(settings, emu, tracks):
    from tests.plex.conftest import with_settings

    sync_library(settings, full=True)
    emu.section.key = 7  # the user re-created the music library: new section key
    emu.section.title = "Music 2"
    result = sync_library(with_settings(settings, PLEX_MUSIC_SECTION="Music 2"))
    assert result.full and result.total == TRACK_COUNT
    assert {t.section_id for t in _index().values()} == {7}
    assert library_sync.index_version() == 2


def test_full_sync_of_the_real_data_library_round_trips_every_field(make_app):
    """The small real-data library (non-ASCII names, '&', featured artists, discs) indexes
    exactly as the emulator serves it."""
    from tests.fakes.library.builder import shared_library
    from tests.fakes.library.data import require_shared_data
    from tests.fakes.plex.server import PlexEmulator

    require_shared_data()
    tracks = shared_library("small")
    with PlexEmulator(tracks) as emu:
        app = make_app(PLEX_URL=emu.url, PLEX_TOKEN=emu.token)
        with app.app_context():
            result = sync_library(app.config["SETTINGS"], full=True)
            index = _index()
    assert result.total == len(tracks) == len(index)
    for t in tracks:
        row = index[t.rating_key]
        expected_artist = t.track_artist if t.track_artist and t.track_artist != t.album_artist else None
        assert (row.title, row.album_artist, row.track_artist, row.album, row.year, row.track_number, row.disc_number) == (
            t.title, t.album_artist, expected_artist, t.album, t.year, t.track_number, t.disc_number), t
        assert int(row.updated_at.timestamp()) == t.updated_at


def test_track_rows_tolerate_odd_numbers():
    from plex_completer.plex.track_rows import COLUMNS, rows_from_tracks

    rows = rows_from_tracks(
        [
            {"ratingKey": "5", "title": "A", "grandparentTitle": "X", "originalTitle": "X", "index": "3.0", "duration": ""},
            {"title": "no key"},
            {"ratingKey": "abc"},
        ],
        1,
    )
    assert len(rows) == 1
    row = dict(zip(COLUMNS, rows[0], strict=False))
    assert (row["rating_key"], row["track_number"], row["duration_ms"], row["track_artist"]) == (5, 3, None, None)
