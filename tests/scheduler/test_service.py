"""The scheduler service: only the lock holder runs schedules, takeover, restarts,
failures, overlap, and the sync-then-rescan sequence.

Job kinds owned by other modules (``library_sync``, ``rescan``) are replaced by
recording fakes here: these tests are about when and how often the scheduler runs work,
not about the work (the end-to-end refresh test uses the real services).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import ClassVar

import pytest

from plex_completer import jobs as jobs_module
from plex_completer.extensions import db
from plex_completer.jobs import runner
from plex_completer.models import Job, JobStatus, Schedule, utcnow
from plex_completer.scheduler.lock import SchedulerLease
from plex_completer.scheduler.schedules import ensure_schedules, request_run, update_schedule
from plex_completer.services.job_kinds import load_job_kinds


@pytest.fixture
def fake_kinds(monkeypatch):
    """Recording fakes of the ``library_sync`` and ``rescan`` job kinds.

    ``calls`` lists ``(kind, params)``; ``sync_result`` is what the next sync returns
    (or an exception it raises); ``gate``/``entered`` let a test hold a sync running.
    """

    class Fakes:
        calls: ClassVar[list] = []
        sync_result: object = {"added": 0, "updated": 0, "removed": 0}
        gate: threading.Event | None = None
        entered = threading.Event()

    fakes = Fakes()
    fakes.calls = []

    def library_sync(ctx, full=False):
        fakes.calls.append(("library_sync", {"full": full}))
        fakes.entered.set()
        if fakes.gate is not None:
            assert fakes.gate.wait(10)
        if isinstance(fakes.sync_result, Exception):
            raise fakes.sync_result
        figures = dict(fakes.sync_result)
        return {"message": f"Library sync: +{figures['added']} tracks, {figures['updated']} updated, {figures['removed']} removed in 0.1 s", **figures}

    def rescan(ctx, playlist_id=None):
        fakes.calls.append(("rescan", {"playlist_id": playlist_id}))
        return {"message": "Rescan: 2 playlists checked, 1 updated, +3 tracks in 0.1 s", "checked": 2, "updated": 1, "added": 3}

    load_job_kinds()  # register the real kinds first, so create_app cannot overwrite the fakes
    monkeypatch.setitem(jobs_module._REGISTRY, "library_sync", library_sync)
    monkeypatch.setitem(jobs_module._REGISTRY, "rescan", rescan)
    return fakes


def _jobs(app, kind=None):
    with app.app_context():
        query = db.select(Job).order_by(Job.id)
        if kind:
            query = query.where(Job.kind == kind)
        return db.session.scalars(query).all()


def test_only_the_lock_holder_runs_schedules_and_the_other_takes_over_after_expiry(make_app, clock, services, fake_kinds):
    first = make_app()
    second = make_app()  # a second container on the same database file
    one = services(first, holder="one:1:1:aa", clock=clock)
    two = services(second, holder="two:2:2:bb", clock=clock)
    assert one.start() is True
    assert two.start() is False
    assert one.scheduler.get_job(one.job_id("schedule:library_sync")) is not None
    assert two.scheduler.get_job(two.job_id("schedule:library_sync")) is None
    assert two.scheduler.get_job(two.job_id("playlist-refreshes")) is None

    assert two.run_schedule("library_sync") is None  # a stale timer in a non-holder does nothing
    assert _jobs(first) == []
    assert one.run_schedule("library_sync").status == JobStatus.DONE
    assert [(j.kind, j.trigger, j.status) for j in _jobs(first)] == [("library_sync", "schedule", "done")]

    clock.advance(60)
    assert two.tick() is False and one.tick() is True  # renewals keep the lease with the first
    clock.advance(91)  # the first process stops renewing (crashed, or its database link died)
    assert two.tick() is True
    assert two.scheduler.get_job(two.job_id("schedule:library_sync")) is not None
    assert one.tick() is False
    assert one.scheduler.get_job(one.job_id("schedule:library_sync")) is None
    assert one.run_schedule("library_sync") is None
    assert two.run_schedule("library_sync").status == JobStatus.DONE
    assert len(_jobs(first, "library_sync")) == 2


def test_a_second_instance_leaves_the_first_ones_running_jobs_alone(make_app, clock, services):
    first = make_app()
    one = services(first, holder="one:1:1:aa", clock=clock)
    assert one.start()
    with first.app_context():
        job = Job(kind="generate", status=JobStatus.RUNNING, started_at=utcnow(), trigger="user")
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    second = make_app()  # create_app of a second instance (its scheduler disabled)
    two = services(second, holder="two:2:2:bb", clock=clock)
    assert two.start() is False
    with second.app_context():
        assert db.session.get(Job, job_id).status == JobStatus.RUNNING
    with second.app_context():  # the second instance runs a job of its own meanwhile
        own = Job(kind="rescan", status=JobStatus.RUNNING, started_at=utcnow(), trigger="user")
        db.session.add(own)
        db.session.commit()
        own_id = own.id
    clock.advance(91)
    assert two.tick() is True  # the first one is gone: its jobs are orphans now
    with second.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == JobStatus.INTERRUPTED and "Interrupted" in job.message
        assert db.session.get(Job, own_id).status == JobStatus.RUNNING


def test_create_app_marks_interrupted_only_when_no_live_scheduler_holds_the_lock(make_app):
    app = make_app()
    with app.app_context():
        running = Job(kind="generate", status=JobStatus.RUNNING, started_at=utcnow())
        db.session.add(running)
        db.session.commit()
        running_id = running.id
        assert SchedulerLease("elsewhere:1:1:aa").acquire()  # a live scheduler in another container
    make_app()  # a CLI command or a second worker starting up
    with app.app_context():
        assert db.session.get(Job, running_id).status == JobStatus.RUNNING
        assert SchedulerLease("elsewhere:1:1:aa").release()
    make_app()  # nobody holds the lock: the job was orphaned by a stopped process
    with app.app_context():
        db.session.expire_all()
        assert db.session.get(Job, running_id).status == JobStatus.INTERRUPTED


def test_create_app_with_the_scheduler_takes_the_lock_and_registers_the_schedules(make_app):
    make_app()  # a first start without the scheduler

    app = make_app(SCHEDULER_ENABLED=True, JOBS_INLINE=False, SCHEDULER_HOLDER_ID="first:1:1:aa")
    other = None
    try:
        svc = app.extensions["scheduler_service"]
        assert svc.is_holder and runner.running
        names = {j.name for j in runner.scheduler.get_jobs()}
        assert {"Library sync", "Full library sync", "Housekeeping", "Recurring playlist refreshes", "Scheduler lock renewal"} <= names
        other = make_app(SCHEDULER_ENABLED=True, JOBS_INLINE=False, SCHEDULER_HOLDER_ID="second:2:2:bb")
        assert other.extensions["scheduler_service"].is_holder is False
    finally:
        for a in (other, app):
            if a is not None:
                a.extensions["scheduler_service"].stop()
        runner.shutdown()


def test_schedules_survive_a_restart_and_untouched_ones_follow_the_environment(make_app, clock, services):
    first = make_app()
    with first.app_context():
        ensure_schedules(first.config["SETTINGS"])
        update_schedule("full_sync", cron="0 5 * * 6")  # Saturdays 05:00, edited on the page
        update_schedule("housekeeping", enabled=False)
    # Restart with new environment defaults.
    second = make_app(SCHEDULE_LIBRARY_SYNC="0 */2 * * *", SCHEDULE_FULL_SYNC="0 1 * * *")
    svc = services(second, holder="one:1:1:aa", clock=clock)
    assert svc.start()
    full = svc.scheduler.get_job(svc.job_id("schedule:full_sync"))
    assert str(full.trigger) == "cron[month='*', day='*', day_of_week='sat', hour='5', minute='0']"
    assert full.next_run_time.weekday() == 5 and full.next_run_time.hour == 5
    quick = svc.scheduler.get_job(svc.job_id("schedule:library_sync"))
    assert "hour='*/2'" in str(quick.trigger)
    assert svc.scheduler.get_job(svc.job_id("schedule:housekeeping")) is None
    with second.app_context():
        rows = {r.key: r for r in db.session.scalars(db.select(Schedule))}
        assert rows["full_sync"].cron_is_custom and rows["full_sync"].cron == "0 5 * * 6"
        assert rows["library_sync"].cron == "0 */2 * * *" and not rows["library_sync"].cron_is_custom
        assert rows["housekeeping"].enabled is False


def test_edits_made_in_another_process_reach_the_holder_at_its_next_tick(make_app, clock, services):
    holder_app = make_app()
    svc = services(holder_app, holder="one:1:1:aa", clock=clock)
    assert svc.start()
    web_app = make_app()
    with web_app.app_context():
        update_schedule("library_sync", cron="15 * * * *")
        update_schedule("full_sync", enabled=False)
    svc.tick()
    assert "minute='15'" in str(svc.scheduler.get_job(svc.job_id("schedule:library_sync")).trigger)
    assert svc.scheduler.get_job(svc.job_id("schedule:full_sync")) is None


def test_a_failing_job_logs_why_and_keeps_its_next_run(make_app, clock, services, fake_kinds, caplog):
    app = make_app()
    svc = services(app, holder="one:1:1:aa", clock=clock)
    assert svc.start()
    before = svc.scheduler.get_job(svc.job_id("schedule:library_sync")).next_run_time
    fake_kinds.sync_result = RuntimeError("Plex answered 500")
    outcome = svc.run_schedule("library_sync")
    assert outcome.status == JobStatus.FAILED
    [job] = _jobs(app, "library_sync")
    assert job.status == JobStatus.FAILED and "Plex answered 500" in job.message and job.trigger == "schedule"
    assert ("rescan", {"playlist_id": None}) not in fake_kinds.calls
    with app.app_context():
        row = db.session.get(Schedule, "library_sync")
        assert row.last_status == "failed" and "Plex answered 500" in row.last_message and row.last_job_id == job.id
    after = svc.scheduler.get_job(svc.job_id("schedule:library_sync"))
    assert after is not None and after.next_run_time == before
    assert any("Library sync failed" in r.getMessage() and "Plex answered 500" in r.getMessage() for r in caplog.records)
    fake_kinds.sync_result = {"added": 1, "updated": 0, "removed": 0}
    assert svc.run_schedule("library_sync").status == JobStatus.DONE  # the next run works again


def test_sync_is_followed_by_a_rescan_only_when_the_library_changed(make_app, clock, services, fake_kinds, caplog):
    app = make_app()
    svc = services(app, holder="one:1:1:aa", clock=clock)
    assert svc.start()
    caplog.set_level("INFO")
    quiet = svc.run_schedule("library_sync")
    assert [c[0] for c in fake_kinds.calls] == ["library_sync"]
    assert "no rescan was needed" in quiet.message
    fake_kinds.sync_result = {"added": 42, "updated": 3, "removed": 1}
    busy = svc.run_schedule("full_sync")
    assert fake_kinds.calls[1:] == [("library_sync", {"full": True}), ("rescan", {"playlist_id": None})]
    assert busy.status == JobStatus.DONE
    assert "+42 tracks, 3 updated, 1 removed" in busy.message and "Rescan: 2 playlists checked" in busy.message
    assert [(j.kind, j.trigger) for j in _jobs(app)][-2:] == [("library_sync", "schedule"), ("rescan", "schedule")]
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("plex_completer.scheduler")]
    assert any(line.startswith("Full library sync started") for line in lines)
    assert any(line.startswith("Full library sync finished in") and "+42 tracks" in line for line in lines)


def test_the_same_work_never_overlaps(make_app, clock, services, fake_kinds):
    app = make_app()
    svc = services(app, holder="one:1:1:aa", clock=clock)
    assert svc.start()
    fake_kinds.gate = threading.Event()
    worker = threading.Thread(target=svc.run_schedule, args=("library_sync",))
    worker.start()
    try:
        assert fake_kinds.entered.wait(10)
        second = svc.run_schedule("full_sync")  # the weekly full sync comes due meanwhile
        assert second.status == "skipped" and "already running" in second.message
        with app.app_context():
            again = runner.enqueue("library_sync", {"full": False}, dedupe_key="library_sync")  # "Sync now" click
            assert again.status == JobStatus.RUNNING
    finally:
        fake_kinds.gate.set()
        worker.join(10)
    assert len(_jobs(app, "library_sync")) == 1
    assert [c[0] for c in fake_kinds.calls] == ["library_sync"]


def test_run_now_goes_through_the_real_scheduler_threads(make_app, clock, services, fake_kinds):
    app = make_app()
    svc = services(app, holder="one:1:1:aa", clock=clock)
    assert svc.start()
    with app.app_context():
        request_run("housekeeping")
    svc.tick()  # what the Schedules page does after storing the request
    deadline = time.monotonic() + 15
    row = None
    while time.monotonic() < deadline:
        with app.app_context():
            row = db.session.get(Schedule, "housekeeping")
            if row.last_status:
                break
        time.sleep(0.05)
    assert row is not None and row.last_status == JobStatus.DONE, row.last_message if row else None
    assert row.run_requested_at is None
    [job] = _jobs(app, "housekeeping")
    assert job.trigger == "user" and job.message.startswith("Housekeeping: removed 0 job rows")


def test_a_schedule_missed_while_no_scheduler_ran_runs_once_on_takeover(make_app, clock, services):
    app = make_app()
    with app.app_context():
        ensure_schedules(app.config["SETTINGS"])
        row = db.session.get(Schedule, "library_sync")  # every 6 hours
        row.last_run_at = clock() - dt.timedelta(hours=30)  # five runs missed: one catch-up
        db.session.commit()
    svc = services(app, holder="one:1:1:aa", clock=clock)
    assert svc.start()
    job = svc.scheduler.get_job(svc.job_id("schedule:library_sync"))
    wait = (job.next_run_time - dt.datetime.now(dt.UTC)).total_seconds()
    assert 0 < wait <= 61
    housekeeping = svc.scheduler.get_job(svc.job_id("schedule:housekeeping"))
    assert (housekeeping.next_run_time - dt.datetime.now(dt.UTC)).total_seconds() > 61  # nothing missed
