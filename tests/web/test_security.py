"""CSRF on every POST, security headers, escaping of AI/Plex/user text, no secrets in pages,
no state change on GET, no inline script or style (the CSP would block them)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from plex_completer.extensions import db
from plex_completer.models import AppSetting, Job, Playlist
from plex_completer.web.security import CONTENT_SECURITY_POLICY
from tests import factories

from .conftest import PASSWORD, USERNAME, csrf_token_of, get_routes, post_routes

PLEX_TOKEN = "PLEXTOKEN-zz9-distinctive"
GEMINI_KEY = "AIzaDistinctiveGeminiKey-0123456789abcdefXYZ"
XSS_TITLE = "<script>alert(1)</script>"
TEMPLATE_TITLE = "{{ self }}"  # rendered by Jinja it would read "<TemplateReference ...>"


@pytest.fixture
def csrf_app(make_app):
    """Login and CSRF protection on, as in production. No app context stays pushed: the
    test client's requests must each get their own ``g`` (Flask-WTF caches the token there)."""
    return make_app(AUTH_DISABLED=False, APP_USERNAME=USERNAME, APP_PASSWORD=PASSWORD, WTF_CSRF_ENABLED=True)


def _logged_in_with_token(app):
    client = app.test_client()
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"username": USERNAME, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302
    return client, csrf_token_of(client.get("/").get_data(as_text=True))


def test_login_form_itself_needs_the_csrf_token(csrf_app):
    client = csrf_app.test_client()
    resp = client.post("/login", data={"username": USERNAME, "password": PASSWORD})
    assert resp.status_code == 400
    assert b"Form not accepted" in resp.data
    assert client.get("/").status_code == 302


def test_every_post_is_refused_without_a_csrf_token(csrf_app):
    with csrf_app.app_context():
        factories.standard_playlist()
    client, token = _logged_in_with_token(csrf_app)
    routes = post_routes(csrf_app)
    assert len(routes) >= 8
    for url, _endpoint in routes:
        resp = client.post(url, data={"prompt": "anything", "count": "10", "choice": "absent"})
        assert resp.status_code == 400, (url, resp.status_code)
        assert b"Form not accepted" in resp.data, url
    # Nothing was changed by the refused requests.
    with csrf_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Job.id))) == 0
        assert db.session.get(Playlist, 1) is not None
    # The same client with the token gets through (so the 400s above were the token's).
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def test_htmx_header_token_is_accepted(csrf_app):
    client, _ = _logged_in_with_token(csrf_app)
    body = client.get("/").get_data(as_text=True)
    # Flask-WTF signs the token with a timestamp, so each page may carry a new string:
    # the token to use is the one this page puts in the htmx headers.
    match = re.search(r"""hx-headers='\{"X-CSRFToken": "([^"]+)"\}'""", body)
    assert match, "the page gives htmx its CSRF header"
    token = match.group(1)
    resp = client.post("/logout", headers={"X-CSRFToken": token})
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"


def test_security_headers_on_pages_errors_and_health(user):
    for url in ("/", "/settings", "/no-such-page", "/healthz", "/login"):
        resp = user.get(url)
        assert resp.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert "script-src 'self';" in resp.headers["Content-Security-Policy"]
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "same-origin"
    assert user.get("/").headers["Cache-Control"] == "no-store"


def _all_get_pages(client, app):
    """Fetch every GET page (URL variables = 1) and return {url: html}."""
    pages = {}
    for url, endpoint in get_routes(app):
        if endpoint == "static":
            continue
        resp = client.get(url)
        assert resp.status_code < 500, (url, resp.status_code)
        pages[url] = resp.get_data(as_text=True)
    return pages


