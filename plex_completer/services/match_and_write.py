"""Match a playlist's stored AI track list and bring its Plex playlist up to date.

This is the shared core of generate, regenerate, rescan and manual overrides:
:func:`apply_matches` re-matches the current AI track list (zero AI calls) and
:func:`write_to_plex` writes the matched tracks, in AI order, to the app's own Plex
playlist (known by ratingKey) only when the set or order changed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from flask import current_app

from ..matching import MatchDecision, Matcher, Override, Suggestion
from ..models import Playlist, PlaylistStatus, RescanRecord, SuggestedTrack, utcnow
from ..plex import playlist_writes as plex_playlists
from ..plex.errors import PlexError, PlexServerChanged
from ..plex.playlist_writes import PlaylistIdentity

log = logging.getLogger(__name__)

#: The reason shown for a filler (issue 18): a library track the AI picked to fill.
FILLER_REASON = "From your library, to fill"


@dataclass
class MatchOutcome:
    """What :func:`apply_matches` changed: counts and the tracks newly found or lost."""

    matched: int = 0
    total: int = 0
    newly_matched: list[SuggestedTrack] = field(default_factory=list)
    lost: list[SuggestedTrack] = field(default_factory=list)

    @property
    def missing(self) -> int:
        """Suggested tracks without a library track."""
        return self.total - self.matched


def effective_rating_key(track: SuggestedTrack) -> int | None:
    """The ratingKey a suggested track contributes to the Plex playlist (override first)."""
    if track.override == "absent":
        return None
    if track.override == "track":
        return track.override_rating_key
    return track.matched_rating_key


def ordered_rating_keys(playlist: Playlist) -> list[int]:
    """The Plex playlist's intended contents: matched ratingKeys in AI order, each once."""
    generation = playlist.current_generation
    if generation is None:
        return []
    seen: set[int] = set()
    keys: list[int] = []
    for track in generation.tracks:
        key = effective_rating_key(track)
        if key is not None and key not in seen:
            seen.add(key)
            keys.append(key)
    return keys


def _filler_decision(track: SuggestedTrack, matcher: Matcher) -> MatchDecision:
    """A filler (issue 18) is its library track while the index has it; no re-matching."""
    key = track.matched_rating_key
    if key is not None and matcher.entry(key) is not None:
        return MatchDecision(key, 100.0, FILLER_REASON, "filler")
    return MatchDecision(None, 0.0, "This filler is no longer in your library", "filler")


def apply_matches(playlist: Playlist, matcher: Matcher) -> MatchOutcome:
    """Re-match the playlist's current AI track list against ``matcher``; store each
    decision (ratingKey, score 0-100, reason) on its ``SuggestedTrack``. No AI call.

    Fillers (issue 18) keep their library track while it is in the index (a user's
    override still wins) and are left out of the counts, which describe the wish list.
    """
    generation = playlist.current_generation
    outcome = MatchOutcome()
    if generation is None:
        return outcome
    tracks = list(generation.tracks)
    wished = [t for t in tracks if not t.filler or t.override]
    suggestions = [Suggestion(artist=t.artist, title=t.title, album=t.album, year=t.year) for t in wished]
    overrides = [Override(kind=t.override, rating_key=t.override_rating_key) if t.override else None for t in wished]
    matched = dict(zip((id(t) for t in wished), matcher.match_many(suggestions, overrides), strict=True))
    decisions = [matched.get(id(t)) or _filler_decision(t, matcher) for t in tracks]
    now = utcnow()
    for track, decision in zip(tracks, decisions, strict=True):
        before = effective_rating_key(track)
        track.matched_rating_key = decision.rating_key  # manual decisions carry the user's choice
        track.score = round(float(decision.score), 1)
        track.reason = decision.reason
        track.matched_at = now
        after = effective_rating_key(track)
        if track.filler:
            continue
        if before is None and after is not None:
            outcome.newly_matched.append(track)
        elif before is not None and after is None:
            outcome.lost.append(track)
    tracks = [t for t in tracks if not t.filler]
    outcome.total = len(tracks)
    outcome.matched = sum(1 for t in tracks if effective_rating_key(t) is not None)
    playlist.matched_count = outcome.matched
    playlist.suggested_count = outcome.total
    return outcome


def plex_summary(playlist: Playlist) -> str:
    """The Plex playlist summary: the prompt, the model that wrote it and the date."""
    generation = playlist.current_generation
    who = generation.model if generation else (playlist.model or "an AI")
    when = (generation.created_at if generation else playlist.created_at) or utcnow()
    return f"{playlist.prompt.strip()}\n\nWritten by {who} on {when.date().isoformat()} · plex-completer"


@dataclass
class WriteOutcome:
    """What :func:`write_to_plex` did: ``wrote`` is False when nothing needed writing."""

    wrote: bool
    message: str = ""
    recreated: bool = False


def plex_identity(playlist: Playlist) -> PlaylistIdentity:
    """The recorded Plex identity of ``playlist``'s Plex playlist (server, guid, addedAt)."""
    return PlaylistIdentity(playlist.plex_machine_identifier, playlist.plex_guid, playlist.plex_added_at)


def _record(playlist: Playlist, rating_key: int, title: str, identity: PlaylistIdentity) -> None:
    playlist.plex_rating_key = str(rating_key)
    playlist.plex_title = title
    if identity.machine_identifier:
        playlist.plex_machine_identifier = identity.machine_identifier
    if identity.known:
        playlist.plex_guid = identity.guid
        playlist.plex_added_at = identity.added_at


