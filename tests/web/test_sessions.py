"""Sessions end on the server: logout, a password change, the change-password page and
``/login`` while logged in (issue 17, "Sessions and bad input")."""

from __future__ import annotations

import pytest

from plex_completer import auth
from plex_completer.extensions import db
from plex_completer.models import AppSetting

from .conftest import login

OLD, NEW = "first password", "second password"


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def _client_with_cookie(app, value: str):
    client = app.test_client()
    client.set_cookie("session", value)
    return client


@pytest.fixture
def db_account_app(make_app):
    """Login on with the account chosen on the first visit (stored in the database)."""
    app = make_app(AUTH_DISABLED=False)
    with app.app_context():
        auth.store_credentials("me", OLD)
        yield app


def test_a_cookie_saved_before_logout_no_longer_works(user, auth_app):
    saved = _session_cookie(user)
    assert _client_with_cookie(auth_app, saved).get("/").status_code == 200  # a copy works while logged in
    assert user.post("/logout").status_code == 302
    replay = _client_with_cookie(auth_app, saved)
    resp = replay.get("/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    assert replay.post("/playlists/new", data={"prompt": "jazz night", "count": "10"}).status_code == 302
    assert replay.get("/jobs/active", headers={"HX-Request": "true"}).status_code == 401


def test_logout_ends_only_this_session(auth_app):
    phone, laptop = auth_app.test_client(), auth_app.test_client()
    assert login(phone).status_code == 302 and login(laptop).status_code == 302
    phone.post("/logout")
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 200


def test_the_database_keeps_only_a_digest_of_the_session_id(user, auth_app):
    data = auth_app.session_interface.get_signing_serializer(auth_app).loads(_session_cookie(user))
    sid = data["auth"]["sid"]
    assert len(sid) >= 40
    rows = db.session.execute(db.select(AppSetting.key, AppSetting.value)).all()
    assert all(sid not in key and sid not in value for key, value in rows)
    assert any(key.startswith("auth.session.") for key, _ in rows)


def test_sessions_beyond_the_cap_drop_the_oldest(auth_app):
    ids = [auth.start_session() for _ in range(auth.MAX_SESSIONS + 3)]
    assert [auth.session_active(i) for i in ids[:3]] == [False] * 3
    assert all(auth.session_active(i) for i in ids[3:])
    assert not auth.session_active(None) and not auth.session_active("") and not auth.session_active(["x"])


def test_login_page_while_logged_in_goes_to_the_dashboard(user):
    assert user.get("/login").headers["Location"] == "/"
    assert user.get("/login?next=/library").headers["Location"] == "/library"
    assert user.get("/login?next=//evil.example/").headers["Location"] == "/"
    user.post("/logout")
    assert user.get("/login").status_code == 200


def test_change_password_needs_the_current_one_and_ends_every_other_session(db_account_app):
    app = db_account_app
    me, other = app.test_client(), app.test_client()
    assert login(me, "me", OLD).status_code == 302 and login(other, "me", OLD).status_code == 302
    before = _session_cookie(me)
    page = me.get("/account/password")
    assert page.status_code == 200 and b'autocomplete="current-password"' in page.data
    assert b'href="/account/password"' in me.get("/").data  # linked from every page

    for data, message in (
        ({"current": "wrong password", "password": NEW, "confirm": NEW}, b"The current password is wrong."),
        ({"current": OLD, "password": NEW, "confirm": NEW + "x"}, b"The two new passwords differ."),
        ({"current": OLD, "password": "short", "confirm": "short"}, b"at least 8 characters"),
    ):
        resp = me.post("/account/password", data=data)
        assert resp.status_code == 400 and message in resp.data, data
        assert OLD.encode() not in resp.data and NEW.encode() not in resp.data
    assert other.get("/").status_code == 200  # refused attempts end nothing

    resp = me.post("/account/password", data={"current": OLD, "password": NEW, "confirm": NEW})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert b"Password changed" in me.get("/").data  # this browser stays in, with a new session
    assert _session_cookie(me) != before
    assert other.get("/").status_code == 302
    assert _client_with_cookie(app, before).get("/").status_code == 302
    assert login(app.test_client(), "me", OLD).status_code == 401
    assert login(app.test_client(), "me", NEW).status_code == 302
    stored = db.session.get(AppSetting, "auth.password_hash").value
    assert stored.startswith("scrypt:") and NEW not in stored


def test_change_password_page_needs_login(db_account_app):
    client = db_account_app.test_client()
    assert client.get("/account/password").headers["Location"].startswith("/login")
    client.post("/account/password", data={"current": OLD, "password": NEW, "confirm": NEW})
    assert login(db_account_app.test_client(), "me", OLD).status_code == 302


def test_password_from_the_environment_is_changed_there(user):
    page = user.get("/account/password")
    assert page.status_code == 200 and b"APP_PASSWORD" in page.data and b'name="current"' not in page.data
    resp = user.post("/account/password", data={"current": "x", "password": NEW, "confirm": NEW})
    assert resp.status_code == 200 and user.get("/").status_code == 200


def test_no_password_page_when_login_is_off(make_app):
    app = make_app(AUTH_DISABLED=True)
    with app.app_context():
        client = app.test_client()
        assert client.get("/account/password").headers["Location"] == "/"
        assert b"/account/password" not in client.get("/").data


def test_password_change_attempts_are_rate_limited(make_app):
    app = make_app(AUTH_DISABLED=False, RATELIMIT_ENABLED=True)
    with app.app_context():
        auth.store_credentials("me", OLD)
        client = app.test_client()
        assert login(client, "me", OLD).status_code == 302
        codes = [client.post("/account/password", data={"current": f"guess {i}", "password": NEW, "confirm": NEW}).status_code
                 for i in range(6)]
        assert codes == [400] * 5 + [429]
