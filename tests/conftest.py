"""Shared pytest fixtures: an app on a temporary SQLite file (``make_app``, ``app``), its
client and CLI runner; the emulator ``stack`` (Plex, Gemini, Ollama on loopback) serving
the small realistic library, and ``synced_app`` pointed at it with the library synced.

Markers follow the fixtures (:func:`pytest_collection_modifyitems`): a test that uses the
stack or the small library is ``e2e`` and ``shared_data``; one that drives Chromium is
``browser``. So ``-m "not e2e"`` runs the fast unit tests only.
"""

from __future__ import annotations

import copy
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
    ollama_provider.close_clients()


# -- the emulator stack ------------------------------------------------------------------

# Fixtures whose users get these markers (see the module docstring).
_FIXTURE_MARKERS = {
    "small_library": ("e2e", "shared_data"),
    "stack": ("e2e", "shared_data"),
    "browser": ("browser",),
}


def pytest_collection_modifyitems(config, items):
    """Mark each test by the fixtures it uses (directly or through other fixtures)."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        for fixture, markers in _FIXTURE_MARKERS.items():
            if fixture in names:
                for marker in markers:
                    item.add_marker(marker)


@pytest.fixture(scope="session")
def small_library():
    """The small realistic library (about 2,100 tracks built from ../shared/data), built
    once per session; skips with a reason where ../shared/data is absent."""
    from tests.fakes.library.builder import build_library, require_shared_data

    require_shared_data()
    return build_library("small", seed=7)


def start_test_stack(tracks):
    """Start the three emulators on copies of ``tracks`` (the emulator edits tracks in
    place, and a copy keeps the session's library clean); returns the running Stack."""
    from tests.fakes.stack import start_stack

    return start_stack(tracks=[copy.copy(t) for t in tracks])


@pytest.fixture
def stack(small_library):
    """Fresh Plex, Gemini and Ollama emulators for one test (they start in about 2 ms, so
    no test sees another's playlists, scripts or request counts)."""
    s = start_test_stack(small_library)
    yield s
    s.stop()


# Timeouts short enough that a hung emulator fails a test quickly.
STACK_TIMEOUTS = {"GEMINI_TIMEOUT": 10, "OLLAMA_TIMEOUT": 10, "PLEX_TIMEOUT": 5}


@pytest.fixture
def make_synced_app(make_app, stack):
    """Factory: ``make_synced_app(**overrides)`` builds an app pointed at ``stack`` (jobs
    inline, no login) and runs a full library sync; a second call is a restart on the
    same database."""
    from plex_completer.jobs import runner
    from plex_completer.models import JobStatus

    def factory(**overrides):
        stack.plex.clear_faults()
        app = make_app(**{**stack.env, **STACK_TIMEOUTS, **overrides})
        with app.app_context():
            job = runner.run_now("library_sync", {"full": True})
            assert job.status == JobStatus.DONE, job.message
        return app

    return factory


@pytest.fixture
def synced_app(make_synced_app):
    """An app pointed at the emulator stack with the library synced, in an app context."""
    app = make_synced_app()
    with app.app_context():
        yield app
