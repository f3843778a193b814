"""The two exceptions every layer may raise and the job runner understands.

They live in this low module (it imports nothing of the app) so that ``plex/``, ``ai/``,
``services/`` and the job runner can share them without importing each other.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message is written for the user (what happened, what to do).

    A job that raises it ends FAILED with ``str(exc)`` as its one-line reason; the web
    layer shows the same text in a flash message.
    """


class JobPostponed(Exception):
    """Raised by a job function that cannot run now (a quota, the daily AI call cap, a
    temporary server error); the job ends POSTPONED with ``str(exc)`` as its reason."""
