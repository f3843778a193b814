"""The dashboard's "what to do next", checked against the actual state: connect Plex,
choose an AI, sync the library, make the first playlist."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..extensions import db
from ..models import Job, JobStatus, Playlist
from .playlist_actions import library_indexed


@dataclass(frozen=True)
class SetupStep:
    """One step: ``key`` ("plex", "ai", "sync", "playlist"), whether it is ``done``, and
    for the sync step the running ``job`` (None when no sync runs)."""

    key: str
    done: bool
    job: Job | None = None


@dataclass(frozen=True)
class SetupGuide:
    """The steps in order; ``next_step`` is the first not done (None when all are)."""

    steps: tuple[SetupStep, ...]

    @property
    def next_step(self) -> SetupStep | None:
        """The first step not done yet."""
        return next((step for step in self.steps if not step.done), None)

    @property
    def complete(self) -> bool:
        """True once every step is done (the dashboard then hides the guide)."""
        return self.next_step is None


def setup_guide(settings: Settings, active_jobs: list[Job] | None = None, *,
                playlist_seen: bool = False) -> SetupGuide:
    """The four steps of a first run, each checked now (at most three small queries).

    The dashboard passes what it has read already: ``active_jobs`` (every queued or running
    job, so the running sync is found among them) and ``playlist_seen`` (True when it lists
    a playlist; otherwise this asks, as the dashboard's list may be filtered by owner)."""
    if active_jobs is None:
        sync_job = db.session.scalars(
            db.select(Job).where(Job.kind == "library_sync", Job.status.in_(JobStatus.ACTIVE)).order_by(Job.id).limit(1)
        ).first()
    else:
        sync_job = next((j for j in active_jobs if j.kind == "library_sync"), None)
    has_playlist = playlist_seen or db.session.scalar(db.select(Playlist.id).limit(1)) is not None
    return SetupGuide(
        (
            SetupStep("plex", settings.plex_configured),
            SetupStep("ai", settings.gemini_configured or settings.ollama_configured),
            SetupStep("sync", library_indexed(), sync_job),
            SetupStep("playlist", has_playlist),
        )
    )
