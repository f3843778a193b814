"""The fill mode stored per playlist, refills when tracks leave the library, and an empty
result turning into a Plex playlist on the first rescan that finds something (issue 18,
points 4, 5 and 7), end to end through the real clients against the emulators."""

from __future__ import annotations

import pytest

from plex_completer.extensions import db
from plex_completer.jobs import runner
from plex_completer.models import AiAttempt, JobStatus, Playlist, PlaylistStatus, RescanRecord
from plex_completer.services import playlist_actions as svc
from tests.e2e.test_fill import _mostly_absent
from tests.e2e.test_fill import _plex_items as _all_items
from tests.fakes.library.model import FakeTrack

pytestmark = pytest.mark.timeout(120)


def _generate(stack, prompt, count, present, mode=None):
    stack.gemini.answer, _ = _mostly_absent(stack, present)
    job = svc.start_generation(prompt, count, fill_mode=mode)
    assert job.status == JobStatus.DONE, job.message
    return db.session.get(Playlist, job.result["playlist_id"])


def _plex_items(stack, rating_key) -> list[int]:
    """The Plex playlist's items whose track still exists (PMS lists no others)."""
    return [k for k in _all_items(stack, rating_key) if k in stack.plex.lib.tracks]


def _reload(playlist_id) -> Playlist:
    db.session.expire_all()
    return db.session.get(Playlist, playlist_id)


def _last_history(playlist_id) -> str:
    return db.session.scalars(db.select(RescanRecord).where(RescanRecord.playlist_id == playlist_id)
                              .order_by(RescanRecord.id.desc())).first().message


def _sync():
    job = runner.run_now("library_sync", {"full": False})
    assert job.status == JobStatus.DONE, job.message


def _purposes(job_id) -> list[str]:
    return [a.purpose for a in db.session.scalars(db.select(AiAttempt).where(AiAttempt.job_id == job_id))]


def test_generate_stores_the_mode_and_the_playlist_page_shows_it(synced_app, stack):
    filled = _generate(stack, "80s night drive", 8, 2)
    wished = _generate(stack, "80s night drive again", 8, 2, mode="wish")
    assert (filled.fill_mode, wished.fill_mode) == ("fill", "wish")
    client = synced_app.test_client()
    page = client.get(f"/playlists/{filled.id}").get_data(as_text=True)
    assert "t have: Fill from my library</span>" in page, page[page.find("Written by"):][:400]
    assert "t have: Wish list only</span>" in client.get(f"/playlists/{wished.id}").get_data(as_text=True)


def test_regenerating_a_library_playlist_asks_for_library_picks_never_a_wish_list(synced_app, stack):
    playlist = _generate(stack, "80s synth pop", 10, 0, mode="library")
    assert playlist.fill_mode == "library" and stack.gemini.generate_calls() == 1
    job = svc.start_regenerate(playlist.id)
    assert job.status == JobStatus.DONE, job.message
    assert stack.gemini.generate_calls() == 2 and "Number of picks: 10" in stack.gemini.last_prompt_text()
    assert _purposes(job.id) == ["fill"]
    playlist = _reload(playlist.id)
    assert len(playlist.generations) == 2 and all(t.filler for t in playlist.current_generation.tracks)
    assert len(_plex_items(stack, playlist.plex_rating_key)) == 10
    assert job.message.startswith("New picks from your library: 10 tracks, picked by Gemini 2.5 Flash.")


def test_regenerating_a_wish_list_playlist_never_fills(synced_app, stack):
    playlist = _generate(stack, "80s night drive", 10, 3, mode="wish")
    job = svc.start_regenerate(playlist.id)
    assert job.status == JobStatus.DONE, job.message
    assert _purposes(job.id) == ["generate"]
    assert not any(t.filler for t in _reload(playlist.id).current_generation.tracks)


def test_a_matched_wish_list_track_leaving_the_library_is_filled_again_on_rescan(synced_app, stack):
    playlist = _generate(stack, "upbeat 80s songs for a night drive", 12, 4)
    assert len(_plex_items(stack, playlist.plex_rating_key)) == 12
    lost = next(t for t in playlist.current_generation.tracks if not t.filler and t.matched_rating_key)
    lost_key = lost.matched_rating_key
    stack.plex.remove_tracks([lost_key])
    _sync()
    calls = stack.gemini.generate_calls()

    rescan = svc.start_rescan(playlist.id)

    assert rescan.status == JobStatus.DONE, rescan.message
    assert stack.gemini.generate_calls() == calls + 1 and _purposes(rescan.id) == ["fill"]
    playlist = _reload(playlist.id)
    items = _plex_items(stack, playlist.plex_rating_key)
    assert len(items) == 12 == len(set(items)) and lost_key not in items
    history = _last_history(playlist.id)
    assert "1 track left your library." in history and "1 more from your library" in history
    # The wish list stays as it was: the lost track waits for its return.
    assert any(t.title == lost.title and not t.filler for t in playlist.current_generation.tracks)


