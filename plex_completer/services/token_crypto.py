"""Plex users' server tokens encrypted at rest (issue 16).

The key is derived from the app's ``SECRET_KEY`` with HKDF-SHA256 (RFC 5869, the
``cryptography`` package's ``HKDF``) under an info string of its own, so the Fernet key
is never the session-signing key itself; tokens are sealed with Fernet (AES-128-CBC
plus HMAC-SHA256, https://cryptography.io/en/latest/fernet/). Nothing is hand-rolled.

A changed ``SECRET_KEY`` makes stored tokens unreadable: :func:`open_token` then returns
None and the caller fetches a fresh token from plex.tv (the tokens are plex.tv's to
hand out again, so nothing is lost).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# HKDF "info": binds the derived key to this one use (RFC 5869, section 3.2).
_INFO = b"plex-completer/plex-user-server-tokens/v1"


def _fernet(secret_key: str) -> Fernet:
    if not secret_key:
        raise ValueError("SECRET_KEY is empty: cannot derive the token encryption key")
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


def seal_token(secret_key: str, token: str) -> str:
    """Encrypt ``token`` under a key derived from ``secret_key``; returns Fernet's
    URL-safe base64 text (about 100 characters for a 20-character Plex token).
    Raises ``ValueError`` for an empty ``secret_key``."""
    return _fernet(secret_key).encrypt(token.encode()).decode("ascii")


def open_token(secret_key: str, sealed: str | None) -> str | None:
    """The token sealed by :func:`seal_token`, or None when ``sealed`` is empty, was
    sealed under another ``SECRET_KEY`` or was tampered with (Fernet's HMAC check)."""
    if not sealed:
        return None
    try:
        return _fernet(secret_key).decrypt(sealed.encode("ascii")).decode()
    except (InvalidToken, ValueError, UnicodeError):
        return None
