"""Plex errors written for the user: what happened and what to do, never the token.

Every error the Plex layer raises is a :class:`PlexError`, a
:class:`plex_completer.errors.UserFacingError`, so a job that fails on it ends with the
message as its one-line reason. :mod:`plex_completer.plex.gateway` turns plexapi and
``requests`` exceptions into these classes; nothing else needs to know plexapi's.

Messages show the server URL only through :func:`safe_url` (no query string, no user
info) and pass through :func:`plex_completer.logging_setup.redact`, so a token pasted
into ``PLEX_URL`` cannot leak either.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from ..errors import UserFacingError
from ..logging_setup import redact

# Plex's own help page for finding a token (linked in the 401 message).
TOKEN_HELP_URL = "https://support.plex.tv/articles/204059436-finding-an-authentication-token-x-plex-token/"


def safe_url(url: str | None) -> str:
    """``url`` without user info, query string or fragment (where a token could hide)."""
    if not url:
        return "(not set)"
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class PlexError(UserFacingError):
    """Base of all Plex errors; ``str()`` is one or two sentences for the user.

    ``playlist_gone`` is True only for :class:`PlaylistGone` (callers test the flag).
    """

    playlist_gone = False

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


class PlexNotConfigured(PlexError):
    """``PLEX_URL`` or ``PLEX_TOKEN`` is not set."""

    def __init__(self) -> None:
        super().__init__(
            "Plex is not configured: set PLEX_URL (e.g. http://192.168.1.10:32400) and PLEX_TOKEN, "
            f"then restart. How to find your token: {TOKEN_HELP_URL}"
        )


class PlexUnreachable(PlexError):
    """No TCP connection to the server (refused, DNS failure, no route, TLS failure)."""

    def __init__(self, url: str | None, detail: str = "") -> None:
        self.url = safe_url(url)
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"Cannot reach the Plex server at {self.url}{extra}. Check that Plex is running and that "
            "PLEX_URL points at it (from inside Docker, 'localhost' is the container itself)."
        )


class PlexTimeout(PlexError):
    """The server accepted the connection but did not answer within ``PLEX_TIMEOUT`` seconds."""

    def __init__(self, url: str | None, timeout_s: float) -> None:
        self.url = safe_url(url)
        self.timeout_s = timeout_s
        super().__init__(
            f"The Plex server at {self.url} did not answer within {timeout_s:g} s. It may be busy "
            "(scanning the library); try again later or raise PLEX_TIMEOUT."
        )


class PlexUnauthorized(PlexError):
    """HTTP 401: the token is wrong, expired or was revoked (signing out everywhere revokes it)."""

    def __init__(self, url: str | None) -> None:
        self.url = safe_url(url)
        super().__init__(
            f"The Plex server at {self.url} refused the token (401 Unauthorized): PLEX_TOKEN is wrong "
            f"or expired. Get a current token as described in {TOKEN_HELP_URL} and restart."
        )


class PlexSectionNotFound(PlexError):
    """The configured music library section does not exist (or no music section exists).

    ``sections`` lists what exists, as ``(key, title, type)`` tuples.
    """

    def __init__(self, wanted: str | None, sections: Sequence[tuple[int, str, str]]) -> None:
        self.wanted = wanted
        self.sections = list(sections)
        listing = ", ".join(f"{key}: {title} ({kind})" for key, title, kind in self.sections) or "none"
        if wanted:
            head = f"The Plex library section {wanted!r} (PLEX_MUSIC_SECTION) does not exist"
        else:
            head = "The Plex server has no music library section"
        super().__init__(
            f"{head}. Sections on this server: {listing}. Set PLEX_MUSIC_SECTION to the key or name "
            "of your music section."
        )


class PlexRequestFailed(PlexError):
    """Any other refusal by the server (4xx/5xx other than 401), with its status code."""

    def __init__(self, status: int | None, what: str) -> None:
        self.status = status
        code = f" (HTTP {status})" if status else ""
        super().__init__(f"Plex refused to {what}{code}. Try again; if it keeps failing, check the Plex server's log.")


class PlaylistGone(PlexError):
    """The app's playlist (known by ratingKey) no longer exists in Plex: the user deleted it."""

    playlist_gone = True

    def __init__(self, rating_key: int) -> None:
        self.rating_key = rating_key
        super().__init__(
            f"The Plex playlist (ratingKey {rating_key}) was deleted in Plex. "
            "Recreate it from the playlist page, or leave it deleted."
        )


class PlaylistEmpty(PlexError):
    """A Plex playlist cannot be created without tracks (PMS requires at least one item)."""

    def __init__(self) -> None:
        super().__init__(
            "No track of this list is in your Plex library yet, and Plex cannot create an empty "
            "playlist. It will be created once a rescan finds at least one track."
        )


class PlexAnswerRejected(PlexError):
    """A library sync stopped before changing the index because an answer from Plex did
    not pass a completeness check (``reason`` says which); the previous index stays."""

    def __init__(self, reason: str, indexed: int) -> None:
        self.reason = reason
        self.indexed = indexed
        super().__init__(
            f"The library sync stopped and kept the previous index ({indexed} tracks): {reason}. "
            "Nothing was removed. Try again later; if it keeps happening, run Settings → "
            "\"Test Plex connection\" and check the Plex server's log."
        )


class PlexServerChanged(PlexError):
    """``PLEX_URL`` now reaches another Plex server (another ``machineIdentifier``) than the
    one the index and the playlists were made on: writes stop until the user confirms the
    new server on Settings."""

    def __init__(self, known: str, current: str) -> None:
        self.known = known
        self.current = current
        super().__init__(
            f"PLEX_URL now reaches a different Plex server (machineIdentifier {current[:8]}…, "
            f"was {known[:8]}…). Nothing was written to it. Confirm the new server on the "
            "Settings page to re-sync the library and recreate the playlists there."
        )