def test_a_filler_leaving_the_library_is_replaced_and_dropped(synced_app, stack):
    playlist = _generate(stack, "upbeat 80s songs for a night drive", 12, 4)
    filler = next(t for t in playlist.current_generation.tracks if t.filler)
    gone_key = filler.matched_rating_key
    stack.plex.remove_tracks([gone_key])
    _sync()

    rescan = svc.start_rescan(playlist.id)

    assert rescan.status == JobStatus.DONE, rescan.message
    playlist = _reload(playlist.id)
    fillers = [t for t in playlist.current_generation.tracks if t.filler]
    assert len(fillers) == 8 and gone_key not in {t.matched_rating_key for t in fillers}
    assert len(_plex_items(stack, playlist.plex_rating_key)) == 12
    assert [t.position for t in playlist.current_generation.tracks] == list(
        range(1, len(playlist.current_generation.tracks) + 1))


def test_a_filler_under_a_new_ratingkey_is_found_again_without_an_ai_call(synced_app, stack):
    """A re-imported library (or another server) gives every track a new ratingKey: the
    filler's song is still there, so the rescan finds it by artist, title and album and
    asks no AI for a new pick."""
    import dataclasses

    playlist = _generate(stack, "upbeat 80s songs for a night drive", 12, 4)
    filler = next(t for t in playlist.current_generation.tracks if t.filler)
    old_key = filler.matched_rating_key
    fillers_before = sorted(t.title for t in playlist.current_generation.tracks if t.filler)
    new_key = max(stack.plex.lib.tracks) + 1000
    moved = dataclasses.replace(stack.plex.lib.tracks[old_key], rating_key=new_key)
    stack.plex.remove_tracks([old_key])
    stack.plex.add_tracks([moved])
    job = runner.run_now("library_sync", {"full": True})
    assert job.status == JobStatus.DONE, job.message
    attempts_before = db.session.scalar(db.select(db.func.count()).select_from(AiAttempt))

    rescan = svc.start_rescan(playlist.id)

    assert rescan.status == JobStatus.DONE, rescan.message
    assert db.session.scalar(db.select(db.func.count()).select_from(AiAttempt)) == attempts_before  # no AI call
    playlist = _reload(playlist.id)
    fillers = [t for t in playlist.current_generation.tracks if t.filler]
    assert sorted(t.title for t in fillers) == fillers_before
    again = next(t for t in fillers if t.id == filler.id)
    assert again.matched_rating_key == new_key and "found again under a new ratingKey" in again.reason
    assert new_key in _plex_items(stack, playlist.plex_rating_key)
    assert len(_plex_items(stack, playlist.plex_rating_key)) == 12


def test_a_wish_list_playlist_is_never_refilled(synced_app, stack):
    playlist = _generate(stack, "80s night drive", 10, 4, mode="wish")
    key = next(t.matched_rating_key for t in playlist.current_generation.tracks if t.matched_rating_key)
    stack.plex.remove_tracks([key])
    _sync()
    calls = stack.gemini.generate_calls()
    rescan = svc.start_rescan(playlist.id)
    assert rescan.status == JobStatus.DONE and stack.gemini.generate_calls() == calls
    assert len(_plex_items(stack, _reload(playlist.id).plex_rating_key)) == 3


def test_a_scheduled_rescan_over_the_ai_cap_keeps_what_it_has_and_says_so(make_synced_app, stack):
    app = make_synced_app(SCHEDULER_AI_DAILY_CAP=0)
    with app.app_context():
        playlist = _generate(stack, "upbeat 80s songs for a night drive", 12, 4)
        key = next(t.matched_rating_key for t in playlist.current_generation.tracks
                   if not t.filler and t.matched_rating_key)
        stack.plex.remove_tracks([key])
        _sync()
        calls = stack.gemini.generate_calls()
        rescan = runner.run_now("rescan", {"playlist_id": playlist.id}, trigger="schedule", playlist_id=playlist.id)
        assert rescan.status == JobStatus.DONE, rescan.message
        assert stack.gemini.generate_calls() == calls
        playlist = _reload(playlist.id)
        assert len(_plex_items(stack, playlist.plex_rating_key)) == 11
        history = _last_history(playlist.id)
        assert "1 track left your library." in history and "daily AI call cap is used up" in history


def test_an_empty_result_becomes_a_plex_playlist_on_the_first_rescan_that_finds_a_track(synced_app, stack):
    playlist = _generate(stack, "80s night drive", 6, 0, mode="wish")
    assert playlist.status == PlaylistStatus.PENDING_PLEX and not stack.plex.playlists
    wished = playlist.current_generation.tracks[0]
    base = max(t.rating_key for t in stack.plex.tracks) + 5000
    stack.plex.add_tracks([FakeTrack(rating_key=base, title=wished.title, album_artist=wished.artist,
                                     album="Arrivals", album_rating_key=base + 1, artist_rating_key=base + 2,
                                     year=1984)])
    rescan = svc.start_rescan(playlist.id)  # before the sync: nothing found, still nothing written
    assert rescan.status == JobStatus.DONE and not stack.plex.playlists
    _sync()

    rescan = svc.start_rescan(playlist.id)

    assert rescan.status == JobStatus.DONE, rescan.message
    playlist = _reload(playlist.id)
    assert playlist.status == PlaylistStatus.SYNCED and playlist.plex_rating_key
    assert _plex_items(stack, playlist.plex_rating_key) == [base]
    assert "1 of 6 missing tracks are now in your library" in _last_history(playlist.id)
