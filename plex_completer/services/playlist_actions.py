"""Playlist workflows: generate, rescan, regenerate, edit, delete, manual matches.

The ``start_*`` functions only enqueue a job and return its row (a web request or CLI
call never waits on AI or Plex); the job functions in :mod:`.playlist_jobs` do the work in
a scheduler thread. Every workflow needs an app context.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

from .. import limits
from ..config import current_settings as _settings
from ..errors import UserFacingError
from ..extensions import db
from ..jobs import runner
from ..models import (
    Job,
    LibrarySyncState,
    LibraryTrack,
    Playlist,
    PlaylistStatus,
    SuggestedTrack,
)
from . import plex_users, search_cache
from .match_and_write import write_to_plex
from .playlist_lookup import get_playlist as _get_playlist

log = logging.getLogger(__name__)



def _fingerprint(*parts: Any) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:16]


def validate_request(prompt: str, count: int) -> tuple[str, int]:
    """Clean a user's prompt and track count (:mod:`plex_completer.limits`); returns
    ``(prompt, count)``; raises ``ValueError`` with the first problem, for the user."""
    prompt = limits.clean_prompt(prompt)
    errors = limits.request_errors(prompt, count)
    if errors:
        raise ValueError(next(iter(errors.values())))
    return prompt, int(count)


# -- enqueueing (called by routes and the CLI) -----------------------------------------


def start_generation(prompt: str, count: int, owner: str | None = None, taste_seed_rating_key: str | None = None,
                     fill_mode: str | None = None, owner_id: int | None = None,
                     listening_account_id: int | None = None) -> Job:
    """Enqueue a "generate" job; an identical active request returns the same job.

    ``fill_mode`` is one of :data:`~plex_completer.limits.FILL_MODES` (issue 18) or None
    for the ``FILL_MODE`` setting. ``owner_id`` is the ``PlexUser`` the playlist is for
    (issue 16; None: the server owner). ``listening_account_id`` (a PMS accountID; 1 is
    the server owner, see :mod:`.listening_seed`) seeds the prompt with that account's
    recent plays. Raises ``ValueError`` for a bad prompt, count or mode, or an owner
    without access to this server.
    """
    prompt, count = validate_request(prompt, count)
    if fill_mode is not None and fill_mode not in limits.FILL_MODES:
        raise ValueError(f"Choose how to fill the playlist: {', '.join(limits.FILL_MODES)}.")
    params = {"prompt": prompt, "count": count, "owner": owner, "taste_seed_rating_key": taste_seed_rating_key}
    if fill_mode is not None:
        params["fill_mode"] = fill_mode
    extra: list[Any] = [fill_mode] if fill_mode else []
    if owner_id is not None:
        user = plex_users.get_user(owner_id)
        if user is None or not user.has_access:
            raise ValueError("Pick a Plex user who has access to this server.")
        params["owner_id"] = user.id
        extra.append(f"owner:{user.id}")
    if listening_account_id is not None:
        params["listening_account_id"] = int(listening_account_id)
        extra.append(f"listening:{int(listening_account_id)}")
    key = "generate:" + _fingerprint(prompt.lower(), count, owner, taste_seed_rating_key, *extra)
    return runner.enqueue("generate", params, dedupe_key=key, owner_id=owner_id)


def rescan_dedupe_key(playlist_id: int | None) -> str:
    """The dedupe key of a rescan of one playlist or (``None``) of all: the UI, the CLI and
    the scheduler share it, so the same rescan never runs twice at once."""
    return f"rescan:{playlist_id or 'all'}"


def start_rescan(playlist_id: int | None = None, trigger: str = "user", owner_id: int | None = None) -> Job:
    """Enqueue a rescan of one playlist or (``None``) of all, or of all of ``owner_id``'s
    (a signed-in Plex user's "Rescan all", issue 16); zero AI calls."""
    if playlist_id is not None:
        _get_playlist(playlist_id)
    if playlist_id is None and owner_id is not None:
        return runner.enqueue("rescan", {"playlist_id": None, "owner_id": owner_id},
                              dedupe_key=f"rescan:all:owner:{owner_id}", trigger=trigger, owner_id=owner_id)
    return runner.enqueue(
        "rescan",
        {"playlist_id": playlist_id},
        dedupe_key=rescan_dedupe_key(playlist_id),
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
    description = (description or "").strip()
    errors = limits.details_errors(title, description)
    if errors:
        raise ValueError(next(iter(errors.values())))
    playlist = _get_playlist(playlist_id)
    playlist.title = title
    playlist.description = description
    playlist.title_set_in_plex = False  # renamed here: the app writes the title again
    if playlist.plex_rating_key and playlist.status == PlaylistStatus.SYNCED:
        write_to_plex(playlist, force=True)
    db.session.commit()
    return playlist


def delete(playlist_id: int, from_plex: bool) -> None:
    """Delete the playlist from the app and (``from_plex``) the app's Plex playlist.

    Raises :class:`UserFacingError` when Plex cannot delete it; nothing is deleted then.
    """
    from ..plex import playlist_writes as plex_playlists
    from ..plex.errors import PlexError

    playlist = _get_playlist(playlist_id)
    if from_plex and playlist.plex_rating_key:
        try:
            from .match_and_write import plex_identity

            plex_users.call_as_owner(playlist.owner_id, lambda settings: plex_playlists.delete_playlist(
                settings,
                int(playlist.plex_rating_key),
                identity=plex_identity(playlist),
                title=playlist.title,
                known_server=plex_playlists.index_server(),
            ))
        except PlexError as exc:
            if not exc.playlist_gone:
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


def library_summary() -> dict[str, Any]:
    """Index size and the last syncs: ``{"track_count", "section_title", "last_full_sync_at",
    "last_incremental_sync_at", "last_sync_figures"}``."""
    state = db.session.scalars(sa.select(LibrarySyncState).order_by(LibrarySyncState.section_id)).first()
    count = search_cache.track_count()  # kept until the index changes, like the search answers
    return {
        "track_count": count,
        "section_title": state.section_title if state else None,
        "last_full_sync_at": state.last_full_sync_at if state else None,
        "last_incremental_sync_at": state.last_incremental_sync_at if state else None,
        "last_sync_figures": state.last_sync_figures if state else None,
    }


def library_indexed() -> bool:
    """True when the library index holds a track (the kept count of
    :func:`search_cache.track_count`, so usually no query)."""
    return search_cache.track_count() > 0


def plex_playlists_for_seed(owner_id: int | None = None) -> list[dict[str, Any]]:
    """The Plex audio playlists of ``owner_id`` (None: the server owner) for the
    taste-seed picker; raises UserFacingError."""
    from ..plex import playlist_writes as plex_playlists

    settings = _settings()
    if not settings.plex_configured:
        return []
    return [
        {"rating_key": str(p[0]), "title": p[1], "leaf_count": p[2]}
        for p in plex_users.call_as_owner(owner_id, plex_playlists.list_playlists)
    ]


def change_owner(playlist_id: int, new_owner_id: int | None) -> str:
    """Give a playlist to another Plex user (issue 16) and move its Plex playlist: it is
    created under the new owner's account first, and the old owner's copy is deleted
    only once that create succeeded. Returns a sentence for the user. Commits.

    A playlist not yet in Plex only changes owner. Raises ``ValueError`` for an unknown
    owner or one without access, :class:`UserFacingError` when the new owner's playlist
    could not be created (nothing changed then).
    """
    from ..plex import playlist_writes as plex_playlists
    from ..plex.errors import PlexError
    from .match_and_write import plex_identity

    playlist = _get_playlist(playlist_id)
    new_user = plex_users.get_user(new_owner_id) if new_owner_id is not None else None
    if new_owner_id is not None and (new_user is None or not new_user.has_access):
        raise ValueError("Pick a Plex user who has access to this server.")
    if new_user is not None and new_user.is_owner:
        new_owner_id = new_user.id
    old_owner_id = playlist.owner_id
    if (plex_users.is_server_owner(old_owner_id) and plex_users.is_server_owner(new_owner_id)) or old_owner_id == new_owner_id:
        playlist.owner_id = new_owner_id
        db.session.commit()
        return "Nothing to move: the playlist already belongs to " + plex_users.owner_name(new_owner_id) + "."
    new_name = plex_users.owner_name(new_owner_id)
    if not playlist.plex_rating_key or playlist.status != PlaylistStatus.SYNCED:
        playlist.owner_id = new_owner_id
        db.session.commit()
        return f"The playlist now belongs to {new_name}; it is written to their Plex account at the next write."
    kept = {name: getattr(playlist, name) for name in _PLEX_RECORD}
    old = (int(playlist.plex_rating_key), plex_identity(playlist), playlist.plex_title or playlist.title)
    for name in _PLEX_RECORD:
        setattr(playlist, name, None)
    playlist.owner_id = new_owner_id
    outcome = write_to_plex(playlist, force=True)
    if not playlist.plex_rating_key:  # nothing was created under the new owner: undo
        db.session.rollback()
        playlist = _get_playlist(playlist_id)
        for name, value in kept.items():
            setattr(playlist, name, value)
        playlist.owner_id = old_owner_id
        db.session.commit()
        raise UserFacingError(f"Could not create the playlist in {new_name}'s Plex account, so nothing moved: {outcome.message}")
    db.session.commit()
    try:
        plex_users.call_as_owner(old_owner_id, lambda settings: plex_playlists.delete_playlist(
            settings, old[0], identity=old[1], title=old[2], known_server=plex_playlists.index_server()))
    except PlexError as exc:
        if not exc.playlist_gone:
            log.warning("Playlist '%s' moved to %s; the previous owner's copy was not deleted: %s",
                        playlist.title, new_name, exc)
            return (f"Moved to {new_name}'s Plex account. The copy in {plex_users.owner_name(old_owner_id)}'s account "
                    f"could not be deleted ({exc}); delete it in Plex.")
    log.info("Playlist '%s' (id %s) moved to %s", playlist.title, playlist.id, new_name)
    return f"Moved to {new_name}'s Plex account."


# The record of the Plex playlist the app made; a move starts a new one under the new owner.
_PLEX_RECORD = ("plex_rating_key", "plex_machine_identifier", "plex_guid", "plex_added_at", "written_rating_keys",
                "plex_updated_at")


def plex_web_url(playlist: Playlist) -> str | None:
    """A link that opens the playlist in Plex Web, or None when the server is not known.

    Built as plexapi's ``Playlist.getWebURL()`` builds it (``plexapi/server.py``
    ``_buildWebURL``: ``<base>#!/server/<machineIdentifier>/playlist?key=<playlist key>``):
    ``base`` is ``PLEX_PUBLIC_URL/web/index.html`` when set (the address the browser can
    reach), else ``https://app.plex.tv/desktop/``; the machineIdentifier is the one
    recorded with the playlist, else the library index's.
    """
    if not playlist.plex_rating_key:
        return None
    machine = playlist.plex_machine_identifier or db.session.scalar(
        sa.select(LibrarySyncState.machine_identifier).where(LibrarySyncState.machine_identifier.is_not(None)).limit(1)
    )
    if not machine:
        return None
    settings = _settings()
    base = f"{settings.PLEX_PUBLIC_URL}/web/index.html" if settings.PLEX_PUBLIC_URL else "https://app.plex.tv/desktop/"
    key = quote(f"/playlists/{playlist.plex_rating_key}/items", safe="")
    return f"{base}#!/server/{quote(machine, safe='')}/playlist?key={key}"
