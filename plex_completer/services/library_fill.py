"""Fill a playlist from the user's own library when the wish list falls short (issue 18).

After a generation is matched, :func:`fill_from_library` asks for the tracks still
missing to the requested length: one grounded AI request (:func:`plex_completer.ai.pick_fillers`,
the same cascade with its cooldowns and attempt records) over a numbered candidate list
drawn from the library index (:mod:`.fill_candidates`). The AI answers with line numbers;
each is checked again here against the list and the index, so a filler is always a
library track of the list. Fillers become ``SuggestedTrack`` rows with ``filler=True``,
spread among the matched tracks in the order the AI gave (not appended as a block), and
the wish list stays as it was.

Filling never fails a job: when no provider answers, or the library has nothing to
offer, the playlist keeps what matched and the job message says why.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass

from ..config import current_settings
from ..jobs import JobContext
from ..limits import FILL_MODES
from ..matching import Matcher
from ..models import Generation, MatchOverride, Playlist, SuggestedTrack, utcnow
from . import ai_call_cap, library_tags
from .fill_candidates import GEMINI_LINES, OLLAMA_LINES, CandidateRequest, FillIndex, sample_candidates
from .match_and_write import FILLER_REASON, MatchOutcome, effective_rating_key, ordered_rating_keys

log = logging.getLogger(__name__)

_lock = threading.Lock()
_cached: tuple[Matcher, FillIndex] | None = None


def fill_index_for(matcher: Matcher) -> FillIndex:
    """The :class:`FillIndex` of ``matcher``'s library entries and the index's tags
    (:func:`.library_tags.track_tags`), built once per matcher (the matcher cache
    rebuilds the matcher when the library index changes; a sync that changes tags
    changes the index version too)."""
    global _cached
    with _lock:
        if _cached is not None and _cached[0] is matcher:
            return _cached[1]
        index = FillIndex.build(matcher.entries, library_tags.track_tags())
        _cached = (matcher, index)
        return index


@dataclass
class FillOutcome:
    """What :func:`fill_from_library` did: ``wanted`` fillers (0 when the playlist was
    long enough), ``added`` of them stored, ``provider`` the display name of the model
    that picked them, ``note`` a sentence for the job message (starts with a space, or
    empty)."""

    wanted: int = 0
    added: int = 0
    provider: str = ""
    note: str = ""
    kind: str = ""
    model: str = ""


def fill_mode_of(playlist: Playlist) -> str:
    """How ``playlist`` is filled: ``fill``, ``library`` or ``wish`` (issue 18, modes).

    The mode is stored when the playlist is generated (``Playlist.fill_mode``, migration
    0009: the form's choice or the ``FILL_MODE`` setting of that moment). A playlist
    stored before that has none; its track list tells: one with fillers was filled
    (``fill``), one without was a wish list (``wish``), as regenerate treated them before.
    """
    if playlist.fill_mode in FILL_MODES:
        return playlist.fill_mode
    return "fill" if has_fillers(playlist.current_generation) else "wish"


def fill_mode_label(playlist: Playlist) -> str:
    """The form's words for the playlist's mode ("Fill from my library", ...)."""
    return FILL_MODES[fill_mode_of(playlist)]


def has_fillers(generation: Generation | None) -> bool:
    """True when ``generation`` holds fillers: its playlist was made to be filled, so a
    new track list (regenerate, scheduled refresh) is filled again."""
    return generation is not None and any(t.filler for t in generation.tracks)


def interleave(tracks: list[SuggestedTrack], fillers: list[SuggestedTrack]) -> list[SuggestedTrack]:
    """``tracks`` (the wish list, in AI order) with ``fillers`` spread evenly among the
    tracks that are in the Plex playlist, fillers in their own order; tracks without a
    library track keep their places relative to the others. Pure; positions untouched."""
    playable = sum(1 for t in tracks if effective_rating_key(t) is not None)
    f = len(fillers)
    total = playable + f
    before: dict[int, list[SuggestedTrack]] = {}
    j = taken = 0
    for i in range(total):  # Bresenham: slot i is a filler when the filler share steps up
        if (i + 1) * f // total > i * f // total:
            before.setdefault(j, []).append(fillers[taken])
            taken += 1
        else:
            j += 1
    out: list[SuggestedTrack] = []
    j = 0
    for t in tracks:
        if effective_rating_key(t) is not None:
            out.extend(before.get(j, ()))
            j += 1
        out.append(t)
    out.extend(before.get(playable, ()))
    return out


def fill_from_library(ctx: JobContext, playlist: Playlist, outcome: MatchOutcome, matcher: Matcher) -> FillOutcome:
    """Fill ``playlist``'s current generation up to ``playlist.track_count`` from the
    library (issue 18); ``outcome`` is the wish list's match result.

    At most one fill request (one cascade run) per call; none when the playlist is long
    enough, the library has no candidate, or the job is scheduled and the daily AI-call
    cap (:mod:`.ai_call_cap`) is used up. Needs an app context; adds rows to the session
    (the caller commits). Never raises for AI failures: the note says what happened.
    """
    generation = playlist.current_generation
    if generation is None:
        return FillOutcome()
    in_plex = ordered_rating_keys(playlist)
    wanted = playlist.track_count - len(in_plex)
    if wanted <= 0:
        return FillOutcome()
    settings = current_settings()
    if ctx.job.trigger == "schedule" and ai_call_cap.cap_status(settings).reached:
        return FillOutcome(wanted, note=" Not filled from your library: the scheduler's daily AI call cap is used up.")
    index = fill_index_for(matcher)
    seed = int.from_bytes(hashlib.sha256(f"{playlist.id}:{playlist.prompt}".encode()).digest()[:8], "big")
    named = [(t.artist, t.year) for t in generation.tracks if not t.filler]
    candidates = sample_candidates(index, CandidateRequest(playlist.prompt, named, in_plex, GEMINI_LINES, seed))
    if not candidates:
        return FillOutcome(wanted, note=" Your library has no other tracks to fill the playlist with.")
    wanted = min(wanted, len(candidates))
    from ..ai import AllProvidersFailed, FillRequest, pick_fillers

    matched_lines = [f"{e.track_artist or e.album_artist} – {e.title}" for key in in_plex if (e := index.entry(key))]
    request = FillRequest(playlist.prompt, wanted, matched_lines, [c.text() for c in candidates], compact_lines=OLLAMA_LINES)
    ctx.progress(step="Filling from your library")
    try:
        result = pick_fillers(settings, request, job_id=ctx.job_id, on_step=lambda step: ctx.progress(step=f"{step} to fill"))
    except AllProvidersFailed as exc:
        log.warning("Playlist '%s' not filled from the library: %s", playlist.title, exc)
        return FillOutcome(wanted, note=" It could not be filled from your library: no AI provider picked tracks this time.")
    now = utcnow()
    taken = set(in_plex)
    fillers: list[SuggestedTrack] = []
    for number in result.picks:
        if not 1 <= number <= len(candidates):
            continue  # validated by the cascade already; checked again, the AI is untrusted
        cand = candidates[number - 1]
        if cand.rating_key in taken or index.entry(cand.rating_key) is None or len(fillers) >= wanted:
            continue
        taken.add(cand.rating_key)
        fillers.append(SuggestedTrack(
            position=0, artist=cand.artist[:300], title=cand.title[:300], album=cand.album[:300] or None, year=cand.year,
            matched_rating_key=cand.rating_key, score=100.0, reason=FILLER_REASON, matched_at=now, filler=True,
        ))
    if not fillers:
        return FillOutcome(wanted, provider=result.display_name, note=" No track from your library was picked to fill it.")
    ordered = interleave(list(generation.tracks), fillers)
    for position, track in enumerate(ordered, start=1):
        track.position = position
    generation.tracks = ordered
    added = len(fillers)
    log.info("Playlist '%s' filled with %d tracks from the library by %s", playlist.title, added, result.display_name)
    return FillOutcome(
        wanted, added, result.display_name,
        f" {added} more from your library, picked by {result.display_name}, bring it to {len(in_plex) + added} tracks.",
        result.provider, result.model,
    )


def new_library_playlist(ctx: JobContext, prompt: str, count: int, owner: str | None, matcher: Matcher) -> tuple[Playlist, FillOutcome]:
    """The "Only tracks from my library" mode (issue 18): a playlist with no wish list,
    filled by one grounded request over the library. Returns the new playlist (added to
    the session, with its generation) and the fill's outcome.

    Raises :class:`~plex_completer.errors.UserFacingError` when nothing was picked; the
    playlist is then deleted again (nothing half made is kept).
    """
    from ..errors import UserFacingError
    from ..extensions import db
    from ..models import PlaylistStatus

    playlist = Playlist(title=prompt.strip()[:200] or "AI playlist", description="", prompt=prompt, track_count=count,
                        owner=owner, status=PlaylistStatus.PENDING_PLEX, fill_mode="library")
    db.session.add(playlist)
    db.session.flush()
    ctx.job.playlist_id = playlist.id
    db.session.commit()
    fill = library_generation(ctx, playlist, matcher)
    if not fill.added:
        ctx.job.playlist_id = None
        db.session.delete(playlist)
        db.session.commit()
        raise UserFacingError("No tracks could be picked from your library." + fill.note)
    return playlist, fill


def library_generation(ctx: JobContext, playlist: Playlist, matcher: Matcher) -> FillOutcome:
    """A new track list for an "Only tracks from my library" playlist: one grounded
    request over the library (no wish list), appended as the playlist's current
    generation when something was picked. When nothing was (no provider answered, the
    daily AI call cap of a scheduled job, nothing listed), the new generation is removed
    again, the previous track list stays, and the outcome's note says why. Needs an app
    context; the caller commits."""
    from ..extensions import db

    previous = playlist.current_generation
    generation = Generation(prompt=playlist.prompt, provider="", model="", created_at=utcnow())
    playlist.generations.append(generation)
    db.session.flush()
    fill = fill_from_library(ctx, playlist, MatchOutcome(), matcher)
    if not fill.added:
        playlist.generations.remove(generation)  # delete-orphan: the row goes with the flush
        db.session.flush()
        assert playlist.current_generation is previous
        return fill
    generation.provider, generation.model = fill.kind, fill.model
    generation.ai_title = playlist.title
    playlist.provider, playlist.model = fill.kind, fill.provider
    return fill


def alive_fillers(playlist: Playlist) -> set[int]:
    """Ids of the playlist's fillers that resolve to a library track now (call before a
    rescan re-matches, to tell afterwards which fillers left the library)."""
    generation = playlist.current_generation
    if generation is None:
        return set()
    return {t.id for t in generation.tracks if t.filler and effective_rating_key(t) is not None}


def refill_after_loss(
    ctx: JobContext, playlist: Playlist, outcome: MatchOutcome, matcher: Matcher, alive_before: set[int]
) -> FillOutcome:
    """Fill again on a rescan (issue 18): when matched wish-list tracks (``outcome.lost``)
    or fillers (alive before the rescan: ``alive_before``, from :func:`alive_fillers`)
    left the library and the Plex playlist is now shorter than asked, one
    grounded request (:func:`fill_from_library`: the same cascade, counted against the
    scheduled AI-call cap, skipped when the cap is used up) brings it back to length;
    the fillers that left are then dropped from the track list. Nothing for a "wish"
    playlist (it never gets fillers). The outcome's note says what happened, for the
    rescan history. Needs an app context; the caller commits."""
    mode = fill_mode_of(playlist)
    generation = playlist.current_generation
    if mode == "wish" or generation is None:
        return FillOutcome()
    gone = [t for t in generation.tracks if t.filler and t.override is None and effective_rating_key(t) is None]
    lost_fillers = [t for t in gone if t.id in alive_before]
    if not (outcome.lost or lost_fillers) or len(ordered_rating_keys(playlist)) >= playlist.track_count:
        return FillOutcome()
    left = len(outcome.lost) + len(lost_fillers)
    lead = f" {left} track{'s' if left != 1 else ''} left your library."
    fill = fill_from_library(ctx, playlist, outcome, matcher)
    if fill.added and gone:
        kept = [t for t in playlist.current_generation.tracks if t not in gone]
        for position, track in enumerate(kept, start=1):
            track.position = position
        playlist.current_generation.tracks = kept
    fill.note = lead + (fill.note or " The playlist stays shorter than asked.")
    return fill


def replace_fillers(playlist: Playlist, outcome: MatchOutcome) -> list[SuggestedTrack]:
    """Completion over time (issue 18): wish-list tracks that arrived in the library
    (``outcome.newly_matched``, from a rescan) take the places of fillers one for one,
    so the Plex playlist keeps ``playlist.track_count`` tracks. For each arrived track
    the filler nearest to it in the list goes (its row is deleted with the next
    commit). Only fillers beyond the requested length are replaced: a playlist that is
    still short keeps them all. Returns the fillers removed (in the session, detached
    from the generation). No AI call.
    """
    generation = playlist.current_generation
    if generation is None or not outcome.newly_matched:
        return []
    alive = [t for t in generation.tracks
             if t.filler and t.override != MatchOverride.REMOVED and effective_rating_key(t) is not None]
    excess = len(ordered_rating_keys(playlist)) - playlist.track_count
    removed: list[SuggestedTrack] = []
    for arrived in outcome.newly_matched:
        if len(removed) >= excess or not alive:
            break
        nearest = min(alive, key=lambda t: (abs(t.position - arrived.position), -t.position))
        alive.remove(nearest)
        removed.append(nearest)
    if removed:
        kept = [t for t in generation.tracks if t not in removed]
        for position, track in enumerate(kept, start=1):
            track.position = position
        generation.tracks = kept
    return removed


def replacement_sentence(removed: list[SuggestedTrack]) -> str:
    """``" 2 tracks you were missing arrived and replaced fillers."`` (empty for none)."""
    n = len(removed)
    if not n:
        return ""
    return f" {n} track{'s' if n != 1 else ''} you were missing arrived and replaced {'fillers' if n != 1 else 'a filler'}."
