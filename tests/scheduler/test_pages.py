"""The Schedules page and the playlist "Refresh schedule" form."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import render_template_string

from plex_completer.extensions import db
from plex_completer.models import Job, JobStatus, PlaylistRefresh, Schedule, utcnow
from plex_completer.scheduler.lock import SchedulerLease
from plex_completer.scheduler.refreshes import run_due_refreshes, set_refresh
from plex_completer.scheduler.schedules import ensure_schedules
from tests import factories


@pytest.fixture
def client(sched_app):
    return sched_app.test_client()


def test_page_lists_schedules_with_next_and_last_run(client, sched_app):
    html = client.get("/schedules").get_data(as_text=True)
    for label in ("Library sync", "Full library sync", "Housekeeping"):
        assert label in html
    assert "<code>0 */6 * * *</code>" in html and "SCHEDULE_LIBRARY_SYNC" in html
    assert "Scheduled AI calls today: <strong>0 of 10</strong>" in html
    assert "No recurring playlists yet" in html
    assert db.session.scalars(db.select(Schedule)).all() == []  # a GET writes nothing
    ensure_schedules(sched_app.config["SETTINGS"])  # what the scheduler does when it starts
    row = db.session.get(Schedule, "housekeeping")
    row.last_run_at, row.last_status, row.last_duration_s = utcnow(), "done", 0.4
    row.last_message = "Housekeeping: removed 3 job rows and 9 AI attempts older than 30 days in 0.1 s"
    db.session.commit()
    html = client.get("/schedules").get_data(as_text=True)
    assert "removed 3 job rows" in html and "0.4 s" in html and "Last run: Done" in html


def test_change_time_enable_and_disable(client, sched_app):
    response = client.post("/schedules/library_sync/time", data={"kind": "cron", "cron": "0 3 * * 1-5"}, follow_redirects=True)
    assert "Custom: 0 3 * * 1-5" in response.get_data(as_text=True)
    row = db.session.get(Schedule, "library_sync")
    assert (row.cron, row.cron_is_custom) == ("0 3 * * 1-5", True)
    response = client.post("/schedules/library_sync/time", data={"kind": "cron", "cron": "every morning"}, follow_redirects=True)
    assert "a crontab time has 5 fields" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Schedule, "library_sync").cron == "0 3 * * 1-5"
    client.post("/schedules/full_sync/enabled", data={"enabled": "0"})
    db.session.expire_all()
    assert db.session.get(Schedule, "full_sync").enabled is False
    html = client.get("/schedules").get_data(as_text=True)
    assert "Disabled" in html and 'name="enabled" value="1"' in html
    assert client.post("/schedules/nonsense/enabled", data={"enabled": "1"}, follow_redirects=True).status_code == 200


def test_presets_set_the_time_and_the_page_shows_the_next_three_runs_in_the_named_zone(make_app):
    app = make_app(TZ="Europe/Berlin")
    client = app.test_client()
    with app.app_context():
        response = client.post(
            "/schedules/full_sync/time", data={"kind": "weekly", "weekday": "6", "time": "04:45"}, follow_redirects=True
        )
        html = response.get_data(as_text=True)
        assert "Full library sync: Saturdays at 04:45 (45 4 * * 6)" in html
        assert db.session.get(Schedule, "full_sync").cron == "45 4 * * 6"
        assert '<strong id="schedule-zone">Europe/Berlin</strong>' in html
        section = html[html.index('id="schedule-full_sync"'):]
        section = section[: section.index("</article>")]
        assert section.count("Sat ") == 3 and "04:45" in section  # three Saturdays, Berlin time
        assert 'value="weekly" checked' in section
        for data, reason in (
            ({"kind": "cron", "cron": "0 0 31 2 *"}, "never runs"),
            ({"kind": "cron", "cron": "*/5 * * * *"}, "at most every 15 minutes"),
            ({"kind": "daily", "time": "24:00"}, "not a time of day"),
        ):
            text = client.post("/schedules/full_sync/time", data=data, follow_redirects=True).get_data(as_text=True)
            assert reason in text
        db.session.expire_all()
        assert db.session.get(Schedule, "full_sync").cron == "45 4 * * 6"


def test_a_stored_time_that_never_comes_is_not_shown_as_enabled(client, sched_app):
    ensure_schedules(sched_app.config["SETTINGS"])
    row = db.session.get(Schedule, "housekeeping")
    row.cron, row.cron_is_custom = "0 0 31 2 *", True  # stored by 0.1, which did not check
    db.session.commit()
    html = client.get("/schedules").get_data(as_text=True)
    section = html[html.index('id="schedule-housekeeping"'):]
    section = section[: section.index("</article>")]
    assert "Never runs" in section and "Enabled" not in section and "never: change the time" in section


def test_run_now_without_any_scheduler_runs_a_one_off_job(client, sched_app):
    response = client.post("/schedules/housekeeping/run")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job = db.session.scalars(db.select(Job).where(Job.kind == "housekeeping")).one()
    assert job.status == JobStatus.DONE and job.trigger == "user"


def test_run_now_with_a_scheduler_elsewhere_is_handed_to_it(client, sched_app):
    assert SchedulerLease("elsewhere:1:1:aa").acquire()
    response = client.post("/schedules/full_sync/run", follow_redirects=True)
    assert "starts it within 30 s" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Schedule, "full_sync").run_requested_at is not None
    assert db.session.scalars(db.select(Job)).all() == []


def test_post_forms_need_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    html = client.get("/schedules").get_data(as_text=True)
    assert client.post("/schedules/housekeeping/enabled", data={"enabled": "0"}).status_code == 400
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/schedules/housekeeping/enabled", data={"enabled": "0", "csrf_token": token}).status_code == 302
    forms = re.findall(r"<form method=\"post\".*?</form>", html, re.S)
    assert forms and all('name="csrf_token"' in form for form in forms)
    assert "<script>" not in html and " on" + "click=" not in html


def test_playlist_refresh_form_saves_and_the_page_lists_it(client, sched_app):
    playlist = factories.bare_playlist()
    with sched_app.test_request_context():
        form = render_template_string('{% include "schedules/_playlist_refresh_form.html" %}', playlist=playlist)
    assert f'action="/schedules/playlists/{playlist.id}"' in form and 'name="csrf_token"' in form
    assert '<option value="" selected>Never</option>' in form

    response = client.post(
        f"/schedules/playlists/{playlist.id}",
        data={"frequency": "weekly", "weekday": "0", "hour": "7", "keep_percent": "30"},
    )
    assert response.status_code == 302
    row = db.session.get(PlaylistRefresh, playlist.id)
    assert (row.frequency, row.weekday, row.hour, row.keep_share) == ("weekly", 0, 7, 0.3)
    html = client.get("/schedules").get_data(as_text=True)
    assert "Night Drive" in html and "Weekly on Monday at 07:00" in html and "keeps about 30 %" in html
    with sched_app.test_request_context():
        form = render_template_string('{% include "schedules/_playlist_refresh_form.html" %}', playlist=playlist)
    assert '<option value="weekly" selected>' in form and '<option value="7" selected>07:00</option>' in form
    assert '<option value="30" selected>about 30 %</option>' in form

    response = client.post(f"/schedules/playlists/{playlist.id}", data={"frequency": "weekly", "hour": "7"}, follow_redirects=True)
    assert "day of the week" in response.get_data(as_text=True)
    client.post(f"/schedules/playlists/{playlist.id}", data={"frequency": ""})
    db.session.expire_all()
    assert db.session.get(PlaylistRefresh, playlist.id) is None


def test_a_postponed_refresh_is_visible_on_the_page(client, sched_app):
    settings = sched_app.config["SETTINGS"]
    playlist = factories.bare_playlist()
    row = set_refresh(settings, playlist.id, "daily", hour=6)
    factories.ai_calls(10)
    row.next_refresh_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    run_due_refreshes(settings)
    html = client.get("/schedules").get_data(as_text=True)
    assert "Last refresh: Postponed" in html and "daily cap of 10 AI calls is used up" in html
    assert "Scheduled AI calls today: <strong>10 of 10</strong>" in html
    response = client.post(f"/schedules/playlists/{playlist.id}/run", follow_redirects=True)
    assert "starts within a minute" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PlaylistRefresh, playlist.id).next_refresh_at <= utcnow()
