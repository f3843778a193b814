"""Filling a playlist from the user's own library on generate (issue 18), end to end
through the real plexapi, google-genai and ollama clients against the emulators."""

from __future__ import annotations

import pytest

from plex_completer.extensions import db
from plex_completer.models import AiAttempt, JobStatus, LibraryTrack, Playlist, PlaylistStatus
from plex_completer.services import playlist_actions as svc

pytestmark = pytest.mark.timeout(120)
FLASH = "gemini-2.5-flash"


def _plex_items(stack, rating_key) -> list[int]:
    return [key for _item_id, key in stack.plex.playlists[int(rating_key)].items]


def _mostly_absent(stack, present: int):
    """An AI answer whose first ``present`` tracks are in the library (1980s ones) and the
    rest invented, the way a general answer looks against a small library."""
    eighties = [t for t in stack.plex.tracks if t.year and 1980 <= t.year <= 1989][:present]

    def answer(prompt, count):
        tracks = [{"artist": t.track_artist or t.album_artist, "title": t.title, "album": t.album, "year": t.year}
                  for t in eighties[:count]]
        tracks += [{"artist": f"Nobody Band {n}", "title": f"Unreleased Song {n}", "album": None, "year": 1984}
                   for n in range(count - len(tracks))]
        return {"title": "Night Drive", "description": "80s", "tracks": tracks}

    return answer, eighties


def test_a_short_wish_list_is_filled_to_the_asked_length_with_listed_library_tracks(synced_app, stack):
    stack.gemini.answer, _ = _mostly_absent(stack, 4)
    job = svc.start_generation("upbeat 80s songs for a night drive", 20)
    assert job.status == JobStatus.DONE, job.message
    playlist = db.session.get(Playlist, job.result["playlist_id"])
    tracks = playlist.current_generation.tracks
    fillers = [t for t in tracks if t.filler]
    wished = [t for t in tracks if not t.filler]
    assert len(wished) == 20 and playlist.matched_count == 4 and len(fillers) == 16 == job.result["fillers"]
    # Exactly one more AI request, recorded as a fill.
    assert stack.gemini.generate_calls(FLASH) == 2 and stack.ollama.chat_calls() == 0
    purposes = [a.purpose for a in db.session.scalars(db.select(AiAttempt).where(AiAttempt.job_id == job.id))]
    assert purposes == ["generate", "fill"]
    # Every filler is a library track that was on the numbered list the AI was shown.
    prompt = stack.gemini.last_prompt_text()
    for t in fillers:
        assert db.session.get(LibraryTrack, t.matched_rating_key) is not None
        assert f"{t.artist} – {t.title}" in prompt
        assert t.reason == "From your library, to fill" and t.score == 100
    # The Plex playlist has the asked length, fillers spread among the matched tracks.
    items = _plex_items(stack, playlist.plex_rating_key)
    assert len(items) == 20 == len(set(items))
    matched_keys = [t.matched_rating_key for t in wished if t.matched_rating_key]
    assert items.index(matched_keys[-1]) < len(items) - 1, "fillers are not appended as a block"
    assert items[0] == matched_keys[0] and items[1] in {t.matched_rating_key for t in fillers}
    assert [t.position for t in tracks] == list(range(1, len(tracks) + 1))
    assert "16 more from your library, picked by Gemini 2.5 Flash, bring it to 20 tracks" in job.message
    assert playlist.status == PlaylistStatus.SYNCED


def test_fillers_follow_the_ai_order_and_share_the_request_decade(synced_app, stack):
    stack.gemini.answer, _ = _mostly_absent(stack, 5)
    job = svc.start_generation("80s hits", 15)
    assert job.status == JobStatus.DONE, job.message
    playlist = db.session.get(Playlist, job.result["playlist_id"])
    fillers = [t for t in playlist.current_generation.tracks if t.filler]
    assert len(fillers) == 10
    # The order the AI gave: the emulator's answer, validated, is the fillers' order.
    prompt = stack.gemini.last_prompt_text()
    lines = {line.split(". ", 1)[1]: int(line.split(". ", 1)[0]) for line in prompt.splitlines()
             if line[:1].isdigit() and ". " in line and " – " in line}
    expected = [n for n in stack.gemini.fill_answer(prompt)["picks"] if 1 <= n <= len(lines)]
    numbers = [next(n for text, n in lines.items() if text.startswith(f"{t.artist} – {t.title}")) for t in fillers]
    assert numbers == list(dict.fromkeys(expected))[:10]
    fit = sum(1 for t in fillers if t.year and 1979 <= t.year <= 1990)
    assert fit / len(fillers) >= 0.8


