"""The Plex users of this server and their tokens (issue 16).

Who they are comes from plex.tv through :mod:`plex_completer.plex.household`
(``list_users``: the owner, Plex Home members, managed users and friends the server
is shared with, only those with access to this server). :func:`refresh_users` keeps the
``plex_users`` table in step: new users are added, changed names updated, users plex.tv
no longer lists lose ``has_access`` (their sessions end at their next request, their
token is dropped). It runs after every library sync and from Settings → "Refresh Plex
users". When plex.tv cannot be reached the table stays as it was and :func:`status`
says so, for the pages to show.

Every Plex request about a playlist goes with its owner's token: :func:`settings_for_owner`
returns the app's settings with ``PLEX_TOKEN`` replaced by the owner's server token (the
server owner, ``owner_id`` None or ``kind == "owner"``, keeps ``PLEX_TOKEN`` itself).
Tokens are fetched from plex.tv when first needed, stored encrypted
(:mod:`.token_crypto`) and fetched again once when the server answers 401 for them
(:func:`call_as_owner`). Tokens never leave this module except inside a ``Settings``
copy, and are added to the log redactor as soon as they are known.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from pydantic import SecretStr

from ..config import Settings, current_settings
from ..errors import UserFacingError
from ..extensions import db
from ..logging_setup import redact, redactor
from ..models import AppSetting, Playlist, PlexUser, PlexUserKind, utcnow
from ..plex.errors import PlexError, PlexUnauthorized
from . import token_crypto

log = logging.getLogger(__name__)
T = TypeVar("T")

_STATUS_KEY = "household.status"
_CLIENT_ID_KEY = "household.client_identifier"


class OwnerUnavailable(PlexError):
    """A playlist's owner cannot be written for now: the Plex user lost access to this
    server, or plex.tv (which hands out their token) cannot be reached. A
    :class:`~plex_completer.plex.errors.PlexError`, so writes keep the playlist
    "not yet in Plex" with this reason and a later write tries again."""


@dataclass(frozen=True)
class HouseholdStatus:
    """What the pages say about household users: ``available`` is False when the last
    refresh could not reach plex.tv (``message`` says why, for the user); ``refreshed_at``
    is the last successful refresh (aware UTC) or None."""

    available: bool
    message: str
    refreshed_at: str | None
    users: int


@dataclass(frozen=True)
class RefreshResult:
    """Outcome of :func:`refresh_users`: users listed by plex.tv, added, who lost access;
    ``message`` is one sentence for the user."""

    ok: bool
    listed: int
    added: int
    lost: int
    message: str


# -- the installation's client identifier ------------------------------------------------


def client_identifier() -> str:
    """This installation's ``X-Plex-Client-Identifier`` for the Sign in with Plex PIN flow:
    a random UUID made once and kept in ``AppSetting`` (plex.tv ties a PIN to the
    identifier that created it, and lists devices by it). Commits when it is created."""
    row = db.session.get(AppSetting, _CLIENT_ID_KEY)
    if row is None:
        import uuid

        row = AppSetting(key=_CLIENT_ID_KEY, value=f"plex-completer-{uuid.uuid4()}")
        db.session.add(row)
        db.session.commit()
    return row.value


# -- the users -------------------------------------------------------------------------------


def get_user(user_id: int | None) -> PlexUser | None:
    """The ``PlexUser`` with id ``user_id`` (None for None or unknown ids)."""
    return db.session.get(PlexUser, int(user_id)) if user_id else None


def owner_user() -> PlexUser | None:
    """The server owner's row, or None before the first refresh."""
    return db.session.scalars(sa.select(PlexUser).where(PlexUser.kind == PlexUserKind.OWNER).limit(1)).first()


def users(*, with_access: bool = True, rows: list[PlexUser] | None = None) -> list[PlexUser]:
    """The known Plex users, owner first then by name; only those with access unless
    ``with_access`` is False. ``rows``: every ``PlexUser`` row, when the caller has read
    them already (else one query)."""
    rows = every_user() if rows is None else rows
    if with_access:
        rows = [u for u in rows if u.has_access]
    return sorted(rows, key=lambda u: (u.kind != PlexUserKind.OWNER, u.display_name.casefold(), u.id))


def every_user() -> list[PlexUser]:
    """Every ``PlexUser`` row, with or without access (for :func:`users` and :func:`owner_names`)."""
    return list(db.session.scalars(sa.select(PlexUser)))


def find_user(name: str) -> PlexUser | None:
    """The Plex user with access whose shown name or plex.tv username is ``name`` (letter
    case ignored), or None; for the CLI's ``--for``."""
    wanted = name.strip().casefold()
    for user in users():
        if wanted and wanted in {user.display_name.casefold(), (user.username or "").casefold()}:
            return user
    return None


