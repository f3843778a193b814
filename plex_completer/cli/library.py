"""CLI: ``flask --app app sync-library [--full]``: sync the library index from Plex.

Runs the ``library_sync`` job in this process, so the jobs page lists it like a sync
started from the UI (trigger "cli"); prints progress while it reads, then one summary
line ("Library sync: +42 tracks, 3 updated, 1 removed in 4.1 s"); exits 1 with a
one-line reason on failure, or when a sync is already running.
"""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from ..jobs import runner
from ..models import JobStatus
from ..services.library_jobs import LIBRARY_SYNC_DEDUPE_KEY


class _ConsoleProgress:
    """Prints ``step: done/total`` at most every ``interval_s`` seconds, and every new step."""

    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self._last = 0.0
        self._step = ""

    def __call__(self, done: int | None, total: int | None, step: str | None) -> None:
        now = time.monotonic()
        step = step or self._step
        if step == self._step and now - self._last < self.interval_s and done != total:
            return
        self._last, self._step = now, step
        click.echo(f"{step}: {done}/{total}" if total else f"{step}...")


@click.command("sync-library")
@click.option("--full", is_flag=True, help="Re-read every track (the first sync is always full).")
@with_appcontext
def sync_library(full: bool) -> None:
    """Sync the library index with the Plex music section."""
    job = runner.run_now(
        "library_sync", {"full": full}, dedupe_key=LIBRARY_SYNC_DEDUPE_KEY, on_progress=_ConsoleProgress()
    )
    if job.status in JobStatus.ACTIVE:
        raise click.ClickException(f"A library sync is already running (job {job.id}); try again when it has finished.")
    if job.status != JobStatus.DONE:
        raise click.ClickException(job.message or f"Library sync {job.status}.")
    click.echo(job.message)
