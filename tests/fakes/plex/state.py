"""The emulator's data: tracks of one music library section, the albums and artists they
imply, extra (non-music) sections, playlists, recorded requests and fault settings.

Nothing here is thread-safe on its own; :class:`~tests.fakes.plex_server.PlexEmulator` holds
one lock around every read and write.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from tests.fakes.library_model import FakeTrack


def sort_fold(text: str | None) -> str:
    """Case- and accent-insensitive form of ``text`` for sorting and hub search
    ("Björk" sorts and searches like "bjork"); PMS search ignores case and diacritics."""
    if not text:
        return ""
    if text.isascii():  # fast path: most titles need no decomposition
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass
class FakePlaylist:
    """A regular (non-smart) audio playlist as PMS stores it.

    ``items`` is the ordered list of ``(playlistItemID, track ratingKey)``; ``owner_token``
    is the token that created it (PMS playlists are per user). ``poster`` holds the bytes
    last uploaded with ``POST /library/metadata/{ratingKey}/posters`` (``poster_url`` when
    uploaded by URL). ``added_at``/``updated_at`` are epoch seconds.
    """

    rating_key: int
    title: str
    owner_token: str
    summary: str = ""
    items: list[tuple[int, int]] = field(default_factory=list)
    poster: bytes | None = None
    poster_url: str | None = None
    added_at: int = 0
    updated_at: int = 0
    guid: str = ""


@dataclass
class RecordedRequest:
    """One HTTP request the emulator received: ``path`` without the query string,
    ``query`` as parsed by ``urllib.parse.parse_qs`` (blank values kept), ``headers`` a
    case-insensitive mapping, ``status`` the answered HTTP status (0 when the connection was
    closed without an answer), ``body`` the raw request body."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    status: int = 0
    body: bytes = b""


@dataclass
class Faults:
    """Failure modes, applied to every request before routing.

    ``refuse_connections``: close the socket without answering. ``delay_s``: seconds to
    sleep before answering. ``fail_status``: answer this HTTP status (e.g. 500) instead of
    the real response, for the next ``fail_count`` requests (-1 = every request).
    """

    refuse_connections: bool = False
    delay_s: float = 0.0
    fail_status: int | None = None
    fail_count: int = -1


@dataclass
class FakeSection:
    """A library section (``<Directory>`` of ``/library/sections``). Only the music
    section (type ``artist``) has content; others exist so "section missing" errors can
    list them. ``updated_at`` is epoch seconds; ``content_changed_at`` is a change counter
    (PMS sends a small increasing number there, not a timestamp; see the README samples)."""

    key: int
    title: str
    type: str = "movie"
    uuid: str = ""
    created_at: int = 0
    updated_at: int = 0
    scanned_at: int = 0
    content_changed_at: int = 0
    location: str = ""

    @property
    def agent(self) -> str:
        return {
            "artist": "tv.plex.agents.music",
            "movie": "tv.plex.agents.movie",
            "show": "tv.plex.agents.series",
            "photo": "com.plexapp.agents.none",
        }.get(self.type, "com.plexapp.agents.none")

    @property
    def scanner(self) -> str:
        return {
            "artist": "Plex Music",
            "movie": "Plex Movie",
            "show": "Plex TV Series",
            "photo": "Plex Photo Scanner",
        }.get(self.type, "Plex Video Files Scanner")


@dataclass
class AlbumInfo:
    """An album implied by tracks sharing ``album_rating_key``: title, year and album
    artist come from its first track; ``added_at`` is the earliest track's, ``updated_at``
    the latest track's (epoch seconds)."""

    rating_key: int
    title: str
    artist_rating_key: int
    artist_title: str
    year: int | None
    added_at: int
    updated_at: int
    track_keys: list[int] = field(default_factory=list)


@dataclass
class ArtistInfo:
    """An album artist implied by tracks sharing ``artist_rating_key``."""

    rating_key: int
    title: str
    added_at: int
    updated_at: int
    album_keys: list[int] = field(default_factory=list)


class LibraryState:
    """Tracks indexed by ratingKey, with albums, artists and sorted orders derived lazily
    and rebuilt after any change (so a 200,000-track library pays the cost once)."""

    def __init__(self, tracks: list[FakeTrack]):
        self.tracks: dict[int, FakeTrack] = {}
        for t in tracks:
            self.tracks[t.rating_key] = t
        self._albums: dict[int, AlbumInfo] | None = None
        self._artists: dict[int, ArtistInfo] | None = None
        self.order_cache: dict[tuple, list] = {}

    def invalidate(self) -> None:
        """Drop derived albums, artists and cached orders after a change to ``tracks``."""
        self._albums = None
        self._artists = None
        self.order_cache.clear()

    def _derive(self) -> None:
        albums: dict[int, AlbumInfo] = {}
        artists: dict[int, ArtistInfo] = {}
        for t in self.tracks.values():
            al = albums.get(t.album_rating_key)
            if al is None:
                al = albums[t.album_rating_key] = AlbumInfo(
                    t.album_rating_key, t.album, t.artist_rating_key, t.album_artist,
                    t.year, t.added_at, t.updated_at)
            else:
                al.added_at = min(al.added_at, t.added_at)
                al.updated_at = max(al.updated_at, t.updated_at)
            al.track_keys.append(t.rating_key)
            ar = artists.get(t.artist_rating_key)
            if ar is None:
                ar = artists[t.artist_rating_key] = ArtistInfo(
                    t.artist_rating_key, t.album_artist, t.added_at, t.updated_at)
            else:
                ar.added_at = min(ar.added_at, t.added_at)
                ar.updated_at = max(ar.updated_at, t.updated_at)
        for al in albums.values():
            tracks = self.tracks
            al.track_keys.sort(key=lambda k: (tracks[k].disc_number, tracks[k].track_number or 0, k))
            ar = artists.get(al.artist_rating_key)
            if ar is not None and al.rating_key not in ar.album_keys:
                ar.album_keys.append(al.rating_key)
        for ar in artists.values():
            ar.album_keys.sort(key=lambda k: (albums[k].year or 0, sort_fold(albums[k].title), k))
        self._albums, self._artists = albums, artists

    @property
    def albums(self) -> dict[int, AlbumInfo]:
        if self._albums is None:
            self._derive()
        return self._albums  # type: ignore[return-value]

    @property
    def artists(self) -> dict[int, ArtistInfo]:
        if self._artists is None:
            self._derive()
        return self._artists  # type: ignore[return-value]

    def all_keys(self) -> set[int]:
        """Every ratingKey in use by a track, album or artist."""
        return set(self.tracks) | set(self.albums) | set(self.artists)


def playlist_guid(machine_identifier: str, rating_key: int) -> str:
    """A stable ``com.plexapp.agents.none://<uuid>`` playlist GUID, the form PMS gives
    regular playlists (see ``sm_playlists_audio.xml``)."""
    u = uuid.uuid5(uuid.NAMESPACE_URL, f"plex-emulator/{machine_identifier}/playlist/{rating_key}")
    return f"com.plexapp.agents.none://{u}"
