"""The page actions through the real services, jobs and client libraries against the
loopback emulators: make a playlist from the form, sync the library, fix a match by hand
(it survives a rescan), edit, delete, test the Plex connection, pick a taste seed."""

from __future__ import annotations

import re

import pytest

from plex_completer.extensions import db
from plex_completer.jobs import runner
from plex_completer.models import Job, JobStatus, LibraryTrack, Playlist, SuggestedTrack

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def live(synced_app):
    """An app pointed at the emulators (jobs inline), library synced, no login."""
    return synced_app


def _generate(client, prompt="best songs of 1985", count="12"):
    resp = client.post("/playlists/new", data={"prompt": prompt, "count": count})
    assert resp.status_code == 302
    job_id = int(re.fullmatch(r"/jobs/(\d+)", resp.headers["Location"]).group(1))
    return db.session.get(Job, job_id)


def test_form_starts_a_job_and_the_job_page_links_the_playlist(live):
    client = live.test_client()
    job = _generate(client)
    assert job.kind == "generate" and job.status == JobStatus.DONE, job.message
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    playlist = db.session.get(Playlist, job.playlist_id)
    assert f'href="/playlists/{playlist.id}" id="open-playlist"' in page
    assert client.get(f"/jobs/{job.id}/progress").status_code == 286
    detail = client.get(f"/playlists/{playlist.id}").get_data(as_text=True)
    fillers = job.result["fillers"]  # tracks from the library filling the wish list's gaps (issue 18)
    assert detail.count('class="track track-') == 12 + fillers
    assert detail.count("from your library, to fill") == fillers
    assert f"{playlist.matched_count}/12" in detail
    dashboard = client.get("/").get_data(as_text=True)
    assert playlist.title.replace("'", "&#39;") in dashboard


def test_a_second_submit_while_running_shows_the_same_job(live, monkeypatch):
    monkeypatch.setattr(runner, "run_job", lambda job_id: None)  # keep the first job queued
    client = live.test_client()
    first = client.post("/playlists/new", data={"prompt": "rainy day jazz", "count": "10"})
    second = live.test_client().post("/playlists/new", data={"prompt": "rainy  day jazz", "count": "10"})
    assert first.headers["Location"] == second.headers["Location"]
    page = client.get(first.headers["Location"])
    assert b'hx-trigger="every 1s"' in page.data and b"Waiting for a free worker" in page.data


def test_manual_match_survives_a_rescan(live):
    client = live.test_client()
    job = _generate(client, "classic rock anthems", "10")
    playlist = db.session.get(Playlist, job.playlist_id)
    track = playlist.current_generation.tracks[0]
    # Pick some other library track through the match page's search.
    other = db.session.scalars(db.select(LibraryTrack).where(LibraryTrack.rating_key != track.matched_rating_key)).first()
    search = client.get(f"/playlists/{playlist.id}/tracks/{track.id}/match", query_string={"q": other.title})
    assert search.status_code == 200
    assert f'name="rating_key" value="{other.rating_key}"' in search.get_data(as_text=True)
    resp = client.post(f"/playlists/{playlist.id}/tracks/{track.id}/match",
                       data={"choice": "track", "rating_key": other.rating_key})
    assert resp.headers["Location"] == f"/playlists/{playlist.id}#track-{track.id}"
    rescan = client.post(f"/playlists/{playlist.id}/rescan")
    assert rescan.status_code == 302
    db.session.expire_all()
    track = db.session.get(SuggestedTrack, track.id)
    assert track.override == "track" and track.override_rating_key == other.rating_key
    html = client.get(f"/playlists/{playlist.id}").get_data(as_text=True)
    row = re.search(rf'<li id="track-{track.id}" class="track track-(\w+)">(.*?)</li>', html, re.S)
    assert row.group(1) == "matched" and "your choice" in row.group(2)
    assert other.album in row.group(2).replace("&#39;", "'").replace("&amp;", "&")
    # "Not in my library" then shows as such, and clearing hands it back to the matcher.
    client.post(f"/playlists/{playlist.id}/tracks/{track.id}/match", data={"choice": "absent"})
    html = client.get(f"/playlists/{playlist.id}").get_data(as_text=True)
    assert f'<li id="track-{track.id}" class="track track-absent">' in html
    client.post(f"/playlists/{playlist.id}/tracks/{track.id}/match", data={"choice": "clear"})
    db.session.expire_all()
    assert db.session.get(SuggestedTrack, track.id).override is None


def test_manual_match_refuses_an_unknown_library_track(live):
    client = live.test_client()
    job = _generate(client, "eurovision winners", "5")
    playlist = db.session.get(Playlist, job.playlist_id)
    track = playlist.current_generation.tracks[0]
    resp = client.post(f"/playlists/{playlist.id}/tracks/{track.id}/match", data={"choice": "track", "rating_key": "99999999"})
    assert resp.headers["Location"].endswith("/match")
    assert b"no longer in the library index" in client.get(resp.headers["Location"]).data


