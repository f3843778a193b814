"""Flask CLI commands (``flask --app app COMMAND``) that run the same services as the UI
and record the same job rows.

Each command exits non-zero with a one-line reason on failure.
"""

from __future__ import annotations

from flask import Flask

from .library import sync_library
from .playlists import generate_command, regenerate_command, rescan_command
from .search import reindex_search


def register_cli(app: Flask) -> None:
    """Attach the app's commands to ``app.cli``."""
    for command in (generate_command, rescan_command, regenerate_command, sync_library, reindex_search):
        app.cli.add_command(command)
