"""Recurring playlists: settings, next refresh times, the daily AI call cap, failures."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import sqlalchemy as sa

from plex_completer.config import load_settings
from plex_completer.extensions import db
from plex_completer.models import AiAttempt, Job, JobStatus, PlaylistRefresh, utcnow
from plex_completer.scheduler.refreshes import describe, next_occurrence, run_due_refreshes, set_refresh
from plex_completer.services.ai_call_cap import cap_status
from plex_completer.timezones import scheduler_zone
from tests import factories

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def _settings(**values):
    return load_settings(values, environ={})


def test_weekly_refresh_runs_on_the_chosen_day_and_hour_in_tz(sched_app):
    settings = _settings(TZ="Europe/Berlin")
    playlist = factories.bare_playlist()
    wednesday = dt.datetime(2025, 6, 4, 12, 0, tzinfo=dt.UTC)
    row = set_refresh(settings, playlist.id, "weekly", weekday=0, hour=7, keep_share=0.3, now=wednesday)
    assert describe(row) == "Weekly on Monday at 07:00"
    local = row.next_refresh_at.astimezone(BERLIN)
    assert (local.date(), local.hour, local.minute) == (dt.date(2025, 6, 9), 7, 0)
    assert row.keep_share == 0.3
    # Daily and monthly
    row = set_refresh(settings, playlist.id, "daily", hour=23, now=wednesday)
    assert row.weekday is None and row.next_refresh_at.astimezone(BERLIN) == dt.datetime(2025, 6, 4, 23, tzinfo=BERLIN)
    row = set_refresh(settings, playlist.id, "monthly", hour=0, now=wednesday)
    assert row.next_refresh_at.astimezone(BERLIN) == dt.datetime(2025, 7, 1, 0, tzinfo=BERLIN)
    assert next_occurrence(row, BERLIN, row.next_refresh_at) == dt.datetime(2025, 8, 1, tzinfo=BERLIN)
    assert set_refresh(settings, playlist.id, None) is None
    assert db.session.get(PlaylistRefresh, playlist.id) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"frequency": "hourly"}, "daily, weekly or monthly"),
        ({"frequency": "weekly"}, "day of the week"),
        ({"frequency": "daily", "hour": 24}, "between 0 and 23"),
        ({"frequency": "daily", "keep_share": 0.95}, "between 0 and 90"),
    ],
)
def test_refresh_settings_are_validated(sched_app, kwargs, message):
    playlist = factories.bare_playlist()
    frequency = kwargs.pop("frequency")
    with pytest.raises(ValueError, match=message):
        set_refresh(_settings(), playlist.id, frequency, **kwargs)
    with pytest.raises(ValueError, match="does not exist"):
        set_refresh(_settings(), 9999, "daily")


def test_deleting_a_playlist_removes_its_refresh_schedule(sched_app):
    playlist = factories.bare_playlist()
    set_refresh(_settings(), playlist.id, "daily")
    db.session.delete(playlist)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlaylistRefresh)) == 0


def test_only_non_skipped_ai_calls_of_scheduled_jobs_count_against_the_cap(sched_app):
    settings = _settings(SCHEDULER_AI_DAILY_CAP=5)
    factories.ai_calls(3)
    factories.ai_calls(4, outcome="skipped")  # cooldown skips cost no request
    factories.ai_calls(6, trigger="user")  # the user's own requests are what the cap protects
    factories.ai_calls(9, at=utcnow() - dt.timedelta(days=2))  # an earlier day
    status = cap_status(settings)
    assert (status.used, status.remaining, status.reached) == (3, 2, False)
    factories.ai_calls(2)
    assert cap_status(settings).reached


def test_the_daily_cap_postpones_a_refresh_visibly_without_an_ai_call(sched_app, caplog):
    settings = _settings()  # the default cap, as the app running the job has it
    playlist = factories.bare_playlist()
    row = set_refresh(settings, playlist.id, "weekly", weekday=2, hour=6)
    factories.ai_calls(settings.SCHEDULER_AI_DAILY_CAP)
    attempts_before = db.session.scalar(sa.select(sa.func.count()).select_from(AiAttempt))
    row.next_refresh_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()

    outcomes = run_due_refreshes(settings)

    assert outcomes == {playlist.id: JobStatus.POSTPONED}
    job = db.session.scalars(sa.select(Job).where(Job.kind == "playlist_refresh", Job.playlist_id == playlist.id)).one()
    assert job.status == JobStatus.POSTPONED and job.trigger == "schedule"
    assert f"daily cap of {settings.SCHEDULER_AI_DAILY_CAP} AI calls" in job.message and "'Night Drive'" in job.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AiAttempt)) == attempts_before
    row = db.session.get(PlaylistRefresh, playlist.id)
    assert row.last_status == JobStatus.POSTPONED and row.last_message == job.message
    assert row.next_refresh_at == cap_status(settings).resets_at  # retried after midnight, not every minute
    assert run_due_refreshes(settings) == {}
    assert any(r.levelname == "WARNING" and "Weekly refresh of 'Night Drive' postponed" in r.getMessage() for r in caplog.records)


def test_a_failed_refresh_keeps_its_next_regular_time(sched_app, caplog):
    settings = _settings()  # no AI provider configured: the refresh fails
    playlist = factories.bare_playlist()
    row = set_refresh(settings, playlist.id, "daily", hour=6)
    factories.ai_calls(settings.SCHEDULER_AI_DAILY_CAP - 1)  # one call left: the cap lets it through
    due = utcnow() - dt.timedelta(minutes=1)
    row.next_refresh_at = due
    db.session.commit()
    assert run_due_refreshes(settings) == {playlist.id: JobStatus.FAILED}
    row = db.session.get(PlaylistRefresh, playlist.id)
    assert row.last_status == JobStatus.FAILED and "AI provider" in row.last_message
    assert row.next_refresh_at == next_occurrence(row, scheduler_zone(settings), utcnow())  # tomorrow's (or today's) 06:00
    assert any(r.levelname == "ERROR" and "Daily refresh of 'Night Drive' failed" in r.getMessage() for r in caplog.records)
