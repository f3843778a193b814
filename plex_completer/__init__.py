"""plex-completer: AI-written playlists that stay complete as a Plex music library grows.

:func:`create_app` reads like a table of contents of the application.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import Flask

__version__ = "0.1.0"

if TYPE_CHECKING:  # the factory imports lazily, so `import plex_completer.matching` stays light
    from .config import Settings

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask application.

    ``config`` overrides environment settings (tests pass a dict such as
    ``{"DATABASE_URL": "sqlite://", "SCHEDULER_ENABLED": False}``); keys that are not
    settings fields (``TESTING``, ``WTF_CSRF_ENABLED``, ...) go to ``app.config``.
    Raises :class:`plex_completer.config.ConfigError` for a wrong setting.
    """
    from .config import Settings, ensure_secret_key, load_settings
    from .logging_setup import configure_logging

    settings = load_settings(config)
    configure_logging(settings.LOG_LEVEL, settings.secret_values())

    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=ensure_secret_key(settings),
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # tokens live as long as the session: forms left open overnight still work
        MAX_CONTENT_LENGTH=1 * 1024 * 1024,
        VERSION=__version__,
    )
    if config:
        app.config.update({k: v for k, v in config.items() if k not in Settings.model_fields})
    from .logging_setup import redactor

    redactor.add_secret(app.config["SECRET_KEY"])

    _register_extensions(app, settings)
    _register_url_converters(app)
    _register_blueprints(app)
    _register_errorhandlers(app)
    _register_cli(app)
    _prepare_database(app)
    _start_background_work(app, settings)
    log.info(
        "plex-completer %s started (Plex %s, Gemini %s, Ollama %s)",
        __version__,
        "configured" if settings.plex_configured else "not configured",
        "configured" if settings.gemini_configured else "not configured",
        "configured" if settings.ollama_configured else "not configured",
    )
    return app


def _register_extensions(app: Flask, settings: Settings) -> None:
    from . import models  # noqa: F401 - registers the tables on db.metadata
    from .database import engine_options
    from .extensions import csrf, db, limiter, migrate

    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(settings.database_url))
    if settings.database_url.startswith("sqlite:///"):
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    csrf.init_app(app)
    limiter.init_app(app)
    from .database import install_sqlite_pragmas
    from .services import library_search  # noqa: F401 - registers the search index's SQL functions

    with app.app_context():
        install_sqlite_pragmas(db.engine)


def _migrations_dir() -> Any:
    from .database import MIGRATIONS_DIR

    return MIGRATIONS_DIR


def _register_url_converters(app: Flask) -> None:
    """``<int:...>`` ids refuse values beyond 64 bits (404); before any route is added."""
    from .web.security import register_converters

    register_converters(app)


def _register_blueprints(app: Flask) -> None:
    from .web import register_blueprints

    register_blueprints(app)


def _register_errorhandlers(app: Flask) -> None:
    from .web.errors import register_errorhandlers

    register_errorhandlers(app)


def _register_cli(app: Flask) -> None:
    from .cli import register_cli

    register_cli(app)


def _prepare_database(app: Flask) -> None:
    from .database import upgrade_schema

    if app.config.get("AUTO_MIGRATE", True):
        upgrade_schema(app)


def _start_background_work(app: Flask, settings: Settings) -> None:
    """Register the job kinds, bind the job runner, then hand its scheduler to the
    scheduler package (schedules, the single-scheduler lock, orphaned jobs)."""
    from . import scheduler
    from .jobs import runner
    from .services.job_kinds import load_job_kinds

    load_job_kinds()
    runner.init_app(app, start_scheduler=settings.SCHEDULER_ENABLED)
    scheduler.init_app(app, runner, start_scheduler=settings.SCHEDULER_ENABLED)
