"""Edits made in Plex survive rescans, regenerations and scheduled refreshes (issue 15).

The user edits the app's playlist as Plexamp or Plex Web would, through plexapi's own
``Playlist`` API against the Plex emulator (``removeItems``, ``addItems``, ``moveItem``,
``editTitle``: plexapi 4.18.3 ``playlist.py`` and the edit mixins); the AI's answers are
fixed lists of library tracks so the expected merge is exact.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from plexapi.server import PlexServer

from plex_completer.extensions import db
from plex_completer.models import JobStatus, Playlist, PlaylistRefresh, RescanRecord, utcnow
from plex_completer.scheduler.refreshes import run_due_refreshes, set_refresh
from plex_completer.services import playlist_actions as svc
from tests.fakes.stack import PLEX_TOKEN

pytestmark = pytest.mark.timeout(120)

NOT_IN_LIBRARY = {"artist": "Nobody At All", "title": "A Song Nobody Has", "album": None, "year": None}


def _pick(stack, n: int):
    """``n`` library tracks with distinct artist and title (so each matches exactly)."""
    every = sorted(stack.plex.lib.tracks.values(), key=lambda t: t.rating_key)
    titles: dict[str, int] = {}
    for track in every:
        titles[track.title.casefold()] = titles.get(track.title.casefold(), 0) + 1
    seen, out = set(), []
    for track in every[::37]:
        who = (track.track_artist or track.album_artist).casefold()
        if who in seen or titles[track.title.casefold()] > 1 or not (track.title + who).isascii():
            continue
        seen.add(who)
        out.append(track)
        if len(out) == n:
            return out
    raise AssertionError("library too small")


def _as_suggestion(track) -> dict:
    return {"artist": track.track_artist or track.album_artist, "title": track.title, "album": track.album,
            "year": track.year}


def _answer(stack, tracks, extra=()) -> None:
    suggestions = [_as_suggestion(t) for t in tracks] + list(extra)
    stack.gemini.answer = lambda prompt, count: {
        "title": "Night Drive", "description": "Late roads.", "tracks": suggestions,
    }


def _plex_playlist(stack, playlist: Playlist):
    server = PlexServer(stack.plex.url, PLEX_TOKEN, timeout=5)
    return server, server.fetchItem(f"/playlists/{playlist.plex_rating_key}")


def _in_plex(stack, playlist: Playlist) -> list[int]:
    return [key for _item, key in stack.plex.playlists[int(playlist.plex_rating_key)].items]


def _generate(stack, tracks, extra=()) -> Playlist:
    _answer(stack, tracks, extra)
    # The wish list only: these scenarios are about edits made in Plex, not about filling (issue 18).
    job = svc.start_generation("night drive", len(tracks) + len(extra), fill_mode="wish")
    assert job.status == JobStatus.DONE, job.message
    playlist = db.session.get(Playlist, job.result["playlist_id"])
    assert _in_plex(stack, playlist) == [t.rating_key for t in tracks]
    return playlist


def _fresh(playlist_id: int) -> Playlist:
    db.session.expire_all()
    return db.session.get(Playlist, playlist_id)


def _last_history(playlist: Playlist) -> RescanRecord:
    return db.session.scalars(
        sa.select(RescanRecord).where(RescanRecord.playlist_id == playlist.id).order_by(RescanRecord.id.desc())
    ).first()


def test_rescan_keeps_a_removal_an_addition_a_reorder_and_a_rename_made_in_plex(make_synced_app, stack):
    app = make_synced_app()
    with app.app_context():
        a, b, c, d, e, f, g, h, x, y = _pick(stack, 10)
        playlist = _generate(stack, [a, b, c, d, e, f, g, h], extra=[NOT_IN_LIBRARY])
        server, plex = _plex_playlist(stack, playlist)
        plex.removeItems([server.fetchItem(c.rating_key)])
        plex.reload()
        plex.addItems([server.fetchItem(x.rating_key)])
        plex.reload()
        plex.moveItem(server.fetchItem(x.rating_key), after=server.fetchItem(d.rating_key))
        plex.reload()
        plex.moveItem(server.fetchItem(g.rating_key))  # to the top
        plex.editTitle("My night drive")
        assert _in_plex(stack, playlist) == [g.rating_key, a.rating_key, b.rating_key, d.rating_key, x.rating_key,
                                             e.rating_key, f.rating_key, h.rating_key]

        # A manual match of the suggestion missing from the library: a rescan that writes.
        missing = next(t for t in playlist.current_generation.tracks if t.artist == NOT_IN_LIBRARY["artist"])
        job = svc.set_override(missing.id, "track", y.rating_key)
        assert job.status == JobStatus.DONE, job.message

        playlist = _fresh(playlist.id)
        # The user's order, their addition in place, their removal kept; the new track
        # follows every kept one in the AI's list, so it goes at the end.
        assert _in_plex(stack, playlist) == [g.rating_key, a.rating_key, b.rating_key, d.rating_key, x.rating_key,
                                             e.rating_key, f.rating_key, h.rating_key, y.rating_key]
        assert playlist.written_rating_keys == _in_plex(stack, playlist)
        assert stack.plex.playlists[int(playlist.plex_rating_key)].title == "My night drive"
        assert playlist.title_set_in_plex and playlist.plex_title == "My night drive"
        assert playlist.plex_removed_keys == [c.rating_key] and playlist.plex_added_keys == [x.rating_key]
        removed = next(t for t in playlist.current_generation.tracks if t.title == c.title)
        assert (removed.override, removed.override_rating_key) == ("removed", c.rating_key)
        history = _last_history(playlist)
        assert history.kind == "rescan" and history.wrote_to_plex
        assert "Kept your edits in Plex: 1 track you removed stays out" in history.message
        assert "1 track you added stays; your order; the title you set." in history.message

        # Another write (a library change brings nothing new): the removal still holds.
        # Another write (the app's list unchanged, AI order A…H): the removal, the
        # addition and the user's order all hold.
        held = _in_plex(stack, playlist)
        job = svc.start_write_retry(playlist.id)
        assert job.status == JobStatus.DONE, job.message
        assert _in_plex(stack, _fresh(playlist.id)) == held
        assert 'id="order-set-in-plex"' in app.test_client().get(f"/playlists/{playlist.id}").get_data(as_text=True)


def test_regenerate_keeps_removals_even_of_tracks_the_ai_suggests_again_and_never_duplicates_an_addition(
    make_synced_app, stack
):
    app = make_synced_app()
    with app.app_context():
        a, b, c, d, e, f, g, h, x, n = _pick(stack, 10)
        playlist = _generate(stack, [a, b, c, d, e, f, g, h])
        server, plex = _plex_playlist(stack, playlist)
        plex.removeItems([server.fetchItem(c.rating_key), server.fetchItem(d.rating_key)])
        plex.reload()
        plex.addItems([server.fetchItem(x.rating_key)])
        plex.reload()
        plex.editTitle("Mine now")
        plex.editSummary("My words about it")

        # The new list suggests C again (removed by the user), drops D (removed too),
        # suggests X (the user's addition) and a new N.
        _answer(stack, [h, c, b, x, a, n])
        job = svc.start_regenerate(playlist.id)
        assert job.status == JobStatus.DONE, job.message

        playlist = _fresh(playlist.id)
        assert _in_plex(stack, playlist) == [h.rating_key, b.rating_key, x.rating_key, a.rating_key, n.rating_key]
        assert sorted(playlist.plex_removed_keys) == sorted([c.rating_key, d.rating_key])
        assert playlist.plex_added_keys == [x.rating_key]
        in_plex = stack.plex.playlists[int(playlist.plex_rating_key)]
        assert (in_plex.title, in_plex.summary) == ("Mine now", "My words about it")
        assert playlist.title_set_in_plex and playlist.summary_set_in_plex
        suggested_c = next(t for t in playlist.current_generation.tracks if t.title == c.title)
        assert suggested_c.override == "removed"
        assert "Kept your edits in Plex: 2 tracks you removed stay out" in _last_history(playlist).message


def test_regenerate_without_a_reorder_takes_the_ais_order_and_keeps_an_addition_by_its_neighbours(
    make_synced_app, stack
):
    app = make_synced_app()
    with app.app_context():
        a, b, c, d, e, x, n = _pick(stack, 7)
        playlist = _generate(stack, [a, b, c, d, e])
        server, plex = _plex_playlist(stack, playlist)
        plex.addItems([server.fetchItem(x.rating_key)])
        plex.reload()
        plex.moveItem(server.fetchItem(x.rating_key), after=server.fetchItem(b.rating_key))

        _answer(stack, [b, c, d, a, n])
        assert svc.start_regenerate(playlist.id).status == JobStatus.DONE

        # X stood between B and C in Plex and still does; the AI's new order otherwise
        # (E dropped, N new).
        assert _in_plex(stack, _fresh(playlist.id)) == [b.rating_key, x.rating_key, c.rating_key, d.rating_key,
                                                        a.rating_key, n.rating_key]


def test_a_scheduled_refresh_keeps_the_users_order_removal_and_addition(make_synced_app, stack):
    app = make_synced_app()
    with app.app_context():
        settings = app.config["SETTINGS"]
        a, b, c, d, e, f, g, h, x, n = _pick(stack, 10)
        playlist = _generate(stack, [a, b, c, d, e, f, g, h])
        server, plex = _plex_playlist(stack, playlist)
        plex.moveItem(server.fetchItem(h.rating_key))  # to the top
        plex.reload()
        plex.removeItems([server.fetchItem(e.rating_key)])
        plex.reload()
        plex.addItems([server.fetchItem(x.rating_key)])
        plex.reload()
        plex.moveItem(server.fetchItem(x.rating_key), after=server.fetchItem(b.rating_key))
        plex.editTitle("Our road trip")
        assert _in_plex(stack, playlist) == [h.rating_key, a.rating_key, b.rating_key, x.rating_key, c.rating_key,
                                             d.rating_key, f.rating_key, g.rating_key]

        _answer(stack, [a, b, e, h, n, c])
        set_refresh(settings, playlist.id, "weekly", weekday=0, hour=6, keep_share=0.3)
        row = db.session.get(PlaylistRefresh, playlist.id)
        row.next_refresh_at = utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
        assert run_due_refreshes(settings) == {playlist.id: JobStatus.DONE}

        playlist = _fresh(playlist.id)
        # Kept in the user's order: H, A, B, X (theirs), C; D, F, G dropped by the AI; E
        # removed by the user; N new, between its neighbours H and C of the AI's list.
        assert _in_plex(stack, playlist) == [h.rating_key, n.rating_key, a.rating_key, b.rating_key, x.rating_key,
                                             c.rating_key]
        assert playlist.plex_removed_keys == [e.rating_key] and playlist.plex_added_keys == [x.rating_key]
        assert stack.plex.playlists[int(playlist.plex_rating_key)].title == "Our road trip"
        message = _last_history(playlist).message
        assert _last_history(playlist).kind == "refresh"
        assert "1 track you removed stays out" in message and "your order" in message
        assert "the title you set" in message


def test_the_page_shows_the_edits_put_back_restores_a_track_and_reset_drops_the_edits(make_synced_app, stack):
    app = make_synced_app()
    with app.app_context():
        client = app.test_client()
        a, b, c, d, e, x = _pick(stack, 6)
        playlist = _generate(stack, [a, b, c, d, e])
        server, plex = _plex_playlist(stack, playlist)
        plex.removeItems([server.fetchItem(c.rating_key)])
        plex.reload()
        plex.addItems([server.fetchItem(x.rating_key)])
        plex.reload()
        plex.editTitle("Mine <b>now</b>")
        # A write happens (here: "Write to Plex" by hand); it finds and keeps the edits.
        assert svc.start_write_retry(playlist.id).status == JobStatus.DONE

        page = client.get(f"/playlists/{playlist.id}").get_data(as_text=True)
        assert "Removed by you in Plex" in page and "Added by you in Plex" in page
        assert 'id="title-set-in-plex"' in page and "Mine &lt;b&gt;now&lt;/b&gt;" in page
        assert f'action="/playlists/{playlist.id}/put-back/{c.rating_key}"' in page
        assert f"{x.track_artist or x.album_artist} – {x.title}".replace("'", "&#39;") in page

        # Put back: C returns between its neighbours B and D, and is no longer "removed".
        resp = client.post(f"/playlists/{playlist.id}/put-back/{c.rating_key}")
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/jobs/")
        playlist = _fresh(playlist.id)
        assert _in_plex(stack, playlist) == [a.rating_key, b.rating_key, c.rating_key, d.rating_key, e.rating_key,
                                             x.rating_key]
        assert playlist.plex_removed_keys == []
        history = _last_history(playlist)
        assert history.kind == "put back" and history.message.startswith(
            f"Put back {c.track_artist or c.album_artist} – {c.title}, which you had removed in Plex.")
        assert "Removed by you in Plex" not in client.get(f"/playlists/{playlist.id}").get_data(as_text=True)
        again = client.post(f"/playlists/{playlist.id}/put-back/{c.rating_key}", follow_redirects=True)
        assert "not one you removed in Plex" in again.get_data(as_text=True)

        # Reset: a confirmation page first (a GET changes nothing), then the AI's list.
        confirm = client.get(f"/playlists/{playlist.id}/reset").get_data(as_text=True)
        assert "1 track you added in Plex is removed." in confirm and 'id="confirm-reset"' in confirm
        assert _in_plex(stack, _fresh(playlist.id))[-1] == x.rating_key
        resp = client.post(f"/playlists/{playlist.id}/reset")
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/jobs/")
        playlist = _fresh(playlist.id)
        assert _in_plex(stack, playlist) == [t.rating_key for t in (a, b, c, d, e)]
        assert stack.plex.playlists[int(playlist.plex_rating_key)].title == playlist.title == "Night Drive"
        assert not playlist.title_set_in_plex and not playlist.plex_added_keys
        assert _last_history(playlist).kind == "reset"
        assert _last_history(playlist).message.startswith("Reset to the AI's list: your edits made in Plex were dropped.")
        assert 'id="plex-edits"' not in client.get(f"/playlists/{playlist.id}").get_data(as_text=True)


def test_cli_regenerate_asks_the_ai_again_and_keeps_a_removal_made_in_plex(make_synced_app, stack):
    app = make_synced_app()
    runner = app.test_cli_runner()
    with app.app_context():
        a, b, c, d, e, n = _pick(stack, 6)
        playlist = _generate(stack, [a, b, c, d, e])
        server, plex = _plex_playlist(stack, playlist)
        plex.removeItems([server.fetchItem(b.rating_key)])
        _answer(stack, [a, b, c, d, n])
        calls = stack.gemini.generate_calls()

        result = runner.invoke(args=["regenerate", "--playlist", str(playlist.id)])

        assert result.exit_code == 0, result.output
        assert "New track list by Gemini 2.5 Flash" in result.output
        assert stack.gemini.generate_calls() == calls + 1
        assert _in_plex(stack, _fresh(playlist.id)) == [a.rating_key, c.rating_key, d.rating_key, n.rating_key]
        missing = runner.invoke(args=["regenerate", "--playlist", "999"])
        assert missing.exit_code == 1 and "Playlist 999 does not exist." in missing.output


def test_ask_the_ai_again_keeps_manual_matches_and_not_in_my_library_for_suggestions_that_come_back(
    make_synced_app, stack
):
    app = make_synced_app()
    with app.app_context():
        a, b, c, d, e, y = _pick(stack, 6)
        playlist = _generate(stack, [a, b, c, d], extra=[NOT_IN_LIBRARY])
        tracks = {t.title: t for t in playlist.current_generation.tracks}
        assert svc.set_override(tracks[NOT_IN_LIBRARY["title"]].id, "track", y.rating_key).status == JobStatus.DONE
        assert svc.set_override(tracks[b.title].id, "absent").status == JobStatus.DONE
        assert _in_plex(stack, _fresh(playlist.id)) == [a.rating_key, c.rating_key, d.rating_key, y.rating_key]

        # The same songs come back, spelt differently (case, "The"-less, spaces).
        again = {"artist": NOT_IN_LIBRARY["artist"].upper(), "title": NOT_IN_LIBRARY["title"].lower() + " ",
                 "album": None, "year": None}
        b_again = {**_as_suggestion(b), "title": b.title.upper()}
        stack.gemini.answer = lambda prompt, count: {
            "title": "Night Drive", "description": "", "tracks": [_as_suggestion(e), b_again, again, _as_suggestion(a),
                                                                  _as_suggestion(c)]}
        job = svc.start_regenerate(playlist.id)
        assert job.status == JobStatus.DONE, job.message

        playlist = _fresh(playlist.id)
        new = playlist.current_generation.tracks
        assert [(t.override, t.override_rating_key) for t in new] == [
            (None, None), ("absent", None), ("track", y.rating_key), (None, None), (None, None)]
        assert "Kept your choices for 2 suggestions that came back:" in job.message
        assert "(not in my library)" in job.message and "(your match)" in job.message
        assert "Kept your choices for 2 suggestions" in _last_history(playlist).message
        assert _in_plex(stack, playlist) == [e.rating_key, y.rating_key, a.rating_key, c.rating_key]


def test_the_same_prompt_right_after_asks_before_making_a_second_playlist(make_synced_app, stack):
    from plex_completer.models import Job

    app = make_synced_app()
    with app.app_context():
        client = app.test_client()
        first = client.post("/playlists/new", data={"prompt": "Songs for a night drive", "count": "8"})
        assert first.status_code == 302
        playlist = db.session.scalars(sa.select(Playlist)).one()
        jobs = db.session.scalar(sa.select(sa.func.count()).select_from(Job))

        again = client.post("/playlists/new", data={"prompt": "songs  for a NIGHT drive", "count": "8"})
        page = again.get_data(as_text=True)
        assert again.status_code == 409 and 'id="duplicate-prompt"' in page
        assert f'href="/playlists/{playlist.id}" id="existing-playlist"' in page
        assert 'name="again" value="1"' in page and "Make a second playlist anyway" in page
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == jobs  # nothing started
        assert len(stack.plex.playlists) == 1

        sure = client.post("/playlists/new", data={"prompt": "songs  for a NIGHT drive", "count": "8", "again": "1"})
        assert sure.status_code == 302 and sure.headers["Location"].startswith("/jobs/")
        assert len(stack.plex.playlists) == 2

        # Another prompt is not asked about.
        other = client.post("/playlists/new", data={"prompt": "Rainy Sunday jazz", "count": "8"})
        assert other.status_code == 302


def test_the_scheduled_library_sync_records_edits_made_in_plex_before_the_next_write(make_synced_app, stack):
    from plex_completer.jobs import runner

    app = make_synced_app()
    with app.app_context():
        client = app.test_client()
        a, b, c, d, e, x = _pick(stack, 6)
        playlist = _generate(stack, [a, b, c, d, e])
        stack.plex.advance(60)  # the user edits a minute after the app wrote
        server, plex = _plex_playlist(stack, playlist)
        plex.removeItems([server.fetchItem(c.rating_key)])
        plex.reload()
        plex.addItems([server.fetchItem(x.rating_key)])
        plex.editTitle("Sunday drive")
        held = _in_plex(stack, playlist)
        stack.plex.clear_requests()

        job = runner.run_now("library_sync", {"full": False}, trigger="schedule")

        assert job.status == JobStatus.DONE, job.message
        assert job.message.endswith("Edits made in Plex found in 1 playlist") and job.result["playlists_edited_in_plex"] == 1
        # Read, not written: only GETs, and Plex holds what the user left.
        assert {r.method for r in stack.plex.requests} == {"GET"}
        assert _in_plex(stack, playlist) == held
        playlist = _fresh(playlist.id)
        assert playlist.plex_removed_keys == [c.rating_key] and playlist.plex_added_keys == [x.rating_key]
        assert playlist.title_set_in_plex and playlist.plex_title == "Sunday drive"
        page = client.get(f"/playlists/{playlist.id}").get_data(as_text=True)
        assert "Removed by you in Plex" in page and "Added by you in Plex" in page and "Sunday drive" in page

        # Nothing changed in Plex since: the next sync reads the listing only.
        stack.plex.clear_requests()
        job = runner.run_now("library_sync", {"full": False}, trigger="schedule")
        assert job.result["playlists_edited_in_plex"] == 0
        assert not [r for r in stack.plex.requests if r.path.startswith(f"/playlists/{playlist.plex_rating_key}")]

        # The next write keeps it all.
        assert svc.start_write_retry(playlist.id).status == JobStatus.DONE
        assert _in_plex(stack, _fresh(playlist.id)) == held


def test_regenerate_keeps_a_reorder_made_in_plex(make_synced_app, stack):
    app = make_synced_app()
    with app.app_context():
        a, b, c, d, e, n = _pick(stack, 6)
        playlist = _generate(stack, [a, b, c, d, e])
        server, plex = _plex_playlist(stack, playlist)
        plex.moveItem(server.fetchItem(e.rating_key))  # to the top
        plex.reload()
        plex.moveItem(server.fetchItem(a.rating_key), after=server.fetchItem(c.rating_key))

        # The AI keeps A…D in its order, drops E, adds N between B and C.
        _answer(stack, [a, b, n, c, d])
        assert svc.start_regenerate(playlist.id).status == JobStatus.DONE

        playlist = _fresh(playlist.id)
        # The user's order B, C, A, D (E dropped by the AI); N after B, before C as the AI put it.
        assert _in_plex(stack, playlist) == [b.rating_key, n.rating_key, c.rating_key, a.rating_key, d.rating_key]
        assert playlist.order_set_in_plex and "your order" in _last_history(playlist).message