def test_a_rescan_keeps_fillers_and_asks_no_ai(synced_app, stack):
    stack.gemini.answer, _ = _mostly_absent(stack, 3)
    job = svc.start_generation("80s night drive", 12)
    assert job.status == JobStatus.DONE, job.message
    playlist = db.session.get(Playlist, job.result["playlist_id"])
    before = _plex_items(stack, playlist.plex_rating_key)
    calls = stack.gemini.generate_calls()
    rescan = svc.start_rescan(playlist.id)
    assert rescan.status == JobStatus.DONE, rescan.message
    assert stack.gemini.generate_calls() == calls
    db.session.expire_all()
    playlist = db.session.get(Playlist, playlist.id)
    assert _plex_items(stack, playlist.plex_rating_key) == before and len(before) == 12
    assert "No change: 3 of 12 tracks in your library" in rescan.message


def test_a_full_match_asks_for_no_fill(synced_app, stack):
    stack.gemini.answer, _ = _mostly_absent(stack, 10)
    job = svc.start_generation("80s", 6)
    assert job.status == JobStatus.DONE, job.message
    assert job.result["fillers"] == 0 and stack.gemini.generate_calls() == 1


def test_a_failed_fill_keeps_what_matched_and_says_so(synced_app, stack):
    stack.gemini.answer, _ = _mostly_absent(stack, 3)
    stack.gemini.fill_answer = lambda prompt: {"picks": [0, 99999]}
    stack.ollama.fill_answer = lambda prompt: {"picks": []}
    job = svc.start_generation("80s night drive", 10)
    assert job.status == JobStatus.DONE, job.message
    playlist = db.session.get(Playlist, job.result["playlist_id"])
    assert job.result["fillers"] == 0 and len(_plex_items(stack, playlist.plex_rating_key)) == 3
    assert "could not be filled from your library" in job.message
    outcomes = [(a.purpose, a.outcome) for a in db.session.scalars(db.select(AiAttempt).where(AiAttempt.job_id == job.id))]
    assert outcomes[0] == ("generate", "ok") and {o for p, o in outcomes[1:]} == {"bad_output"}


def test_nothing_matching_and_no_fill_is_a_plain_result_that_keeps_the_wish_list(synced_app, stack):
    stack.gemini.answer, _ = _mostly_absent(stack, 0)
    stack.gemini.fill_answer = lambda prompt: {"picks": []}
    stack.ollama.fill_answer = lambda prompt: {"picks": []}
    job = svc.start_generation("80s night drive", 8)
    assert job.status == JobStatus.DONE, job.message
    playlist = db.session.get(Playlist, job.result["playlist_id"])
    assert len(playlist.current_generation.tracks) == 8 and playlist.matched_count == 0
    assert playlist.status == PlaylistStatus.PENDING_PLEX and not stack.plex.playlists
    assert "0 of 8 tracks in your library" in job.message and "could not be filled from your library" in job.message
    assert "will be created as soon as a rescan finds one" in job.message


def test_the_playlist_page_marks_fillers(synced_app, stack):
    stack.gemini.answer, _ = _mostly_absent(stack, 2)
    job = svc.start_generation("80s", 6)
    assert job.status == JobStatus.DONE, job.message
    client = synced_app.test_client()
    page = client.get(f"/playlists/{job.result['playlist_id']}").get_data(as_text=True)
    assert page.count("from your library, to fill") == 4
    # The header's bar counts the AI's list; the fillers are said beside it, on the
    # dashboard card too (the Plex playlist holds the asked-for 6).
    assert '<span class="match-count">2/6</span><span class="match-filled"' in page and "+4 filled" in page
    assert "+4 filled" in client.get("/").get_data(as_text=True)


