"""The single-scheduler lease: atomic acquisition, renewal, expiry and release."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

from plex_completer.models import SchedulerLock
from plex_completer.scheduler.lock import SchedulerLease, holder_is_dead, live_holder, make_holder_id

REPO = Path(__file__).resolve().parents[2]


def test_first_acquire_inserts_then_renews_and_blocks_others(sched_app, clock):
    a = SchedulerLease("host-a:1:1:aa", clock=clock, lease_seconds=90)
    b = SchedulerLease("host-b:1:1:bb", clock=clock, lease_seconds=90)
    assert a.acquire() is True
    first = a.state()
    assert first.holder == a.holder and first.live
    clock.advance(30)
    assert b.acquire() is False
    assert a.acquire() is True  # renewal moves the expiry, keeps the acquisition time
    renewed = a.state()
    assert renewed.acquired_at == first.acquired_at
    assert renewed.expires_at == clock() + (first.expires_at - first.acquired_at)
    assert live_holder(clock) == a.holder


def test_a_lease_that_is_not_renewed_expires_and_another_process_takes_it(sched_app, clock):
    a = SchedulerLease("host-a:1:1:aa", clock=clock, lease_seconds=90)
    b = SchedulerLease("host-b:1:1:bb", clock=clock, lease_seconds=90)
    assert a.acquire()
    clock.advance(89)
    assert not b.acquire()
    clock.advance(2)
    assert live_holder(clock) is None
    assert b.acquire()
    assert not a.acquire()  # the old holder cannot renew once taken over
    assert b.held_by_me() and not a.held_by_me()


def test_release_lets_a_successor_in_at_once(sched_app, clock):
    a = SchedulerLease("host-a:1:1:aa", clock=clock)
    b = SchedulerLease("host-b:1:1:bb", clock=clock)
    assert a.acquire()
    assert a.release() is True
    assert b.acquire()
    assert a.release() is False  # not ours any more: releasing does nothing


def test_threads_racing_for_a_free_lease_produce_one_winner(sched_app, clock):
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def contend(n: int) -> None:
        with sched_app.app_context():
            lease = SchedulerLease(f"host-{n}:1:1:{n:02x}", clock=clock)
            barrier.wait()
            results.append(lease.acquire())

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == [False] * 5 + [True]


def test_processes_racing_on_the_same_database_file_produce_one_winner(sched_app, tmp_path):
    """Real OS processes (the case of two containers on one database): one wins."""
    url = sched_app.config["SQLALCHEMY_DATABASE_URI"]
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.scheduler.lease_contender", url, f"proc-{n}:{n}:1:ab", str(go)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for n in range(2)  # two, not more: each needs ~2 s of imports on a 2-core machine
    ]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    go.touch()
    outputs = [(p.stdout.read(), p.communicate(timeout=60)[1]) for p in procs]
    answers = sorted(out.strip() for out, _ in outputs)
    assert answers == ["lost", "won"], outputs
    winner = next(f"proc-{n}:{n}:1:ab" for n, (out, _) in enumerate(outputs) if out.strip() == "won")
    assert sched_app.extensions["sqlalchemy"].session.get(SchedulerLock, "scheduler").holder == winner


def test_a_dead_process_of_this_host_loses_its_lease_at_once(sched_app, clock):
    """A container restarted after a crash does not wait 90 s for its own old lease."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = f"{socket.gethostname()[:120]}:{dead.pid}:1:dd"
    assert holder_is_dead(stale)
    assert not holder_is_dead(make_holder_id())  # ourselves
    assert not holder_is_dead(f"some-other-host:{dead.pid}:1:dd")  # unknowable: wait for expiry
    assert SchedulerLease(stale, clock=clock).acquire()
    assert SchedulerLease(make_holder_id(), clock=clock).acquire()


def test_a_live_holder_on_another_host_is_never_stolen(sched_app, clock):
    assert SchedulerLease("elsewhere:1:1:aa", clock=clock).acquire()
    assert not SchedulerLease(make_holder_id(), clock=clock).acquire()
