"""Taste from the listener's own plays (issue 16, "based on what I've been playing").

A :class:`~plex_completer.plex.household.ListeningSample` (most played artists and tracks of
the last days, from PMS's play history) becomes a few capped prompt lines for the AI, next to
today's "seed from a playlist". :func:`seed_lines` is pure; :func:`fetch_listening_seed` reads
the history and never fails the generation: when Plex cannot say, the AI works without it.

Whose plays: PMS files plays per ``accountID`` (the server owner is account 1, everyone else
their plex.tv id: :func:`~plex_completer.plex.household.pms_account_id`). The history is only
readable with the server owner's token (python-plexapi issues #1392 and #1506), so the token
defaults to ``PLEX_TOKEN`` whoever's plays are read.
"""

from __future__ import annotations

import logging

from ..config import Settings
from ..plex.household import PMS_OWNER_ACCOUNT_ID, ListeningSample, recent_listening

log = logging.getLogger(__name__)

OWNER_ACCOUNT_ID = PMS_OWNER_ACCOUNT_ID
#: Days of history read.
DEFAULT_DAYS = 30
#: Lines of each kind given to the AI (the prompt caps all seed lines at 60, 15 for local models).
MAX_ARTIST_LINES = 12
MAX_TRACK_LINES = 25
#: Characters of one line (the prompt cuts longer ones at 160 anyway).
MAX_LINE_CHARS = 150


def _clip(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= MAX_LINE_CHARS else text[: MAX_LINE_CHARS - 1] + "…"


def seed_lines(
    sample: ListeningSample, *, max_artists: int = MAX_ARTIST_LINES, max_tracks: int = MAX_TRACK_LINES
) -> list[str]:
    """Prompt lines for ``sample``, most played first: the top tracks as
    ``"Artist – Title (4 plays)"``, then the top artists as ``"Artist (12 plays)"``; at most
    ``max_tracks`` + ``max_artists`` lines of at most :data:`MAX_LINE_CHARS` characters.
    Pure; an empty sample gives []."""

    def plays(n: int) -> str:
        return "1 play" if n == 1 else f"{n} plays"

    lines = [_clip(f"{artist} – {title} ({plays(n)})") for artist, title, n in sample.top_tracks[: max(0, max_tracks)]]
    lines += [_clip(f"{artist} ({plays(n)})") for artist, n in sample.top_artists[: max(0, max_artists)]]
    return lines


def seed_text(sample: ListeningSample) -> str:
    """:func:`seed_lines` joined by newlines (for display and tests)."""
    return "\n".join(seed_lines(sample))


def fetch_listening_seed(
    settings: Settings,
    *,
    account_id: int = OWNER_ACCOUNT_ID,
    token: str | None = None,
    days: int = DEFAULT_DAYS,
) -> tuple[list[str], str]:
    """``(lines, note)``: :func:`seed_lines` of PMS account ``account_id``'s plays of the
    last ``days`` days (read with ``token``, default the owner's ``PLEX_TOKEN``), and a
    sentence for the user when there was nothing to use (empty otherwise). Never raises."""
    from ..plex.errors import PlexError

    if token is None:
        if not settings.plex_configured:
            return [], "Plex is not configured, so the AI could not see what you have been playing."
        token = settings.PLEX_TOKEN.get_secret_value()  # type: ignore[union-attr]
    try:
        sample = recent_listening(settings, token, account_id, days=days, limit=max(MAX_ARTIST_LINES, MAX_TRACK_LINES))
    except PlexError as exc:
        log.warning("Listening seed skipped: %s", exc)
        return [], "What you have been playing could not be read from Plex, so the AI worked without it."
    lines = seed_lines(sample)
    if not lines:
        return [], f"Plex has no plays of yours in the last {days} days, so the AI worked without them."
    return lines, ""
