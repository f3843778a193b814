"""Playlist job functions: what runs in a scheduler thread for generate, regenerate,
rescan and write jobs (the enqueueing side is :mod:`.playlists`).

Every function needs an app context. AI failures of every provider fail the job and
store nothing; Plex failures never lose the stored track list (see :mod:`.sync_playlist`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import sqlalchemy as sa

from ..config import current_settings as _settings
from ..errors import JobPostponed, UserFacingError
from ..extensions import db
from ..jobs import JobContext, job_kind
from ..models import Generation, Playlist, PlaylistStatus, SuggestedTrack, utcnow
from . import library_fill, matcher_cache, plex_users
from .kept_choices import carry_over_choices, describe_kept
from .match_and_write import (
    Counts,
    apply_matches,
    describe_change,
    playlist_counts,
    record_history,
    shown_counts,
    write_to_plex,
)
from .playlist_lookup import get_playlist as _get_playlist

log = logging.getLogger(__name__)


def _taste_seed(rating_key: str | None, owner_id: int | None = None) -> tuple[list[str], str]:
    """``(lines, note)``: up to 30 "Artist – Title" lines of the taste-seed playlist, and
    a sentence for the user when it could not be read (empty when it was, or none was
    chosen). Read with the token of ``owner_id`` (issue 16: the seed is one of that
    user's playlists). The generation goes on without a seed either way."""
    if not rating_key:
        return [], ""
    from ..plex import playlist_writes as plex_playlists
    from ..plex.errors import PlexError

    try:
        return plex_users.call_as_owner(
            owner_id, lambda settings: plex_playlists.playlist_track_sample(settings, int(rating_key), limit=30)), ""
    except PlexError as exc:
        log.warning("Taste seed skipped: %s", exc)
        if exc.playlist_gone:
            return [], "The taste-seed playlist you picked no longer exists in Plex, so the AI worked from your description alone."
        return [], "The taste-seed playlist could not be read from Plex, so the AI worked from your description alone."


def _listening_seed(account_id: int | None) -> tuple[list[str], str]:
    """``(lines, note)`` of "based on what I've been playing" (issue 16), like :func:`_taste_seed`."""
    if account_id is None:
        return [], ""
    from .listening_seed import fetch_listening_seed

    return fetch_listening_seed(_settings(), account_id=int(account_id))


def _ask_ai(ctx: JobContext, prompt: str, count: int, *, taste_seed=(), previous_tracks=(), keep_share: float = 0.0, trigger: str = "user",
            listening=()):
    from ..ai import AllProvidersFailed, GenerationRequest, generate_draft

    request = GenerationRequest(
        prompt=prompt, count=count, taste_seed=list(taste_seed), previous_tracks=list(previous_tracks), keep_share=keep_share,
        listening=list(listening),
    )
    try:
        return generate_draft(_settings(), request, job_id=ctx.job_id, on_step=lambda step: ctx.progress(step=step))
    except AllProvidersFailed as exc:
        # A scheduled job that failed only on quotas or 5xx/timeouts is postponed, not failed.
        if trigger == "schedule" and (exc.all_quota_exhausted or exc.server_errors_only):
            raise JobPostponed(str(exc)) from exc
        raise UserFacingError(str(exc)) from exc


def _store_generation(playlist: Playlist, draft: Any, result: Any, prompt: str) -> Generation:
    generation = Generation(
        prompt=prompt,
        provider=result.provider,
        model=result.model,
        ai_title=(draft.title or "")[:200],
        ai_description=draft.description or "",
        ai_note=result.cut_note,
        created_at=utcnow(),
    )
    for position, item in enumerate(draft.tracks, start=1):
        generation.tracks.append(
            SuggestedTrack(position=position, artist=item.artist, title=item.title, album=item.album, year=item.year)
        )
    playlist.generations.append(generation)
    playlist.provider = result.provider
    playlist.model = result.display_name
    return generation


def _cut_sentence(result: Any) -> str:
    """The sentence " The AI's answer was cut: 43 of 100 tracks." when the cascade kept a
    cut answer (``CascadeResult.cut_note``), else ""."""
    note = result.cut_note
    return f" {note[:1].upper()}{note[1:]}." if note else ""


def _finish(ctx: JobContext, playlist: Playlist, kind: str, outcome: Any, before: Counts | None, note: str = "") -> dict[str, Any]:
    ctx.progress(step="Writing to Plex")
    write = write_to_plex(playlist)
    after = playlist_counts(playlist)
    message = describe_change(kind, before, after, outcome)
    if not write.wrote and playlist.status == PlaylistStatus.PENDING_PLEX:
        message += " " + playlist.status_message
    if write.edits:
        message += " " + write.edits
    if note:
        message += " " + note
    record_history(playlist, kind, before, after, write.wrote, message)
    if kind != "generate":
        playlist.last_rescan_at = utcnow()
    db.session.commit()
    return {
        "message": message,
        "playlist_id": playlist.id,
        "matched": outcome.matched,
        "total": outcome.total,
        "wrote_to_plex": write.wrote,
        "plex_rating_key": playlist.plex_rating_key,
        "status": playlist.status,
    }


@job_kind("generate")
def run_generation(ctx: JobContext, prompt: str, count: int, owner: str | None = None, taste_seed_rating_key: str | None = None,
                   fill_mode: str | None = None, owner_id: int | None = None,
                   listening_account_id: int | None = None) -> dict[str, Any]:
    """Job: prompt → AI cascade → store the track list → match → fill from the library
    when short (issue 18) → write the Plex playlist.

    ``fill_mode`` (``fill``, ``library``, ``wish``; None: the ``FILL_MODE`` setting)
    says how the playlist is filled. ``owner_id`` is the ``PlexUser`` the playlist is
    made for (issue 16; None: the server owner): it is written with their token.
    ``listening_account_id`` (a PMS accountID, 1 for the server owner) adds what that
    account played most lately to the prompt (issue 16). An AI failure of every provider
    fails the job and stores nothing.
    """
    mode = fill_mode or _settings().FILL_MODE
    if mode == "library":
        return _run_library_only(ctx, prompt, count, owner, owner_id)
    ctx.progress(0, 4, "Asking the AI")
    seed, seed_note = _taste_seed(taste_seed_rating_key, owner_id)
    listening, listening_note = _listening_seed(listening_account_id)
    seed_note = " ".join(n for n in (seed_note, listening_note) if n)
    result = _ask_ai(ctx, prompt, count, taste_seed=seed, listening=listening)
    draft = result.draft
    ctx.progress(1, 4, f"Matching {len(draft.tracks)} tracks")
    title = (draft.title or prompt).strip()[:200] or "AI playlist"
    playlist = Playlist(
        title=title, description=draft.description or "", prompt=prompt, track_count=count, owner=owner,
        owner_id=owner_id, status=PlaylistStatus.PENDING_PLEX, fill_mode=mode,
    )
    _store_generation(playlist, draft, result, prompt)
    db.session.add(playlist)
    db.session.flush()
    ctx.job.playlist_id = playlist.id
    matcher = matcher_cache.get_matcher()
    outcome = apply_matches(playlist, matcher)
    db.session.commit()  # the AI track list is safe before we talk to Plex (and the fill's AI call)
    fill = library_fill.FillOutcome()
    if mode == "fill":
        fill = library_fill.fill_from_library(ctx, playlist, outcome, matcher)  # issue 18: at most one request
    db.session.commit()
    ctx.progress(2, 4, "Writing to Plex")
    out = _finish(ctx, playlist, "generate", outcome, None, note=(_cut_sentence(result) + fill.note).strip())
    out["provider"] = result.display_name
    out["fillers"] = fill.added
    out["message"] = f"{out['message']} Written by {result.display_name}." + (f" {seed_note}" if seed_note else "")
    log.info("Playlist '%s' generated with %s: %s", playlist.title, result.display_name, out["message"])
    return out


def _run_library_only(ctx: JobContext, prompt: str, count: int, owner: str | None, owner_id: int | None) -> dict[str, Any]:
    """The "Only tracks from my library" mode (issue 18): one grounded request, no wish list."""
    ctx.progress(0, 3, "Picking from your library")
    matcher = matcher_cache.get_matcher()
    playlist, fill = library_fill.new_library_playlist(ctx, prompt, count, owner, matcher)
    playlist.owner_id = owner_id
    return _finish_library_picks(ctx, playlist, matcher, fill, "generate", None,
                                 f"{fill.added} tracks from your library, picked by {fill.provider}.")


def _finish_library_picks(ctx: JobContext, playlist: Playlist, matcher: Any, fill: Any, kind: str,
                          before: Counts | None, message: str) -> dict[str, Any]:
    """Match, write and record a track list of library picks only ("Only tracks from my
    library"), with ``message`` as the job's and the history's sentence."""
    outcome = apply_matches(playlist, matcher)
    db.session.commit()
    out = _finish(ctx, playlist, kind, outcome, before)
    if not out["wrote_to_plex"] and playlist.status == PlaylistStatus.PENDING_PLEX:
        message += " " + playlist.status_message
    playlist.rescans[-1].message = message
    db.session.commit()
    out.update(message=message, provider=fill.provider, fillers=fill.added)
    return out


def regenerate_playlist(
    ctx: JobContext, playlist: Playlist, *, trigger: str = "user", keep_share: float = 0.0, history_kind: str = "regenerate"
) -> dict[str, Any]:
    """Ask the AI again with the stored prompt; add a new track list, match, and merge it
    into the Plex playlist in place (edits made in Plex kept). The user's choices for
    suggestions that come back are kept. The previous track lists stay in the history,
    where this run's row is of ``history_kind`` ("regenerate", or "refresh" when scheduled).

    The playlist's fill mode holds (issue 18, :func:`.library_fill.fill_mode_of`): "fill"
    fills the new list when short, "wish" never does, "library" asks for new picks from
    the library instead of a wish list (:func:`_regenerate_library_only`)."""
    mode = library_fill.fill_mode_of(playlist)
    if mode == "library":
        return _regenerate_library_only(ctx, playlist, trigger=trigger, history_kind=history_kind)
    # The AI always hears what it chose last time: keep_share says how much to keep,
    # and the rest must not repeat.
    previous = []
    if playlist.current_generation is not None and trigger == "schedule":
        previous = [f"{t.artist} – {t.title}" for t in playlist.current_generation.tracks]
    ctx.progress(0, 4, "Asking the AI")
    result = _ask_ai(ctx, playlist.prompt, playlist.track_count, previous_tracks=previous, keep_share=keep_share, trigger=trigger)
    before = shown_counts(playlist)
    previous_generation = playlist.current_generation
    generation = _store_generation(playlist, result.draft, result, playlist.prompt)
    kept_note = describe_kept(carry_over_choices(previous_generation, generation))
    ctx.progress(1, 4, f"Matching {len(result.draft.tracks)} tracks")
    matcher = matcher_cache.get_matcher()
    outcome = apply_matches(playlist, matcher)
    db.session.commit()
    fill = library_fill.FillOutcome()
    if mode == "fill":  # issue 18: a playlist made to be filled stays full
        fill = library_fill.fill_from_library(ctx, playlist, outcome, matcher)
        db.session.commit()
    ctx.progress(2, 4, "Writing to Plex")
    out = _finish(ctx, playlist, history_kind, outcome, before,
                  note=" ".join(filter(None, [_cut_sentence(result).strip(), kept_note, fill.note.strip()])))
    out["fillers"] = fill.added
    out["provider"] = result.display_name
    out["message"] = (
        f"New track list by {result.display_name}: {outcome.matched} of {outcome.total} tracks in your library."
        + _cut_sentence(result)
        + ("" if out["wrote_to_plex"] or playlist.status == PlaylistStatus.SYNCED else " " + playlist.status_message)
        + (f" {kept_note}" if kept_note else "")
        + fill.note
    )
    return out


def _regenerate_library_only(ctx: JobContext, playlist: Playlist, *, trigger: str, history_kind: str) -> dict[str, Any]:
    """Regenerate an "Only tracks from my library" playlist: new picks from the library
    (one grounded request), never a wish list. When nothing is picked the previous list
    stays; the job is postponed when a scheduled run met the daily AI call cap or only
    quota answers, and fails with the reason otherwise."""
    ctx.progress(0, 3, "Picking from your library")
    before = shown_counts(playlist)
    matcher = matcher_cache.get_matcher()
    fill = library_fill.library_generation(ctx, playlist, matcher)
    if not fill.added:
        db.session.commit()
        message = "No new tracks could be picked from your library; the previous ones stay." + fill.note
        if trigger == "schedule":
            raise JobPostponed(message)
        raise UserFacingError(message)
    return _finish_library_picks(ctx, playlist, matcher, fill, history_kind, before,
                                 f"New picks from your library: {fill.added} tracks, picked by {fill.provider}.")


@job_kind("regenerate")
def run_regenerate(ctx: JobContext, playlist_id: int) -> dict[str, Any]:
    """Job: :func:`regenerate_playlist` for one playlist."""
    return regenerate_playlist(ctx, _get_playlist(playlist_id))


def rescan_playlist(playlist: Playlist, matcher: Any, ctx: JobContext | None = None) -> dict[str, Any]:
    """Re-match one stored track list and write to Plex only on change. No AI call,
    except one fill request (with ``ctx``, the job running the rescan) when tracks left
    the library and the playlist fell below its length (issue 18,
    :func:`.library_fill.refill_after_loss`)."""
    before = shown_counts(playlist)
    before_keys = list(playlist.written_rating_keys or [])
    fillers_before = library_fill.alive_fillers(playlist)
    outcome = apply_matches(playlist, matcher)
    replaced = library_fill.replace_fillers(playlist, outcome)  # issue 18: arrivals take fillers' places
    refill = library_fill.FillOutcome()
    if ctx is not None:
        db.session.commit()  # the matches are safe before the fill's AI call
        refill = library_fill.refill_after_loss(ctx, playlist, outcome, matcher, fillers_before)
    write = write_to_plex(playlist)
    after = playlist_counts(playlist)
    message = describe_change("rescan", before, after, outcome) + library_fill.replacement_sentence(replaced) + refill.note
    if write.edits:
        message += " " + write.edits
    changed = bool(outcome.newly_matched or outcome.lost or refill.note or write.wrote
                   or (before is not None and before != after))
    if changed:
        record_history(playlist, "rescan", before, after, write.wrote, message)
    playlist.last_rescan_at = utcnow()
    db.session.commit()
    return {
        "changed": changed,
        "wrote": write.wrote,
        "added": len(set(playlist.written_rating_keys or []) - set(before_keys)) if write.wrote else 0,
        "message": message,
    }


@job_kind("rescan")
def run_rescan(ctx: JobContext, playlist_id: int | None = None, owner_id: int | None = None) -> dict[str, Any]:
    """Job: rescan one playlist or all of them (all of ``owner_id``'s when given, issue 16)
    against the current library index."""
    started = time.perf_counter()
    if playlist_id is not None:
        playlist = _get_playlist(playlist_id)
        ctx.progress(0, 1, f"Matching {playlist.suggested_count} tracks")
        out = rescan_playlist(playlist, matcher_cache.get_matcher(), ctx)
        return {"message": out["message"], "playlist_id": playlist_id, "wrote_to_plex": out["wrote"]}
    query = sa.select(Playlist.id).order_by(Playlist.id)
    if owner_id is not None:
        query = query.where(plex_users.owner_clause(owner_id))
    ids = list(db.session.scalars(query))
    ctx.progress(0, len(ids), "Loading the library index")
    matcher = matcher_cache.get_matcher()
    updated = added = 0
    for done, pid in enumerate(ids, start=1):
        playlist = db.session.get(Playlist, pid)
        if playlist is None:
            continue
        out = rescan_playlist(playlist, matcher, ctx)
        updated += int(out["wrote"])
        added += out["added"]
        ctx.progress(done, len(ids), f"Rescanned '{playlist.title}'", force=False)
    message = f"Rescan: {len(ids)} playlists checked, {updated} updated, +{added} tracks in {time.perf_counter() - started:.1f} s"
    log.info(message)
    return {"message": message, "checked": len(ids), "updated": updated, "added": added}


@job_kind("write_playlist")
def run_write(
    ctx: JobContext, playlist_id: int, history_kind: str | None = None, history_note: str = ""
) -> dict[str, Any]:
    """Job: write a playlist to Plex now (retry of "not yet in Plex", or recreate). With
    ``history_kind`` ("put back", "reset") the write gets a history row that starts with
    ``history_note``."""
    playlist = _get_playlist(playlist_id)
    ctx.progress(0, 1, "Writing to Plex")
    if playlist.status == PlaylistStatus.DELETED_IN_PLEX:
        playlist.plex_rating_key = None
        playlist.written_rating_keys = None
    write = write_to_plex(playlist, force=True)
    said = write.message if write.message.endswith(".") else write.message + "."
    message = " ".join(part for part in (history_note, said, write.edits) if part)
    if history_kind:
        counts = playlist_counts(playlist)
        record_history(playlist, history_kind[:20], counts, counts, write.wrote, message)
    db.session.commit()
    if not write.wrote and playlist.status != PlaylistStatus.SYNCED:
        raise UserFacingError(write.message)
    return {"message": message, "playlist_id": playlist_id, "plex_rating_key": playlist.plex_rating_key}
