"""What a Plex user signed in with Plex may see (issue 16): only their own playlists, jobs
and manual matches. Every route of the app that takes a playlist, job or track id is
found in the url_map (so a new route cannot be forgotten) and answers 404 for another
user's id; the admin's pages answer 403; the admin and the server owner see everyone's."""

from __future__ import annotations

import re

import pytest

from plex_completer.extensions import db
from plex_completer.models import JobStatus, PlexUser, PlexUserKind
from tests import factories

from .conftest import log_in_admin, plex_user, sign_in_as

# Route arguments that name a user's things: checked for every route that has them.
OWNED_ARGS = {"playlist_id", "job_id", "track_id"}
# Other route arguments, and why they need no owner check.
OTHER_ARGS = {
    "rating_key": "a library track, always next to a playlist_id",
    "alias_id": "artist aliases: the Library page, admin only",
    "key": "schedule names: the Schedules page, admin only",
    "provider": "AI providers: the AI services page, admin only",
    "filename": "static files",
}


@pytest.fixture
def household(auth_app):
    """Owner, Anna (home) and Ben (managed), each with a playlist with a track and a job."""
    owner = plex_user(1, "Olivia", kind=PlexUserKind.OWNER)
    anna = plex_user(501, "Anna")
    ben = plex_user(502, "Ben", kind=PlexUserKind.MANAGED)
    things = {}
    for n, user in enumerate((owner, anna, ben)):
        playlist = (factories.standard_playlist if n == 0 else factories.playlist)(
            title=f"{user.title} soul mix", **({} if n == 0 else {"tracks": [dict(artist="Bill Withers", title="Lovely Day",
                                                                                 matched_rating_key=101, score=97.0)]}))
        playlist.owner_id = None if user.is_owner else user.id
        db.session.commit()
        job = factories.job("rescan", JobStatus.FAILED, playlist_id=playlist.id)
        own_job = factories.job("generate", JobStatus.FAILED, owner_id=None if user.is_owner else user.id)
        track = playlist.current_generation.tracks[0]
        things[user.title] = {"user": user, "playlist_id": playlist.id, "job_id": job.id, "own_job_id": own_job.id,
                              "track_id": track.id}
    return things


def _rules(app):
    for rule in app.url_map.iter_rules():
        yield rule, set(rule.arguments)


def _url(rule, ids: dict) -> str:
    values = {"rating_key": 101, "alias_id": 1, "key": "library_sync", "provider": "gemini", "filename": "app.css"}
    values.update(ids)
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def test_every_route_argument_is_known(auth_app):
    for rule, args in _rules(auth_app):
        unknown = args - OWNED_ARGS - set(OTHER_ARGS)
        assert not unknown, f"{rule.rule}: decide whether {unknown} need an owner check (tests/household)"


def test_another_users_ids_answer_404_on_every_route(auth_app, household):
    anna, ben = household["Anna"], household["Ben"]
    client = auth_app.test_client()
    sign_in_as(client, anna["user"])
    checked = 0
    for rule, args in _rules(auth_app):
        owned = args & OWNED_ARGS
        if not owned:
            continue
        for id_kind in ("job_id", "own_job_id"):
            ids = {name: ben[name] for name in owned}
            if "job_id" in owned:
                ids["job_id"] = ben[id_kind]
            url = _url(rule, ids)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method)
                assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
                checked += 1
            # One of Ben's ids among Anna's own is refused as well (the track of another playlist).
            if len(owned) > 1:
                mixed = {name: anna[name] for name in owned} | {"track_id": ben["track_id"]}
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    assert client.open(_url(rule, mixed), method=method).status_code == 404
    assert checked >= 20
    # Ids in the query string too.
    assert client.get(f"/jobs/active?playlist_id={ben['playlist_id']}").status_code == 404
    assert ben["user"].display_name not in client.get("/").get_data(as_text=True)


def test_a_plex_user_sees_only_their_own(auth_app, household):
    anna = household["Anna"]
    client = auth_app.test_client()
    sign_in_as(client, anna["user"])
    dashboard = client.get("/").get_data(as_text=True)
    assert "Anna soul mix" in dashboard
    assert "Ben soul mix" not in dashboard and "Olivia soul mix" not in dashboard
    assert client.get(f"/playlists/{anna['playlist_id']}").status_code == 200
    assert client.get(f"/playlists/{anna['playlist_id']}/tracks/{anna['track_id']}/match").status_code == 200
    assert client.get(f"/jobs/{anna['job_id']}").status_code == 200
    assert client.get(f"/jobs/{anna['own_job_id']}").status_code == 200
    history = client.get("/jobs").get_data(as_text=True)
    assert f"/jobs/{anna['job_id']}\"" in history
    for other in ("Ben", "Olivia"):
        assert f"/jobs/{household[other]['job_id']}\"" not in history
    # No owner choice and no admin pages in the navigation.
    assert 'name="owner_id"' not in client.get("/playlists/new").get_data(as_text=True)
    assert "/settings" not in dashboard


