"""Edits the user made in Plex to the app's playlists, kept and shown (issue 15).

:func:`record_merge` stores what a three-way merge (:mod:`.playlist_merge`) found on the
playlist row: the tracks "removed by you in Plex" (a suggestion's override kind
``removed``, and the playlist's ``plex_removed_keys`` so a regenerated list that suggests
the track again does not bring it back), the tracks "added by you in Plex"
(``plex_added_keys``) and a title or description "set in Plex". :func:`describe_edits`
says so in a sentence for the history. No Plex request here; the writes are in
:mod:`.match_and_write`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..models import MatchOverride, Playlist
from .playlist_merge import MergeResult


@dataclass(frozen=True)
class FieldEdits:
    """Fields the user set in Plex, as found by the merge: True when newly found."""

    title: bool = False
    summary: bool = False


def removed_keys(playlist: Playlist) -> list[int]:
    """RatingKeys the user removed in Plex (never written again until put back)."""
    return [int(k) for k in (playlist.plex_removed_keys or [])]


def added_keys(playlist: Playlist) -> list[int]:
    """RatingKeys the user added in Plex (kept where the user put them)."""
    return [int(k) for k in (playlist.plex_added_keys or [])]


def mark_removed_suggestions(playlist: Playlist) -> None:
    """Give every suggestion of the current track list whose track the user removed in
    Plex the override kind ``removed`` (``override_rating_key`` = that track), so a
    regenerated list that suggests it again shows it as "removed by you in Plex"."""
    generation = playlist.current_generation
    removed = set(removed_keys(playlist))
    if generation is None or not removed:
        return
    for track in generation.tracks:
        if track.override in (MatchOverride.ABSENT, MatchOverride.REMOVED):
            continue
        key = track.override_rating_key if track.override == MatchOverride.TRACK else track.matched_rating_key
        if key is not None and int(key) in removed:
            track.override = MatchOverride.REMOVED
            track.override_rating_key = int(key)


def record_merge(playlist: Playlist, merged: MergeResult, fields: FieldEdits = FieldEdits(),
                 plex_title: str | None = None) -> None:
    """Store the edits ``merged`` found on ``playlist`` (see the module docstring);
    ``fields``/``plex_title``: the title or description set in Plex."""
    playlist.plex_removed_keys = list(merged.removed)
    playlist.plex_added_keys = list(merged.added)
    if merged.reordered:
        playlist.order_set_in_plex = True
    if fields.title:
        playlist.title_set_in_plex = True
        if plex_title:
            playlist.plex_title = plex_title[:200]
    if fields.summary:
        playlist.summary_set_in_plex = True
    mark_removed_suggestions(playlist)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def describe_edits(merged: MergeResult | None, fields: FieldEdits = FieldEdits(),
                   names: Iterable[str] = ()) -> str:
    """A sentence for the history about the user's Plex edits the write kept ("" when
    none): "Kept your edits in Plex: 1 track you removed stays out (A – B); 1 track you
    added stays; your order; the title you set."."""
    if merged is None:
        return ""
    parts = []
    if merged.newly_removed:
        listed = ", ".join(list(names)[:5])
        parts.append(_count(len(merged.newly_removed), "track you removed stays out", "tracks you removed stay out")
                     + (f" ({listed})" if listed else ""))
    elif merged.removed:
        parts.append(_count(len(merged.removed), "track you removed stays out", "tracks you removed stay out"))
    if merged.added:
        parts.append(_count(len(merged.added), "track you added stays", "tracks you added stay"))
    if merged.reordered:
        parts.append("your order")
    if fields.title:
        parts.append("the title you set")
    if fields.summary:
        parts.append("the description you set")
    return ("Kept your edits in Plex: " + "; ".join(parts) + ".") if parts else ""
