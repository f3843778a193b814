"""The "based on what I've been playing" seed: lines from a listening sample (pure), read
from the PMS emulator's history, and carried from the new-playlist form into the AI prompt."""

from __future__ import annotations

import re

import pytest

from plex_completer.extensions import db
from plex_completer.models import Job, JobStatus
from plex_completer.plex.household import ListeningSample
from plex_completer.services.listening_seed import (
    MAX_ARTIST_LINES,
    MAX_LINE_CHARS,
    MAX_TRACK_LINES,
    fetch_listening_seed,
    seed_lines,
    seed_text,
)
from tests.plex_emulator.conftest import CLOCK


def test_seed_lines_tracks_then_artists_capped():
    sample = ListeningSample(
        top_artists=[(f"Artist {i}", 50 - i) for i in range(40)],
        top_tracks=[("Queen", "Bohemian Rhapsody", 4), ("Cher", "Believe", 1)] + [("X", f"T{i}", 1) for i in range(60)],
        plays=99,
    )
    lines = seed_lines(sample)
    assert lines[:2] == ["Queen – Bohemian Rhapsody (4 plays)", "Cher – Believe (1 play)"]
    assert lines[MAX_TRACK_LINES] == "Artist 0 (50 plays)"
    assert len(lines) == MAX_TRACK_LINES + MAX_ARTIST_LINES
    assert seed_text(sample).splitlines() == lines
    long = ListeningSample(top_artists=[("A" * 400, 3)], top_tracks=[])
    assert len(seed_lines(long)[0]) == MAX_LINE_CHARS
    assert seed_lines(ListeningSample([], [])) == []


def test_fetch_reads_the_accounts_plays_and_says_when_there_are_none(settings, pms, household, monkeypatch):
    monkeypatch.setattr("plex_completer.plex.household.time.time", lambda: CLOCK)
    for key in (1015, 1015, 1012):
        pms.add_play(key, household.friend.id, viewed_at=CLOCK - 60)
    lines, note = fetch_listening_seed(settings, account_id=household.friend.id)
    assert note == "" and lines == ["Queen – Bohemian Rhapsody (2 plays)", "Cher – Believe (1 play)",
                                    "Queen (2 plays)", "Cher (1 play)"]
    lines, note = fetch_listening_seed(settings)  # the owner (account 1) played nothing
    assert lines == [] and "no plays of yours in the last 30 days" in note
    pms.set_fault(fail_status=500)
    lines, note = fetch_listening_seed(settings, account_id=household.friend.id)
    assert lines == [] and "could not be read from Plex" in note


@pytest.mark.timeout(120)
def test_form_option_seeds_the_prompt_with_the_owners_recent_plays(synced_app, stack):
    track = next(iter(stack.plex.lib.tracks.values()))
    for _ in range(3):
        stack.plex.add_play(track.rating_key, 1)
    stack.plex.add_play(track.rating_key, stack.household.home.id)  # another account's play stays out
    client = synced_app.test_client()
    page = client.get("/playlists/new").get_data(as_text=True)
    assert 'name="listening"' in page and "Based on what I've been playing" in page
    resp = client.post("/playlists/new", data={"prompt": "more like my week", "count": "8", "listening": "1", "fill_mode": "wish"})
    assert resp.status_code == 302
    job = db.session.get(Job, int(re.fullmatch(r"/jobs/(\d+)", resp.headers["Location"]).group(1)))
    assert job.status == JobStatus.DONE, job.message
    assert job.params["listening_account_id"] == 1
    prompt = stack.gemini.last_prompt_text()
    artist = track.track_artist or track.album_artist
    assert "What the listener has played most lately" in prompt
    assert f"{artist} – {track.title} (3 plays)" in prompt
    # Without the option the prompt has no listening block and the params stay as before.
    resp = client.post("/playlists/new", data={"prompt": "something else entirely", "count": "8", "fill_mode": "wish"})
    job = db.session.get(Job, int(resp.headers["Location"].rsplit("/", 1)[1]))
    assert "listening_account_id" not in job.params
    assert "played most lately" not in stack.gemini.last_prompt_text()
