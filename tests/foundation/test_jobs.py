"""The job runner: final states always, dedupe of identical requests, restart, retry."""

from __future__ import annotations

import pytest

from plex_completer.errors import JobPostponed, UserFacingError
from plex_completer.extensions import db
from plex_completer.jobs import job_kind, runner
from plex_completer.models import Job, JobStatus

CALLS: list[dict] = []


@job_kind("test_echo")
def _echo(ctx, value: str, fail: str | None = None):
    CALLS.append({"value": value})
    ctx.progress(1, 2, "Halfway")
    if fail == "user":
        raise UserFacingError("Plex is unreachable at http://nas:32400. Check PLEX_URL.")
    if fail == "postpone":
        raise JobPostponed("Every AI provider is out of quota until 09:00.")
    if fail == "bug":
        raise RuntimeError("token=abcdef123456 leaked?")
    return {"message": f"echoed {value}", "value": value}


@pytest.fixture(autouse=True)
def _clear():
    CALLS.clear()


def test_a_job_ends_done_with_its_message_and_full_progress(app):
    job = runner.enqueue("test_echo", {"value": "a"})
    assert job.status == JobStatus.DONE
    assert job.message == "echoed a" and job.result["value"] == "a"
    assert (job.progress_done, job.progress_total, job.step) == (2, 2, "Halfway")
    assert job.started_at <= job.finished_at and job.duration_s >= 0


@pytest.mark.parametrize(
    ("fail", "status", "text"),
    [
        ("user", JobStatus.FAILED, "Plex is unreachable at http://nas:32400"),
        ("postpone", JobStatus.POSTPONED, "out of quota"),
        ("bug", JobStatus.FAILED, "Unexpected error (RuntimeError)"),
    ],
)
def test_a_failing_job_still_ends_in_a_final_state(app, fail, status, text):
    job = runner.enqueue("test_echo", {"value": "b", "fail": fail})
    assert job.status == status
    assert text in job.message
    assert "abcdef123456" not in job.message
    assert job.finished_at is not None


def test_identical_active_request_returns_the_same_job(app, monkeypatch):
    monkeypatch.setattr(runner, "run_job", lambda job_id: None)  # leave jobs queued
    first = runner.enqueue("test_echo", {"value": "c"}, dedupe_key="echo:c")
    second = runner.enqueue("test_echo", {"value": "c"}, dedupe_key="echo:c")
    third = runner.enqueue("test_echo", {"value": "d"}, dedupe_key="echo:d")
    assert first.id == second.id != third.id


def test_unknown_kind_is_refused(app):
    with pytest.raises(KeyError):
        runner.enqueue("no_such_kind", {})


def test_jobs_left_running_by_a_restart_are_marked_interrupted_and_can_be_retried(app):
    job = Job(kind="test_echo", params={"value": "e"}, status=JobStatus.RUNNING, dedupe_key="echo:e")
    db.session.add(job)
    db.session.commit()
    assert runner.mark_interrupted() == 1
    db.session.refresh(job)
    assert job.status == JobStatus.INTERRUPTED and "retry" in job.message
    again = runner.retry(job.id)
    assert again.id != job.id and again.status == JobStatus.DONE and again.message == "echoed e"
    with pytest.raises(ValueError):
        runner.retry(again.id)  # a finished job is not retried


def test_retry_button_starts_the_job_again(app, client):
    failed = runner.enqueue("test_echo", {"value": "f", "fail": "user"})
    response = client.post(f"/jobs/{failed.id}/retry")
    assert response.status_code == 302
    newest = db.session.scalars(db.select(Job).order_by(Job.id.desc())).first()
    assert newest.id != failed.id and response.headers["Location"].endswith(f"/jobs/{newest.id}")
    assert len(CALLS) == 2


def test_every_job_kind_of_the_app_is_registered_and_has_a_label(app):
    from plex_completer.services.job_kinds import load_job_kinds
    from plex_completer.web.viewhelpers import JOB_KIND_LABELS

    app_kinds = {kind for kind in load_job_kinds() if not kind.startswith("test_")}
    assert app_kinds == set(JOB_KIND_LABELS)


def test_run_now_runs_in_this_thread_reports_progress_and_respects_the_dedupe_key(app):
    heard = []
    job = runner.run_now("test_echo", {"value": "g"}, dedupe_key="echo:g", on_progress=lambda *p: heard.append(p))
    assert job.status == JobStatus.DONE and job.message == "echoed g"
    assert heard == [(1, 2, "Halfway")]
    busy = Job(kind="test_echo", params={"value": "h"}, status=JobStatus.RUNNING, dedupe_key="echo:h")
    db.session.add(busy)
    db.session.commit()
    again = runner.run_now("test_echo", {"value": "h"}, dedupe_key="echo:h")
    assert again.id == busy.id and again.status == JobStatus.RUNNING  # nothing ran
