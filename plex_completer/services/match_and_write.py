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
from ..models import MatchOverride, Playlist, PlaylistStatus, RescanRecord, SuggestedTrack, utcnow
from ..plex import playlist_writes as plex_playlists
from ..plex.errors import PlexError, PlexServerChanged
from ..plex.playlist_writes import PlaylistIdentity, PlaylistState, WritePlan
from . import plex_edits, plex_users
from .playlist_merge import MergeResult, merge_field, merge_keys

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
    """The library track a suggested track resolves to (override first); a track the user
    removed in Plex still counts as in the library (its key is ``override_rating_key``)."""
    if track.override == MatchOverride.ABSENT:
        return None
    if track.override in (MatchOverride.TRACK, MatchOverride.REMOVED):
        return track.override_rating_key
    return track.matched_rating_key


def ordered_rating_keys(playlist: Playlist) -> list[int]:
    """The app's wanted list ("ours" of the merge): matched ratingKeys in AI order, each
    once, without the tracks the user removed in Plex."""
    generation = playlist.current_generation
    if generation is None:
        return []
    seen: set[int] = set(plex_edits.removed_keys(playlist))
    keys: list[int] = []
    for track in generation.tracks:
        key = None if track.override == MatchOverride.REMOVED else effective_rating_key(track)
        if key is not None and key not in seen:
            seen.add(key)
            keys.append(key)
    return keys


def _filler_decision(track: SuggestedTrack, matcher: Matcher) -> MatchDecision:
    """A filler (issue 18) is its library track while the index has it. When that
    ratingKey is gone, the same song is looked for by its artist, title and album: Plex
    gives every track a new ratingKey when a library is re-imported or the server changes
    (issue 13's server switch), and the song is still the user's, so no new pick (nor AI
    call) is needed. Only a match the matcher accepts counts."""
    key = track.matched_rating_key
    if key is not None and matcher.entry(key) is not None:
        return MatchDecision(key, 100.0, FILLER_REASON, "filler")
    again = matcher.match(Suggestion(artist=track.artist, title=track.title, album=track.album, year=track.year))
    if again.rating_key is not None:
        return MatchDecision(again.rating_key, float(again.score),
                             f"{FILLER_REASON}; found again under a new ratingKey ({again.reason})", "filler")
    return MatchDecision(None, 0.0, "This filler is no longer in your library", "filler")


@dataclass(frozen=True)
class Counts:
    """A playlist's numbers: ``in_library`` of ``total`` suggestions resolve to a library
    track; ``missing`` is the rest (no match, or "not in my library")."""

    in_library: int = 0
    total: int = 0

    @property
    def missing(self) -> int:
        """Suggestions without a library track."""
        return self.total - self.in_library


def playlist_counts(playlist: Playlist) -> Counts:
    """The one place the numbers come from (the header, the track filters, every history
    row): the current track list's suggestions that resolve to a library track (the
    matcher's match, the user's manual match, or a track the user removed in Plex: it is
    in the library, just not in the playlist) out of all of them."""
    generation = playlist.current_generation
    if generation is None:
        return Counts()
    tracks = [t for t in generation.tracks if not t.filler]  # fillers (issue 18) are not suggestions
    return Counts(sum(1 for t in tracks if effective_rating_key(t) is not None), len(tracks))


def shown_counts(playlist: Playlist) -> Counts | None:
    """The numbers the playlist showed before a job changes it (stored by the last
    :func:`apply_matches`, so also before a manual match that is not yet rescanned);
    None before the first track list."""
    if not playlist.generations:
        return None
    return Counts(playlist.matched_count or 0, playlist.suggested_count or 0)


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
    # A track removed in Plex stays matched to the track that was removed.
    overrides = [
        Override(kind="track" if t.override == MatchOverride.REMOVED else t.override, rating_key=t.override_rating_key)
        if t.override else None
        for t in wished
    ]
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
    counts = playlist_counts(playlist)
    outcome.total, outcome.matched = counts.total, counts.in_library
    playlist.matched_count = counts.in_library
    playlist.suggested_count = counts.total
    return outcome


