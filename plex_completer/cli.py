"""Flask CLI commands (``flask --app app COMMAND``) that run the same services as the UI.

Each command exits non-zero with a one-line reason on failure.
"""

from __future__ import annotations

import importlib

from flask import Flask

# (module, attribute) of each command; modules written by later work are optional.
COMMANDS = (
    ("plex_completer.cli_playlists", "generate_command"),
    ("plex_completer.cli_playlists", "rescan_command"),
    ("plex_completer.cli_library", "sync_library"),
)


def register_cli(app: Flask) -> None:
    """Attach the app's commands to ``app.cli``."""
    for module_name, attribute in COMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        command = getattr(module, attribute, None)
        if command is not None:
            app.cli.add_command(command)
