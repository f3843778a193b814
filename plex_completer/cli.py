"""Flask CLI commands (``flask --app app COMMAND``) that run the same services as the UI.

Each command exits non-zero with a one-line reason on failure.
"""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    """Attach the app's commands to ``app.cli``."""
