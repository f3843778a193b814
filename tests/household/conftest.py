"""Helpers of the household tests (issue 16): Plex users, their playlists, and a session
of a Plex user as "Sign in with Plex" leaves it."""

from __future__ import annotations

import pytest

from plex_completer.extensions import db
from plex_completer.models import PlexUser, PlexUserKind

ADMIN_PASSWORD = "household-admin-pw"


def plex_user(plex_id: int, title: str, kind: str = PlexUserKind.HOME, **fields) -> PlexUser:
    """Add one Plex user with access (commits) and return it."""
    row = PlexUser(plex_id=plex_id, uuid=f"uuid-{plex_id}", title=title, username=title.lower(), kind=kind, **fields)
    db.session.add(row)
    db.session.commit()
    return row


def sign_in_as(client, user: PlexUser) -> None:
    """Give ``client`` the registered session a Plex sign-in of ``user`` makes."""
    from plex_completer import auth

    sid = auth.start_session()
    with client.session_transaction() as sess:
        sess["auth"] = {"user": user.display_name, "plex": user.id, "fp": auth.plex_fingerprint(user), "sid": sid}


def log_in_admin(client) -> None:
    """Log ``client`` in with the admin login."""
    response = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 302, response.data[:300]


@pytest.fixture
def auth_app(make_app):
    """An app with the admin login on (``APP_PASSWORD``), in an app context."""
    app = make_app(AUTH_DISABLED=False, APP_PASSWORD=ADMIN_PASSWORD)
    with app.app_context():
        yield app
