"""Fixtures for the AI cascade tests: emulators, an app wired to them, a movable clock."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from tests.fakes.ai.gemini_server import GeminiEmulator
from tests.fakes.ai.ollama_server import OllamaEmulator

# Not shaped like a Google key on purpose: only the literal-secret redaction can hide it.
GEMINI_KEY = "test-gemini-key-7c1d9e52f0"
OLLAMA_MODEL = "hermes3:8b"


class FakeClock:
    """A clock returning aware UTC ``now``; ``advance(seconds)`` moves it."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.now = start or dt.datetime(2026, 3, 10, 18, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def retry_sleeps(monkeypatch):
    """The cascade's quick-retry waits (seconds), recorded instead of slept."""
    from plex_completer.ai import cascade

    waits: list[float] = []
    monkeypatch.setattr(cascade, "sleep_before_retry", waits.append)
    return waits


@pytest.fixture(autouse=True)
def _close_cached_clients():
    yield
    from plex_completer.ai import cascade, gemini, ollama_provider, successors

    gemini.close_clients()
    ollama_provider.close_clients()
    cascade.clear_rejected_thinking()
    successors.clear_misses()


@pytest.fixture
def gemini():
    with GeminiEmulator(api_key=GEMINI_KEY, models=("gemini-2.5-flash", "gemini-2.0-flash", "gemini-2.5-flash-lite")) as emu:
        yield emu


@pytest.fixture
def ollama_emu():
    with OllamaEmulator(models=(OLLAMA_MODEL,)) as emu:
        yield emu


def provider_env(gemini_emu, ollama_emu) -> dict:
    """Settings overrides pointing both providers at these emulators with short timeouts."""
    return {
        "GEMINI_API_KEY": GEMINI_KEY,
        "GEMINI_BASE_URL": gemini_emu.url,
        "GEMINI_TIMEOUT": 5.0,
        "OLLAMA_URL": ollama_emu.url,
        "OLLAMA_MODEL": OLLAMA_MODEL,
        "OLLAMA_TIMEOUT": 5.0,
    }


@pytest.fixture
def wired(gemini, ollama_emu):
    """:func:`provider_env` of the 2025-era Gemini emulator and the Ollama emulator."""
    return provider_env(gemini, ollama_emu)


@pytest.fixture
def ai_app(make_app, wired):
    """An app wired to both emulators, inside an app context."""
    app = make_app(**wired)
    with app.app_context():
        yield app


@pytest.fixture
def settings(ai_app):
    return ai_app.config["SETTINGS"]


@pytest.fixture
def clock():
    return FakeClock()