def by_plex_id(plex_id: int) -> PlexUser | None:
    """The row of the plex.tv account ``plex_id``, or None."""
    return db.session.scalars(sa.select(PlexUser).where(PlexUser.plex_id == int(plex_id))).first()


def is_server_owner(owner_id: int | None) -> bool:
    """True when ``owner_id`` stands for the server owner (None, or the owner's row)."""
    if owner_id is None:
        return True
    user = get_user(owner_id)
    return user is None or user.is_owner


def same_owner(a: int | None, b: int | None) -> bool:
    """True when owner ids ``a`` and ``b`` name the same person (None and the owner's row
    are both the server owner)."""
    return a == b or (is_server_owner(a) and is_server_owner(b))


def owner_clause(owner_id: int | None) -> Any:
    """A SQL condition on ``Playlist.owner_id`` for the playlists of ``owner_id``; the
    server owner's include those with no owner (made before issue 16, or by the admin)."""
    if is_server_owner(owner_id):
        owner = owner_user()
        return sa.or_(Playlist.owner_id.is_(None), Playlist.owner_id == owner.id) if owner else Playlist.owner_id.is_(None)
    return Playlist.owner_id == int(owner_id)


def owner_name(owner_id: int | None) -> str:
    """The name shown for a playlist's owner ("Server owner" before users are known)."""
    user = get_user(owner_id) if owner_id else owner_user()
    return user.display_name if user else "Server owner"


def owner_names(rows: list[PlexUser] | None = None) -> dict[int | None, str]:
    """``{owner_id: name}`` of every known user (``rows``: every ``PlexUser`` row, read
    here when None), with None for the server owner."""
    rows = every_user() if rows is None else rows
    names: dict[int | None, str] = {u.id: u.display_name for u in rows}
    owner = next((u for u in rows if u.kind == PlexUserKind.OWNER), None)
    names[None] = owner.display_name if owner else "Server owner"
    return names


# -- refresh from plex.tv ---------------------------------------------------------------------


def _secret_key() -> str:
    return str(current_app.config["SECRET_KEY"])


def _set_status(available: bool, message: str, users_count: int) -> None:
    value = json.dumps({"available": available, "message": message,
                        "refreshed_at": utcnow().isoformat(timespec="seconds") if available else None,
                        "users": users_count})
    row = db.session.get(AppSetting, _STATUS_KEY)
    if row is None:
        db.session.add(AppSetting(key=_STATUS_KEY, value=value))
    else:
        if not available:  # keep the time of the last refresh that worked
            try:
                value = json.dumps({**json.loads(value), "refreshed_at": json.loads(row.value).get("refreshed_at"),
                                    "users": json.loads(row.value).get("users", users_count)})
            except (ValueError, AttributeError):
                pass
        row.value = value


def status() -> HouseholdStatus:
    """The household users' state as the last refresh left it (see :class:`HouseholdStatus`)."""
    # One statement (every page's layout asks): the stored state and the users with access.
    value, count = db.session.execute(sa.select(
        sa.select(AppSetting.value).where(AppSetting.key == _STATUS_KEY).scalar_subquery(),
        sa.select(sa.func.count()).select_from(PlexUser).where(PlexUser.has_access.is_(True)).scalar_subquery(),
    )).one()
    try:
        data = json.loads(value) if value else {}
    except ValueError:
        data = {}
    count = count or 0
    return HouseholdStatus(bool(data.get("available", True)), str(data.get("message", "")), data.get("refreshed_at"), count)


