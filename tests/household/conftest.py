"""Fixtures for the household protocol tests: the hand-made 21-track library of the PMS
emulator tests, a PMS emulator on a fixed clock with the scripted household registered,
the plex.tv emulator, and the app's :class:`Settings` pointed at both."""

from __future__ import annotations

import pytest

from plex_completer.config import load_settings
from tests.fakes.plex.server import PlexEmulator
from tests.fakes.plextv.household import build_household
from tests.plex_emulator.conftest import CLOCK, make_library

CLIENT_ID = "test-installation-0001"


@pytest.fixture
def pms():
    with PlexEmulator(make_library(), now=CLOCK) as emu:
        yield emu


@pytest.fixture
def household(pms):
    hh = build_household(pms, now=CLOCK)
    yield hh
    hh.tv.stop()


@pytest.fixture
def settings(pms, household):
    return load_settings(
        {"PLEX_URL": pms.url, "PLEX_TOKEN": pms.token, "PLEX_TV_URL": household.tv.url, "PLEX_TIMEOUT": 5},
        environ={},
    )