def write_to_plex(playlist: Playlist, *, force: bool = False) -> WriteOutcome:
    """Create or update the app's Plex playlist so it holds :func:`ordered_rating_keys`.

    Writes only when the keys differ from the last written ones (or ``force``, or the
    playlist is "not yet in Plex"). A Plex failure never loses anything: the playlist
    is marked "not yet in Plex" with the reason, and the next rescan or a retry writes
    it. A new Plex playlist's ratingKey and identity are recorded on ``playlist`` as soon
    as Plex created it, so a failure later in the write never leaves an orphan that the
    next attempt would duplicate. Writes stop while ``PLEX_URL`` reaches another server
    than the index's (confirm it on Settings). When the read-back after the write still
    differs, ``status_message`` says so. Returns a :class:`WriteOutcome`; does not raise
    for Plex errors.
    """
    settings = current_app.config["SETTINGS"]
    keys = ordered_rating_keys(playlist)
    unchanged = keys == (playlist.written_rating_keys or []) and playlist.plex_rating_key
    if unchanged and playlist.status == PlaylistStatus.SYNCED and not force:
        return WriteOutcome(False, "Plex playlist already up to date")
    if playlist.status == PlaylistStatus.DELETED_IN_PLEX and not force:
        return WriteOutcome(False, "Deleted in Plex; not recreated (you chose so)")
    if not settings.plex_configured:
        playlist.status = PlaylistStatus.PENDING_PLEX
        playlist.status_message = "Not yet in Plex: Plex is not configured (set PLEX_URL and PLEX_TOKEN)."
        return WriteOutcome(False, playlist.status_message)
    if not keys and not playlist.plex_rating_key:
        playlist.status = PlaylistStatus.PENDING_PLEX
        playlist.status_message = (
            "Not yet in Plex: none of the suggested tracks is in your library index yet. "
            "It will be created as soon as a rescan finds one (sync the library if you just added music)."
        )
        return WriteOutcome(False, playlist.status_message)
    summary = plex_summary(playlist)
    known_server = plex_playlists.index_server()
    created = lambda ref: _record(playlist, ref.rating_key, ref.title, ref.identity)  # noqa: E731
    problem = ""
    try:
        if playlist.plex_rating_key is None:
            ref = plex_playlists.create_playlist(
                settings, playlist.title, keys, summary, known_server=known_server, on_created=created
            )
            problem = ref.problem
            recreated = False
        else:
            old_key = playlist.plex_rating_key
            result = plex_playlists.replace_playlist_items(
                settings,
                int(old_key),
                keys,
                title=playlist.title,
                summary=summary,
                recreate=playlist.recreate_if_deleted,
                identity=plex_identity(playlist),
                known_server=known_server,
                on_created=created,
            )
            recreated = result.recreated
            if recreated:
                log.warning(
                    "Plex playlist '%s' (ratingKey %s) was gone or not the app's; recreated as ratingKey %s",
                    playlist.title, old_key, result.rating_key,
                )
            _record(playlist, result.rating_key, result.title or playlist.plex_title or playlist.title, result.identity)
            problem = result.problem
    except PlexServerChanged as exc:
        playlist.status = PlaylistStatus.PENDING_PLEX
        playlist.status_message = f"Not written to Plex: {exc}"
        log.warning("Playlist '%s' not written to Plex: %s", playlist.title, exc)
        return WriteOutcome(False, playlist.status_message)
    except PlexError as exc:
        if exc.playlist_gone:
            playlist.status = PlaylistStatus.DELETED_IN_PLEX
            playlist.status_message = "This playlist was deleted in Plex. Use “Write to Plex” to recreate it."
            return WriteOutcome(False, playlist.status_message)
        playlist.status = PlaylistStatus.PENDING_PLEX
        playlist.status_message = f"Not yet in Plex: {exc} It will be written by the next rescan, or use “Write to Plex”."
        log.warning("Playlist '%s' not written to Plex: %s", playlist.title, exc)
        return WriteOutcome(False, playlist.status_message)
    playlist.written_rating_keys = keys
    playlist.last_written_at = utcnow()
    playlist.status = PlaylistStatus.SYNCED
    playlist.status_message = problem
    message = f"Plex playlist updated ({len(keys)} tracks)" + (f". {problem}" if problem else "")
    return WriteOutcome(True, message, recreated=recreated)


def describe_change(outcome: MatchOutcome, missing_before: int) -> str:
    """A sentence for the history: "2 of 5 missing tracks are now in your library: A – B, …"."""
    parts = []
    if outcome.newly_matched:
        names = ", ".join(f"{t.artist} – {t.title}" for t in outcome.newly_matched[:5])
        more = f" and {len(outcome.newly_matched) - 5} more" if len(outcome.newly_matched) > 5 else ""
        parts.append(
            f"{len(outcome.newly_matched)} of {missing_before} missing tracks are now in your library: {names}{more}"
        )
    if outcome.lost:
        names = ", ".join(f"{t.artist} – {t.title}" for t in outcome.lost[:5])
        parts.append(f"{len(outcome.lost)} no longer found in the library: {names}")
    if not parts:
        parts.append(f"No change: {outcome.matched} of {outcome.total} tracks in your library")
    return "; ".join(parts) + "."


def record_history(playlist: Playlist, kind: str, outcome: MatchOutcome, wrote: bool, message: str) -> RescanRecord:
    """Append a history row (match counts over time) to ``playlist``."""
    record = RescanRecord(
        kind=kind,
        matched=outcome.matched,
        total=outcome.total,
        added=len(outcome.newly_matched),
        removed=len(outcome.lost),
        wrote_to_plex=wrote,
        message=message[:2000],
        at=utcnow(),
    )
    playlist.rescans.append(record)
    return record


def local_time(value: dt.datetime | None) -> str:
    """Format an aware datetime in the server's local time zone (``TZ``), minutes precision."""
    if value is None:
        return "never"
    return value.astimezone().strftime("%Y-%m-%d %H:%M")