def test_arrived_wish_list_tracks_replace_fillers_one_for_one_and_the_history_says_so(synced_app, stack):
    from plex_completer.jobs import runner
    from plex_completer.models import RescanRecord
    from tests.fakes.library.model import FakeTrack

    stack.gemini.answer, _ = _mostly_absent(stack, 4)
    job = svc.start_generation("upbeat 80s songs for a night drive", 20)
    assert job.status == JobStatus.DONE, job.message
    playlist = db.session.get(Playlist, job.result["playlist_id"])
    assert job.result["fillers"] == 16
    missing = [t for t in playlist.current_generation.tracks if not t.filler and t.matched_rating_key is None][:2]

    base = max(t.rating_key for t in stack.plex.tracks) + 1000
    stack.plex.add_tracks([
        FakeTrack(rating_key=base + i, title=t.title, album_artist=t.artist, album=f"{t.artist} Arrivals",
                  album_rating_key=base + 500 + i, artist_rating_key=base + 600 + i, year=1984, track_number=1,
                  added_at=stack.plex.now() + 10, updated_at=stack.plex.now() + 10)
        for i, t in enumerate(missing)
    ])
    assert runner.run_now("library_sync", {"full": False}).status == JobStatus.DONE
    calls = stack.gemini.generate_calls()
    rescan = svc.start_rescan(playlist.id)
    assert rescan.status == JobStatus.DONE, rescan.message
    assert stack.gemini.generate_calls() == calls, "completion asks no AI"

    db.session.expire_all()
    playlist = db.session.get(Playlist, playlist.id)
    tracks = playlist.current_generation.tracks
    assert len([t for t in tracks if t.filler]) == 14 and playlist.matched_count == 6
    items = _plex_items(stack, playlist.plex_rating_key)
    assert len(items) == 20 == len(set(items)) and {base, base + 1} <= set(items)
    assert [t.position for t in tracks] == list(range(1, len(tracks) + 1))
    last = db.session.scalars(db.select(RescanRecord).where(RescanRecord.playlist_id == playlist.id)
                              .order_by(RescanRecord.id.desc())).first()
    assert "2 tracks you were missing arrived and replaced fillers" in last.message
    assert "2 of 16 missing tracks are now in your library" in last.message


def test_arrivals_do_not_remove_fillers_while_the_playlist_is_still_short(synced_app, stack):
    from plex_completer.jobs import runner
    from tests.fakes.library.model import FakeTrack

    stack.gemini.answer, _ = _mostly_absent(stack, 2)
    stack.gemini.fill_answer = lambda prompt: {"picks": [1, 2, 3]}  # only 3 fillers for 8 missing
    job = svc.start_generation("80s", 10)
    assert job.status == JobStatus.DONE and job.result["fillers"] == 3, job.message
    playlist = db.session.get(Playlist, job.result["playlist_id"])
    missing = [t for t in playlist.current_generation.tracks if not t.filler and t.matched_rating_key is None][:1]
    base = max(t.rating_key for t in stack.plex.tracks) + 2000
    stack.plex.add_tracks([FakeTrack(rating_key=base, title=missing[0].title, album_artist=missing[0].artist,
                                     album="Arrivals", album_rating_key=base + 1, artist_rating_key=base + 2, year=1984,
                                     added_at=stack.plex.now() + 10, updated_at=stack.plex.now() + 10)])
    assert runner.run_now("library_sync", {"full": False}).status == JobStatus.DONE
    rescan = svc.start_rescan(playlist.id)
    assert rescan.status == JobStatus.DONE, rescan.message
    db.session.expire_all()
    playlist = db.session.get(Playlist, playlist.id)
    assert len([t for t in playlist.current_generation.tracks if t.filler]) == 3
    assert len(_plex_items(stack, playlist.plex_rating_key)) == 6
    assert "replaced" not in rescan.message


# -- modes: form, Settings default, CLI ------------------------------------------------------


def test_wish_list_only_mode_asks_for_no_fill(synced_app, stack):
    stack.gemini.answer, _ = _mostly_absent(stack, 3)
    job = svc.start_generation("80s night drive", 10, fill_mode="wish")
    assert job.status == JobStatus.DONE, job.message
    assert job.result["fillers"] == 0 and stack.gemini.generate_calls() == 1
    playlist = db.session.get(Playlist, job.result["playlist_id"])
    assert len(_plex_items(stack, playlist.plex_rating_key)) == 3


def test_only_my_library_mode_makes_one_grounded_request_and_no_wish_list(synced_app, stack):
    job = svc.start_generation("80s synth pop for a night drive", 12, fill_mode="library")
    assert job.status == JobStatus.DONE, job.message
    assert stack.gemini.generate_calls() == 1 and "Number of picks: 12" in stack.gemini.last_prompt_text()
    playlist = db.session.get(Playlist, job.result["playlist_id"])
    tracks = playlist.current_generation.tracks
    assert len(tracks) == 12 and all(t.filler for t in tracks)
    assert len(_plex_items(stack, playlist.plex_rating_key)) == 12
    assert playlist.current_generation.provider == "gemini" and playlist.model == "Gemini 2.5 Flash"
    assert job.message == "12 tracks from your library, picked by Gemini 2.5 Flash."
    assert [a.purpose for a in db.session.scalars(db.select(AiAttempt).where(AiAttempt.job_id == job.id))] == ["fill"]


