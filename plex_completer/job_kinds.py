"""Imports every module that registers job kinds, so the runner knows them at start-up."""

from __future__ import annotations

import importlib

# Modules whose import registers ``@job_kind`` functions.
JOB_MODULES = (
    "plex_completer.services.workflows",
    "plex_completer.plex.library_sync",
    "plex_completer.scheduler",
)


def load_job_kinds() -> None:
    """Import :data:`JOB_MODULES`; a missing dependency raises at start-up, not at enqueue time."""
    for name in JOB_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
