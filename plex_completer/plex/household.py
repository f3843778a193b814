"""The Plex household on plex.tv: who may use this server, their tokens, Sign in with Plex.

Everything here talks to plex.tv (``settings.PLEX_TV_URL``, ``https://plex.tv`` unless
tests or the offline stack point it at the emulator in ``tests/fakes/plextv``) through
plexapi's classes and a ``requests`` session of our own, and to the Plex Media Server
through :class:`~plex_completer.plex.gateway.PlexGateway`. Errors are
:class:`~plex_completer.errors.UserFacingError` subclasses whose messages never carry a
token.

Endpoints (plexapi ``myplex.py``): ``GET /api/v2/user`` (the account of a token),
``GET /api/home/users`` (Plex Home members), ``GET /api/users/`` (friends and home
members with the servers shared with them), ``GET /api/servers/{machineId}/shared_servers``
(a friend's access token for this server), ``POST /api/home/users/{id}/switch`` (a home
member's plex.tv token), ``GET /api/v2/resources`` (the server's ``accessToken`` for the
signed-in account), ``POST /api/v2/pins`` and ``GET /api/v2/pins/{id}`` (the PIN flow).
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode
from xml.etree import ElementTree

import requests
from plexapi import X_PLEX_IDENTIFIER
from plexapi.exceptions import BadRequest
from plexapi.myplex import MyPlexAccount
from pydantic import SecretStr

from ..config import Settings
from ..errors import UserFacingError
from .errors import PlexNotConfigured
from .gateway import PlexGateway, join_args

log = logging.getLogger(__name__)
T = TypeVar("T")

KINDS = ("owner", "home", "managed", "shared")
# The app's name on plex.tv (the user's "Authorized Devices" list shows it; the Plex forum
# guide "Authenticating with Plex", forums.plex.tv/t/609370, asks for a unique app name).
PRODUCT = "plex-completer"
PLEX_TV = "https://plex.tv"
# plexapi's hosts for plex.tv's API (myplex.py: plex.tv, and clients.plex.tv for PINs in 4.18).
_PLEX_TV_HOSTS = ("https://plex.tv", "https://clients.plex.tv")
# The Plex sign-in page (forum guide: "https://app.plex.tv/auth#?" + clientID, code,
# context[device][product], forwardUrl; plexapi MyPlexPinLogin.oauthUrl builds the same).
APP_AUTH_URL = "https://app.plex.tv/auth#?"
# PMS files the server owner's plays under accountID 1 (its /accounts list: Home Assistant's
# plex_server_accounts.xml; DeviantEng/Cmdarr issue #12).
PMS_OWNER_ACCOUNT_ID = 1
# History entries read at most per listening sample (newest first).
MAX_HISTORY_SCAN = 5000
_HISTORY_PAGE = 500
_AVATAR_UUID = re.compile(r"/users/([0-9a-f]{8,})/avatar")


@dataclass(frozen=True)
class HouseholdUser:
    """One Plex user of this server.

    ``plex_id``: the plex.tv account id (PMS play history's ``accountID`` for everyone but
    the owner, whom PMS records as account 1: see :func:`pms_account_id`); ``uuid``: the
    plex.tv account uuid ("" when plex.tv does not say it); ``title``: display name;
    ``username``: plex.tv user name (None for managed users, who have none); ``thumb``: avatar
    URL on plex.tv; ``kind``: ``owner`` | ``home`` | ``managed`` | ``shared``;
    ``protected``: a Plex Home member whose profile has a PIN (switching to it needs the PIN).
    """

    plex_id: int
    uuid: str
    title: str
    username: str | None
    thumb: str | None
    kind: str
    protected: bool = False


class PlexTvError(UserFacingError):
    """Base of the plex.tv errors; ``str()`` is written for the user and holds no token."""


class PlexTvUnavailable(PlexTvError):
    """plex.tv could not be reached (refused, DNS, timeout), answered 5xx or something that
    is not plex.tv's XML: household users are unavailable, single-user use keeps working."""

    def __init__(self, detail: str = "") -> None:
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"plex.tv cannot be reached right now{extra}, so household users (Plex Home members and "
            "friends) are unavailable. Everything else keeps working with the server owner's account; "
            "try again later."
        )


