"""The web UI's second pass in Chromium: a compact playlist page, the schedule editor
without cron, the dashboard's live Library panel. Screenshots for review:
``playlist-compact-<desktop|phone>.png``, ``schedule-editor.png``, ``dashboard-guide.png``."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def long_playlist(live_app):
    """A 25-track playlist: 20 matched with reasons, 5 missing, and a history."""
    from plex_completer.extensions import db
    from plex_completer.models import LibraryTrack, PlaylistStatus
    from tests import factories

    with live_app.app_context():
        lib = db.session.scalars(db.select(LibraryTrack).order_by(LibraryTrack.rating_key).limit(20)).all()
        tracks = [
            dict(artist=t.album_artist, title=t.title, album=t.album, year=t.year, matched_rating_key=t.rating_key,
                 score=96.0, reason="Same artist and title; the album differs.") for t in lib
        ]
        tracks += [
            dict(artist=f"Missing Artist {i}", title=f"Not Here {i}", album="Elsewhere", year=1990 + i, score=30.0,
                 reason="Not in your library: no track by this artist.") for i in range(5)
        ]
        history = [(15 + i % 5, 25) for i in range(12)]
        p = factories.playlist(title="Twenty-five for the road", tracks=tracks, status=PlaylistStatus.SYNCED,
                               history=history)
        return p.id


@pytest.mark.parametrize(("device", "viewport", "max_height"), [("desktop", DESKTOP, 2600), ("phone", PHONE, 3600)])
def test_the_playlist_page_has_one_compact_row_per_track(open_page, long_playlist, device, viewport, max_height):
    page = open_page(f"/playlists/{long_playlist}", viewport=viewport)
    rows = page.locator("ol.tracklist > li")
    expect(rows).to_have_count(25)
    shot(page, f"playlist-compact-{device}")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= max_height, f"{device}: the page is {height} px tall for 25 tracks"
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], "the history table must not scroll sideways"
    first = rows.first
    row_height = first.bounding_box()["height"]
    assert row_height < 60, f"{device}: a closed track row is {row_height} px tall"
    expect(first.locator(".track-reason")).to_be_hidden()
    first.locator("summary").click()
    expect(first.locator(".track-reason")).to_have_text(re.compile("the album differs"))
    expect(first.locator(".track-match")).to_be_visible()
    missing = page.locator("li.track-missing").first
    expect(missing.locator("a.track-fix")).to_be_visible()
    expect(missing.locator("a.track-fix")).to_contain_text("Find")


def test_the_schedule_editor_offers_presets_and_shows_the_next_runs(open_page):
    page = open_page("/schedules")
    row = page.locator("#schedule-full_sync")
    row.locator("summary", has_text="Change the time").click()
    form = row.locator("form.time-form")
    form.locator("input[value=weekly]").check()
    expect(form.locator("select[name=weekday]")).to_be_visible()
    expect(form.locator("select[name=every_hours]")).to_be_hidden()
    expect(form.locator("input[name=cron]")).to_be_hidden()
    form.locator("select[name=weekday]").select_option(label="Saturday")
    form.locator("input[name=time]").fill("05:15")
    shot(page, "schedule-editor")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash-ok")).to_contain_text("Saturdays at 05:15 (15 5 * * 6)")
    expect(page.locator("#schedule-full_sync .next-runs li")).to_have_count(3)
    expect(page.locator("#schedule-zone")).not_to_be_empty()
    # The expert field: a schedule that would never run is refused with the reason.
    row = page.locator("#schedule-full_sync")
    row.locator("summary", has_text="Change the time").click()
    form = row.locator("form.time-form")
    form.locator("input[value=cron]").check()
    expect(form.locator("input[name=time]")).to_be_hidden()
    form.locator("input[name=cron]").fill("0 0 31 2 *")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flash-error")).to_contain_text("never runs")
    expect(page.locator("#schedule-full_sync")).to_contain_text("Saturdays at 05:15")


def test_the_dashboard_library_panel_updates_when_a_sync_finishes(open_page, live_app):
    from plex_completer.extensions import db
    from plex_completer.models import Job, JobStatus, LibraryTrack

    with live_app.app_context():
        job = Job(kind="library_sync", status=JobStatus.RUNNING, step="Reading tracks", dedupe_key="panel-test")
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        before = db.session.scalar(db.select(db.func.count()).select_from(LibraryTrack))
    page = open_page("/")
    expect(page.locator("#library-count")).to_have_text(f"{before:,}")
    expect(page.locator("#active-jobs")).to_contain_text("Reading tracks")
    with live_app.app_context():
        db.session.add(LibraryTrack(rating_key=9_900_001, section_id=1, title="Brand New", album_artist="Someone",
                                    album="Fresh"))
        finished = db.session.get(Job, job_id)
        finished.status, finished.message = JobStatus.DONE, "Quick sync: 1 added"
        db.session.commit()
    expect(page.locator("#library-count")).to_have_text(f"{before + 1:,}", timeout=10_000)
    with live_app.app_context():
        db.session.delete(db.session.get(LibraryTrack, 9_900_001))
        db.session.commit()


def test_the_refresh_form_asks_for_a_day_only_for_weekly_refreshes(open_page, long_playlist):
    page = open_page(f"/playlists/{long_playlist}")
    form = page.locator("form.refresh-form")
    page.locator(".refresh-details > summary").click()
    day = form.locator("select[name=weekday]")
    expect(day).to_be_hidden()
    form.locator("select[name=frequency]").select_option("weekly")
    expect(day).to_be_visible()
    form.locator("select[name=frequency]").select_option("daily")
    expect(day).to_be_hidden()


def test_search_and_filter_buttons_sit_beside_their_fields_with_the_same_corners(open_page):
    page = open_page("/jobs")
    button = page.locator("form.inline-filter button")
    select = page.locator("form.inline-filter select")
    assert button.bounding_box()["width"] < 200, "the Filter button is as wide as its label"
    assert button.evaluate("e => getComputedStyle(e).borderTopLeftRadius") == select.evaluate(
        "e => getComputedStyle(e).borderTopLeftRadius")
    page = open_page("/library?q=love")
    field = page.locator("form.search-form input[name=q]")
    search = page.locator("form.search-form button")
    assert search.evaluate("e => getComputedStyle(e).borderTopRightRadius") == field.evaluate(
        "e => getComputedStyle(e).borderTopRightRadius")
