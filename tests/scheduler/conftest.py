"""Fixtures of the scheduler tests: apps on a shared temporary SQLite file, an injectable
clock, and scheduler services driven directly (no waiting for wall-clock cron times)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest


class FakeClock:
    """An aware-UTC clock the test moves by hand (thread-safe); starts at the real now,
    since code without an injected clock (``create_app``) shares the database with it."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or dt.datetime.now(dt.UTC)
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now = self.now + dt.timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def sched_app(make_app):
    """One app (scheduler not started by create_app), inside an app context."""
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def services():
    """Builds :class:`SchedulerService` objects on private BackgroundSchedulers and stops
    them (and their schedulers) after the test."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from plex_completer.jobs import runner
    from plex_completer.scheduler.service import SchedulerService

    made = []

    def build(app, *, holder, clock=None, start_scheduler=True, **kwargs):
        scheduler = BackgroundScheduler(
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}, timezone="UTC"
        )
        if start_scheduler:
            scheduler.start()
        options = {"clock": clock} if clock is not None else {}
        svc = SchedulerService(app, scheduler, runner, holder=holder, **options, **kwargs)
        made.append(svc)
        return svc

    yield build
    for svc in made:
        svc.stop()
        if svc.scheduler.running:
            svc.scheduler.shutdown(wait=False)
