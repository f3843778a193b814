"""The Plex side of the app: the library index and the playlists the app writes.

- :mod:`.library_sync`: :func:`~.library_sync.sync_library` and the ``library_sync`` job kind.
- :mod:`.playlists`: create / replace / delete the app's playlists, list the user's,
  :func:`~.playlists.test_connection`.
- :mod:`.errors`: :class:`~.errors.PlexError` and its user-facing subclasses.
- :mod:`.gateway`: the only module that imports plexapi (connection, requests, errors).
- :mod:`.track_rows`, :mod:`.index_store`, :mod:`.move_plan`: XML to rows, index writes,
  playlist reorder planning.
"""
