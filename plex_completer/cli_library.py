"""CLI: ``flask --app app sync-library [--full]``: sync the library index from Plex.

Prints progress while it reads, then one summary line ("Library sync: +42 tracks,
3 updated, 1 removed in 4.1 s"); exits 1 with a one-line reason on failure.
"""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from .jobs import UserFacingError
from .logging_setup import redact


class _ConsoleProgress:
    """Prints ``step: done/total`` at most every ``interval_s`` seconds, and every new step."""

    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self._last = 0.0
        self._step = ""

    def __call__(self, done: int, total: int, step: str) -> None:
        now = time.monotonic()
        if step == self._step and now - self._last < self.interval_s and done != total:
            return
        self._last, self._step = now, step
        click.echo(f"{step}: {done}/{total}" if total else f"{step}...")


@click.command("sync-library")
@click.option("--full", is_flag=True, help="Re-read every track (the first sync is always full).")
@with_appcontext
def sync_library(full: bool) -> None:
    """Sync the library index with the Plex music section."""
    from .plex.library_sync import sync_library as run_sync

    settings = current_app.config["SETTINGS"]
    try:
        result = run_sync(settings, full=full, progress=_ConsoleProgress())
    except UserFacingError as exc:
        raise click.ClickException(redact(str(exc))) from None
    click.echo(result.summary())
