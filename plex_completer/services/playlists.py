"""Playlist workflows: generate, rescan, regenerate, edit, delete, manual matches.

The ``start_*`` functions only enqueue a job and return its row (a web request or CLI
call never waits on AI or Plex); the ``run_*`` job functions do the work in a
scheduler thread. Every workflow needs an app context.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..jobs import JobContext, UserFacingError, job_kind, runner
from ..models import (
    Generation,
    Job,
    LibrarySyncState,
    LibraryTrack,
    Playlist,
    PlaylistStatus,
    SuggestedTrack,
    utcnow,
)
from . import matcher_cache
from .sync_playlist import apply_matches, describe_change, record_history, write_to_plex

log = logging.getLogger(__name__)

MIN_TRACKS, MAX_TRACKS = 5, 100
MAX_PROMPT_CHARS = 2000


def _settings() -> Any:
    return current_app.config["SETTINGS"]


def _fingerprint(*parts: Any) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:16]


def validate_request(prompt: str, count: int) -> tuple[str, int]:
    """Clean a user's prompt and track count; raises ``ValueError`` with a user message."""
    prompt = " ".join((prompt or "").split())
    if not prompt:
        raise ValueError("Describe the playlist you want, e.g. “rainy Sunday jazz”.")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise ValueError(f"The description is too long ({len(prompt)} characters; at most {MAX_PROMPT_CHARS}).")
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise ValueError("The number of tracks must be a whole number.") from None
    if not MIN_TRACKS <= count <= MAX_TRACKS:
        raise ValueError(f"Choose between {MIN_TRACKS} and {MAX_TRACKS} tracks.")
    return prompt, count


# -- enqueueing (called by routes and the CLI) -----------------------------------------


def start_generation(prompt: str, count: int, owner: str | None = None, taste_seed_rating_key: str | None = None) -> Job:
    """Enqueue a "generate" job; an identical active request returns the same job.

    Raises ``ValueError`` for a bad prompt or count.
    """
    prompt, count = validate_request(prompt, count)
    params = {"prompt": prompt, "count": count, "owner": owner, "taste_seed_rating_key": taste_seed_rating_key}
    key = "generate:" + _fingerprint(prompt.lower(), count, owner, taste_seed_rating_key)
    return runner.enqueue("generate", params, dedupe_key=key)


def start_rescan(playlist_id: int | None = None, trigger: str = "user") -> Job:
    """Enqueue a rescan of one playlist or (``None``) of all; zero AI calls."""
    if playlist_id is not None:
        _get_playlist(playlist_id)
    return runner.enqueue(
        "rescan",
        {"playlist_id": playlist_id},
        dedupe_key=f"rescan:{playlist_id or 'all'}",
        playlist_id=playlist_id,
        trigger=trigger,
    )


def start_regenerate(playlist_id: int, trigger: str = "user") -> Job:
    """Enqueue a new AI call with the playlist's prompt; the old track list stays in the history."""
    _get_playlist(playlist_id)
    return runner.enqueue(
        "regenerate", {"playlist_id": playlist_id}, dedupe_key=f"regenerate:{playlist_id}", playlist_id=playlist_id, trigger=trigger
    )


def start_write_retry(playlist_id: int) -> Job:
    """Enqueue writing a "not yet in Plex" (or deleted-in-Plex) playlist to Plex now."""
    _get_playlist(playlist_id)
    return runner.enqueue("write_playlist", {"playlist_id": playlist_id}, dedupe_key=f"write:{playlist_id}", playlist_id=playlist_id)


def update_details(playlist_id: int, title: str, description: str) -> Playlist:
    """Change title and description; renames the Plex playlist too (best effort).

    Raises ``ValueError`` for an empty or over-long title.
    """
    title = " ".join((title or "").split())
    if not title:
        raise ValueError("The title cannot be empty.")
    if len(title) > 200:
        raise ValueError("The title is too long (at most 200 characters).")
    playlist = _get_playlist(playlist_id)
    playlist.title = title
    playlist.description = (description or "").strip()[:5000]
    if playlist.plex_rating_key and playlist.status == PlaylistStatus.SYNCED:
        write_to_plex(playlist, force=True)
    db.session.commit()
    return playlist


