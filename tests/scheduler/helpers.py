"""Rows the scheduler tests need: playlists and AI attempts made by scheduled jobs."""

from __future__ import annotations

import datetime as dt

from plex_completer.extensions import db
from plex_completer.models import AiAttempt, Job, JobStatus, Playlist, PlaylistStatus, utcnow


def add_playlist(title: str = "Night Drive", prompt: str = "night drive synthwave", count: int = 10) -> Playlist:
    playlist = Playlist(title=title, prompt=prompt, track_count=count, status=PlaylistStatus.SYNCED)
    db.session.add(playlist)
    db.session.commit()
    return playlist


def add_ai_calls(count: int, *, trigger: str = "schedule", outcome: str = "ok", at: dt.datetime | None = None) -> Job:
    """A finished job with ``count`` AI attempts (as the cascade records them)."""
    job = Job(kind="playlist_refresh", trigger=trigger, status=JobStatus.DONE)
    db.session.add(job)
    db.session.flush()
    for _ in range(count):
        db.session.add(
            AiAttempt(job_id=job.id, provider="gemini", model="gemini-2.5-flash", outcome=outcome, started_at=at or utcnow())
        )
    db.session.commit()
    return job
