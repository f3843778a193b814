"""Rows for tests, written straight to the database: library tracks, playlists with an
AI track list and history, jobs, and the AI attempts of scheduled jobs.

Use as ``from tests import factories`` and ``factories.standard_playlist()``.
"""

from __future__ import annotations

import datetime as dt

from plex_completer.extensions import db
from plex_completer.models import (
    AiAttempt,
    Generation,
    Job,
    JobStatus,
    LibraryTrack,
    Playlist,
    PlaylistStatus,
    RescanRecord,
    SuggestedTrack,
    utcnow,
)


def library_track(rating_key: int, title: str, artist: str, album: str, year: int | None = None) -> LibraryTrack:
    """Add one library track (section 1) and return it."""
    row = LibraryTrack(rating_key=rating_key, section_id=1, title=title, album_artist=artist, album=album, year=year)
    db.session.add(row)
    return row


def playlist(
    title: str = "Sunday Soul",
    prompt: str = "mellow soul for a Sunday morning",
    tracks: list[dict] | None = None,
    status: str = PlaylistStatus.SYNCED,
    provider: str = "gemini",
    history: list[tuple[int, int]] = (),
) -> Playlist:
    """A playlist whose current generation holds ``tracks`` (dicts of SuggestedTrack
    fields); ``matched_count``/``suggested_count`` follow from the tracks; ``history`` is
    ``[(matched, total), ...]`` oldest first, one RescanRecord each."""
    tracks = tracks if tracks is not None else []
    p = Playlist(title=title, prompt=prompt, status=status, provider=provider, model="gemini-2.5-flash",
                 track_count=len(tracks) or 30, last_rescan_at=utcnow() - dt.timedelta(minutes=5))
    db.session.add(p)
    db.session.flush()
    gen = Generation(playlist_id=p.id, prompt=prompt, provider=provider, model="gemini-2.5-flash")
    db.session.add(gen)
    db.session.flush()
    for i, t in enumerate(tracks, start=1):
        db.session.add(SuggestedTrack(generation_id=gen.id, position=i, **t))
    p.suggested_count = len(tracks)
    p.matched_count = sum(1 for t in tracks if t.get("matched_rating_key") or t.get("override") == "track")
    start = utcnow() - dt.timedelta(days=len(history))
    for i, (matched, total) in enumerate(history):
        db.session.add(RescanRecord(playlist_id=p.id, at=start + dt.timedelta(days=i), matched=matched, total=total,
                                    added=1 if i else 0, message=f"run {i}"))
    db.session.commit()
    return p


def job(kind: str = "rescan", status: str = JobStatus.DONE, playlist_id: int | None = None, **fields) -> Job:
    """A job row in ``status`` (finished ones get start and finish times 3 s apart)."""
    now = utcnow()
    row = Job(kind=kind, status=status, playlist_id=playlist_id, **fields)
    if status != JobStatus.QUEUED:
        row.started_at = now - dt.timedelta(seconds=3)
    if status in JobStatus.FINAL:
        row.finished_at = now
    db.session.add(row)
    db.session.commit()
    return row


def standard_playlist(**kwargs) -> Playlist:
    """Three AI tracks: one matched (with its library track), one missing, one matched
    by the user's manual choice; two rescans in the history."""
    library_track(101, "Lovely Day", "Bill Withers", "Menagerie", 1977)
    library_track(102, "Use Me", "Bill Withers", "Still Bill", 1972)
    tracks = [
        dict(artist="Bill Withers", title="Lovely Day", album="Menagerie", year=1977, matched_rating_key=101,
             score=97.0, reason="Same artist and title; album agrees."),
        dict(artist="Al Green", title="Let's Stay Together", year=1972, matched_rating_key=None, score=41.0,
             reason="No track by Al Green in the library."),
        dict(artist="Bill Withers", title="Use Me Baby", matched_rating_key=102, override="track",
             override_rating_key=102, score=None, reason="Chosen by hand."),
    ]
    kwargs.setdefault("history", [(1, 3), (2, 3)])
    return playlist(tracks=tracks, **kwargs)


def bare_playlist(title: str = "Night Drive", prompt: str = "night drive synthwave", count: int = 10) -> Playlist:
    """A synced playlist with no AI track list (the scheduler only needs the row)."""
    playlist = Playlist(title=title, prompt=prompt, track_count=count, status=PlaylistStatus.SYNCED)
    db.session.add(playlist)
    db.session.commit()
    return playlist


def ai_calls(count: int, *, trigger: str = "schedule", outcome: str = "ok", at: dt.datetime | None = None) -> Job:
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
