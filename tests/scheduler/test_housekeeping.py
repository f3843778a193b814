"""Housekeeping: old job rows and AI attempts go; playlists' history and active jobs stay."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from plex_completer.extensions import db
from plex_completer.jobs import runner
from plex_completer.models import AiAttempt, Generation, Job, JobStatus, RescanRecord, utcnow
from tests import factories


def test_housekeeping_prunes_only_old_finished_rows(sched_app):
    old = utcnow() - dt.timedelta(days=31)
    playlist = factories.bare_playlist()
    playlist.generations.append(Generation(prompt="p", provider="gemini", model="m", created_at=old))
    db.session.add(RescanRecord(playlist_id=playlist.id, at=old, matched=1, total=2))
    old_job = factories.ai_calls(2, at=old)
    old_job.created_at = old
    stuck = Job(kind="library_sync", status=JobStatus.RUNNING, created_at=old)  # still active: kept
    db.session.add(stuck)
    recent_job = factories.ai_calls(3)
    db.session.commit()
    old_id, stuck_id, recent_id = old_job.id, stuck.id, recent_job.id

    job = runner.run_now("housekeeping", {}, trigger="schedule")

    assert job.status == JobStatus.DONE, job.message
    assert job.message.startswith("Housekeeping: removed 1 job rows and 2 AI attempts older than 30 days")
    assert db.session.get(Job, old_id) is None
    assert db.session.get(Job, stuck_id) is not None and db.session.get(Job, recent_id) is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AiAttempt)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Generation)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RescanRecord)) == 1
    assert runner.run_now("housekeeping", {"retention_days": 1}).result["jobs_removed"] == 0