def delete(playlist_id: int, from_plex: bool) -> None:
    """Delete the playlist from the app and (``from_plex``) the app's Plex playlist.

    Raises :class:`UserFacingError` when Plex cannot delete it; nothing is deleted then.
    """
    from ..plex import playlists as plex_playlists
    from ..plex.errors import PlexError

    playlist = _get_playlist(playlist_id)
    if from_plex and playlist.plex_rating_key:
        try:
            plex_playlists.delete_playlist(_settings(), int(playlist.plex_rating_key))
        except PlexError as exc:
            if not getattr(exc, "playlist_gone", False):
                raise UserFacingError(f"Could not delete the playlist in Plex: {exc}") from exc
    log.info("Deleted playlist '%s' (id %s)%s", playlist.title, playlist.id, " and its Plex playlist" if from_plex else "")
    db.session.delete(playlist)
    db.session.commit()


def set_override(suggested_track_id: int, kind: str | None, rating_key: int | None = None) -> Job:
    """Store a manual match ("track" with ``rating_key``, "absent", or ``None`` to clear)
    and enqueue a rescan of its playlist so Plex follows. Raises ``ValueError``."""
    track = db.session.get(SuggestedTrack, suggested_track_id)
    if track is None:
        raise ValueError("That track no longer exists.")
    if kind not in (None, "track", "absent"):
        raise ValueError("Unknown kind of manual match.")
    if kind == "track":
        if rating_key is None or db.session.get(LibraryTrack, int(rating_key)) is None:
            raise ValueError("Pick a track from your library.")
        track.override_rating_key = int(rating_key)
    else:
        track.override_rating_key = None
    track.override = kind
    playlist_id = track.generation.playlist_id
    db.session.commit()
    return start_rescan(playlist_id)


def search_library(text: str, limit: int = 20) -> list[LibraryTrack]:
    """Library index tracks whose title, artist or album contain the words of ``text``."""
    words = [w for w in (text or "").split() if w][:6]
    if not words:
        return []
    query = sa.select(LibraryTrack)
    for word in words:
        like = f"%{word}%"
        query = query.where(
            sa.or_(
                LibraryTrack.title.ilike(like),
                LibraryTrack.album_artist.ilike(like),
                LibraryTrack.track_artist.ilike(like),
                LibraryTrack.album.ilike(like),
            )
        )
    return list(db.session.scalars(query.order_by(LibraryTrack.album_artist, LibraryTrack.album, LibraryTrack.track_number).limit(limit)))


def library_summary() -> dict[str, Any]:
    """Index size and the last syncs: ``{"track_count", "section_title", "last_full_sync_at",
    "last_incremental_sync_at", "last_sync_figures"}``."""
    state = db.session.scalars(sa.select(LibrarySyncState).order_by(LibrarySyncState.section_id)).first()
    count = db.session.execute(sa.select(sa.func.count()).select_from(LibraryTrack)).scalar() or 0
    return {
        "track_count": count,
        "section_title": state.section_title if state else None,
        "last_full_sync_at": state.last_full_sync_at if state else None,
        "last_incremental_sync_at": state.last_incremental_sync_at if state else None,
        "last_sync_figures": state.last_sync_figures if state else None,
    }


def plex_playlists_for_seed() -> list[dict[str, Any]]:
    """The user's Plex audio playlists for the taste-seed picker; raises UserFacingError."""
    from ..plex import playlists as plex_playlists

    settings = _settings()
    if not settings.plex_configured:
        return []
    return [
        {"rating_key": str(p[0]), "title": p[1], "leaf_count": p[2]}
        for p in plex_playlists.list_playlists(settings)
    ]


def plex_web_url(playlist: Playlist) -> str | None:
    """A link that opens the playlist in Plex Web (``PLEX_URL/web``), or None."""
    settings = _settings()
    if not (settings.PLEX_URL and playlist.plex_rating_key):
        return None
    from urllib.parse import quote

    key = quote(f"/playlists/{playlist.plex_rating_key}", safe="")
    return f"{settings.PLEX_URL}/web/index.html#!/server/-/playlist?key={key}"


def _get_playlist(playlist_id: int) -> Playlist:
    playlist = db.session.get(Playlist, playlist_id)
    if playlist is None:
        raise ValueError(f"Playlist {playlist_id} does not exist (it may have been deleted).")
    return playlist


