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

from dataclasses import dataclass

from ..config import Settings
from ..errors import UserFacingError

KINDS = ("owner", "home", "managed", "shared")


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


class PlexTvUnavailable(UserFacingError):
    """plex.tv could not be reached (refused, DNS, timeout) or answered 5xx."""


class PlexTvRefused(UserFacingError):
    """plex.tv answered 401/403 for the token used (wrong, expired or revoked)."""


class NoServerAccess(UserFacingError):
    """The Plex account has no access to this Plex server (not the owner, not shared)."""


class PinExpired(UserFacingError):
    """The sign-in PIN is gone: expired, or plex.tv does not know it for this client."""


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
    """The plex.tv account of a token (``GET /api/v2/user``)."""

    plex_id: int
    uuid: str
    title: str
    username: str | None
    thumb: str | None


@dataclass(frozen=True)
class ListeningSample:
    """What an account played lately: ``top_artists`` as ``(artist, plays)`` and
    ``top_tracks`` as ``(artist, title, plays)``, most played first, each capped at the
    ``limit`` asked for; ``plays`` counts the history entries read."""

    top_artists: list[tuple[str, int]]
    top_tracks: list[tuple[str, str, int]]
    plays: int = 0


def pms_account_id(user: HouseholdUser) -> int:
    """The ``accountID`` PMS files ``user``'s plays under: 1 for the server owner, the
    plex.tv id for everyone else (PMS's ``/accounts`` lists the owner as id 1)."""
    raise NotImplementedError


def list_users(settings: Settings, *, client_id: str | None = None, machine_identifier: str | None = None) -> list[HouseholdUser]:
    """The Plex users of this server, read with the owner's ``PLEX_TOKEN``: the owner first,
    then Plex Home members (``home``/``managed``) and friends (``shared``) that this server
    (``machine_identifier``; asked of PMS when None) is shared with. Users without access to
    this server are left out.

    Raises :class:`PlexTvUnavailable`, :class:`PlexTvRefused`, and PMS errors when the
    machine identifier has to be asked.
    """
    raise NotImplementedError


def server_token_for(settings: Settings, user: HouseholdUser, *, client_id: str | None = None, machine_identifier: str | None = None) -> str:
    """``user``'s access token for this server: the owner's is ``PLEX_TOKEN``; a friend's
    comes from the server's ``shared_servers``; a home member's from switching to them and
    reading the server's resource ``accessToken``.

    Raises :class:`PlexTvUnavailable`, :class:`PlexTvRefused` (also for a PIN-protected
    home profile), :class:`NoServerAccess`.
    """
    raise NotImplementedError


def server_token_for_account(settings: Settings, client_id: str, auth_token: str, *, machine_identifier: str | None = None) -> str:
    """The access token for this server of the account signed in with ``auth_token`` (its
    ``/api/v2/resources`` entry for this server). Raises :class:`NoServerAccess` when the
    account cannot use this server, :class:`PlexTvUnavailable`, :class:`PlexTvRefused`."""
    raise NotImplementedError


def start_pin(settings: Settings, client_id: str, forward_url: str) -> PinStart:
    """Create a strong sign-in PIN (``POST /api/v2/pins?strong=true``) and the Plex page URL
    the browser opens to approve it. Raises :class:`PlexTvUnavailable`, :class:`PlexTvRefused`."""
    raise NotImplementedError


def poll_pin(settings: Settings, client_id: str, pin_id: int) -> str | None:
    """The plex.tv token once the PIN was approved, None while waiting. Raises
    :class:`PinExpired` when plex.tv no longer knows the PIN, :class:`PlexTvUnavailable`."""
    raise NotImplementedError


def account_for_token(settings: Settings, client_id: str, auth_token: str) -> PlexAccount:
    """The plex.tv account of ``auth_token`` (``GET /api/v2/user``). Raises
    :class:`PlexTvRefused`, :class:`PlexTvUnavailable`."""
    raise NotImplementedError


def recent_listening(settings: Settings, token: str, account_id: int, *, days: int, limit: int) -> ListeningSample:
    """The most played artists and tracks of PMS account ``account_id`` in the last ``days``
    days (``/status/sessions/history/all`` filtered by ``accountID``), capped at ``limit``
    each. ``token`` must be the server owner's: PMS shows play history to the admin only.
    Raises :class:`~plex_completer.plex.errors.PlexError`."""
    raise NotImplementedError
