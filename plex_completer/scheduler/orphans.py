"""Jobs orphaned by a process that stopped: marked interrupted by the next lock holder.

A job row says "running" until its process records the end. When a process dies, its
active jobs stay "running" forever (and block new jobs with the same dedupe key) unless
someone marks them. Only the process that takes the scheduler lock does, and it leaves
alone the jobs it created itself (a process that takes over from a stopped holder may
be running the user's jobs already). Other live processes' jobs (several web workers)
are not told apart; the deployment runs one worker (``gunicorn.conf.py``).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context

from ..extensions import db
from ..jobs import runner
from ..models import Job, JobStatus

# app -> ids of the Job rows created while that app was current (this process's jobs).
_created: weakref.WeakKeyDictionary[Any, set[int]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


@sa.event.listens_for(Job, "after_insert")
def _remember(mapper: Any, connection: Any, target: Job) -> None:
    if has_app_context():
        with _lock:
            _created.setdefault(current_app._get_current_object(), set()).add(target.id)


def created_here(app: Any) -> set[int]:
    """Ids of the job rows ``app`` (this process) created."""
    with _lock:
        return set(_created.get(app, ()))


def mark_orphaned_jobs(app: Any) -> int:
    """Mark queued/running jobs that ``app`` did not create as interrupted (needs an app
    context of ``app``); returns the count. Forgets its own ids of finished jobs."""
    mine = created_here(app)
    count = runner.mark_interrupted(exclude=mine)
    if mine:
        still_active = set(db.session.scalars(sa.select(Job.id).where(Job.id.in_(mine), Job.status.in_(JobStatus.ACTIVE))))
        with _lock:
            _created.get(app, set()).difference_update(mine - still_active)
    return count
