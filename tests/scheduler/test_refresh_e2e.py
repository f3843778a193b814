"""A scheduled refresh end to end, through the real plexapi, google-genai and ollama
clients against the loopback emulators: same Plex playlist (ratingKey), new tracks,
history kept; and a refresh postponed when every provider is out of quota."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from plex_completer.extensions import db
from plex_completer.jobs import runner
from plex_completer.models import (
    AiAttempt,
    Generation,
    Job,
    JobStatus,
    Playlist,
    PlaylistRefresh,
    PlaylistStatus,
    ProviderState,
    utcnow,
)
from plex_completer.scheduler.refreshes import run_due_refreshes, set_refresh
from plex_completer.services import playlist_actions as svc
from plex_completer.services.ai_call_cap import cap_status
from plex_completer.timezones import scheduler_zone

pytestmark = pytest.mark.timeout(120)


def _due_now(playlist_id: int) -> None:
    row = db.session.get(PlaylistRefresh, playlist_id)
    row.next_refresh_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()


def test_a_weekly_refresh_replaces_the_same_plex_playlist_and_keeps_the_history(make_synced_app, stack, caplog):
    app = make_synced_app()
    caplog.set_level("INFO")
    with app.app_context():
        settings = app.config["SETTINGS"]
        made = svc.start_generation("best songs of 1985", 20)
        assert made.status == JobStatus.DONE, made.message
        playlist = db.session.get(Playlist, made.result["playlist_id"])
        plex_key = playlist.plex_rating_key
        first_generation = playlist.current_generation.id
        first_tracks = [(t.artist, t.title) for t in playlist.current_generation.tracks]
        playlists_in_plex = set(stack.plex.playlists)
        set_refresh(settings, playlist.id, "weekly", weekday=0, hour=6, keep_share=0.3)
        _due_now(playlist.id)
        calls_before = stack.gemini.generate_calls()

        assert run_due_refreshes(settings) == {playlist.id: JobStatus.DONE}

        job = db.session.scalars(sa.select(Job).where(Job.kind == "playlist_refresh")).one()
        assert job.trigger == "schedule" and job.playlist_id == playlist.id
        db.session.expire_all()
        playlist = db.session.get(Playlist, playlist.id)
        assert job.message == (
            f"Weekly refresh of '{playlist.title}' with {job.result['provider']}: 20 tracks, {playlist.matched_count} in library"
        )
        assert "Gemini" in job.result["provider"]
        # One request for the new list, and one fill request when the playlist had fillers
        # and the new list falls short too (issue 18); both count against the cap.
        fills = db.session.scalar(sa.select(sa.func.count()).select_from(AiAttempt).where(
            AiAttempt.job_id == job.id, AiAttempt.purpose == "fill", AiAttempt.outcome != "skipped"))
        assert fills <= 1 and stack.gemini.generate_calls() == calls_before + 1 + fills
        # The AI was told last time's tracks and asked to keep about 30 % of them.
        from tests.fakes.ai.gemini_server import GenerateCall

        texts = [GenerateCall.from_body("m", "v1", r.body).prompt_text for r in stack.gemini.generate_requests()]
        prompt = next(t for t in reversed(texts) if "Number of tracks" in t)  # not the fill request
        assert "Keep about 6 of them" in prompt and f"{first_tracks[0][0]} – {first_tracks[0][1]}" in prompt
        # Same Plex playlist, new contents in the new list's order; no second playlist.
        assert playlist.plex_rating_key == plex_key and playlist.status == PlaylistStatus.SYNCED
        assert set(stack.plex.playlists) == playlists_in_plex
        new_keys = [t.matched_rating_key for t in playlist.current_generation.tracks if t.matched_rating_key]
        assert [key for _item, key in stack.plex.playlists[int(plex_key)].items] == list(dict.fromkeys(new_keys))
        # The previous track list stays in the history.
        generations = db.session.scalars(sa.select(Generation).where(Generation.playlist_id == playlist.id).order_by(Generation.id)).all()
        assert next(g.id for g in generations) == first_generation and len(generations) == 2
        assert [(t.artist, t.title) for t in generations[0].tracks] == first_tracks
        # Next refresh: next Monday 06:00; one scheduled AI call counted today.
        row = db.session.get(PlaylistRefresh, playlist.id)
        assert row.last_status == JobStatus.DONE and row.next_refresh_at > utcnow()
        local = row.next_refresh_at.astimezone(scheduler_zone(settings))
        assert (local.weekday(), local.hour, local.minute) == (0, 6, 0)
        assert row.next_refresh_at - utcnow() <= dt.timedelta(days=7)
        assert cap_status(settings).used == 1 + fills
        lines = [r.getMessage() for r in caplog.records if r.name == "plex_completer.scheduler.refreshes"]
        assert f"Weekly refresh of '{playlist.title}' started" in lines
        assert any(line.startswith(f"Weekly refresh of '{playlist.title}' finished: Weekly refresh") for line in lines)
    runner.shutdown()


def test_a_refresh_is_postponed_when_every_provider_is_out_of_quota(make_synced_app, stack):
    app = make_synced_app(OLLAMA_URL="")  # Gemini only: nothing to fall back to
    with app.app_context():
        settings = app.config["SETTINGS"]
        made = svc.start_generation("80s synth-pop", 10)
        assert made.status == JobStatus.DONE, made.message
        playlist_id = made.result["playlist_id"]
        set_refresh(settings, playlist_id, "daily", hour=6)
        _due_now(playlist_id)
        stack.gemini.script("gemini-2.5-flash", ["429-day"])
        stack.gemini.script("gemini-2.0-flash", ["429-day"])
        items_before = list(stack.plex.playlists[int(made.result["plex_rating_key"])].items)

        assert run_due_refreshes(settings) == {playlist_id: JobStatus.POSTPONED}

        job = db.session.scalars(sa.select(Job).where(Job.kind == "playlist_refresh")).one()
        assert job.status == JobStatus.POSTPONED and "quota" in job.message.lower()
        assert stack.plex.playlists[int(made.result["plex_rating_key"])].items == items_before
        row = db.session.get(PlaylistRefresh, playlist_id)
        assert row.last_status == JobStatus.POSTPONED
        # Retried when the first quota cooldown ends (Gemini's daily quota: midnight Pacific
        # time), within the 15 min - 24 h bounds.
        ends = db.session.scalars(sa.select(ProviderState.cooldown_until).where(ProviderState.cooldown_until > utcnow())).all()
        assert ends
        now = utcnow()
        assert now + dt.timedelta(minutes=14) < row.next_refresh_at <= now + dt.timedelta(hours=24)
        if min(ends) - now > dt.timedelta(minutes=16):
            assert row.next_refresh_at == min(ends)
        assert len(db.session.get(Playlist, playlist_id).generations) == 1
    runner.shutdown()
