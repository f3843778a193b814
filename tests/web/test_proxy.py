"""The session cookie's Secure flag, HSTS and the client address behind a trusted
reverse proxy (``TRUSTED_PROXIES``, werkzeug's ProxyFix), and the override."""

from __future__ import annotations

import pytest

from plex_completer.config import ConfigError
from plex_completer.web.security import HSTS, TrustedProxyFix

from .conftest import PASSWORD, USERNAME

HTTPS = {"X-Forwarded-Proto": "https"}


def _app(make_app, **overrides):
    return make_app(AUTH_DISABLED=False, APP_USERNAME=USERNAME, APP_PASSWORD=PASSWORD, **overrides)


def _login_cookie(app, remote="127.0.0.1", base_url="http://localhost", headers=None):
    """Log in; return (the Set-Cookie header of the session, the login response)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = remote
    resp = client.post("/login", data={"username": USERNAME, "password": PASSWORD}, base_url=base_url, headers=headers or {})
    assert resp.status_code == 302
    return resp.headers["Set-Cookie"], resp


def test_plain_http_gets_no_secure_cookie_and_no_hsts(make_app):
    cookie, resp = _login_cookie(_app(make_app))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Strict-Transport-Security" not in resp.headers


def test_https_gets_a_secure_cookie_and_hsts(make_app):
    cookie, resp = _login_cookie(_app(make_app), base_url="https://localhost")
    assert "Secure" in cookie
    assert resp.headers["Strict-Transport-Security"] == HSTS


def test_forwarded_https_counts_only_from_a_trusted_proxy(make_app):
    cookie, resp = _login_cookie(_app(make_app), headers=HTTPS)  # no TRUSTED_PROXIES: header ignored
    assert "Secure" not in cookie and "Strict-Transport-Security" not in resp.headers
    app = _app(make_app, TRUSTED_PROXIES="10.0.0.0/8, 127.0.0.1")
    cookie, resp = _login_cookie(app, headers=HTTPS)
    assert "Secure" in cookie and resp.headers["Strict-Transport-Security"] == HSTS
    cookie, resp = _login_cookie(app, remote="192.168.1.50", headers=HTTPS)  # not a listed proxy
    assert "Secure" not in cookie and "Strict-Transport-Security" not in resp.headers


def test_forwarded_client_address_and_prefix_behind_a_trusted_proxy(make_app, caplog):
    app = _app(make_app, TRUSTED_PROXIES="127.0.0.1")
    with app.app_context():
        client = app.test_client()
        headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Prefix": "/music"}
        with caplog.at_level("INFO", logger="plex_completer.web.auth"):
            resp = client.post("/login", data={"username": USERNAME, "password": PASSWORD}, headers=headers)
        assert resp.headers["Location"] == "/music/"  # url_for sees the proxy's path prefix
        assert "Admin logged in from 203.0.113.9" in caplog.text


def test_the_override_wins_both_ways(make_app):
    cookie, _ = _login_cookie(_app(make_app, SESSION_COOKIE_SECURE="true"))
    assert "Secure" in cookie
    cookie, resp = _login_cookie(_app(make_app, SESSION_COOKIE_SECURE="false"), base_url="https://localhost")
    assert "Secure" not in cookie
    assert resp.headers["Strict-Transport-Security"] == HSTS  # still HTTPS


def test_settings_are_checked_at_start_up(make_app):
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        make_app(TRUSTED_PROXIES="my-nginx")
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SECURE must be auto, true or false"):
        make_app(SESSION_COOKIE_SECURE="sometimes")
    with pytest.raises(ConfigError, match="TRUSTED_PROXY_HOPS"):
        make_app(TRUSTED_PROXY_HOPS=0)


def test_which_peers_are_trusted():
    fix = TrustedProxyFix(lambda e, s: [], ["172.16.0.0/12", "::1/128"])
    assert fix.trusted("172.18.0.2") and fix.trusted("::1") and fix.trusted("::ffff:172.18.0.2")
    assert not fix.trusted("172.32.0.1") and not fix.trusted("") and not fix.trusted(None) and not fix.trusted("nonsense")
    assert TrustedProxyFix(lambda e, s: [], ["*"]).trusted("198.51.100.1")
