"""Sign in with Plex against the plex.tv emulator: strong PIN, approval, expiry, the
account of a token and its access to this server."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from plex_completer.plex.household import (
    NoServerAccess,
    PinExpired,
    PlexTvRefused,
    PlexTvUnavailable,
    account_for_token,
    poll_pin,
    server_token_for_account,
    start_pin,
)
from tests.household.conftest import CLIENT_ID

FORWARD = "http://app.example/auth/plex/done"


def test_strong_pin_then_approval_gives_the_users_plex_token(settings, household):
    pin = start_pin(settings, CLIENT_ID, FORWARD)
    assert len(pin.code) == 25 and pin.code.isalnum() and pin.expires_in_s == 1800
    base, _, fragment = pin.auth_url.partition("#?")
    assert base == f"{household.tv.url}/auth"  # the emulator's page: PLEX_TV_URL is not plex.tv
    params = {k: v[0] for k, v in parse_qs(fragment).items()}
    assert params == {"clientID": CLIENT_ID, "code": pin.code, "forwardUrl": FORWARD,
                      "context[device][product]": "plex-completer"}
    created = household.tv.requests[-1]
    assert (created.method, created.path, created.query) == ("POST", "/api/v2/pins", {"strong": ["true"]})

    assert poll_pin(settings, CLIENT_ID, pin.pin_id) is None
    household.tv.approve_pin(pin.pin_id, household.home)
    token = poll_pin(settings, CLIENT_ID, pin.pin_id)
    assert token == household.home.token

    account = account_for_token(settings, CLIENT_ID, token)
    assert (account.plex_id, account.uuid, account.title, account.username) == (
        household.home.id, household.home.uuid, "Bob", "bob")
    assert server_token_for_account(settings, CLIENT_ID, token) == household.home.server_token


def test_real_plex_sign_in_page_when_plex_tv_is_the_real_one(settings):
    from plex_completer.plex.household import auth_url_base

    real = settings.model_copy(update={"PLEX_TV_URL": "https://plex.tv"})
    assert auth_url_base(real) == "https://app.plex.tv/auth#?"


def test_pin_expires_after_thirty_minutes(settings, household):
    pin = start_pin(settings, CLIENT_ID, FORWARD)
    household.tv.advance(1799)
    assert poll_pin(settings, CLIENT_ID, pin.pin_id) is None
    household.tv.advance(1)
    with pytest.raises(PinExpired):
        poll_pin(settings, CLIENT_ID, pin.pin_id)
    with pytest.raises(ValueError):
        household.tv.approve_pin(pin.pin_id, household.home)


def test_pin_is_only_known_to_the_client_that_made_it(settings, household):
    pin = start_pin(settings, CLIENT_ID, FORWARD)
    household.tv.approve_pin(pin.pin_id, household.friend)
    with pytest.raises(PinExpired):
        poll_pin(settings, "another-installation", pin.pin_id)
    with pytest.raises(PinExpired):
        poll_pin(settings, CLIENT_ID, pin.pin_id + 1000)


def test_sign_in_of_an_account_without_access_to_this_server(settings, household):
    pin = start_pin(settings, CLIENT_ID, FORWARD)
    household.tv.approve_pin(pin.pin_id, household.no_access)
    token = poll_pin(settings, CLIENT_ID, pin.pin_id)
    assert account_for_token(settings, CLIENT_ID, token).title == "Dave"
    with pytest.raises(NoServerAccess):
        server_token_for_account(settings, CLIENT_ID, token)


def test_owner_and_managed_and_friend_sign_in_to_their_own_server_tokens(settings, household, pms):
    for acc in (household.owner, household.managed, household.friend):
        pin = start_pin(settings, CLIENT_ID, FORWARD)
        household.tv.approve_pin(pin.pin_id, acc)
        token = poll_pin(settings, CLIENT_ID, pin.pin_id)
        server_token = server_token_for_account(settings, CLIENT_ID, token, machine_identifier=pms.machine_identifier)
        assert server_token == acc.server_token
        assert pms.account_of(server_token) == (1 if acc is household.owner else acc.id)


def test_bad_or_revoked_token_is_refused(settings, household):
    with pytest.raises(PlexTvRefused):
        account_for_token(settings, CLIENT_ID, "not-a-token")
    old = household.friend.token
    household.tv.revoke_token(household.friend)
    with pytest.raises(PlexTvRefused):
        account_for_token(settings, CLIENT_ID, old)
    with pytest.raises(PlexTvRefused):
        server_token_for_account(settings, CLIENT_ID, old)


def test_plex_tv_down_during_sign_in(settings, household):
    household.tv.down = "503"
    with pytest.raises(PlexTvUnavailable):
        start_pin(settings, CLIENT_ID, FORWARD)
    household.tv.down = None
    pin = start_pin(settings, CLIENT_ID, FORWARD)
    household.tv.down = "refuse"
    with pytest.raises(PlexTvUnavailable):
        poll_pin(settings, CLIENT_ID, pin.pin_id)


def test_offline_sign_in_page_approves_the_code_and_returns_to_the_app(settings, household):
    import requests

    pin = start_pin(settings, CLIENT_ID, FORWARD)
    page = requests.get(pin.auth_url.partition("#")[0], timeout=5)
    assert page.status_code == 200 and "Carol (shared)" in page.text and 'name="account"' in page.text
    answer = requests.post(f"{household.tv.url}/auth/approve", allow_redirects=False, timeout=5,
                           data={"code": pin.code, "forwardUrl": FORWARD, "account": household.friend.id})
    assert (answer.status_code, answer.headers["Location"]) == (303, FORWARD)
    assert poll_pin(settings, CLIENT_ID, pin.pin_id) == household.friend.token
    refused = requests.post(f"{household.tv.url}/auth/approve", timeout=5,
                            data={"code": "not-a-code", "account": household.friend.id})
    assert refused.status_code == 404
