"""The main job end to end, through the real plexapi, google-genai and ollama clients
against the loopback emulators: generate, store, match, write to Plex, rescan without AI."""

from __future__ import annotations

import pytest

from plex_completer.extensions import db
from plex_completer.jobs import runner
from plex_completer.models import AiAttempt, JobStatus, Playlist, PlaylistStatus
from plex_completer.services import playlist_actions as svc
from tests.fakes.library.model import FakeTrack

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def e2e_app(synced_app):
    return synced_app


def _plex_items(stack, rating_key) -> list[int]:
    return [key for _item_id, key in stack.plex.playlists[int(rating_key)].items]


def _ai_requests(stack) -> int:
    return stack.gemini.generate_calls() + stack.ollama.chat_calls()


def test_quota_and_retired_gemini_fall_back_to_ollama_and_write_in_ai_order(e2e_app, stack):
    stack.gemini.script("gemini-2.5-flash", ["429-day"])
    stack.gemini.script("gemini-2.0-flash", ["404"])
    job = svc.start_generation("upbeat 1985 hits for a night drive", 20)
    assert job.status == JobStatus.DONE, job.message
    assert "Ollama" in job.result["provider"]
    assert stack.gemini.generate_calls("gemini-2.5-flash") == 1
    assert stack.gemini.generate_calls("gemini-2.0-flash") == 1
    # One request for the wish list, and one fill request when it fell short (issue 18);
    # the cooling-down and retired Gemini models are skipped by the fill without a request.
    fills = [r for r in stack.ollama.chat_requests() if "picks" in str(r.body.get("format"))]
    assert stack.ollama.chat_calls() == 1 + len(fills) and len(fills) == (1 if job.result["fillers"] else 0)

    playlist = db.session.get(Playlist, job.result["playlist_id"])
    tracks = playlist.current_generation.tracks
    wished = [t for t in tracks if not t.filler]
    assert len(wished) == 20 and [t.position for t in tracks] == list(range(1, len(tracks) + 1))
    assert len(tracks) == 20 + job.result["fillers"]
    matched = [t.matched_rating_key for t in tracks if t.matched_rating_key is not None]
    assert job.result["matched"] == len(matched) - job.result["fillers"] == playlist.matched_count
    assert f"{playlist.matched_count} of 20 tracks in your library" in job.message
    assert playlist.status == PlaylistStatus.SYNCED
    assert _plex_items(stack, playlist.plex_rating_key) == list(dict.fromkeys(matched))
    assert stack.plex.playlists[int(playlist.plex_rating_key)].summary.startswith("upbeat 1985 hits")
    rows = db.session.scalars(db.select(AiAttempt).where(AiAttempt.job_id == job.id).order_by(AiAttempt.id)).all()
    assert [a.outcome for a in rows if a.purpose == "generate"] == ["quota", "retired", "ok"]
    assert [a.outcome for a in rows if a.purpose == "fill"] == (["skipped", "skipped", "ok"] if fills else [])
    # Every decision carries a score and a reason a user can read.
    assert all(t.reason and t.score is not None for t in tracks)


def test_rescan_adds_arrived_tracks_in_place_without_any_ai_call(e2e_app, stack):
    job = svc.start_generation("best songs of 1985", 25)
    assert job.status == JobStatus.DONE, job.message
    playlist = db.session.get(Playlist, job.result["playlist_id"])
    plex_key = playlist.plex_rating_key
    missing = [t for t in playlist.current_generation.tracks if t.matched_rating_key is None]
    assert missing, "the emulated AI should suggest some tracks the library lacks"

    # The missing songs arrive in Plex (as a new album), then an incremental sync and a rescan.
    base_key = max(t.rating_key for t in stack.plex.tracks) + 1000
    arrived = [
        FakeTrack(rating_key=base_key + i, title=t.title, album_artist=t.artist, album=f"{t.artist} Arrivals",
                  album_rating_key=base_key + 500, artist_rating_key=base_key + 600 + i, year=2026, track_number=i + 1,
                  added_at=stack.plex.now() + 10, updated_at=stack.plex.now() + 10)
        for i, t in enumerate(missing)
    ]
    stack.plex.add_tracks(arrived)
    sync = runner.run_now("library_sync", {"full": False})
    assert sync.status == JobStatus.DONE, sync.message
    ai_before = _ai_requests(stack)
    rescan = svc.start_rescan(playlist.id)
    assert rescan.status == JobStatus.DONE, rescan.message
    assert _ai_requests(stack) == ai_before, "a rescan must not call any AI"

    db.session.expire_all()
    playlist = db.session.get(Playlist, playlist.id)
    assert playlist.plex_rating_key == plex_key, "the same Plex playlist is updated in place"
    assert playlist.matched_count == playlist.suggested_count
    expected = [t.matched_rating_key for t in playlist.current_generation.tracks]
    assert _plex_items(stack, plex_key) == list(dict.fromkeys(expected))
    assert f"{len(missing)} of {len(missing)} missing tracks are now in your library" in rescan.message
    assert playlist.rescans[-1].added == len(missing)

    # A second rescan with nothing new writes nothing to Plex.
    stack.plex.clear_requests()
    again = svc.start_rescan(playlist.id)
    assert again.status == JobStatus.DONE
    assert not [r for r in stack.plex.requests if r.method != "GET"]