def test_no_page_a_plex_user_sees_links_to_a_page_they_may_not_open(auth_app, household):
    """Every same-site link on a household member's pages opens for them: no link to an
    admin page (403) or to someone else's things (404)."""
    anna = household["Anna"]
    client = auth_app.test_client()
    sign_in_as(client, anna["user"])
    pages = ["/", "/playlists/new", "/jobs", f"/playlists/{anna['playlist_id']}", f"/jobs/{anna['job_id']}",
             "/panels/library"]
    checked = set()
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        for href in re.findall(r'href="(/[^"#]*)"', response.get_data(as_text=True)):
            if href.startswith("/static/") or href in checked:
                continue
            checked.add(href)
            assert client.get(href).status_code not in (403, 404), f"{page} links to {href}"
    assert len(checked) >= 5


@pytest.mark.parametrize("url", ["/settings", "/schedules", "/test_ai_services", "/library", "/account/password",
                                 "/panels/setup"])
def test_admin_pages_are_refused_to_a_plex_user(auth_app, household, url):
    client = auth_app.test_client()
    sign_in_as(client, household["Anna"]["user"])
    response = client.get(url)
    assert response.status_code == 403
    assert "This page is for the server" in response.get_data(as_text=True)
    assert client.post("/library/sync").status_code == 403
    assert client.post("/settings/plex-users/refresh").status_code == 403


@pytest.mark.parametrize("who", ["admin", "owner"])
def test_the_admin_and_the_server_owner_see_everyone(auth_app, household, who):
    client = auth_app.test_client()
    if who == "admin":
        log_in_admin(client)
    else:
        sign_in_as(client, household["Olivia"]["user"])
    dashboard = client.get("/").get_data(as_text=True)
    for name in ("Anna", "Ben", "Olivia"):
        assert f"{name} soul mix" in dashboard
        assert client.get(f"/playlists/{household[name]['playlist_id']}").status_code == 200
    assert "for Anna" in dashboard and "for Ben" in dashboard  # the owner column
    filtered = client.get(f"/?owner={household['Ben']['user'].id}").get_data(as_text=True)
    assert "Ben soul mix" in filtered and "Anna soul mix" not in filtered
    owners_own = client.get("/?owner=0").get_data(as_text=True)
    assert "Olivia soul mix" in owners_own and "Ben soul mix" not in owners_own
    assert client.get("/settings").status_code == 200
    new_form = client.get("/playlists/new").get_data(as_text=True)
    assert 'name="owner_id"' in new_form and "For whom" in new_form
    assert "Belongs to" in client.get(f"/playlists/{household['Ben']['playlist_id']}/edit").get_data(as_text=True)


def test_a_user_who_lost_access_is_signed_out_at_the_next_request(auth_app, household):
    anna = household["Anna"]
    client = auth_app.test_client()
    sign_in_as(client, anna["user"])
    assert client.get("/").status_code == 200
    db.session.get(PlexUser, anna["user"].id).has_access = False
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.get(PlexUser, anna["user"].id).has_access = True  # access back: the old session stays ended
    db.session.commit()
    assert client.get("/").status_code == 302


def test_a_session_cannot_be_pointed_at_another_user(auth_app, household):
    from plex_completer import auth

    client = auth_app.test_client()
    sign_in_as(client, household["Anna"]["user"])
    with client.session_transaction() as sess:
        data = dict(sess["auth"])
        data["plex"] = household["Ben"]["user"].id  # the fingerprint is Anna's
        sess["auth"] = data
    assert client.get("/").status_code == 302
    assert not auth.session_active(data["sid"], plex=True)


def test_a_new_admin_password_ends_the_admins_sessions_only(make_app):
    """The admin's password change ends every admin session (OWASP), not the household's
    Plex sign-ins (their Plex accounts did not change); a Plex session id is no admin session."""
    from plex_completer import auth

    app = make_app(AUTH_DISABLED=False)
    with app.app_context():
        auth.store_credentials("admin", "first password")
        anna = plex_user(501, "Anna")
        member, admin = app.test_client(), app.test_client()
        sign_in_as(member, anna)
        assert admin.post("/login", data={"username": "admin", "password": "first password"}).status_code == 302
        assert member.get("/").status_code == 200 and admin.get("/").status_code == 200
        with member.session_transaction() as sess:
            plex_sid = sess["auth"]["sid"]
        assert not auth.session_active(plex_sid)  # registered as a Plex session only

        auth.change_password("first password", "second password", "second password")
        assert admin.get("/").status_code == 302
        assert member.get("/").status_code == 200
        assert member.post("/logout").status_code == 302
        assert not auth.session_active(plex_sid, plex=True)
