"""Issue 16's "Done when", end to end through the real plexapi and requests clients
against the PMS and plex.tv emulators: the owner, a Plex Home member and a managed user
each sign in with Plex (the PIN approved on the emulated plex.tv), each makes a playlist
that lands in their own Plex account only, sees only their own, a scheduled refresh
updates each in place under the right account, the owner sees all three, and another
user's ids answer 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from plexapi.exceptions import NotFound
from plexapi.server import PlexServer

from plex_completer.extensions import db
from plex_completer.jobs import runner
from plex_completer.logging_setup import redact
from plex_completer.models import Job, JobStatus, Playlist, PlaylistRefresh, PlexUser, utcnow
from plex_completer.scheduler.refreshes import run_due_refreshes
from plex_completer.services import playlist_actions, plex_users

from .conftest import ADMIN_PASSWORD, log_in_admin

pytestmark = pytest.mark.timeout(180)

PROMPTS = {"Alice": "best songs of 1985", "Bob": "rainy sunday jazz", "Kid": "upbeat pop for a road trip"}


@pytest.fixture
def hh_app(make_synced_app):
    """The app with the admin login on, pointed at the stack (its plex.tv household
    included) with the library synced, in an app context."""
    app = make_synced_app(AUTH_DISABLED=False, APP_PASSWORD=ADMIN_PASSWORD)
    with app.app_context():
        yield app


def _sign_in_with_plex(app, stack, account):
    """Drive the app's Sign in with Plex as a browser would, approving the PIN on the
    emulated plex.tv as ``account``; returns the signed-in client."""
    client = app.test_client()
    started = client.post("/login/plex")
    assert started.status_code == 302 and started.headers["Location"].endswith("/login/plex")
    waiting = client.get("/login/plex")
    assert waiting.status_code == 200
    page = waiting.get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "Open Plex to approve" in page
    with client.session_transaction() as sess:
        pin_id = sess["plex_pin"]["id"]
    stack.plextv.approve_pin(pin_id, account)
    done = client.get("/login/plex")
    assert done.status_code == 302 and done.headers["Location"] == "/", done.get_data(as_text=True)[:500]
    for token in (account.token, account.server_token):  # neither token reaches the browser
        assert token not in page and token not in str(dict(client.get_cookie("session").__dict__))
    return client


def _plex_playlists_of(stack, account) -> dict[int, str]:
    """``{ratingKey: title}`` of the Plex playlists that belong to ``account`` on the PMS emulator."""
    mine = stack.plex.account_of(account.server_token)
    return {key: pl.title for key, pl in stack.plex.playlists.items() if pl.owner_account == mine}


def _bobs_playlist(app, stack) -> tuple:
    """Bob (the Plex Home member) signs in with Plex and makes a playlist: ``(his client, the Playlist)``."""
    client = _sign_in_with_plex(app, stack, stack.household.home)
    return client, db.session.get(Playlist, _create(client, PROMPTS["Bob"]))


def _create(client, prompt: str) -> int:
    response = client.post("/playlists/new", data={"prompt": prompt, "count": "12", "fill_mode": "wish"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    job_id = int(re.search(r"/jobs/(\d+)", response.headers["Location"]).group(1))
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    assert job.status == JobStatus.DONE, job.message
    return int(job.result["playlist_id"])


def test_three_household_members_each_get_their_own_playlists(hh_app, stack):
    app = hh_app
    hh = stack.household
    users = {u.title: u for u in db.session.scalars(sa.select(PlexUser))}
    assert {"Alice", "Bob", "Kid", "Carol"} <= set(users)  # read from plex.tv by the library sync
    assert "Dave" not in users  # a Home member without access to this server
    accounts = {"Alice": hh.owner, "Bob": hh.home, "Kid": hh.managed}
    clients = {name: _sign_in_with_plex(app, stack, acc) for name, acc in accounts.items()}
    made = {name: _create(clients[name], PROMPTS[name]) for name in accounts}

    db.session.expire_all()
    keys = {}
    for name, playlist_id in made.items():
        playlist = db.session.get(Playlist, playlist_id)
        assert playlist.plex_rating_key, playlist.status_message
        keys[name] = int(playlist.plex_rating_key)
        assert playlist.owner_id == users[name].id or (name == "Alice" and playlist.owner_id in (None, users[name].id))
    for name, acc in accounts.items():  # in their own Plex account, and only there
        assert set(_plex_playlists_of(stack, acc)) == {keys[name]}, name
    assert not _plex_playlists_of(stack, hh.friend)

    # Each member sees only their own; another's ids answer 404.
    for name in ("Bob", "Kid"):
        dashboard = clients[name].get("/").get_data(as_text=True)
        for other in accounts:
            shown = f'/playlists/{made[other]}"' in dashboard
            assert shown == (other == name), (name, other)
            status = clients[name].get(f"/playlists/{made[other]}").status_code
            assert status == (200 if other == name else 404), (name, other)
        other = "Kid" if name == "Bob" else "Bob"
        assert clients[name].post(f"/playlists/{made[other]}/rescan").status_code == 404
        assert clients[name].post(f"/playlists/{made[other]}/delete", data={"from_plex": "1"}).status_code == 404
    assert keys["Bob"] in stack.plex.playlists and keys["Kid"] in stack.plex.playlists

    # The owner sees all three, with whose they are.
    owner_page = clients["Alice"].get("/").get_data(as_text=True)
    for name in accounts:
        assert f'/playlists/{made[name]}"' in owner_page
    assert "for Bob" in owner_page and "for Kid" in owner_page
    admin = app.test_client()
    log_in_admin(admin)
    assert all(f'/playlists/{made[name]}"' in admin.get("/").get_data(as_text=True) for name in accounts)

    # Each sets a weekly refresh of their own playlist; the schedule runs them all.
    for name in accounts:
        response = clients[name].post(f"/schedules/playlists/{made[name]}",
                                      data={"frequency": "weekly", "weekday": "0", "hour": "6"})
        assert response.status_code == 302
    schedules_page = admin.get("/schedules").get_data(as_text=True)
    assert "Bob's playlist" in schedules_page and "Kid's playlist" in schedules_page
    for row in db.session.scalars(sa.select(PlaylistRefresh)):
        row.next_refresh_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    generations_before = {name: db.session.get(Playlist, pid).current_generation.id for name, pid in made.items()}
    outcome = run_due_refreshes(app.config["SETTINGS"])
    assert outcome == {pid: JobStatus.DONE for pid in made.values()}, outcome
    db.session.expire_all()
    for name, acc in accounts.items():
        playlist = db.session.get(Playlist, made[name])
        assert playlist.current_generation.id != generations_before[name]  # a new AI track list
        assert int(playlist.plex_rating_key) == keys[name]  # updated in place
        assert set(_plex_playlists_of(stack, acc)) == {keys[name]}, name
        items = [item for item in stack.plex.playlists[keys[name]].items]
        assert items and list(items) != []
        job = db.session.scalars(sa.select(Job).where(Job.kind == "playlist_refresh", Job.playlist_id == made[name])).one()
        assert job.owner_id == playlist.owner_id
    # Bob's refresh job is his to see, not Kid's.
    bob_job = db.session.scalars(sa.select(Job).where(Job.kind == "playlist_refresh", Job.playlist_id == made["Bob"])).one()
    assert clients["Bob"].get(f"/jobs/{bob_job.id}").status_code == 200
    assert clients["Kid"].get(f"/jobs/{bob_job.id}").status_code == 404
    # Tokens never appear in pages, and are masked in any text that goes to the logs.
    for name, acc in accounts.items():
        for page in (clients[name].get("/"), admin.get("/settings")):
            html = page.get_data(as_text=True)
            assert acc.server_token not in html and acc.token not in html
        if name != "Alice":
            assert acc.server_token not in redact(f"token={acc.server_token} and {acc.server_token}")


def test_sign_in_refused_for_an_account_without_access(hh_app, stack):
    app = hh_app
    client = app.test_client()
    client.post("/login/plex")
    with client.session_transaction() as sess:
        pin_id = sess["plex_pin"]["id"]
    stack.plextv.approve_pin(pin_id, stack.household.no_access)
    response = client.get("/login/plex")
    assert response.status_code == 403
    assert "has no access to this Plex server" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in


def test_a_member_removed_from_the_server_is_signed_out_and_plex_tv_down_keeps_single_user_working(hh_app, stack):
    app = hh_app
    hh = stack.household
    bob = _sign_in_with_plex(app, stack, hh.home)
    assert bob.get("/").status_code == 200
    hh.revoke(hh.home)
    admin = app.test_client()
    log_in_admin(admin)
    refreshed = admin.post("/settings/plex-users/refresh", follow_redirects=True)
    assert "lost access" in refreshed.get_data(as_text=True)
    assert bob.get("/").status_code == 302  # the session ended at the next request

    hh.tv.stop()  # plex.tv unreachable
    down = admin.post("/settings/plex-users/refresh", follow_redirects=True).get_data(as_text=True)
    assert "Household users are unavailable" in down
    assert 'id="household-unavailable"' in admin.get("/").get_data(as_text=True)  # said on every page
    made = _create(admin, "best songs of 1985")  # the server owner's playlist still works
    playlist = db.session.get(Playlist, made)
    assert playlist.plex_rating_key and playlist.owner_id is None
    login = app.test_client()
    login.post("/login/plex", follow_redirects=False)
    page = login.get("/login", follow_redirects=True).get_data(as_text=True)
    assert "Sign in with Plex is unavailable right now" in page and "The admin login works" in page


def test_a_refused_token_is_fetched_again_once_and_a_move_changes_accounts(hh_app, stack):
    app = hh_app
    hh = stack.household
    bob_client, playlist = _bobs_playlist(app, stack)
    made = playlist.id
    key = int(playlist.plex_rating_key)
    bob = db.session.get(PlexUser, playlist.owner_id)

    # Bob's server token is re-issued (signed out everywhere, say): PMS answers 401 for the
    # stored one, the app fetches his current token from plex.tv once and writes in place.
    hh.rotate_token(hh.home, "server-bob-reissued")
    sealed_before = bob.token_encrypted
    playlist_actions.update_details(made, "Rainy Sunday jazz, renamed", "")
    db.session.expire_all()
    bob = db.session.get(PlexUser, bob.id)
    assert bob.token_encrypted != sealed_before
    assert plex_users.token_for(bob) == hh.home.server_token == "server-bob-reissued"
    playlist = db.session.get(Playlist, made)
    assert playlist.status == "synced", playlist.status_message
    assert int(playlist.plex_rating_key) == key
    assert stack.plex.playlists[key].title == "Rainy Sunday jazz, renamed"

    # The admin gives the playlist to Kid: created in Kid's account, then deleted from Bob's.
    admin = app.test_client()
    log_in_admin(admin)
    kid = db.session.scalars(sa.select(PlexUser).where(PlexUser.title == "Kid")).one()
    edit = admin.post(f"/playlists/{made}/edit", data={"title": "Rainy Sunday jazz, renamed", "description": "",
                                                       "owner_id": str(kid.id)})
    assert edit.status_code == 302
    db.session.expire_all()
    playlist = db.session.get(Playlist, made)
    assert playlist.owner_id == kid.id
    assert not _plex_playlists_of(stack, hh.home)
    assert set(_plex_playlists_of(stack, hh.managed)) == {int(playlist.plex_rating_key)}
    assert bob_client.get(f"/playlists/{made}").status_code == 404  # no longer Bob's


def test_based_on_what_i_have_been_playing_uses_the_members_own_plays(hh_app, stack):
    from plex_completer.models import LibraryTrack

    app = hh_app
    hh = stack.household
    tracks = list(db.session.scalars(sa.select(LibraryTrack).order_by(LibraryTrack.rating_key).limit(400)))
    bobs = next(t for t in tracks if t.album_artist)
    alices = next(t for t in reversed(tracks) if t.album_artist and t.album_artist != bobs.album_artist)
    for _ in range(3):
        stack.plex.add_play(bobs.rating_key, hh.pms_account_id(hh.home))
        stack.plex.add_play(alices.rating_key, hh.pms_account_id(hh.owner))
    bob = _sign_in_with_plex(app, stack, hh.home)
    response = bob.post("/playlists/new", data={"prompt": PROMPTS["Bob"], "count": "12", "fill_mode": "wish",
                                                "listening": "1"})
    assert response.status_code == 302
    prompt = stack.gemini.last_prompt_text()
    assert f"{bobs.title} (3 plays)" in prompt  # Bob's plays...
    assert f"{alices.title} (3 plays)" not in prompt  # ...not the owner's


def test_edits_a_member_makes_in_plex_are_found_with_their_token(hh_app, stack):
    hh = stack.household
    bob, playlist = _bobs_playlist(hh_app, stack)
    made = playlist.id
    stack.plex.advance(60)  # Bob edits in Plexamp a minute later, as himself
    server = PlexServer(stack.plex.url, hh.home.server_token)
    plex = server.fetchItem(int(playlist.plex_rating_key))
    removed = plex.items()[0]
    plex.removeItems([removed])
    with pytest.raises(NotFound):  # the owner's token cannot see Bob's playlist
        PlexServer(stack.plex.url, stack.env["PLEX_TOKEN"]).fetchItem(int(playlist.plex_rating_key))

    job = runner.run_now("library_sync", {"full": False}, trigger="schedule")

    assert job.status == JobStatus.DONE and job.result["playlists_edited_in_plex"] == 1, job.message
    db.session.expire_all()
    assert db.session.get(Playlist, made).plex_removed_keys == [int(removed.ratingKey)]
    assert "Removed by you in Plex" in bob.get(f"/playlists/{made}").get_data(as_text=True)


def test_the_cli_makes_a_playlist_for_a_household_member(hh_app, stack):
    """``flask generate --for NAME`` writes into that member's Plex account; an unknown
    name is refused with the names the app knows."""
    plex_users.refresh_users()
    cli = hh_app.test_cli_runner()
    result = cli.invoke(args=["generate", "rainy sunday jazz", "--count", "8", "--for", "carol"])
    assert result.exit_code == 0, result.output
    playlist = db.session.scalars(sa.select(Playlist).order_by(Playlist.id.desc())).first()
    carol = plex_users.find_user("Carol")
    assert playlist.owner_id == carol.id
    assert set(_plex_playlists_of(stack, stack.household.friend)) == {int(playlist.plex_rating_key)}
    assert int(playlist.plex_rating_key) not in _plex_playlists_of(stack, stack.household.owner)

    bad = cli.invoke(args=["generate", "rainy sunday jazz", "--for", "Mallory"])
    assert bad.exit_code != 0 and "No Plex user 'Mallory'" in bad.output and "Carol" in bad.output