def test_plex_down_saves_the_playlist_and_a_retry_writes_it(e2e_app, stack):
    stack.plex.set_fault(refuse_connections=True)
    job = svc.start_generation("80s synth-pop", 15)
    assert job.status == JobStatus.DONE, job.message
    playlist = db.session.get(Playlist, job.result["playlist_id"])
    assert playlist.status == PlaylistStatus.PENDING_PLEX
    assert "Not yet in Plex" in playlist.status_message and stack.plex.url in playlist.status_message
    assert len([t for t in playlist.current_generation.tracks if not t.filler]) == 15
    assert not stack.plex.playlists

    stack.plex.clear_faults()
    retry = svc.start_write_retry(playlist.id)
    assert retry.status == JobStatus.DONE, retry.message
    db.session.expire_all()
    playlist = db.session.get(Playlist, playlist.id)
    assert playlist.status == PlaylistStatus.SYNCED
    assert int(playlist.plex_rating_key) in stack.plex.playlists


def test_every_provider_failing_leaves_a_failed_job_and_nothing_half_made(e2e_app, stack):
    # Each Gemini 5xx gets one quick retry (issue 12), so each model fails twice.
    stack.gemini.script("gemini-2.5-flash", ["500", "500"])
    stack.gemini.script("gemini-2.0-flash", ["503", "503"])
    stack.ollama.script(["500"])
    job = svc.start_generation("rainy Sunday jazz", 10)
    assert job.status == JobStatus.FAILED
    assert "Gemini" in job.message and "Ollama" in job.message
    assert db.session.scalar(db.select(db.func.count()).select_from(Playlist)) == 0
    assert not stack.plex.playlists


def test_duplicate_request_returns_the_running_job(e2e_app, monkeypatch, stack):
    monkeypatch.setattr(runner, "run_job", lambda job_id: None)  # the first job stays queued
    first = svc.start_generation("rainy Sunday jazz", 10)
    second = svc.start_generation("  Rainy   sunday jazz ", 10)
    other = svc.start_generation("rainy Sunday jazz", 20)
    assert first.id == second.id != other.id
    assert first.status == JobStatus.QUEUED
    assert _ai_requests(stack) == 0


def test_cli_generate_prints_provider_counts_and_rating_key(e2e_app, stack):
    result = e2e_app.test_cli_runner().invoke(args=["generate", "1985 hits", "--count", "12"])
    assert result.exit_code == 0, result.output
    assert "Provider: Gemini 2.5 Flash" in result.output
    assert "Matched: " in result.output and "of 12" in result.output
    key = result.output.split("ratingKey: ")[1].split()[0]
    assert int(key) in stack.plex.playlists


def test_cli_generate_fails_with_one_line_reason(e2e_app, stack):
    stack.gemini.script("gemini-2.5-flash", ["401"])
    stack.gemini.script("gemini-2.0-flash", ["401"])
    stack.ollama.script(["404"])
    result = e2e_app.test_cli_runner().invoke(args=["generate", "1985 hits", "--count", "12"])
    assert result.exit_code != 0
    assert "Error:" in result.output
    assert "ollama pull" in result.output
