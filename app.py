"""Entry point for ``flask --app app run`` and ``gunicorn app:app``."""

import os
import sys

from plex_completer import create_app


def _is_one_off_cli_command() -> bool:
    # `flask --app app generate/rescan/sync-library/db ...` runs once and exits; it must
    # not start the background scheduler (it would take the scheduler lock from the
    # server or run scheduled jobs for its short life). `flask run` serves, so it does.
    return os.path.basename(sys.argv[0]) in ("flask", "flask.exe") and "run" not in sys.argv[1:]


app = create_app({"SCHEDULER_ENABLED": False} if _is_one_off_cli_command() else None)