class PlexTvRefused(PlexTvError):
    """plex.tv answered 401/403 for the token used (wrong, expired or revoked), or refused a
    Plex Home profile switch (a profile PIN)."""

    def __init__(self, what: str, status: int | None = None, hint: str = "") -> None:
        self.status = status
        code = f" (HTTP {status})" if status else ""
        hint = hint or "the Plex sign-in is no longer valid (wrong, expired or revoked); sign in with Plex again"
        super().__init__(f"plex.tv refused to {what}{code}: {hint}.")


class NoServerAccess(PlexTvError):
    """The Plex account has no access to this Plex server (not the owner, not shared with them)."""

    def __init__(self, title: str = "This Plex account") -> None:
        super().__init__(
            f"{title} has no access to this Plex server. The server owner can share the music library "
            "with them in Plex (Settings → Users & Sharing), then they can sign in."
        )


class PinExpired(PlexTvError):
    """The sign-in PIN is gone: it expired (strong PINs live 30 minutes) or plex.tv does not
    know it for this client identifier."""

    def __init__(self) -> None:
        super().__init__('The Plex sign-in took too long and expired. Start "Sign in with Plex" again.')


class PlexTvAnswerRejected(PlexTvError):
    """plex.tv answered another 4xx (a request it did not accept)."""

    def __init__(self, what: str, status: int | None) -> None:
        self.status = status
        super().__init__(f"plex.tv did not accept the request to {what} (HTTP {status}). Try again later.")


@dataclass(frozen=True)
class PinStart:
    """A new sign-in PIN: ``pin_id`` to poll, ``code`` (the long strong code), ``auth_url``
    (the Plex page to open in the browser), ``expires_in_s`` (seconds until plex.tv forgets it)."""

    pin_id: int
    code: str
    auth_url: str
    expires_in_s: int


@dataclass(frozen=True)
class PlexAccount:
    """The plex.tv account of a token (``GET /api/v2/user``): ``plex_id`` (account id),
    ``uuid``, ``title`` (display name), ``username`` (None for managed users), ``thumb``."""

    plex_id: int
    uuid: str
    title: str
    username: str | None
    thumb: str | None


@dataclass(frozen=True)
class ListeningSample:
    """What an account played lately: ``top_artists`` as ``(artist, plays)`` and
    ``top_tracks`` as ``(artist, title, plays)``, most played first (ties: most recent
    first), each capped at the ``limit`` asked for; ``plays`` counts the history entries read."""

    top_artists: list[tuple[str, int]]
    top_tracks: list[tuple[str, str, int]]
    plays: int = 0


# --- plex.tv session ----------------------------------------------------------------------


