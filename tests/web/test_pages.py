"""What the pages show: playlists with match bars, tracks with states and reasons, job
progress (and when polling stops), jobs history, library, schedules, settings, forms."""

from __future__ import annotations

import re

from plex_completer.extensions import db
from plex_completer.models import JobStatus, LibrarySyncState, LibraryTrack, PlaylistStatus, utcnow
from plex_completer.web.charts import sparkline
from tests import factories


def _text(resp) -> str:
    return re.sub(r"\s+", " ", resp.get_data(as_text=True))


def test_dashboard_lists_playlists_with_match_bar_provider_and_status(user):
    factories.standard_playlist(status=PlaylistStatus.PENDING_PLEX)
    html = _text(user.get("/"))
    assert "Sunday Soul" in html
    assert 'class="match-count">2/3<' in html
    assert '<progress value="2" max="3"' in html
    assert "by Gemini 2.5 Flash" in html
    assert "Not yet in Plex" in html
    assert "rescanned" in html and "5 min ago" in html


def test_dashboard_guides_the_first_run(user):
    html = _text(user.get("/"))
    assert "Finish setting up" in html
    assert "Connect Plex." in html and "Choose an AI." in html
    assert "No playlists yet" in html
    assert "Nothing running." in html


def test_dashboard_guides_to_the_next_real_step_once_configured(make_app):
    app = make_app(PLEX_URL="http://127.0.0.1:9", PLEX_TOKEN="tok-abcdef", OLLAMA_URL="http://127.0.0.1:9")
    with app.app_context():
        client = app.test_client()
        html = _text(client.get("/"))
        assert "Finish setting up" not in html
        assert "Next: read your music library" in html and 'id="setup-sync"' in html
        assert "First follow the steps above" in html and "Make your first playlist</a>" not in html
        job = factories.job(kind="library_sync", status=JobStatus.RUNNING, step="Reading tracks")
        html = _text(client.get("/"))
        assert f'href="/jobs/{job.id}">follow the progress' in html and 'id="setup-sync"' not in html
        job.status = JobStatus.DONE
        factories.library_track(1, "Song", "Artist", "Album")
        db.session.add(LibrarySyncState(section_id=1, section_title="Music", track_count=1, last_full_sync_at=utcnow()))
        db.session.commit()
        html = _text(client.get("/panels/setup"))
        assert "Next: make your first playlist" in html and 'id="setup-new"' in html
        factories.standard_playlist()
        html = _text(client.get("/"))
        assert 'id="setup-guide"' in html and "Next:" not in html and "setup-steps" not in html


def test_a_finished_job_reloads_the_library_panel(user):
    job = factories.job(kind="library_sync", status=JobStatus.RUNNING)
    other = factories.job(kind="rescan", status=JobStatus.RUNNING)
    html = _text(user.get("/"))
    assert f"hx-vals='{{\"shown\": \"{job.id},{other.id}\"}}'" in html
    assert 'hx-get="/panels/library" hx-trigger="jobs-finished from:body"' in html
    busy = user.get(f"/jobs/active?shown={job.id},{other.id}")
    assert busy.status_code == 200 and "HX-Trigger" not in busy.headers
    job.status = JobStatus.DONE
    db.session.commit()
    one_done = user.get(f"/jobs/active?shown={job.id},{other.id}")  # the other still runs
    assert one_done.status_code == 200 and one_done.headers["HX-Trigger"] == "jobs-finished"
    other.status = JobStatus.DONE
    db.session.commit()
    idle = user.get(f"/jobs/active?shown={other.id}")
    assert idle.status_code == 286 and idle.headers["HX-Trigger"] == "jobs-finished"
    for key in range(1, 1235):
        db.session.add(LibraryTrack(rating_key=key, section_id=1, title=f"S{key}", album_artist="A", album="B"))
    db.session.commit()
    assert '<strong id="library-count">1,234</strong>' in _text(user.get("/panels/library"))


