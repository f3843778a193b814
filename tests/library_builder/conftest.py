"""Fixtures of the library-builder tests: the small and full libraries, built once."""

from __future__ import annotations

import pytest

from tests.fakes.library.builder import require_shared_data, shared_library


@pytest.fixture(scope="session")
def small_library():
    """The small library (seed 0); tests must not mutate it."""
    require_shared_data()
    return shared_library("small", seed=0)


@pytest.fixture(scope="session")
def full_library():
    """The full library (seed 0); tests must not mutate it."""
    require_shared_data()
    return shared_library("full", seed=0)
