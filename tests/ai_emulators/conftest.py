"""Fixtures for the AI emulator tests: started emulators and real SDK clients on them."""

from __future__ import annotations

import ollama
import pytest
from google import genai
from google.genai import types

from tests.fakes.ai.gemini_server import GeminiEmulator
from tests.fakes.ai.ollama_server import OllamaEmulator

GEMINI_KEY = "test-gemini-key"
RETIRED = "gemini-1.5-flash"


def make_genai_client(url: str, key: str = GEMINI_KEY, timeout_ms: int = 5_000,
                      retry: types.HttpRetryOptions | None = None,
                      api_version: str | None = None) -> genai.Client:
    """A real google-genai client on ``url`` (HttpOptions.timeout is milliseconds)."""
    return genai.Client(api_key=key, http_options=types.HttpOptions(
        base_url=url, timeout=timeout_ms, retry_options=retry, api_version=api_version))


@pytest.fixture
def gemini():
    """The 2025 Gemini API (regression mode): the 2.x models answer."""
    with GeminiEmulator(api_key=GEMINI_KEY, retired=(RETIRED,), era="2025") as emu:
        yield emu


@pytest.fixture
def gemini_today():
    """The Gemini API as it is today (December 2026)."""
    with GeminiEmulator(api_key=GEMINI_KEY) as emu:
        yield emu


@pytest.fixture
def today_client(gemini_today):
    """A real google-genai client (no SDK retry) on :func:`gemini_today`."""
    client = make_genai_client(gemini_today.url, retry=types.HttpRetryOptions(attempts=1))
    yield client
    client.close()


@pytest.fixture
def new_genai_client(gemini):
    """Factory of SDK clients on the emulator (same arguments as :func:`make_genai_client`
    minus ``url``); every client is closed at teardown so no pooled socket leaks."""
    made: list[genai.Client] = []

    def factory(**kw) -> genai.Client:
        made.append(make_genai_client(gemini.url, **kw))
        return made[-1]

    yield factory
    for client in made:
        client.close()


@pytest.fixture
def genai_client(new_genai_client):
    return new_genai_client(retry=types.HttpRetryOptions(attempts=1))


@pytest.fixture
def ollama_emu():
    with OllamaEmulator(models=("hermes3:8b",)) as emu:
        yield emu


@pytest.fixture
def ollama_client(ollama_emu):
    with ollama.Client(host=ollama_emu.url, timeout=5) as client:
        yield client