def plex_summary(playlist: Playlist) -> str:
    """The Plex playlist summary: the prompt, the model that wrote it and the date."""
    generation = playlist.current_generation
    who = generation.model if generation else (playlist.model or "an AI")
    when = (generation.created_at if generation else playlist.created_at) or utcnow()
    return f"{playlist.prompt.strip()}\n\nWritten by {who} on {when.date().isoformat()} · plex-completer"


@dataclass
class WriteOutcome:
    """What :func:`write_to_plex` did: ``wrote`` is False when nothing needed writing;
    ``merge`` is the three-way merge with the edits made in Plex (None when the playlist
    was created or recreated) and ``edits`` a sentence about the edits kept ("" when none)."""

    wrote: bool
    message: str = ""
    recreated: bool = False
    merge: MergeResult | None = None
    edits: str = ""


def _offline_merge(playlist: Playlist, ours: list[int]) -> list[int]:
    """What the merge gives when Plex still holds what the app wrote last (no new edit)."""
    base = playlist.written_rating_keys
    return merge_keys(base, base or [], ours, removed=plex_edits.removed_keys(playlist),
                      added=plex_edits.added_keys(playlist), keep_order=playlist.order_set_in_plex).keys


def _track_names(playlist: Playlist, keys: list[int]) -> list[str]:
    generation = playlist.current_generation
    by_key = {}
    for track in generation.tracks if generation else []:
        key = effective_rating_key(track)
        if key is not None:
            by_key.setdefault(key, f"{track.artist} – {track.title}")
    return [by_key[k] for k in keys if k in by_key]


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
    """Create or update the app's Plex playlist: :func:`ordered_rating_keys` merged three
    ways (:mod:`.playlist_merge`) with the edits made in Plex since the app's last write
    (base: ``written_rating_keys``, ``plex_title``, ``plex_summary``; theirs: the playlist
    read once before the write). Tracks removed in Plex stay out, tracks added there stay
    where the user put them, the user's order and title/description win; what was found
    is recorded (:func:`.plex_edits.record_merge`) and ``WriteOutcome.edits`` says so.

    Writes only when the merged keys differ from the last written ones (or ``force``, or the
    playlist is "not yet in Plex"). A Plex failure never loses anything: the playlist
    is marked "not yet in Plex" with the reason, and the next rescan or a retry writes
    it. A new Plex playlist's ratingKey and identity are recorded on ``playlist`` as soon
    as Plex created it, so a failure later in the write never leaves an orphan that the
    next attempt would duplicate. Writes stop while ``PLEX_URL`` reaches another server
    than the index's (confirm it on Settings). When the read-back after the write still
    differs, ``status_message`` says so. Returns a :class:`WriteOutcome`; does not raise
    for Plex errors.
    """
    settings = current_app.config["SETTINGS"]  # the owner's token is put in by plex_users.call_as_owner
    plex_edits.mark_removed_suggestions(playlist)
    ours = ordered_rating_keys(playlist)
    keys = _offline_merge(playlist, ours)
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
    summary_sent = plex_playlists.summary_as_written(summary)
    known_server = plex_playlists.index_server()
    decided: dict[str, object] = {}

    def plan(state: PlaylistState | None) -> WritePlan:
        """The three-way merge, once Plex's playlist was read (``state``)."""
        if state is None:  # gone and recreated: what the app would hold now
            title = playlist.plex_title if playlist.title_set_in_plex and playlist.plex_title else playlist.title
            return WritePlan(keys, title, summary)
        merged = merge_keys(playlist.written_rating_keys, state.keys, ours,
                            removed=plex_edits.removed_keys(playlist), added=plex_edits.added_keys(playlist),
                            keep_order=playlist.order_set_in_plex)
        title = merge_field(playlist.plex_title, state.title, playlist.title, set_in_plex=playlist.title_set_in_plex)
        about = merge_field(playlist.plex_summary, state.summary, summary_sent, set_in_plex=playlist.summary_set_in_plex)
        decided.update(merge=merged, state=state, fields=plex_edits.FieldEdits(
            title.set_in_plex and not playlist.title_set_in_plex, about.set_in_plex and not playlist.summary_set_in_plex))
        return WritePlan(merged.keys, title.write, summary if about.write is not None else None)

    created = lambda ref: _record(playlist, ref.rating_key, ref.title, ref.identity)  # noqa: E731
    problem = ""
    try:
        if playlist.plex_rating_key is None:
            ref = plex_users.call_as_owner(playlist.owner_id, lambda owner_settings: plex_playlists.create_playlist(
                owner_settings, playlist.title, keys, summary, known_server=known_server, on_created=created
            ))
            problem = ref.problem
            recreated = False
        else:
            old_key = playlist.plex_rating_key
            result = plex_users.call_as_owner(playlist.owner_id, lambda owner_settings: plex_playlists.replace_playlist_items(
                owner_settings,
                int(old_key),
                keys,
                title=playlist.title,
                summary=summary,
                recreate=playlist.recreate_if_deleted,
                identity=plex_identity(playlist),
                known_server=known_server,
                on_created=created,
                plan=plan,
            ))
            keys = result.keys
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
    merged = decided.get("merge")
    edits = ""
    if isinstance(merged, MergeResult):
        fields = decided["fields"]
        state = decided["state"]
        plex_edits.record_merge(playlist, merged, fields, plex_title=state.title if fields.title else None)
        edits = plex_edits.describe_edits(merged, fields, _track_names(playlist, merged.newly_removed))
        if not playlist.summary_set_in_plex:
            playlist.plex_summary = summary_sent
    else:
        merged = None
        playlist.plex_summary = summary_sent
    playlist.written_rating_keys = keys
    playlist.last_written_at = utcnow()
    playlist.status = PlaylistStatus.SYNCED
    playlist.status_message = problem
    message = f"Plex playlist updated ({len(keys)} tracks)" + (f". {problem}" if problem else "")
    return WriteOutcome(True, message, recreated=recreated, merge=merged, edits=edits)


