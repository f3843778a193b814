"""A second playlist from the same prompt right after the first (issue 15): the form asks
before making "Night Drive (2)" next to "Night Drive"."""

from __future__ import annotations

import datetime as dt

from .. import limits
from ..extensions import db
from ..models import Playlist, utcnow

# How long after a playlist was made the same prompt asks first.
RECENT = dt.timedelta(minutes=15)


def _same(prompt: str) -> str:
    return " ".join(limits.clean_prompt(prompt or "").casefold().split())


def recent_playlist_for(prompt: str, within: dt.timedelta = RECENT) -> Playlist | None:
    """The newest playlist made from the same prompt (case and spacing aside) within
    ``within`` of now, or None."""
    wanted = _same(prompt)
    if not wanted:
        return None
    since = utcnow() - within
    candidates = db.session.scalars(
        db.select(Playlist).where(Playlist.created_at >= since).order_by(Playlist.created_at.desc(), Playlist.id.desc())
    )
    return next((p for p in candidates if _same(p.prompt) == wanted), None)
