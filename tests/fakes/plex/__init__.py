"""Building blocks of the Plex Media Server emulator; import :class:`PlexEmulator` from
``tests.fakes.plex.server``.

Modules: ``state`` (the library, playlists and derived albums/artists), ``query`` (PMS
filter and sort parameters), ``xmlrender`` (PMS-style XML), ``meta`` (the ``<Meta>`` block
plexapi loads before filtered searches), ``handler`` (HTTP request handling and routes).
"""