def refresh_users(settings: Settings | None = None) -> RefreshResult:
    """Read this server's users from plex.tv and update ``plex_users``. Commits.

    Users plex.tv no longer lists lose ``has_access`` and their stored token. Never
    raises for plex.tv trouble: ``ok`` is False and :func:`status` reports it, and
    everything single-user keeps working.
    """
    from ..plex import household

    settings = settings or current_settings()
    if not settings.plex_configured:
        return RefreshResult(False, 0, 0, 0, "Plex is not configured, so there are no Plex users to read.")
    try:
        listed = household.list_users(settings, client_id=client_identifier())
    except UserFacingError as exc:  # PlexTvUnavailable, PlexTvRefused, PlexError
        db.session.rollback()
        message = f"Household users are unavailable: {redact(str(exc))}"
        log.warning("%s", message)
        _set_status(False, message, 0)
        db.session.commit()
        return RefreshResult(False, 0, 0, 0, message)
    now = utcnow()
    known = {u.plex_id: u for u in db.session.scalars(sa.select(PlexUser))}
    added = 0
    for item in listed:
        row = known.pop(int(item.plex_id), None)
        if row is None:
            row = PlexUser(plex_id=int(item.plex_id))
            db.session.add(row)
            added += 1
        row.uuid = item.uuid or ""
        row.title = (item.title or "")[:200]
        row.username = (item.username or None) and item.username[:200]
        row.thumb = (item.thumb or None) and item.thumb[:500]
        row.kind = item.kind if item.kind in PlexUserKind.ALL else PlexUserKind.SHARED
        row.has_access = True
        row.last_seen_at = now
    lost = 0
    for row in known.values():
        if row.has_access:
            lost += 1
            log.warning("Plex user '%s' no longer has access to this server; their sessions end", row.display_name)
        row.has_access = False
        row.token_encrypted = None
    message = f"{len(listed)} Plex users with access to this server" + (f", {added} new" if added else "") + (
        f", {lost} lost access" if lost else "") + "."
    _set_status(True, "", len(listed))
    db.session.commit()
    log.info("Plex users refreshed: %s", message)
    return RefreshResult(True, len(listed), added, lost, message)


# -- tokens -------------------------------------------------------------------------------------


def _household_user(user: PlexUser) -> Any:
    from ..plex import household

    return household.HouseholdUser(plex_id=user.plex_id, uuid=user.uuid, title=user.title, username=user.username,
                                   thumb=user.thumb, kind=user.kind)


def token_for(user: PlexUser, *, fresh: bool = False, settings: Settings | None = None) -> str:
    """``user``'s access token for this server: the stored one, or (none stored, or
    ``fresh``) a new one from plex.tv, stored encrypted. Commits when it fetched one.

    Raises :class:`OwnerUnavailable` when the user has no access any more or plex.tv
    cannot be reached or refuses.
    """
    from ..plex import household

    settings = settings or current_settings()
    if user.is_owner:
        return settings.PLEX_TOKEN.get_secret_value() if settings.PLEX_TOKEN else ""
    if not user.has_access:
        raise OwnerUnavailable(f"{user.display_name} no longer has access to this Plex server, so their playlist "
                               "is not written to Plex.")
    if not fresh:
        token = token_crypto.open_token(_secret_key(), user.token_encrypted)
        if token:
            redactor.add_secret(token)
            return token
    try:
        token = household.server_token_for(settings, _household_user(user), client_id=client_identifier())
    except UserFacingError as exc:
        db.session.rollback()
        raise OwnerUnavailable(
            f"The Plex token of {user.display_name} for this server could not be read from plex.tv "
            f"({redact(str(exc))}). The playlist is written when plex.tv answers again."
        ) from exc
    store_token(user, token)
    return token


def store_token(user: PlexUser, token: str) -> None:
    """Keep ``user``'s server ``token`` (read at their Plex sign-in) encrypted. Commits."""
    if user.is_owner or not token:
        return
    redactor.add_secret(token)
    user.token_encrypted = token_crypto.seal_token(_secret_key(), token)
    user.token_refreshed_at = utcnow()
    db.session.commit()


def settings_for_owner(owner_id: int | None, *, fresh: bool = False, settings: Settings | None = None) -> Settings:
    """The app's settings with ``PLEX_TOKEN`` set to the token of ``owner_id`` (the server
    owner's settings unchanged). Raises :class:`OwnerUnavailable` (see :func:`token_for`)."""
    settings = settings or current_settings()
    user = get_user(owner_id)
    if user is None or user.is_owner:
        return settings
    return settings.model_copy(update={"PLEX_TOKEN": SecretStr(token_for(user, fresh=fresh, settings=settings))})


def settings_for(playlist: Playlist) -> Settings:
    """:func:`settings_for_owner` of ``playlist``'s owner."""
    return settings_for_owner(playlist.owner_id)


def call_as_owner(owner_id: int | None, fn: Callable[[Settings], T]) -> T:
    """``fn(settings)`` with the settings of ``owner_id``; when the server answers 401
    for a Plex user's stored token, the token is fetched from plex.tv once more and
    ``fn`` runs again (a 401 comes from the connection check, before anything is
    written). Raises what ``fn`` raises, or :class:`OwnerUnavailable`."""
    settings = settings_for_owner(owner_id)
    try:
        return fn(settings)
    except PlexUnauthorized:
        user = get_user(owner_id)
        if user is None or user.is_owner:
            raise
        log.info("Plex refused the stored token of '%s'; fetching a new one from plex.tv", user.display_name)
        return fn(settings_for_owner(owner_id, fresh=True))
