"""A loopback plex.tv emulator: accounts, Plex Home, shared servers, PIN sign-in (see
:mod:`tests.fakes.plextv.server`)."""
