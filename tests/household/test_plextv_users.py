"""The household client against the plex.tv and PMS emulators: who may use the server,
each user's server token, plex.tv down or refusing."""

from __future__ import annotations

import pytest

from plex_completer.plex import household as hh_mod
from plex_completer.plex.household import (
    HouseholdUser,
    NoServerAccess,
    PlexTvRefused,
    PlexTvUnavailable,
    list_users,
    pms_account_id,
    server_token_for,
)
from tests.household.conftest import CLIENT_ID


def test_users_owner_first_then_home_managed_and_friend_without_the_one_lacking_access(settings, household, pms):
    users = list_users(settings, client_id=CLIENT_ID)
    assert [(u.title, u.kind) for u in users] == [
        ("Alice", "owner"), ("Bob", "home"), ("Kid", "managed"), ("Carol", "shared"),
    ]
    owner, bob, kid, carol = users
    assert owner.plex_id == household.owner.id and owner.uuid == household.owner.uuid
    assert bob.username == "bob" and kid.username is None
    assert carol.uuid == household.friend.uuid  # read from the avatar URL: /api/users has no uuid
    assert all(u.thumb and u.thumb.startswith("https://plex.tv/users/") for u in users)
    # Every plex.tv request carried this installation's client identifier and product.
    sent = [r for r in household.tv.requests]
    assert sent and all(r.headers["x-plex-client-identifier"] == CLIENT_ID for r in sent)
    assert all(r.headers["x-plex-product"] == "plex-completer" for r in sent)
    assert {r.path for r in sent} == {"/api/v2/user", "/api/home/users", "/api/users/"}
    assert all("X-Plex-Token" not in str(r.query) for r in sent)  # the token went as a header


def test_each_users_token_opens_the_server_as_that_account(settings, household, pms):
    users = {u.title: u for u in list_users(settings, client_id=CLIENT_ID, machine_identifier=pms.machine_identifier)}
    assert server_token_for(settings, users["Alice"]) == pms.token
    for title, acc in (("Bob", household.home), ("Kid", household.managed), ("Carol", household.friend)):
        token = server_token_for(settings, users[title], client_id=CLIENT_ID)
        assert token == acc.server_token
        assert pms.account_of(token) == acc.id == pms_account_id(users[title])
    assert pms_account_id(users["Alice"]) == 1


def test_home_user_switch_then_resources_and_friend_from_shared_servers(settings, household, pms):
    users = {u.title: u for u in list_users(settings, client_id=CLIENT_ID)}
    household.tv.clear_requests()
    server_token_for(settings, users["Bob"], client_id=CLIENT_ID, machine_identifier=pms.machine_identifier)
    assert [(r.method, r.path) for r in household.tv.requests] == [
        ("POST", f"/api/home/users/{household.home.id}/switch"), ("GET", "/api/v2/resources"),
    ]
    household.tv.clear_requests()
    server_token_for(settings, users["Carol"], client_id=CLIENT_ID, machine_identifier=pms.machine_identifier)
    assert [(r.method, r.path) for r in household.tv.requests] == [
        ("GET", f"/api/servers/{pms.machine_identifier}/shared_servers"),
    ]


def test_a_user_whose_access_was_removed_has_no_token(settings, household, pms):
    users = {u.title: u for u in list_users(settings, client_id=CLIENT_ID)}
    household.revoke(household.friend)
    household.revoke(household.home)
    with pytest.raises(NoServerAccess):
        server_token_for(settings, users["Carol"], client_id=CLIENT_ID)
    with pytest.raises(NoServerAccess):
        server_token_for(settings, users["Bob"], client_id=CLIENT_ID)
    assert [u.title for u in list_users(settings, client_id=CLIENT_ID)] == ["Alice", "Kid"]


def test_pin_protected_profile_needs_its_pin(settings, household):
    household.home.pin = "1234"
    bob = next(u for u in list_users(settings, client_id=CLIENT_ID) if u.title == "Bob")
    assert bob.protected
    with pytest.raises(PlexTvRefused, match="protected by a PIN; they can sign in with Plex"):
        server_token_for(settings, bob, client_id=CLIENT_ID)
    with pytest.raises(PlexTvRefused, match=r"\(HTTP 401\): Bob's profile is protected by a PIN"):
        server_token_for(settings, bob, client_id=CLIENT_ID, pin="0000")
    assert server_token_for(settings, bob, client_id=CLIENT_ID, pin="1234") == household.home.server_token


def test_unknown_user_kind_for_a_stranger_is_no_access(settings, household):
    stranger = HouseholdUser(plex_id=4242, uuid="", title="Eve", username="eve", thumb=None, kind="shared")
    with pytest.raises(NoServerAccess, match="Eve has no access"):
        server_token_for(settings, stranger, client_id=CLIENT_ID)


@pytest.mark.parametrize("mode", ["500", "503", "refuse"])
def test_plex_tv_down_is_unavailable_and_says_single_user_keeps_working(settings, household, mode):
    household.tv.down = mode
    with pytest.raises(PlexTvUnavailable) as err:
        list_users(settings, client_id=CLIENT_ID)
    message = str(err.value)
    assert "household users" in message and "keeps working" in message
    assert settings.PLEX_TOKEN.get_secret_value() not in message


def test_plex_tv_stopped_is_unavailable(settings, household):
    household.tv.stop()
    with pytest.raises(PlexTvUnavailable):
        list_users(settings, client_id=CLIENT_ID)


def test_slow_plex_tv_times_out_as_unavailable(settings, household):
    household.tv.down = "slow:3"
    quick = settings.model_copy(update={"PLEX_TIMEOUT": 0.3})
    with pytest.raises(PlexTvUnavailable, match="no answer in time"):
        list_users(quick, client_id=CLIENT_ID)


def test_revoked_owner_token_is_refused(settings, household):
    household.tv.revoke_token(household.owner)  # plex.tv no longer knows the PMS owner token
    with pytest.raises(PlexTvRefused) as err:
        list_users(settings, client_id=CLIENT_ID)
    assert "401" in str(err.value) and "no longer accepts PLEX_TOKEN" in str(err.value)
    assert settings.PLEX_TOKEN.get_secret_value() not in str(err.value)


def test_requests_without_client_identifier_or_token_are_refused_by_the_emulator(household):
    import requests

    base = household.tv.url
    assert requests.get(f"{base}/api/v2/user", headers={"X-Plex-Token": household.owner.token}, timeout=5).status_code == 400
    hdrs = {"X-Plex-Client-Identifier": "x", "X-Plex-Product": "p"}
    assert requests.get(f"{base}/api/v2/user", headers=hdrs, timeout=5).status_code == 401
    friend = {**hdrs, "X-Plex-Token": household.friend.token}
    assert requests.get(f"{base}/api/users/", headers=friend, timeout=5).status_code == 401


def test_plex_tv_base_is_rewritten_per_session_not_globally(settings):
    session = hh_mod.PlexTvSession("http://127.0.0.1:9", "c")
    assert session.rewrite("https://plex.tv/api/v2/user") == "http://127.0.0.1:9/api/v2/user"
    assert session.rewrite("https://clients.plex.tv/api/v2/pins") == "http://127.0.0.1:9/api/v2/pins"
    assert session.rewrite("https://plex.tvx/a") == "https://plex.tvx/a"
    assert session.rewrite("http://192.168.1.2:32400/") == "http://192.168.1.2:32400/"
    from plexapi.myplex import MyPlexAccount

    assert MyPlexAccount.key == "https://plex.tv/api/v2/user"  # plexapi's globals untouched