def test_dashboard_shows_running_jobs_and_polls_them(user):
    factories.job(kind="library_sync", status=JobStatus.RUNNING, progress_done=40, progress_total=200, step="Reading tracks")
    html = _text(user.get("/"))
    assert "Library sync" in html and "Reading tracks" in html and "40 of 200" in html
    assert 'hx-get="/jobs/active"' in html and 'hx-trigger="every 2s"' in html


def test_dashboard_library_summary(user):
    for key in range(1, 4):
        factories.library_track(key, f"Song {key}", "Artist", "Album")
    db.session.add(LibrarySyncState(section_id=1, section_title="Music", track_count=3,
                                    last_full_sync_at=utcnow()))
    db.session.commit()
    html = _text(user.get("/"))
    assert '<strong id="library-count">3</strong> tracks indexed from <em>Music</em>' in html and "just now" in html


def test_playlist_detail_shows_states_matches_reasons_and_history(user):
    p = factories.standard_playlist()
    html = _text(user.get(f"/playlists/{p.id}"))
    rows = re.findall(r'<li id="track-\d+" class="track track-(\w+)">(.*?)</li>', html)
    assert [state for state, _ in rows] == ["matched", "missing", "matched"]
    first, second, third = (body for _, body in rows)
    assert "Lovely Day" in first and "In Plex" in first and "Menagerie" in first and "(1977)" in first
    assert ">97<" in first and "Same artist and title" in first
    assert "Missing" in second and "No track by Al Green" in second and "Find" in second
    assert "your choice" in third and "Use Me" in third and "Still Bill" in third
    assert "<polyline" in html  # two rescans: a sparkline
    assert "1/3" in html and "2/3" in html
    assert "Rescan" in html and "Delete…" in html and "Edit" in html


def test_playlist_detail_filters_missing_only(user):
    p = factories.standard_playlist()
    html = _text(user.get(f"/playlists/{p.id}?show=missing"))
    assert html.count('class="track track-') == 1
    assert "Let&#39;s Stay Together" in html
    assert 'id="filter-missing" aria-current="true"' not in html  # aria-current comes before id
    assert re.search(r'show=missing" aria-current="true"', html)


def test_absent_override_is_shown_as_not_in_library(user):
    p = factories.playlist(tracks=[dict(artist="X", title="Gone", override="absent", matched_rating_key=None)])
    html = _text(user.get(f"/playlists/{p.id}"))
    assert "track-absent" in html and "Not in library" in html


def test_pending_playlist_offers_write_now(user):
    p = factories.standard_playlist(status=PlaylistStatus.PENDING_PLEX)
    assert 'id="write-now"' in user.get(f"/playlists/{p.id}").get_data(as_text=True)
    p2 = factories.playlist(title="Other", tracks=[dict(artist="A", title="B")])
    assert 'id="write-now"' not in user.get(f"/playlists/{p2.id}").get_data(as_text=True)


def test_unknown_playlist_and_track_are_readable_404s(user):
    p = factories.standard_playlist()
    resp = user.get("/playlists/999")
    assert resp.status_code == 404 and b"No such playlist" in resp.data
    assert user.get(f"/playlists/{p.id}/tracks/999/match").status_code == 404


def test_job_progress_polls_while_running_and_stops_when_done(user):
    job = factories.job(kind="rescan", status=JobStatus.RUNNING, progress_done=3, progress_total=10, step="Matching tracks")
    resp = user.get(f"/jobs/{job.id}/progress")
    assert resp.status_code == 200
    html = _text(resp)
    assert 'hx-trigger="every 1s"' in html and "Matching tracks" in html
    assert '<progress id="job-bar" value="3" max="10"' in html
    job.status, job.message, job.finished_at = JobStatus.DONE, "27 of 30 tracks in Plex", utcnow()
    db.session.commit()
    done = user.get(f"/jobs/{job.id}/progress")
    assert done.status_code == 286  # htmx stops polling on 286
    html = _text(done)
    assert "hx-trigger" not in html and "27 of 30 tracks in Plex" in html