def test_edit_renames_and_delete_removes_with_confirmation(live, stack):
    client = live.test_client()
    job = _generate(client, "soul classics", "8")
    playlist = db.session.get(Playlist, job.playlist_id)
    key = int(playlist.plex_rating_key)
    bad = client.post(f"/playlists/{playlist.id}/edit", data={"title": "", "description": ""})
    assert bad.status_code == 400 and b"Give the playlist a title" in bad.data
    resp = client.post(f"/playlists/{playlist.id}/edit", data={"title": "Renamed <soul>", "description": "for Sundays"})
    assert resp.headers["Location"] == f"/playlists/{playlist.id}"
    assert "Renamed &lt;soul&gt;" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert stack.plex.playlists[key].title == "Renamed <soul>"
    confirm = client.get(f"/playlists/{playlist.id}/delete").get_data(as_text=True)
    # Keeping the Plex playlist is the default; each choice says what it does.
    assert 'name="from_plex" value="0" checked' in confirm and 'value="1" checked' not in confirm
    assert "the playlist stays in Plex as it is" in confirm and "it disappears from Plex, Plexamp" in confirm
    gone = client.post(f"/playlists/{playlist.id}/delete", data={"from_plex": "1"})
    assert gone.headers["Location"] == "/"
    assert db.session.get(Playlist, playlist.id) is None and key not in stack.plex.playlists
    assert "here and in Plex" in client.get("/").get_data(as_text=True)


def test_library_sync_button_runs_a_sync_and_page_shows_the_index(live, stack):
    client = live.test_client()
    resp = client.post("/library/sync", data={"full": "0"})
    job = db.session.get(Job, int(resp.headers["Location"].rsplit("/", 1)[1]))
    assert job.kind == "library_sync" and job.status == JobStatus.DONE, job.message
    html = client.get("/library").get_data(as_text=True)
    count = db.session.scalar(db.select(db.func.count(LibraryTrack.rating_key)))
    assert f'<p class="big-number">{count:,}</p>' in html and "just now" in html
    first = db.session.scalars(db.select(LibraryTrack)).first()
    found = client.get("/library", query_string={"q": first.title}).get_data(as_text=True)
    assert 'class="lib-results"' in found


def test_plex_connection_test_reports_the_server(live, stack):
    html = live.test_client().post("/settings/test-plex").get_data(as_text=True)
    assert "Connected." in html and "Test Plex" in html
    assert "Music (music)" in html
    stack.plex.set_fault(fail_status=401)
    html = live.test_client().post("/settings/test-plex").get_data(as_text=True)
    assert "Not connected." in html and stack.env["PLEX_TOKEN"] not in html


def test_taste_seed_lists_plex_playlists_or_says_plex_is_down(live, stack):
    keys = [t.rating_key for t in list(stack.plex.lib.tracks.values())[:3]]
    stack.plex.create_user_playlist("My <Favourites>", keys)
    html = live.test_client().get("/playlists/new/seeds").get_data(as_text=True)
    assert "My &lt;Favourites&gt; (3 tracks)" in html
    stack.plex.set_fault(fail_status=500)
    html = live.test_client().get("/playlists/new/seeds").get_data(as_text=True)
    assert "continue without a taste seed" in html


def test_a_taste_seed_deleted_in_plex_meanwhile_gets_its_own_message(live, stack):
    keys = [t.rating_key for t in list(stack.plex.lib.tracks.values())[:3]]
    seed_key = stack.plex.create_user_playlist("Gone by now", keys)
    stack.plex.delete_playlist(seed_key)  # deleted between the form and the job
    resp = live.test_client().post("/playlists/new", data={"prompt": "late night soul", "count": "8", "seed": str(seed_key)})
    job = db.session.get(Job, int(resp.headers["Location"].rsplit("/", 1)[1]))
    assert job.status == JobStatus.DONE, job.message
    assert "taste-seed playlist you picked no longer exists in Plex" in job.message
    assert "recreate" not in job.message.lower()


def test_rescan_all_from_the_dashboard(live):
    client = live.test_client()
    _generate(client, "motown classics", "6")
    resp = client.post("/playlists/rescan-all")
    assert resp.status_code == 302, resp.get_data(as_text=True)[-800:]
    job = db.session.get(Job, int(resp.headers["Location"].rsplit("/", 1)[1]))
    assert job.kind == "rescan" and job.params == {"playlist_id": None}
    assert job.status == JobStatus.DONE, job.message


def test_open_in_plex_links_to_the_server_by_its_machine_identifier(live, stack, make_synced_app):
    client = live.test_client()
    job = _generate(client, "sunday soul", "6")
    playlist = db.session.get(Playlist, job.playlist_id)
    key = playlist.plex_rating_key
    machine = stack.plex.machine_identifier
    html = client.get(f"/playlists/{playlist.id}").get_data(as_text=True)
    # As plexapi's Playlist.getWebURL() builds it; app.plex.tv when no public URL is set.
    assert f'href="https://app.plex.tv/desktop/#!/server/{machine}/playlist?key=%2Fplaylists%2F{key}%2Fitems"' in html
    public = make_synced_app(PLEX_PUBLIC_URL="http://192.168.1.10:32400")
    with public.app_context():
        html = public.test_client().get(f"/playlists/{playlist.id}").get_data(as_text=True)
    assert f'href="http://192.168.1.10:32400/web/index.html#!/server/{machine}/playlist?key=' in html
    assert stack.plex.url not in html  # never the address only the app can reach
