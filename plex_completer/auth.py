"""The single admin account: where its credentials come from and how a password is checked.

Credentials come from ``APP_USERNAME``/``APP_PASSWORD`` (environment wins) or, when those
are unset, from the account set on the first visit (stored hashed in ``AppSetting``).
``APP_PASSWORD`` may itself be a werkzeug password hash (``scrypt:...`` or
``pbkdf2:...``, as printed by ``werkzeug.security.generate_password_hash``), so the
plain password need not sit in ``.env``.

Sessions end on the server too (OWASP Session Management cheat sheet: "the session must
be invalidated on the server side" at logout, and all sessions after a password change).
The signed cookie alone cannot be revoked, so every login registers a random session id
in ``AppSetting`` (only its SHA-256 is stored, under ``auth.session.<digest>``); a cookie
counts only while its id is registered. Logout removes that one id (other devices stay
logged in); a password change removes them all. A session also remembers a
*fingerprint* of the credentials (an HMAC of the stored secret under ``SECRET_KEY``), so
a changed ``APP_PASSWORD`` ends every session too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db
from .models import AppSetting, PlexUser, utcnow

# Prefixes of the hashes werkzeug.security.generate_password_hash produces
# (https://werkzeug.palletsprojects.com/en/stable/utils/#werkzeug.security.generate_password_hash).
HASH_PREFIXES = ("scrypt:", "pbkdf2:")
DEFAULT_USERNAME = "admin"
MIN_PASSWORD_LENGTH = 8
_KEY_USERNAME = "auth.username"
_KEY_HASH = "auth.password_hash"
_KEY_SESSION_PREFIX = "auth.session."
# "Sign in with Plex" sessions (issue 16) are registered apart, so a new admin password
# ends the admin's sessions only (the household's Plex accounts did not change).
_KEY_PLEX_SESSION_PREFIX = "auth.plex-session."
# Registered sessions kept at most; the oldest are dropped at a login beyond this (the
# cookie ends with the browser session, so ids of closed browsers are never removed otherwise).
MAX_SESSIONS = 50
# A hash checked when the username is wrong, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


@dataclass(frozen=True)
class Credentials:
    """The admin account: ``secret`` is a werkzeug hash when ``hashed`` else the plain password;
    ``source`` is ``"environment"`` or ``"database"``."""

    username: str
    secret: str
    hashed: bool
    source: str


def auth_disabled() -> bool:
    """True when ``AUTH_DISABLED=true`` (an authenticating reverse proxy guards the app)."""
    return bool(current_app.config["SETTINGS"].AUTH_DISABLED)


def current_credentials() -> Credentials | None:
    """The configured admin account, or None before the first-run setup (needs an app context)."""
    settings = current_app.config["SETTINGS"]
    if settings.APP_PASSWORD is not None:
        secret = settings.APP_PASSWORD.get_secret_value()
        return Credentials(
            username=(settings.APP_USERNAME or DEFAULT_USERNAME).strip() or DEFAULT_USERNAME,
            secret=secret,
            hashed=secret.startswith(HASH_PREFIXES),
            source="environment",
        )
    stored_hash = db.session.get(AppSetting, _KEY_HASH)
    if stored_hash is None:
        return None
    stored_user = db.session.get(AppSetting, _KEY_USERNAME)
    return Credentials(
        username=stored_user.value if stored_user else DEFAULT_USERNAME,
        secret=stored_hash.value,
        hashed=True,
        source="database",
    )


def verify(username: str, password: str) -> bool:
    """True when ``username``/``password`` match the admin account (constant-time compare)."""
    creds = current_credentials()
    if creds is None:
        return False
    name_ok = hmac.compare_digest(username.strip().encode(), creds.username.encode())
    if creds.hashed:
        pw_ok = check_password_hash(creds.secret if name_ok else _DUMMY_HASH, password)
    else:
        pw_ok = hmac.compare_digest(password.encode(), creds.secret.encode())
    return name_ok and pw_ok


def store_credentials(username: str, password: str) -> None:
    """Save the first-run account (password hashed with werkzeug's default, scrypt) and
    end every registered session. Commits.

    Raises ``ValueError`` with a user-readable message for an empty username or a
    password shorter than :data:`MIN_PASSWORD_LENGTH`.
    """
    username = username.strip()
    if not username or len(username) > 100:
        raise ValueError("Choose a username (1 to 100 characters).")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.")
    for key, value in ((_KEY_USERNAME, username), (_KEY_HASH, generate_password_hash(password))):
        row = db.session.get(AppSetting, key)
        if row is None:
            db.session.add(AppSetting(key=key, value=value))
        else:
            row.value = value
    _delete_sessions()  # a new password ends every session (OWASP Authentication cheat sheet)
    db.session.commit()


def change_password(current_password: str, new_password: str, confirm: str) -> None:
    """Replace the first-run account's password; every session ends (see :func:`store_credentials`).

    Raises ``ValueError`` with a user-readable message when the account comes from
    ``APP_PASSWORD`` (change it there), the current password is wrong, the two new
    passwords differ or the new one is too short. The current password is required so a
    borrowed, logged-in browser cannot lock the owner out (OWASP Authentication cheat
    sheet, "Change password feature").
    """
    creds = current_credentials()
    if creds is None or creds.source != "database":
        raise ValueError("The password comes from APP_PASSWORD: change it in .env and restart the app.")
    if not verify(creds.username, current_password):
        raise ValueError("The current password is wrong.")
    if new_password != confirm:
        raise ValueError("The two new passwords differ.")
    store_credentials(creds.username, new_password)


def _prefix(plex: bool) -> str:
    return _KEY_PLEX_SESSION_PREFIX if plex else _KEY_SESSION_PREFIX


def _session_key(session_id: str, plex: bool = False) -> str:
    return _prefix(plex) + hashlib.sha256(session_id.encode()).hexdigest()[:64]


def _delete_sessions() -> None:
    db.session.execute(db.delete(AppSetting).where(AppSetting.key.startswith(_KEY_SESSION_PREFIX, autoescape=True)))


def start_session(*, plex: bool = False) -> str:
    """Register a new server-side session and return its random id (for the cookie).

    ``plex``: a "Sign in with Plex" session (registered apart from the admin's; a password
    change does not end it). Drops the oldest registered sessions of the same kind beyond
    :data:`MAX_SESSIONS`. Commits.
    """
    session_id = secrets.token_urlsafe(32)
    db.session.add(AppSetting(key=_session_key(session_id, plex), value=utcnow().isoformat(timespec="seconds")))
    db.session.flush()
    stale = db.session.scalars(
        db.select(AppSetting.key)
        .where(AppSetting.key.startswith(_prefix(plex), autoescape=True))
        .order_by(AppSetting.updated_at.desc(), AppSetting.key)
        .offset(MAX_SESSIONS)
    ).all()
    if stale:
        db.session.execute(db.delete(AppSetting).where(AppSetting.key.in_(stale)))
    db.session.commit()
    return session_id


def session_active(session_id: object, *, plex: bool = False) -> bool:
    """True when ``session_id`` (from the cookie) names a registered session of that kind."""
    if not isinstance(session_id, str) or not session_id or len(session_id) > 200:
        return False
    return db.session.get(AppSetting, _session_key(session_id, plex)) is not None


def end_session(session_id: object, *, plex: bool = False) -> None:
    """Unregister one session (logout); unknown ids are ignored. Commits."""
    if isinstance(session_id, str) and session_id:
        db.session.execute(db.delete(AppSetting).where(AppSetting.key == _session_key(session_id, plex)))
        db.session.commit()


def fingerprint(creds: Credentials) -> str:
    """A short HMAC of the account under ``SECRET_KEY``; kept in the session to notice
    a changed password."""
    key = current_app.config["SECRET_KEY"].encode()
    msg = f"{creds.username}\0{creds.secret}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:32]


def plex_fingerprint(user: PlexUser) -> str:
    """A short HMAC under ``SECRET_KEY`` of a Plex user's identity (plex.tv id and uuid),
    kept in a "Sign in with Plex" session (issue 16) so a session made for one account
    never opens another's row, should ids be reused."""
    key = current_app.config["SECRET_KEY"].encode()
    msg = f"plex\0{user.plex_id}\0{user.uuid}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:32]