def test_job_page_links_to_its_playlist_when_done(user):
    p = factories.standard_playlist()
    job = factories.job(kind="generate", status=JobStatus.DONE, result={"playlist_id": p.id, "message": "ok"},
                   params={"prompt": "soul", "count": 10})
    html = _text(user.get(f"/jobs/{job.id}"))
    assert f'href="/playlists/{p.id}" id="open-playlist"' in html
    assert 'aria-live="polite"' in html


def test_failed_generation_offers_to_try_again_with_the_same_prompt(user):
    job = factories.job(kind="generate", status=JobStatus.FAILED, message="No AI provider answered.",
                   params={"prompt": "night drive", "count": 12})
    html = _text(user.get(f"/jobs/{job.id}"))
    assert "No AI provider answered." in html
    assert "/playlists/new?prompt=night+drive&amp;count=12" in html


def test_active_jobs_partial_stops_polling_when_idle(user):
    assert user.get("/jobs/active").status_code == 286
    factories.job(status=JobStatus.QUEUED)
    assert user.get("/jobs/active").status_code == 200


def test_jobs_history_lists_kind_status_duration_message(user):
    p = factories.standard_playlist()
    factories.job(kind="rescan", status=JobStatus.DONE, playlist_id=p.id, message="2 of 3 tracks in Plex")
    factories.job(kind="library_sync", status=JobStatus.FAILED, message="Plex did not answer")
    html = _text(user.get("/jobs"))
    assert html.index("Library sync") < html.index("Rescan")  # newest first
    assert "Sunday Soul" in html and "2 of 3 tracks in Plex" in html and "Plex did not answer" in html
    assert "3.0 s" in html and "Failed" in html and "Done" in html
    failed_only = _text(user.get("/jobs?status=failed"))
    assert "Plex did not answer" in failed_only and "2 of 3 tracks" not in failed_only


def test_library_page_figures_and_sync_buttons(user):
    for key in range(1, 6):
        factories.library_track(key, f"Song {key}", "Artist", "Album")
    db.session.add(LibrarySyncState(section_id=1, section_title="Music", track_count=5,
                                    last_incremental_sync_at=utcnow(), last_sync_figures={"added": 3, "removed": 1}))
    db.session.commit()
    html = _text(user.get("/library"))
    assert '<p class="big-number">5</p>' in html and "Quick sync" in html and "Full sync" in html
    assert "Added" in html and "Removed" in html
    assert "Plex is not configured" in html and "disabled" in html


def test_settings_masks_secrets_and_explains_plex_test(make_app):
    app = make_app(PLEX_URL="http://127.0.0.1:9", PLEX_TOKEN="tok-secret-123", GEMINI_API_KEY="gem-secret-456")
    with app.app_context():
        html = _text(app.test_client().get("/settings"))
    assert "tok-secret-123" not in html and "gem-secret-456" not in html
    assert re.search(r"PLEX_TOKEN</code></dt><dd>set \(hidden\)", html)
    assert "http://127.0.0.1:9" in html
    assert "Test Plex connection" in html


def test_plex_test_without_configuration_says_what_to_set(user):
    html = _text(user.post("/settings/test-plex"))
    assert "Not connected." in html and "PLEX_URL and PLEX_TOKEN" in html


def test_new_playlist_form_prefills_examples_and_bounds(user):
    html = _text(user.get("/playlists/new?prompt=Rainy+day&count=500"))
    assert ">Rainy day</textarea>" in html
    assert 'min="5" max="100"' in html and 'value="100"' in html  # clamped
    assert "Need an idea?" in html and "/playlists/new?prompt=" in html
    assert 'hx-get="/playlists/new/seeds' in html and "<noscript>" in html


