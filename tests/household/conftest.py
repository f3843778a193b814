"""Fixtures of the household tests (issue 16). Protocol tests (``test_plextv_*``): the
hand-made 21-track library of the PMS emulator tests, a PMS emulator on a fixed clock with
the scripted household registered, the plex.tv emulator, and the app's :class:`Settings`
pointed at both. App tests (``test_app_*``): Plex users, their playlists, and a session
of a Plex user as "Sign in with Plex" leaves it."""

from __future__ import annotations

import pytest

from plex_completer.config import load_settings
from plex_completer.extensions import db
from plex_completer.models import PlexUser, PlexUserKind
from tests.fakes.plex.server import PlexEmulator
from tests.fakes.plextv.household import build_household
from tests.plex_emulator.conftest import CLOCK, make_library

CLIENT_ID = "test-installation-0001"


@pytest.fixture
def pms():
    with PlexEmulator(make_library(), now=CLOCK) as emu:
        yield emu


@pytest.fixture
def household(pms):
    hh = build_household(pms, now=CLOCK)
    yield hh
    hh.tv.stop()


@pytest.fixture
def settings(pms, household):
    return load_settings(
        {"PLEX_URL": pms.url, "PLEX_TOKEN": pms.token, "PLEX_TV_URL": household.tv.url, "PLEX_TIMEOUT": 5},
        environ={},
    )


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

    sid = auth.start_session(plex=True)
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