def _names(tracks: list[SuggestedTrack]) -> str:
    names = ", ".join(f"{t.artist} – {t.title}" for t in tracks[:5])
    return names + (f" and {len(tracks) - 5} more" if len(tracks) > 5 else "")


def describe_change(kind: str, before: Counts | None, after: Counts, outcome: MatchOutcome | None = None) -> str:
    """The history sentence of one run, from the numbers before and after it (both from
    :func:`playlist_counts`): a first track list says "18 of 20 tracks in your library; 2
    missing."; a new track list (regenerate, refresh) "New track list: 24 of 25 tracks in
    your library (before: 25 of 25)."; a rescan or manual match names the tracks it found
    ("2 of 5 missing tracks are now in your library: …") or lost and says "24 → 25 of 25
    tracks in your library", or "No change: …"."""
    if before is None:
        return f"{after.in_library} of {after.total} tracks in your library; {after.missing} missing."
    if kind in ("regenerate", "refresh"):
        return (f"New track list: {after.in_library} of {after.total} tracks in your library "
                f"(before: {before.in_library} of {before.total}).")
    parts = []
    if outcome is not None and outcome.newly_matched:
        found = len(outcome.newly_matched)
        parts.append(f"{found} of {max(before.missing, found)} missing tracks are now in your library: "
                     f"{_names(outcome.newly_matched)}")
    if outcome is not None and outcome.lost:
        parts.append(f"{len(outcome.lost)} no longer found in the library: {_names(outcome.lost)}")
    if (before.in_library, before.total) != (after.in_library, after.total):
        parts.append(f"{before.in_library} → {after.in_library} of {after.total} tracks in your library")
    else:
        parts.append(f"No change: {after.in_library} of {after.total} tracks in your library")
    return "; ".join(parts) + "."


def record_history(playlist: Playlist, kind: str, before: Counts | None, after: Counts, wrote: bool,
                   message: str) -> RescanRecord:
    """Append a history row to ``playlist``: ``matched``/``total`` are ``after``;
    ``added``/``removed`` how many more or fewer tracks are in the library than
    ``before`` (the first track list: all it found)."""
    change = after.in_library - (before.in_library if before is not None else 0)
    record = RescanRecord(
        kind=kind,
        matched=after.in_library,
        total=after.total,
        added=max(change, 0),
        removed=max(-change, 0),
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