def test_only_my_library_mode_failing_fails_the_job_and_keeps_nothing(synced_app, stack):
    stack.gemini.fill_answer = lambda prompt: {"picks": []}
    stack.ollama.fill_answer = lambda prompt: {"picks": []}
    job = svc.start_generation("80s", 8, fill_mode="library")
    assert job.status == JobStatus.FAILED and "No tracks could be picked from your library" in job.message
    assert db.session.scalars(db.select(Playlist)).first() is None


def test_the_settings_default_applies_when_the_form_says_nothing(make_synced_app, stack):
    app = make_synced_app(FILL_MODE="wish")
    with app.app_context():
        stack.gemini.answer, _ = _mostly_absent(stack, 3)
        job = svc.start_generation("80s night drive", 10)
        assert job.status == JobStatus.DONE and job.result["fillers"] == 0, job.message
        client = app.test_client()
        form = client.get("/playlists/new").get_data(as_text=True)
        assert '<option value="wish" selected>Wish list only</option>' in form
        settings_page = client.get("/settings").get_data(as_text=True)
        assert "FILL_MODE" in settings_page


def test_the_form_sends_the_chosen_mode_and_rejects_an_unknown_one(synced_app, stack):
    client = synced_app.test_client()
    form = client.get("/playlists/new").get_data(as_text=True)
    assert '<option value="fill" selected>Fill from my library</option>' in form
    assert "Only tracks from my library" in form and "Wish list only" in form
    bad = client.post("/playlists/new", data={"prompt": "80s", "count": "10", "fill_mode": "everything"})
    assert bad.status_code == 400 and "Pick one of the choices." in bad.get_data(as_text=True)
    stack.gemini.answer, _ = _mostly_absent(stack, 3)
    resp = client.post("/playlists/new", data={"prompt": "80s night drive", "count": "10", "fill_mode": "wish"})
    assert resp.status_code == 302
    from plex_completer.models import Job

    job = db.session.scalars(db.select(Job).where(Job.kind == "generate")).one()
    assert job.params["fill_mode"] == "wish" and job.result["fillers"] == 0


def test_cli_generate_takes_the_mode(synced_app, stack):
    stack.gemini.answer, _ = _mostly_absent(stack, 3)
    runner_cli = synced_app.test_cli_runner()
    out = runner_cli.invoke(args=["generate", "80s night drive", "--count", "10", "--fill", "fill"])
    assert out.exit_code == 0, out.output
    assert "From your library, to fill: 7" in out.output
    bad = runner_cli.invoke(args=["generate", "80s", "--fill", "nope"])
    assert bad.exit_code != 0 and "nope" in bad.output


def test_asking_the_ai_again_fills_a_filled_playlist_again(synced_app, stack):
    stack.gemini.answer, _ = _mostly_absent(stack, 4)
    job = svc.start_generation("upbeat 80s songs for a night drive", 20)
    assert job.status == JobStatus.DONE and job.result["fillers"] == 16, job.message
    playlist = db.session.get(Playlist, job.result["playlist_id"])
    calls = stack.gemini.generate_calls()
    again = svc.start_regenerate(playlist.id)
    assert again.status == JobStatus.DONE, again.message
    assert stack.gemini.generate_calls() == calls + 2, "one wish list and one fill request"
    db.session.expire_all()
    playlist = db.session.get(Playlist, playlist.id)
    assert len(playlist.generations) == 2 and again.result["fillers"] == 16
    assert len(_plex_items(stack, playlist.plex_rating_key)) == 20
    assert "16 more from your library" in again.message


def test_asking_the_ai_again_keeps_a_wish_list_playlist_unfilled(synced_app, stack):
    stack.gemini.answer, _ = _mostly_absent(stack, 4)
    job = svc.start_generation("80s", 10, fill_mode="wish")
    assert job.status == JobStatus.DONE, job.message
    again = svc.start_regenerate(job.result["playlist_id"])
    assert again.status == JobStatus.DONE and again.result["fillers"] == 0, again.message
    assert stack.gemini.generate_calls() == 2