# -- job functions ---------------------------------------------------------------------


def _taste_seed(rating_key: str | None) -> list[str]:
    if not rating_key:
        return []
    from ..plex import playlists as plex_playlists
    from ..plex.errors import PlexError

    try:
        return plex_playlists.playlist_track_sample(_settings(), int(rating_key), limit=30)
    except PlexError as exc:
        log.warning("Taste seed skipped: %s", exc)
        return []


def _ask_ai(ctx: JobContext, prompt: str, count: int, *, taste_seed=(), previous_tracks=(), keep_share: float = 0.0, trigger: str = "user"):
    from ..ai import AllProvidersFailed, GenerationRequest, generate_draft

    request = GenerationRequest(
        prompt=prompt, count=count, taste_seed=list(taste_seed), previous_tracks=list(previous_tracks), keep_share=keep_share
    )
    try:
        return generate_draft(_settings(), request, job_id=ctx.job_id, on_step=lambda step: ctx.progress(step=step))
    except AllProvidersFailed as exc:
        from ..jobs import JobPostponed

        if trigger == "schedule" and getattr(exc, "all_quota_exhausted", False):
            raise JobPostponed(str(exc)) from exc
        raise UserFacingError(str(exc)) from exc


def _store_generation(playlist: Playlist, draft: Any, result: Any, prompt: str) -> Generation:
    generation = Generation(
        prompt=prompt,
        provider=result.provider,
        model=result.model,
        ai_title=(draft.title or "")[:200],
        ai_description=draft.description or "",
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


def _finish(ctx: JobContext, playlist: Playlist, kind: str, outcome: Any, missing_before: int) -> dict[str, Any]:
    ctx.progress(step="Writing to Plex")
    write = write_to_plex(playlist)
    message = f"{outcome.matched} of {outcome.total} tracks in your library; {outcome.missing} missing."
    if kind != "generate":
        message = describe_change(outcome, missing_before)
    if not write.wrote and playlist.status == PlaylistStatus.PENDING_PLEX:
        message += " " + playlist.status_message
    record_history(playlist, kind, outcome, write.wrote, message)
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
def run_generation(ctx: JobContext, prompt: str, count: int, owner: str | None = None, taste_seed_rating_key: str | None = None) -> dict[str, Any]:
    """Job: prompt → AI cascade → store the track list → match → write the Plex playlist.

    An AI failure of every provider fails the job and stores nothing.
    """
    ctx.progress(0, 4, "Asking the AI")
    seed = _taste_seed(taste_seed_rating_key)
    result = _ask_ai(ctx, prompt, count, taste_seed=seed)
    draft = result.draft
    ctx.progress(1, 4, f"Matching {len(draft.tracks)} tracks")
    title = (draft.title or prompt).strip()[:200] or "AI playlist"
    playlist = Playlist(
        title=title, description=draft.description or "", prompt=prompt, track_count=count, owner=owner,
        status=PlaylistStatus.PENDING_PLEX,
    )
    _store_generation(playlist, draft, result, prompt)
    db.session.add(playlist)
    db.session.flush()
    ctx.job.playlist_id = playlist.id
    outcome = apply_matches(playlist, matcher_cache.get_matcher())
    db.session.commit()  # the AI track list is safe before we talk to Plex
    ctx.progress(2, 4, "Writing to Plex")
    out = _finish(ctx, playlist, "generate", outcome, outcome.total)
    out["provider"] = result.display_name
    out["message"] = f"{out['message']} Written by {result.display_name}."
    log.info("Playlist '%s' generated with %s: %s", playlist.title, result.display_name, out["message"])
    return out


def regenerate_playlist(ctx: JobContext, playlist: Playlist, *, trigger: str = "user", keep_share: float = 0.0) -> dict[str, Any]:
    """Ask the AI again with the stored prompt; add a new track list, match, and replace
    the Plex playlist's contents in place. The previous track lists stay in the history."""
    # The AI always hears what it chose last time: keep_share says how much to keep,
    # and the rest must not repeat.
    previous = []
    if playlist.current_generation is not None and trigger == "schedule":
        previous = [f"{t.artist} – {t.title}" for t in playlist.current_generation.tracks]
    ctx.progress(0, 4, "Asking the AI")
    result = _ask_ai(ctx, playlist.prompt, playlist.track_count, previous_tracks=previous, keep_share=keep_share, trigger=trigger)
    missing_before = playlist.suggested_count - playlist.matched_count
    _store_generation(playlist, result.draft, result, playlist.prompt)
    ctx.progress(1, 4, f"Matching {len(result.draft.tracks)} tracks")
    outcome = apply_matches(playlist, matcher_cache.get_matcher())
    db.session.commit()
    ctx.progress(2, 4, "Writing to Plex")
    out = _finish(ctx, playlist, "regenerate", outcome, missing_before)
    out["provider"] = result.display_name
    out["message"] = (
        f"New track list by {result.display_name}: {outcome.matched} of {outcome.total} tracks in your library."
        + ("" if out["wrote_to_plex"] or playlist.status == PlaylistStatus.SYNCED else " " + playlist.status_message)
    )
    return out


@job_kind("regenerate")
def run_regenerate(ctx: JobContext, playlist_id: int) -> dict[str, Any]:
    """Job: :func:`regenerate_playlist` for one playlist."""
    return regenerate_playlist(ctx, _get_playlist(playlist_id))


def rescan_playlist(playlist: Playlist, matcher: Any) -> dict[str, Any]:
    """Re-match one stored track list (zero AI calls) and write to Plex only on change."""
    missing_before = playlist.suggested_count - playlist.matched_count
    before_keys = list(playlist.written_rating_keys or [])
    outcome = apply_matches(playlist, matcher)
    write = write_to_plex(playlist)
    message = describe_change(outcome, missing_before)
    changed = bool(outcome.newly_matched or outcome.lost or write.wrote)
    if changed:
        record_history(playlist, "rescan", outcome, write.wrote, message)
    playlist.last_rescan_at = utcnow()
    db.session.commit()
    return {
        "changed": changed,
        "wrote": write.wrote,
        "added": len(set(playlist.written_rating_keys or []) - set(before_keys)) if write.wrote else 0,
        "message": message,
    }


@job_kind("rescan")
def run_rescan(ctx: JobContext, playlist_id: int | None = None) -> dict[str, Any]:
    """Job: rescan one playlist or all of them against the current library index."""
    started = time.perf_counter()
    if playlist_id is not None:
        playlist = _get_playlist(playlist_id)
        ctx.progress(0, 1, f"Matching {playlist.suggested_count} tracks")
        out = rescan_playlist(playlist, matcher_cache.get_matcher())
        return {"message": out["message"], "playlist_id": playlist_id, "wrote_to_plex": out["wrote"]}
    ids = list(db.session.scalars(sa.select(Playlist.id).order_by(Playlist.id)))
    ctx.progress(0, len(ids), "Loading the library index")
    matcher = matcher_cache.get_matcher()
    updated = added = 0
    for done, pid in enumerate(ids, start=1):
        playlist = db.session.get(Playlist, pid)
        if playlist is None:
            continue
        out = rescan_playlist(playlist, matcher)
        updated += int(out["wrote"])
        added += out["added"]
        ctx.progress(done, len(ids), f"Rescanned '{playlist.title}'", force=False)
    message = f"Rescan: {len(ids)} playlists checked, {updated} updated, +{added} tracks in {time.perf_counter() - started:.1f} s"
    log.info(message)
    return {"message": message, "checked": len(ids), "updated": updated, "added": added}


@job_kind("write_playlist")
def run_write(ctx: JobContext, playlist_id: int) -> dict[str, Any]:
    """Job: write a playlist to Plex now (retry of "not yet in Plex", or recreate)."""
    playlist = _get_playlist(playlist_id)
    ctx.progress(0, 1, "Writing to Plex")
    if playlist.status == PlaylistStatus.DELETED_IN_PLEX:
        playlist.plex_rating_key = None
        playlist.written_rating_keys = None
    write = write_to_plex(playlist, force=True)
    db.session.commit()
    if not write.wrote and playlist.status != PlaylistStatus.SYNCED:
        raise UserFacingError(write.message)
    return {"message": write.message, "playlist_id": playlist_id, "plex_rating_key": playlist.plex_rating_key}
