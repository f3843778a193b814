"""Every job kind the app runs, registered with the job runner at start-up.

The job functions live in the service modules imported here (each registers its kinds
with :func:`plex_completer.jobs.job_kind` when imported); importing them in one place
means an import error stops start-up instead of failing the first enqueue.

======================  ======================================================
kind                    module
======================  ======================================================
``generate``            :mod:`.playlist_jobs` (ask the AI, match, write)
``regenerate``          :mod:`.playlist_jobs` (ask again for an existing playlist)
``rescan``              :mod:`.playlist_jobs` (re-match stored lists, no AI call)
``write_playlist``      :mod:`.playlist_jobs` (retry a failed Plex write)
``library_sync``        :mod:`.library_jobs`
``plex_server_switch``  :mod:`.library_jobs` (re-sync and recreate on a new server)
``housekeeping``        :mod:`.scheduled_jobs`
``playlist_refresh``    :mod:`.scheduled_jobs`
======================  ======================================================
"""

from __future__ import annotations

from ..jobs import registered_kinds
from . import library_jobs, playlist_jobs, scheduled_jobs

JOB_MODULES = (playlist_jobs, library_jobs, scheduled_jobs)


def load_job_kinds() -> frozenset[str]:
    """Return the registered job kinds (the imports above registered them)."""
    return registered_kinds()