def test_no_secret_appears_in_any_page(make_app):
    app = make_app(PLEX_URL="http://127.0.0.1:9", PLEX_TOKEN=PLEX_TOKEN, GEMINI_API_KEY=GEMINI_KEY, PLEX_TIMEOUT=0.5)
    with app.app_context():
        factories.standard_playlist()
        factories.job(kind="library_sync", status="failed", message="Plex refused the request")
        client = app.test_client()
        pages = _all_get_pages(client, app)
        pages["/settings#test"] = client.post("/settings/test-plex").get_data(as_text=True)
        pages["/playlists/new?seeds=1"] = client.get("/playlists/new?seeds=1").get_data(as_text=True)
        assert len(pages) > 10
        for url, html in pages.items():
            for secret in (PLEX_TOKEN, GEMINI_KEY, "test-secret-key-not-for-production"):
                assert secret not in html, (url, secret)
        assert "set (hidden)" in pages["/settings"]


def test_get_requests_change_nothing(user, auth_app):
    factories.standard_playlist()
    factories.job(status="running")

    def snapshot():
        existing = set(sa.inspect(db.engine).get_table_names())
        return {t.name: db.session.execute(db.select(t)).all() for t in db.metadata.sorted_tables if t.name in existing}

    before = snapshot()
    _all_get_pages(user, auth_app)
    db.session.expire_all()
    assert snapshot() == before


def test_ai_plex_and_user_text_is_escaped(user, auth_app):
    factories.library_track(201, TEMPLATE_TITLE, XSS_TITLE, "<b>Album</b>", 1999)
    p = factories.playlist(
        title=XSS_TITLE,
        prompt=f"{TEMPLATE_TITLE} <img src=x onerror=alert(2)>",
        tracks=[
            dict(artist=XSS_TITLE, title=TEMPLATE_TITLE, album="<i>x</i>", matched_rating_key=201, score=90.0,
                 reason="<script>alert(3)</script>"),
        ],
    )
    factories.job(kind="generate", status="failed", playlist_id=p.id, message=XSS_TITLE,
             params={"prompt": XSS_TITLE, "count": 10})
    track_id = p.current_generation.tracks[0].id
    for url in ("/", f"/playlists/{p.id}", f"/playlists/{p.id}/tracks/{track_id}/match?q=x",
                "/jobs", "/jobs/1", "/jobs/1/progress", f"/playlists/{p.id}/edit", f"/playlists/{p.id}/delete"):
        html = user.get(url).get_data(as_text=True)
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "<b>Album</b>" not in html, url
        assert "TemplateReference" not in html, url
    detail = user.get(f"/playlists/{p.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    assert TEMPLATE_TITLE in detail
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in detail


def test_pages_have_no_inline_script_or_style(user, auth_app):
    factories.standard_playlist()
    factories.job(status="running", playlist_id=1)
    for url, html in _all_get_pages(user, auth_app).items():
        for script in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in script, (url, script)
        assert not re.search(r"<style\b", html), url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url
        assert "hx-on" not in html and "js:" not in html, url


def test_stored_password_hash_never_shows(make_app):
    from plex_completer import auth

    app = make_app(AUTH_DISABLED=False)
    with app.app_context():
        auth.store_credentials("me", "a long password")
        stored = db.session.get(AppSetting, "auth.password_hash").value
        client = app.test_client()
        client.post("/login", data={"username": "me", "password": "a long password"})
        for url, html in _all_get_pages(client, app).items():
            assert stored not in html and "a long password" not in html, url


def test_a_refused_form_leaves_the_login_alone(csrf_app):
    """A POST without a token (another site's form) gets a clear 400 and no Set-Cookie:
    the user's session survives it (issue 17)."""
    client, token = _logged_in_with_token(csrf_app)
    for url in ("/logout", "/playlists/new", "/settings/test-plex"):
        resp = client.post(url, data={"prompt": "anything", "count": "10"})
        assert resp.status_code == 400, url
        assert b"Form not accepted" in resp.data and b"Nothing was changed" in resp.data
        assert "Set-Cookie" not in resp.headers, url
        assert client.get("/").status_code == 200, url
    # A cross-site POST arrives without the SameSite=Lax cookie: still no cookie is set,
    # so the browser keeps the one it has.
    stranger = csrf_app.test_client()
    resp = stranger.post("/logout", headers={"Origin": "http://evil.example", "Referer": "http://evil.example/"})
    assert resp.status_code == 400 and "Set-Cookie" not in resp.headers
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
