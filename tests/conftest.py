"""Shared pytest fixtures: an app on a temporary SQLite file, its client and CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"


def base_config(tmp_path: Path, **overrides) -> dict:
    """A test configuration: a fresh SQLite file in ``tmp_path``, no scheduler, jobs inline,
    no Plex/AI configured (tests point those at the emulators when they need them)."""
    cfg = {
        "TESTING": True,
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SCHEDULER_ENABLED": False,
        "JOBS_INLINE": True,
        "AUTH_DISABLED": True,
        "WTF_CSRF_ENABLED": False,
        "PLEX_URL": "",
        "PLEX_TOKEN": "",
        "GEMINI_API_KEY": "",
        "OLLAMA_URL": "",
        "RATELIMIT_ENABLED": False,
    }
    cfg.update(overrides)
    return cfg


@pytest.fixture
def make_app(tmp_path, monkeypatch):
    """Factory: ``make_app(**overrides)`` builds an app on ``tmp_path/test.db`` from
    :func:`base_config`; calling it twice gives a second app on the same database file
    (a restart). Every app's scheduler is shut down after the test."""
    monkeypatch.chdir(tmp_path)  # keep a developer's .env out of the tests
    from plex_completer import create_app

    made = []

    def factory(**overrides):
        app = create_app(base_config(tmp_path, **overrides))
        made.append(app)
        return app

    yield factory
    for app in made:
        runner = app.extensions.get("job_runner")
        if runner is not None:
            runner.shutdown()


@pytest.fixture
def app(make_app):
    """An app on a temporary database, with no external services configured."""
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    """A test client of :func:`app`."""
    return app.test_client()


@pytest.fixture
def cli_runner(app):
    """A CLI runner of :func:`app`."""
    return app.test_cli_runner()


@pytest.fixture(autouse=True, scope="session")
def _close_cached_ai_clients():
    """Close the AI SDK clients the providers cache per process, so no socket is left open."""
    yield
    from plex_completer.ai import gemini, ollama_provider

    gemini.close_clients()
    if hasattr(ollama_provider, "close_clients"):
        ollama_provider.close_clients()
