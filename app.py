"""Entry point for ``flask --app app run`` and ``gunicorn app:app``."""

from plex_completer import create_app

app = create_app()
