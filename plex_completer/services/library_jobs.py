"""The ``library_sync`` job kind: the library sync of :mod:`plex_completer.plex.library_sync`
run as a job row, so the web UI, the CLI and the scheduler all leave the same history; and
``plex_server_switch``, what confirming a new Plex server on Settings runs."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from ..config import current_settings
from ..extensions import db
from ..jobs import JobContext, job_kind, runner
from ..logging_setup import redact
from ..models import Job, Playlist, PlaylistStatus
from ..plex.library_sync import index_server, sync_library
from . import plex_users
from .plex_edit_check import record_plex_edits

log = logging.getLogger(__name__)

LIBRARY_SYNC_DEDUPE_KEY = "library_sync"
"""The dedupe key of every library sync job: a user's "Sync now", the CLI and a schedule
never run two syncs at once (the second request gets the running job)."""


@job_kind("library_sync")
def library_sync_job(ctx: JobContext, full: bool = False) -> dict[str, Any]:
    """Job ``library_sync`` (params ``{"full": bool}``): run :func:`sync_library` with the
    job's progress reporting, then record the edits made in Plex to the app's playlists
    (:func:`.plex_edit_check.record_plex_edits`), after refreshing the Plex users of the
    server (:func:`.plex_users.refresh_users`, issue 16). The job message is ``SyncResult.summary()``
    (plus how many playlists were edited in Plex) and the result holds ``added``,
    ``updated``, ``removed`` and the other figures of ``SyncResult.as_dict()``, and
    ``playlists_edited_in_plex``.

    Raises the :class:`~plex_completer.plex.errors.PlexError` of a failed sync (the job
    ends FAILED with its message; the previous index stays)."""
    settings = current_settings()
    result = sync_library(
        settings, full=bool(full), progress=lambda done, total, step: ctx.progress(done, total, step)
    )
    message = result.summary()
    try:  # issue 16: plex.tv down keeps the known users; the sync's outcome does not depend on it
        users = plex_users.refresh_users(settings)
    except Exception as exc:  # noqa: BLE001 - best effort after the sync
        db.session.rollback()
        log.warning("Plex users not refreshed: %s", redact(str(exc)) or type(exc).__name__)
        users = plex_users.RefreshResult(False, 0, 0, 0, "")
    if users.lost:
        message += f". {users.lost} Plex user{'s' if users.lost != 1 else ''} lost access to this server"
    edited = record_plex_edits(settings)
    if edited:
        message += f". Edits made in Plex found in {edited} playlist{'s' if edited != 1 else ''}"
    return {"message": message, **result.as_dict(), "playlists_edited_in_plex": edited,
            "plex_users": users.listed if users.ok else None}


@job_kind("plex_server_switch")
def plex_server_switch_job(ctx: JobContext) -> dict[str, Any]:
    """Job ``plex_server_switch``: the user confirmed that ``PLEX_URL`` now reaches another
    Plex server. Re-syncs the index from it (full, accepting the new machineIdentifier),
    forgets the ratingKeys of playlists made on another server (they mean nothing here,
    and may name a user's playlist: nothing is edited or deleted on either server), then
    rescans every stored track list, which re-matches it against the new index and
    creates its playlist on the new server. The result holds the sync figures and
    ``recreated`` (playlists to be created anew)."""
    from .playlist_jobs import run_rescan

    result = sync_library(
        current_settings(), full=True, confirm_server=True,
        progress=lambda done, total, step: ctx.progress(done, total, step),
    )
    server = index_server()
    stale = list(
        db.session.scalars(
            sa.select(Playlist).where(
                Playlist.plex_rating_key.is_not(None),
                sa.or_(Playlist.plex_machine_identifier.is_(None), Playlist.plex_machine_identifier != server),
            )
        )
    )
    for playlist in stale:
        playlist.plex_rating_key = None
        playlist.plex_guid = None
        playlist.plex_added_at = None
        playlist.plex_machine_identifier = None
        playlist.written_rating_keys = None
        if playlist.status != PlaylistStatus.DRAFT:
            playlist.status = PlaylistStatus.PENDING_PLEX
            playlist.status_message = "Being recreated on the new Plex server."
    db.session.commit()
    log.warning("Plex server changed to %s…: %d playlists will be recreated there", (server or "")[:8], len(stale))
    rescan = run_rescan(ctx)
    message = f"Switched to the new Plex server. {result.summary()}. {rescan['message']}"
    return {"message": message, "recreated": len(stale), **result.as_dict()}


def start_plex_server_switch(trigger: str = "user") -> Job:
    """Enqueue :func:`plex_server_switch_job` (shares the library sync's dedupe key: no
    sync runs beside it)."""
    return runner.enqueue("plex_server_switch", {}, dedupe_key=LIBRARY_SYNC_DEDUPE_KEY, trigger=trigger)


def start_library_sync(full: bool = False, trigger: str = "user") -> Job:
    """Enqueue a library sync (``full`` re-reads every track) and return its job row, or
    the sync already queued or running (one sync at a time, whoever asked)."""
    return runner.enqueue("library_sync", {"full": bool(full)}, dedupe_key=LIBRARY_SYNC_DEDUPE_KEY, trigger=trigger)


def recent_library_syncs(limit: int = 5) -> list[Job]:
    """The newest ``limit`` library sync jobs, newest first."""
    return list(
        db.session.scalars(db.select(Job).where(Job.kind == "library_sync").order_by(Job.id.desc()).limit(limit))
    )
