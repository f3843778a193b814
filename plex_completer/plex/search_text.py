"""Where the search index gets a track's words when Python writes them (PostgreSQL always;
SQLite when a first full sync builds its index alongside the Plex listing).

The words are the matcher's normalisation, which lives in ``matching`` (this package may
not import it): ``services/library_search.py`` sets :data:`search_text` at import, as it
registers the SQL functions SQLite's triggers call.
"""

from __future__ import annotations

from collections.abc import Callable

#: ``(title, album_artist, track_artist, album) -> (title, artist, album, keys)``: the indexed
#: words of one track.
search_text: Callable[[str | None, str | None, str | None, str | None], tuple[str, str, str, str]] | None = None


def texts(title: str | None, album_artist: str | None, track_artist: str | None,
          album: str | None) -> tuple[str, str, str, str]:
    """:data:`search_text` of one track; RuntimeError when nothing set it."""
    if search_text is None:
        raise RuntimeError("services.library_search was not imported: no search text function")
    return search_text(title, album_artist, track_artist, album)
