"""Login: every page but /healthz needs it; first-run setup; hashes; rate limit; disabled mode."""

from __future__ import annotations

from werkzeug.security import generate_password_hash

from plex_completer.extensions import db
from plex_completer.models import AppSetting

from .conftest import PASSWORD, USERNAME, get_routes, login, post_routes

OPEN = {"health.healthz", "static", "auth.login", "auth.setup"}


def test_every_page_but_health_needs_login(auth_app):
    client = auth_app.test_client()
    routes = get_routes(auth_app)
    assert len(routes) > 10  # the url_map really holds the app's pages
    for url, endpoint in routes:
        if endpoint in OPEN:
            continue
        resp = client.get(url)
        assert resp.status_code == 302, (url, resp.status_code)
        assert resp.headers["Location"].startswith("/login"), url
    for url, endpoint in post_routes(auth_app):
        if endpoint in OPEN:
            continue
        resp = client.post(url, data={"prompt": "x", "count": "10"})
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/login"), url
    assert client.get("/healthz").status_code == 200
    with client.get("/static/app.css") as static:
        assert static.status_code == 200


def test_login_then_pages_open_and_next_is_followed(auth_app):
    client = auth_app.test_client()
    first = client.get("/library?q=abba")
    assert first.headers["Location"] == "/login?next=/library?q%3Dabba"
    resp = client.post(first.headers["Location"], data={"username": USERNAME, "password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == "/library?q=abba"
    page = client.get("/")
    assert page.status_code == 200
    assert b"Log out" in page.data


def test_wrong_password_is_refused_with_a_message(auth_app):
    client = auth_app.test_client()
    resp = login(client, password="wrong")
    assert resp.status_code == 401
    assert b"Wrong username or password." in resp.data
    assert login(client, username="root").status_code == 401
    assert client.get("/").status_code == 302


def test_next_cannot_redirect_to_another_site(auth_app):
    client = auth_app.test_client()
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        resp = client.post("/login", query_string={"next": evil}, data={"username": USERNAME, "password": PASSWORD})
        assert resp.headers["Location"] == "/", evil


def test_htmx_request_without_session_gets_hx_redirect(auth_app):
    resp = auth_app.test_client().get("/jobs/active", headers={"HX-Request": "true"})
    assert resp.status_code == 401
    assert resp.headers["HX-Redirect"].startswith("/login")


def test_logout_is_post_only_and_ends_the_session(user):
    assert user.get("/logout").status_code == 405
    assert user.get("/").status_code == 200
    resp = user.post("/logout")
    assert resp.headers["Location"] == "/login"
    assert user.get("/").status_code == 302


def test_app_password_may_be_a_werkzeug_hash(make_app):
    for method in ("scrypt", "pbkdf2:sha256"):
        app = make_app(AUTH_DISABLED=False, APP_USERNAME="me", APP_PASSWORD=generate_password_hash("s3cret-pass", method=method))
        with app.app_context():
            client = app.test_client()
            assert login(client, "me", "s3cret-pass").status_code == 302, method
            assert login(app.test_client(), "me", app.config["SETTINGS"].APP_PASSWORD.get_secret_value()).status_code == 401


def test_password_alone_means_user_admin(make_app):
    app = make_app(AUTH_DISABLED=False, APP_PASSWORD="only-a-password")
    with app.app_context():
        assert login(app.test_client(), "admin", "only-a-password").status_code == 302


def test_first_visit_asks_to_choose_a_password_and_stores_a_hash(make_app):
    app = make_app(AUTH_DISABLED=False)
    with app.app_context():
        client = app.test_client()
        assert client.get("/").headers["Location"] == "/setup"
        assert client.get("/login").headers["Location"] == "/setup"
        page = client.get("/setup")
        assert b"Choose the account" in page.data
        bad = client.post("/setup", data={"username": "me", "password": "short", "confirm": "short"})
        assert bad.status_code == 400 and b"at least 8 characters" in bad.data
        differ = client.post("/setup", data={"username": "me", "password": "long enough 1", "confirm": "long enough 2"})
        assert differ.status_code == 400 and b"differ" in differ.data
        ok = client.post("/setup", data={"username": "me", "password": "long enough 1", "confirm": "long enough 1"})
        assert ok.headers["Location"] == "/"
        assert client.get("/").status_code == 200  # logged in right away
        stored = db.session.get(AppSetting, "auth.password_hash").value
        assert stored.startswith("scrypt:") and "long enough 1" not in stored
        # Setup is closed once an account exists: nobody can take the app over.
        assert client.get("/setup").headers["Location"] == "/login"
        stranger = app.test_client()
        stranger.post("/setup", data={"username": "evil", "password": "evil-pass-1", "confirm": "evil-pass-1"})
        assert db.session.get(AppSetting, "auth.username").value == "me"
        assert login(app.test_client(), "me", "long enough 1").status_code == 302


def test_changing_the_stored_password_logs_sessions_out(make_app):
    from plex_completer import auth

    app = make_app(AUTH_DISABLED=False)
    with app.app_context():
        auth.store_credentials("me", "first password")
        client = app.test_client()
        assert login(client, "me", "first password").status_code == 302
        assert client.get("/").status_code == 200
        auth.store_credentials("me", "second password")
        assert client.get("/").status_code == 302


def test_login_attempts_are_rate_limited_with_a_readable_page(make_app):
    app = make_app(AUTH_DISABLED=False, APP_USERNAME=USERNAME, APP_PASSWORD=PASSWORD, RATELIMIT_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        codes = [login(client, password=f"guess {i}").status_code for i in range(5)]
        assert codes == [401] * 5
        resp = login(client)  # even the right password waits now
        assert resp.status_code == 429
        assert b"Too many attempts" in resp.data and b"wait a minute" in resp.data
        assert resp.headers["Retry-After"] == "60"
        assert client.get("/login").status_code == 200  # showing the form is not limited


def test_auth_disabled_opens_pages_and_says_so(make_app):
    app = make_app(AUTH_DISABLED=True)
    with app.app_context():
        client = app.test_client()
        for url, endpoint in get_routes(app):
            if endpoint in OPEN:
                continue
            assert client.get(url).status_code != 302 or endpoint.startswith("auth."), url
        page = client.get("/")
        assert b"Login is turned off" in page.data
        assert b"Log out" not in page.data
        assert client.get("/login").headers["Location"] == "/"


def _limited_app(make_app, **overrides):
    return make_app(AUTH_DISABLED=False, APP_USERNAME=USERNAME, APP_PASSWORD=PASSWORD, RATELIMIT_ENABLED=True, **overrides)


def _from(app, address: str, **headers):
    """A test client whose requests come from ``address`` (the TCP peer)."""
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": address, **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}})
    return client


def test_only_failed_logins_count(make_app):
    app = _limited_app(make_app)
    with app.app_context():
        client = app.test_client()
        assert [login(client).status_code for _ in range(8)] == [302] * 8
        assert [login(client, password="guess").status_code for _ in range(4)] == [401] * 4
        assert login(client).status_code == 302  # the fifth try, right: still allowed


def test_login_limit_is_per_address_and_username(make_app):
    app = _limited_app(make_app)
    with app.app_context():
        guesser = _from(app, "192.0.2.10")
        assert [login(guesser, password=f"guess {i}").status_code for i in range(5)] == [401] * 5
        assert login(guesser).status_code == 429
        assert login(guesser, username=" ADMIN ").status_code == 429  # same name, varied
        assert login(guesser, username="someone").status_code == 401  # another name: its own count
        assert login(_from(app, "192.0.2.11")).status_code == 302  # the owner elsewhere is not locked out


def test_login_limit_per_address_caps_guesses_across_usernames(make_app):
    app = _limited_app(make_app)
    with app.app_context():
        sprayer = _from(app, "192.0.2.20")
        codes = [login(sprayer, username=f"user{i}", password="guess").status_code for i in range(20)]
        assert codes == [401] * 20
        assert login(sprayer, username="user-new").status_code == 429
        assert login(_from(app, "192.0.2.21")).status_code == 302


def test_login_limit_uses_the_forwarded_address_only_behind_a_trusted_proxy(make_app):
    trusted = _limited_app(make_app, TRUSTED_PROXIES="127.0.0.1")
    with trusted.app_context():
        first = _from(trusted, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.5"})
        assert [login(first, password="guess").status_code for _ in range(5)] == [401] * 5
        assert login(first).status_code == 429
        second = _from(trusted, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.6"})
        assert login(second).status_code == 302  # another client behind the same proxy
    direct = _limited_app(make_app)
    with direct.app_context():
        liar = _from(direct, "198.51.100.7", **{"X-Forwarded-For": "203.0.113.5"})
        assert [login(liar, password="guess").status_code for _ in range(5)] == [401] * 5
        # Not a trusted proxy: a new X-Forwarded-For does not buy new guesses.
        again = _from(direct, "198.51.100.7", **{"X-Forwarded-For": "203.0.113.99"})
        assert login(again).status_code == 429
