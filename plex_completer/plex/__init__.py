"""The Plex side of the app: the library index and the playlists the app writes.

- :mod:`.library_sync`: :func:`~.library_sync.sync_library` and the ``library_sync`` job kind.
- :mod:`.playlist_writes`: create / replace / delete the app's playlists (checked by
  identity, read back after writing), list the user's, :func:`~.playlist_writes.test_connection`.
- :mod:`.capabilities`: what the server honours (filters, excludes, page size) and the
  fallbacks; :mod:`.listings`: paged track listings as PMS wants them.
- :mod:`.errors`: :class:`~.errors.PlexError` and its user-facing subclasses.
- :mod:`.gateway`: the one door to the Plex Media Server (connection, requests, errors).
- :mod:`.household`: plex.tv (household users, their server tokens, Sign in with Plex) and a
  user's recent plays; the only other module that imports plexapi.
- :mod:`.track_rows`, :mod:`.index_store`, :mod:`.move_plan`: XML to rows, index writes,
  playlist reorder planning.
"""