def test_new_playlist_validation_errors(user):
    resp = user.post("/playlists/new", data={"prompt": "", "count": "3"})
    assert resp.status_code == 400
    html = _text(resp)
    assert "Describe the playlist" in html and "between 5 and 100" in html
    assert 'aria-invalid="true"' in html
    resp = user.post("/playlists/new", data={"prompt": "ok prompt", "count": "abc"})
    assert resp.status_code == 400 and b"between 5 and 100" in resp.data


def test_seed_select_says_when_plex_is_not_configured(user):
    html = _text(user.get("/playlists/new/seeds"))
    assert "Plex is not configured" in html


def test_sparkline_scales_to_the_largest_total():
    assert sparkline([(5, 10)]) is None
    spark = sparkline([(0, 10), (10, 10)], width=100, height=50)
    (x0, y0), (x1, y1) = (tuple(map(float, p.split(","))) for p in spark["points"].split())
    assert (x0, x1) == (4.0, 96.0)
    assert y0 == 46.0 and y1 == 4.0  # 0 at the bottom, the total at the top
    assert spark["first"] == 0 and spark["latest"] == 10


def test_provider_names_read_well():
    from plex_completer.web.viewhelpers import provider_name

    assert provider_name("gemini", "gemini-2.5-flash") == "Gemini 2.5 Flash"
    assert provider_name("gemini", "gemini-2.5-flash-lite") == "Gemini 2.5 Flash Lite"
    assert provider_name("ollama", "hermes3:8b") == "Ollama (hermes3:8b)"
    assert provider_name("ollama", "Ollama (hermes3:8b)") == "Ollama (hermes3:8b)"
    assert provider_name(None, None) == ""


def test_job_without_progress_yet_shows_a_moving_bar(user):
    job = factories.job(kind="generate", status=JobStatus.RUNNING, progress_done=0, progress_total=4, step="Asking the AI")
    html = _text(user.get(f"/jobs/{job.id}/progress"))
    assert '<progress id="job-bar" aria-label="Progress"></progress>' in html  # indeterminate
    assert "Asking the AI" in html


def test_playlist_jobs_strip_polls_then_offers_a_reload(user):
    p = factories.standard_playlist()
    job = factories.job(kind="rescan", status=JobStatus.RUNNING, playlist_id=p.id, step="Matching tracks")
    html = _text(user.get(f"/playlists/{p.id}"))
    assert f'hx-get="/jobs/active?playlist_id={p.id}"' in html
    job.status, job.message, job.finished_at = JobStatus.DONE, "3 of 3 tracks in Plex.", utcnow()
    db.session.commit()
    done = user.get(f"/jobs/active?playlist_id={p.id}")
    assert done.status_code == 286
    assert "3 of 3 tracks in Plex." in _text(done) and "Reload the page" in _text(done)


def test_dashboard_offers_rescan_all_once_there_are_playlists(user):
    assert 'id="rescan-all"' not in user.get("/").get_data(as_text=True)
    factories.standard_playlist()
    assert 'id="rescan-all"' in user.get("/").get_data(as_text=True)


def test_settings_say_the_secret_key_was_generated_and_name_the_zone_in_use(make_app):
    app = make_app(SECRET_KEY=None, TZ=None)
    with app.app_context():
        html = _text(app.test_client().get("/settings"))
    assert "generated, stored in" in html and "secret_key" in html
    assert "not set:" in html and "the server&#39;s zone; set TZ to change it" in html
    berlin = make_app(TZ="Europe/Berlin")
    with berlin.app_context():
        assert "Europe/Berlin (in use)" in _text(berlin.test_client().get("/settings"))


def test_a_playlist_card_shows_its_refresh_schedule(user):
    from plex_completer.models import PlaylistRefresh

    p = factories.standard_playlist()
    db.session.add(PlaylistRefresh(playlist_id=p.id, frequency="weekly", weekday=0, hour=7))
    db.session.commit()
    html = _text(user.get("/"))
    assert "refreshes weekly on Monday at 07:00" in html
