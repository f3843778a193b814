"""Fixtures of the web tests: apps with login on or off, CSRF on or off, a logged-in client."""

from __future__ import annotations

import re

import pytest

USERNAME = "admin"
PASSWORD = "correct horse battery"


@pytest.fixture
def auth_app(make_app):
    """Login on (APP_USERNAME/APP_PASSWORD), CSRF off; with an app context pushed."""
    app = make_app(AUTH_DISABLED=False, APP_USERNAME=USERNAME, APP_PASSWORD=PASSWORD)
    with app.app_context():
        yield app


def login(client, username: str = USERNAME, password: str = PASSWORD, token: str | None = None):
    """POST the login form; returns the response."""
    data = {"username": username, "password": password}
    if token:
        data["csrf_token"] = token
    return client.post("/login", data=data)


@pytest.fixture
def user(auth_app):
    """A test client logged in to :func:`auth_app`."""
    client = auth_app.test_client()
    assert login(client).status_code == 302
    return client


def csrf_token_of(html: str) -> str:
    """The CSRF token in a page's ``<meta name="csrf-token">``."""
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no csrf-token meta tag"
    return match.group(1)


def get_routes(app):
    """``[(rule, endpoint)]`` of GET routes, with ``1`` for every URL variable."""
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            url = rule.rule
            for arg in rule.arguments:
                url = re.sub(r"<(?:[^:>]+:)?" + arg + ">", "1", url)
            out.append((url, rule.endpoint))
    return out


def post_routes(app):
    """``[(url, endpoint)]`` of POST routes, with ``1`` for every URL variable."""
    out = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods:
            url = rule.rule
            for arg in rule.arguments:
                url = re.sub(r"<(?:[^:>]+:)?" + arg + ">", "1", url)
            out.append((url, rule.endpoint))
    return out