class PlexTvSession(requests.Session):
    """A ``requests`` session for plex.tv: URLs on plex.tv's hosts (as plexapi hard-codes
    them) go to ``base_url`` instead, and every request carries this installation's
    ``X-Plex-Client-Identifier`` and ``X-Plex-Product`` (plexapi's ``BASE_HEADERS`` would
    send the host's MAC-derived id and "PlexAPI"). Per instance: nothing global changes."""

    def __init__(self, base_url: str, client_id: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self._forced = {"X-Plex-Client-Identifier": client_id, "X-Plex-Product": PRODUCT}

    def rewrite(self, url: str) -> str:
        """``url`` with a plex.tv host replaced by ``base_url`` (others unchanged)."""
        for host in _PLEX_TV_HOSTS:
            if url == host or url.startswith(host + "/") or url.startswith(host + "?"):
                return self.base_url + url[len(host) :]
        return url

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        headers = dict(kwargs.pop("headers", None) or {})
        headers.update(self._forced)
        return super().request(method, self.rewrite(str(url)), *args, headers=headers, **kwargs)


def _session(settings: Settings, client_id: str | None) -> PlexTvSession:
    return PlexTvSession(settings.PLEX_TV_URL, client_id or X_PLEX_IDENTIFIER)


def _timeout(settings: Settings) -> float:
    return float(settings.PLEX_TIMEOUT)


def _status_of(exc: Exception) -> int | None:
    # plexapi formats errors as "(401) unauthorized; https://plex.tv/... body".
    m = re.match(r"\((\d{3})\)", str(exc))
    return int(m.group(1)) if m else None


# What a refusal of the owner's token means (list_users, server_token_for).
_OWNER_REFUSED = (
    "plex.tv no longer accepts PLEX_TOKEN (it changes when the owner signs out of all devices); "
    "get a current token as described in the README and restart"
)


def _tv(fn: Callable[[], T], what: str, refused: str = "") -> T:
    """Run a plex.tv call and translate plexapi/requests failures into :class:`PlexTvError`
    (``refused``: what a 401/403 means for this call, for the user)."""
    try:
        return fn()
    except PlexTvError:
        raise
    except BadRequest as exc:  # plexapi's Unauthorized, NotFound, TwoFactorRequired too
        status = _status_of(exc)
        if status in (401, 403):
            raise PlexTvRefused(what, status, refused) from None
        if status is None or status >= 500:
            raise PlexTvUnavailable(f"HTTP {status}" if status else "") from None
        raise PlexTvAnswerRejected(what, status) from None
    except requests.exceptions.Timeout:
        raise PlexTvUnavailable("no answer in time") from None
    except requests.exceptions.RequestException:
        raise PlexTvUnavailable("no connection") from None
    except (ElementTree.ParseError, AttributeError, ValueError):
        # An answer that is not plex.tv's XML (a captive portal, a proxy's error page).
        raise PlexTvUnavailable("an answer that is not plex.tv's") from None


def _raw(
    session: PlexTvSession,
    settings: Settings,
    method: str,
    path: str,
    what: str,
    *,
    token: str | None = None,
    params: dict[str, Any] | None = None,
) -> ElementTree.Element:
    """One plex.tv request (``path`` under plex.tv) parsed as XML; raises
    ``requests``/plexapi-style errors for :func:`_tv` to translate."""
    headers = {"Accept": "application/xml"}
    if token:
        headers["X-Plex-Token"] = token
    response = session.request(method, f"{PLEX_TV}{path}", headers=headers, params=params, timeout=_timeout(settings))
    if response.status_code not in (200, 201, 204):
        raise BadRequest(f"({response.status_code}) {what}")
    text = response.text.strip()
    if not text:
        return ElementTree.Element("MediaContainer")
    return ElementTree.fromstring(text.encode("utf-8"))


def _owner_token(settings: Settings) -> str:
    if not settings.PLEX_URL or settings.PLEX_TOKEN is None:
        raise PlexNotConfigured()
    return settings.PLEX_TOKEN.get_secret_value()


def _machine_identifier(settings: Settings, given: str | None) -> str:
    if given:
        return given
    with PlexGateway.connect(settings) as gateway:
        return gateway.machine_identifier


def _flag(el: ElementTree.Element, name: str) -> bool:
    return (el.attrib.get(name) or "0").lower() in ("1", "true")


def _uuid_of(uuid: str | None, thumb: str | None) -> str:
    """The account uuid: given, or read from its avatar URL (plex.tv avatars live at
    ``/users/{uuid}/avatar``: Home Assistant's plextv_account.xml, the live probe note)."""
    if uuid:
        return uuid
    m = _AVATAR_UUID.search(thumb or "")
    return m.group(1) if m else ""


# --- users and tokens ---------------------------------------------------------------------


def pms_account_id(user: HouseholdUser) -> int:
    """The ``accountID`` PMS files ``user``'s plays under: 1 for the server owner (PMS's
    ``/accounts`` lists the owner as id 1: Home Assistant's ``plex_server_accounts.xml``,
    DeviantEng/Cmdarr issue #12), the plex.tv id for everyone else."""
    return PMS_OWNER_ACCOUNT_ID if user.kind == "owner" else user.plex_id


def list_users(settings: Settings, *, client_id: str | None = None, machine_identifier: str | None = None) -> list[HouseholdUser]:
    """The Plex users of this server, read with the owner's ``PLEX_TOKEN``: the owner first,
    then Plex Home members (``home``/``managed``, from ``/api/home/users``) and friends
    (``shared``), in plex.tv's order. Only users this server (``machine_identifier``; asked
    of PMS when None) is shared with are listed: ``/api/users/`` names the servers shared
    with each user (plexapi ``MyPlexUser.servers``). Three plex.tv requests.

    Raises :class:`PlexTvUnavailable`, :class:`PlexTvRefused`, :class:`PlexNotConfigured`,
    and PMS errors when the machine identifier has to be asked.
    """
    token = _owner_token(settings)
    machine = _machine_identifier(settings, machine_identifier)
    with _session(settings, client_id) as session:
        account = _tv(
            lambda: MyPlexAccount(token=token, session=session, timeout=_timeout(settings)),
            "read the server owner's Plex account",
            _OWNER_REFUSED,
        )
        home = _tv(
            lambda: _raw(session, settings, "GET", "/api/home/users", "list the Plex Home users", token=token),
            "list the Plex Home users",
            _OWNER_REFUSED,
        )
        related = _tv(account.users, "list the users this server is shared with", _OWNER_REFUSED)
    shared_with = {u.id for u in related if any(s.machineIdentifier == machine for s in u.servers)}
    owner = HouseholdUser(
        plex_id=account.id,
        uuid=account.uuid or "",
        title=account.title or account.username or "Server owner",
        username=account.username or None,
        thumb=account.thumb or None,
        kind="owner",
    )
    out = [owner]
    home_ids: set[int] = set()
    for el in home.iter("User"):
        rid = int(el.attrib.get("id") or 0)
        home_ids.add(rid)
        if rid == owner.plex_id or _flag(el, "admin") or rid not in shared_with:
            continue
        thumb = el.attrib.get("thumb") or None
        out.append(
            HouseholdUser(
                plex_id=rid,
                uuid=_uuid_of(el.attrib.get("uuid"), thumb),
                title=el.attrib.get("title") or el.attrib.get("username") or f"Plex user {rid}",
                username=el.attrib.get("username") or None,
                thumb=thumb,
                kind="managed" if _flag(el, "restricted") else "home",
                protected=_flag(el, "protected"),
            )
        )
    for user in related:
        if user.id in home_ids or user.home or user.id not in shared_with or user.id == owner.plex_id:
            continue
        out.append(
            HouseholdUser(
                plex_id=user.id,
                uuid=_uuid_of(user._data.attrib.get("uuid"), user.thumb),
                title=user.title or user.username or f"Plex user {user.id}",
                username=user.username or None,
                thumb=user.thumb or None,
                kind="shared",
            )
        )
    return out


def _server_token_of(
    session: PlexTvSession, settings: Settings, token: str, machine: str, what: str, title: str | None = None
) -> str:
    """The ``accessToken`` of server ``machine`` in the resources of the account of ``token``
    (``GET /api/v2/resources``, plexapi ``MyPlexAccount.resources``); :class:`NoServerAccess`
    when the account has no such server."""
    params = {"includeHttps": 1, "includeRelay": 1}
    resources = _tv(lambda: _raw(session, settings, "GET", "/api/v2/resources", what, token=token, params=params), what)
    # /api/v2/resources lists <resource> (plexapi MyPlexResource.TAG); /api/resources <Device>.
    for el in [*resources.iter("resource"), *resources.iter("Device")]:
        if el.attrib.get("clientIdentifier") == machine and "server" in (el.attrib.get("provides") or ""):
            found = el.attrib.get("accessToken")
            if found:
                return found
    raise NoServerAccess(title) if title else NoServerAccess()


def server_token_for(
    settings: Settings,
    user: HouseholdUser,
    *,
    client_id: str | None = None,
    machine_identifier: str | None = None,
    pin: str | None = None,
) -> str:
    """``user``'s access token for this server: the owner's is ``PLEX_TOKEN`` (no request);
    a friend's comes from the server's ``shared_servers`` (plexapi ``MyPlexUser.get_token``);
    a home member's from switching to them (``switchHomeUser``, with their profile ``pin``
    when protected) and reading this server's ``accessToken`` in their resources.

    Raises :class:`PlexTvUnavailable`, :class:`PlexTvRefused` (also for a PIN-protected
    profile without the right PIN), :class:`NoServerAccess`, :class:`PlexNotConfigured`.
    """
    token = _owner_token(settings)
    if user.kind == "owner":
        return token
    machine = _machine_identifier(settings, machine_identifier)
    with _session(settings, client_id) as session:
        if user.kind == "shared":
            path = f"/api/servers/{machine}/shared_servers"
            shares = _tv(
                lambda: _raw(session, settings, "GET", path, "read the server's shares", token=token),
                "read the server's shares",
                _OWNER_REFUSED,
            )
            for el in shares.iter("SharedServer"):
                if el.attrib.get("userID") == str(user.plex_id) and el.attrib.get("accessToken"):
                    return el.attrib["accessToken"]
            raise NoServerAccess(user.title)
        what = f"switch to {user.title}'s Plex Home profile"
        pin_hint = f"{user.title}'s profile is protected by a PIN; they can sign in with Plex themselves"
        if user.protected and not pin:
            raise PlexTvRefused(what, None, pin_hint)
        switched = _tv(
            lambda: _raw(
                session,
                settings,
                "POST",
                f"/api/home/users/{user.plex_id}/switch",
                what,
                token=token,
                params={"pin": pin} if pin else None,
            ),
            what,
            pin_hint if user.protected else _OWNER_REFUSED,
        )
        user_token = switched.attrib.get("authenticationToken") or switched.attrib.get("authToken")
        if not user_token:
            raise PlexTvUnavailable("the profile switch gave no token")
        return _server_token_of(session, settings, user_token, machine, "list the profile's servers", user.title)


def server_token_for_account(
    settings: Settings, client_id: str, auth_token: str, *, machine_identifier: str | None = None
) -> str:
    """The access token for this server of the account signed in with ``auth_token`` (its
    ``/api/v2/resources`` entry for this server; plexapi ``MyPlexResource.accessToken``).
    Raises :class:`NoServerAccess` when the account cannot use this server,
    :class:`PlexTvUnavailable`, :class:`PlexTvRefused`."""
    machine = _machine_identifier(settings, machine_identifier)
    with _session(settings, client_id) as session:
        return _server_token_of(session, settings, auth_token, machine, "list your Plex servers")


# --- Sign in with Plex (the PIN flow) ------------------------------------------------------


def auth_url_base(settings: Settings) -> str:
    """Where the browser approves a PIN: Plex's sign-in page, or the emulator's page when
    ``PLEX_TV_URL`` points at one (tests and the offline stack)."""
    if settings.PLEX_TV_URL.rstrip("/") == PLEX_TV:
        return APP_AUTH_URL
    return f"{settings.PLEX_TV_URL.rstrip('/')}/auth#?"


def start_pin(settings: Settings, client_id: str, forward_url: str) -> PinStart:
    """Create a strong sign-in PIN (``POST /api/v2/pins?strong=true``; plexapi
    ``MyPlexPinLogin(oauth=True)``) and the Plex page URL the browser opens to approve it:
    ``https://app.plex.tv/auth#?clientID=…&code=…&forwardUrl=…&context[device][product]=…``
    (the forum guide's parameters). Raises :class:`PlexTvUnavailable`, :class:`PlexTvRefused`."""
    with _session(settings, client_id) as session:
        pin = _tv(
            lambda: _raw(session, settings, "POST", "/api/v2/pins", "start a Plex sign-in", params={"strong": "true"}),
            "start a Plex sign-in",
        )
    try:
        pin_id, code = int(pin.attrib["id"]), pin.attrib["code"]
        expires = int(pin.attrib.get("expiresIn") or 0)
    except (KeyError, ValueError):
        raise PlexTvUnavailable("an answer that is not plex.tv's") from None
    params = {"clientID": client_id, "code": code, "forwardUrl": forward_url, "context[device][product]": PRODUCT}
    return PinStart(pin_id=pin_id, code=code, auth_url=auth_url_base(settings) + urlencode(params), expires_in_s=expires)


def poll_pin(settings: Settings, client_id: str, pin_id: int) -> str | None:
    """The plex.tv token once the PIN was approved, None while waiting
    (``GET /api/v2/pins/{id}``, as ``MyPlexPinLogin.checkLogin``). Raises :class:`PinExpired`
    when plex.tv no longer knows the PIN (404) or says it expired, :class:`PlexTvUnavailable`."""
    with _session(settings, client_id) as session:
        try:
            pin = _tv(
                lambda: _raw(session, settings, "GET", f"/api/v2/pins/{int(pin_id)}", "check the Plex sign-in"),
                "check the Plex sign-in",
            )
        except PlexTvAnswerRejected as exc:
            if exc.status == 404:
                raise PinExpired() from None
            raise
    token = pin.attrib.get("authToken") or None
    if token:
        return token
    if (pin.attrib.get("expiresIn") or "1") == "0":
        raise PinExpired()
    return None


def account_for_token(settings: Settings, client_id: str, auth_token: str) -> PlexAccount:
    """The plex.tv account of ``auth_token`` (``GET /api/v2/user``, plexapi ``MyPlexAccount``).
    Raises :class:`PlexTvRefused` (401: the token is not valid), :class:`PlexTvUnavailable`."""
    with _session(settings, client_id) as session:
        account = _tv(
            lambda: MyPlexAccount(token=auth_token, session=session, timeout=_timeout(settings)),
            "read your Plex account",
        )
    return PlexAccount(
        plex_id=account.id,
        uuid=account.uuid or "",
        title=account.title or account.username or f"Plex user {account.id}",
        username=account.username or None,
        thumb=account.thumb or None,
    )


# --- listening history ----------------------------------------------------------------------


def sample_from_rows(rows: list[tuple[str, str]], limit: int) -> ListeningSample:
    """Count ``(artist, title)`` plays (newest first) into a :class:`ListeningSample` capped
    at ``limit`` artists and ``limit`` tracks; ties keep the order of the most recent play."""
    artists: Counter[str] = Counter()
    tracks: Counter[tuple[str, str]] = Counter()
    for artist, title in rows:
        if artist:
            artists[artist] += 1
        if artist and title:
            tracks[(artist, title)] += 1
    # Counter.most_common keeps first-seen order among equal counts (newest play first).
    return ListeningSample(
        top_artists=artists.most_common(max(0, limit)),
        top_tracks=[(a, t, n) for (a, t), n in tracks.most_common(max(0, limit))],
        plays=len(rows),
    )


def recent_listening(settings: Settings, token: str, account_id: int, *, days: int, limit: int) -> ListeningSample:
    """The most played artists and tracks of PMS account ``account_id`` (see
    :func:`pms_account_id`) in the last ``days`` days, capped at ``limit`` each.

    Reads ``/status/sessions/history/all?sort=viewedAt:desc&accountID=…&viewedAt>=…`` (plexapi
    ``PlexServer.history``) in pages (``X-Plex-Container-Start``/``-Size``), newest first, at
    most :data:`MAX_HISTORY_SCAN` entries. Only track entries count; the artist is the
    track's own (``originalTitle``) when PMS sends one, else the album artist
    (``grandparentTitle``). ``token`` must be the server owner's: PMS shows play history to
    the admin only (python-plexapi issues #1392 and #1506).
    Raises :class:`~plex_completer.plex.errors.PlexError`.
    """
    since = int(time.time()) - max(1, days) * 86400
    owner_view = settings.model_copy(update={"PLEX_TOKEN": SecretStr(token)})
    args = {"sort": "viewedAt:desc", "accountID": int(account_id), "viewedAt>": since}
    key = f"/status/sessions/history/all{join_args(args)}"
    rows: list[tuple[str, str]] = []
    with PlexGateway.connect(owner_view) as gateway:
        start = 0
        while start < MAX_HISTORY_SCAN:
            paging = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(_HISTORY_PAGE)}
            page = gateway.get(key, headers=paging, what="read the play history")
            entries = list(page)
            for el in entries:
                if el.attrib.get("type") != "track":
                    continue
                artist = el.attrib.get("originalTitle") or el.attrib.get("grandparentTitle") or ""
                rows.append((artist.strip(), (el.attrib.get("title") or "").strip()))
            start += len(entries)
            total = page.attrib.get("totalSize")
            if len(entries) < _HISTORY_PAGE or (total is not None and start >= int(total)):
                break
    return sample_from_rows(rows, limit)
