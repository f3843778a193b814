"""The emulator's data: tracks of one music library section, the albums and artists they
imply, extra (non-music) sections, playlists, recorded requests and fault settings.

Nothing here is thread-safe on its own; :class:`~tests.fakes.plex.server.PlexEmulator` holds
one lock around every read and write.
"""

from __future__ import annotations

import bisect
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from tests.fakes.library.model import FakeTrack


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
class FakePlay:
    """One play history entry (``/status/sessions/history/all``): ``history_id``, the track,
    the PMS ``account_id`` (1: the owner), ``viewed_at`` (epoch s), ``device_id``."""

    history_id: int
    rating_key: int
    account_id: int
    viewed_at: int
    device_id: int = 1


@dataclass
class FakePlaylist:
    """A regular (non-smart) audio playlist as PMS stores it.

    ``items`` is the ordered list of ``(playlistItemID, track ratingKey)``; ``owner_token``
    is the token that created it and ``owner_account`` that token's account at the time
    (PMS playlists belong to the account, not to one token: a re-issued token of the same
    user still sees them, Maintainerr issue #1058 "playlists are tied to a user account"). ``poster`` holds the bytes
    last uploaded with ``POST /library/metadata/{ratingKey}/posters`` (``poster_url`` when
    uploaded by URL). ``added_at``/``updated_at`` are epoch seconds.
    """

    rating_key: int
    title: str
    owner_token: str
    owner_account: int | str = ""
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
    ``partial_adds``: the next so many playlist add requests leave out their last key.
    """

    refuse_connections: bool = False
    delay_s: float = 0.0
    fail_status: int | None = None
    fail_count: int = -1
    # Playlist add requests (PUT /playlists/{k}/items) that skip their last key while
    # answering 200: PMS accepts a partly invalid batch (MickyGX/curatorr issue #152).
    partial_adds: int = 0
    # Section listings of these types (8 artists, 9 albums, 10 tracks) answer 500 (a
    # server failing part of a sync; PMS answers errors with an HTML page, see
    # pms_401_root_unauthorized.html).
    fail_listing_types: frozenset = frozenset()


@dataclass
class Strictness:
    """How strictly the emulator holds clients to PMS's listing rules, and its "hostile
    server" mode. Defaults are the strict behaviour of a real PMS.

    - ``require_size``: listings (section ``/all``, ``/albums``, ``/playlists``,
      ``/playlists/{k}/items``) without ``X-Plex-Container-Size`` get 400 "Missing
      X-Plex-Container-Size header" (sct/overseerr PR #3023; van-geaux/plex_nfo_exporter
      issues #12 and #14). ``/library/metadata/{keys}`` and ``/library/sections`` are
      exempt: plexapi's own ``fetchItem``/``sections()`` send no size there.
    - ``max_page``: PMS serves at most 1,000 items a page (same sources, and
      RemiRigal/Plex-Auto-Languages PR #76 lowering its page size to 1,000 for it).
      ``page_cap`` says what a larger ask gets: ``"cut"`` (the default, the quieter and
      more dangerous answer: 200 with only ``max_page`` items) or ``"error"`` (400).
    - ``hostile``: a server that is odd in every way the issue "Plex: safe on a real
      server" lists at once: pages silently cut to ``hostile_page`` items whatever was
      asked; the ``id`` range filters ignored (PMS answers 200 and drops filters it does
      not know); ``excludeFields`` matched loosely (a name drops every attribute ending
      with it, case-insensitively: ``key`` drops ``ratingKey``); and ties of a non-unique
      sort (``addedAt``) shuffled on every request.
    """

    require_size: bool = True
    max_page: int = 1000
    page_cap: str = "cut"
    hostile: bool = False
    hostile_page: int = 300
    # An older or odd server that drops the updatedAt filter as unknown (answers 200 with
    # the whole section, as PMS does for filters it does not know).
    ignore_updated_filter: bool = False
    # Section track listings serve no items past this offset while totalSize stays
    # honest (a server that stops short); None: off.
    stop_listing_at: int | None = None
    # Every track listing in a fresh random order whatever the sort (the extreme of the
    # issue's "sort=addedAt pages can shuffle tracks added in the same second"): pages
    # then overlap and miss tracks, which only a completeness check can notice.
    unstable_order: bool = False


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
    # (element, tag) pairs of the album and of its album artist, from its first track.
    tags: tuple = ()
    artist_tags: tuple = ()


@dataclass
class ArtistInfo:
    """An album artist implied by tracks sharing ``artist_rating_key``."""

    rating_key: int
    title: str
    added_at: int
    updated_at: int
    album_keys: list[int] = field(default_factory=list)
    # (element, tag) pairs, from its first album's first track.
    tags: tuple = ()


class LibraryState:
    """Tracks indexed by ratingKey, with the albums and artists they imply and cached sorted
    orders.

    Albums and artists are derived once (on first use) and then kept up to date track by
    track through :meth:`add`, :meth:`remove` and :meth:`update`, as PMS updates its
    database during a library scan rather than when a client next asks; a change costs
    the size of the albums it touches, not of the library. Cached orders are dropped on
    every change. Code that edits :attr:`tracks` directly must call :meth:`invalidate`.

    An album's title, year and album artist come from its first track in album order
    (disc, track number, ratingKey); its ``added_at`` is the earliest track's and its
    ``updated_at`` the latest track's. An artist's title comes from its first album.
    """

    def __init__(self, tracks: list[FakeTrack]):
        self.tracks: dict[int, FakeTrack] = {}
        for t in tracks:
            self.tracks[t.rating_key] = t
        self._albums: dict[int, AlbumInfo] | None = None
        self._artists: dict[int, ArtistInfo] | None = None
        self._sorted_keys: list[int] | None = None
        self.order_cache: dict[tuple, list] = {}
        # Highest ratingKey ever used by a track, album or artist (never lowered on removal:
        # PMS does not reuse ratingKeys).
        self.high_water = 0
        for t in tracks:
            self._raise_high_water(t)

    def _raise_high_water(self, t: FakeTrack) -> None:
        self.high_water = max(self.high_water, t.rating_key, t.album_rating_key, t.artist_rating_key)

    # --- changes ----------------------------------------------------------------------------

    def invalidate(self) -> None:
        """Drop everything derived (after :attr:`tracks` was edited directly)."""
        self._albums = None
        self._artists = None
        self._sorted_keys = None
        self.order_cache.clear()

    def add(self, t: FakeTrack) -> None:
        """Add or replace (by ratingKey) one track, keeping albums, artists and the
        ratingKey order current."""
        if t.rating_key in self.tracks:
            self.remove(t.rating_key)
        self.tracks[t.rating_key] = t
        self._raise_high_water(t)
        if self._sorted_keys is not None:
            bisect.insort(self._sorted_keys, t.rating_key)
        if self._albums is not None:
            self._attach(t)
        self.order_cache.clear()

    def remove(self, rating_key: int) -> FakeTrack | None:
        """Remove one track (None when unknown); an album or artist left without tracks
        disappears with it."""
        t = self.tracks.pop(rating_key, None)
        if t is None:
            return None
        if self._sorted_keys is not None:
            i = bisect.bisect_left(self._sorted_keys, rating_key)
            if i < len(self._sorted_keys) and self._sorted_keys[i] == rating_key:
                del self._sorted_keys[i]
        if self._albums is not None:
            self._detach(t)
        self.order_cache.clear()
        return t

    def update(self, t: FakeTrack, fields: dict) -> None:
        """Set ``fields`` on track ``t`` (already in :attr:`tracks`), moving it between
        albums or artists when their keys change."""
        if self._albums is not None:
            self._detach(t)
        for name, value in fields.items():
            setattr(t, name, value)
        self._raise_high_water(t)
        if self._albums is not None:
            self._attach(t)
        self.order_cache.clear()

    # --- derived tables ---------------------------------------------------------------------

    def _track_order(self, k: int) -> tuple:
        t = self.tracks[k]
        return (t.disc_number, t.track_number or 0, k)

    def _album_order(self, k: int) -> tuple:
        al = self._albums[k]  # type: ignore[index]
        return (al.year or 0, sort_fold(al.title), k)

    def _refresh_album(self, al: AlbumInfo) -> None:
        tracks = [self.tracks[k] for k in al.track_keys]
        first = tracks[0]
        al.title, al.year = first.album, first.year
        al.tags, al.artist_tags = first.album_tags, first.artist_tags
        al.artist_rating_key, al.artist_title = first.artist_rating_key, first.album_artist
        al.added_at = min(t.added_at for t in tracks)
        al.updated_at = max(t.updated_at for t in tracks)

    def _refresh_artist(self, ar: ArtistInfo) -> None:
        albums = [self._albums[k] for k in ar.album_keys]  # type: ignore[index]
        ar.title = albums[0].artist_title
        ar.tags = albums[0].artist_tags
        ar.added_at = min(a.added_at for a in albums)
        ar.updated_at = max(a.updated_at for a in albums)

    def _attach(self, t: FakeTrack) -> None:
        albums = self._albums
        assert albums is not None
        al = albums.get(t.album_rating_key)
        if al is None:
            al = albums[t.album_rating_key] = AlbumInfo(
                t.album_rating_key, t.album, t.artist_rating_key, t.album_artist, t.year, t.added_at, t.updated_at)
        else:
            self._unplace_album(al)
        bisect.insort(al.track_keys, t.rating_key, key=self._track_order)
        self._refresh_album(al)
        self._place_album(al)

    def _detach(self, t: FakeTrack) -> None:
        albums = self._albums
        assert albums is not None
        al = albums.get(t.album_rating_key)
        if al is None or t.rating_key not in al.track_keys:
            # The track's fields were edited outside update(): rebuild from scratch later.
            self._albums = self._artists = None
            return
        self._unplace_album(al)
        al.track_keys.remove(t.rating_key)
        if al.track_keys:
            self._refresh_album(al)
            self._place_album(al)
        else:
            del albums[al.rating_key]

    def _unplace_album(self, al: AlbumInfo) -> None:
        """Take album ``al`` out of its artist's list (the artist goes when it has no
        album left), before the album's fields change."""
        artists = self._artists
        assert artists is not None
        ar = artists.get(al.artist_rating_key)
        if ar is None or al.rating_key not in ar.album_keys:
            return
        ar.album_keys.remove(al.rating_key)
        if ar.album_keys:
            self._refresh_artist(ar)
        else:
            del artists[ar.rating_key]

    def _place_album(self, al: AlbumInfo) -> None:
        """Put album ``al`` into its artist's list, creating the artist."""
        artists = self._artists
        assert artists is not None
        ar = artists.get(al.artist_rating_key)
        if ar is None:
            ar = artists[al.artist_rating_key] = ArtistInfo(al.artist_rating_key, al.artist_title,
                                                            al.added_at, al.updated_at)
        bisect.insort(ar.album_keys, al.rating_key, key=self._album_order)
        self._refresh_artist(ar)

    def _derive(self) -> None:
        self._albums, self._artists = {}, {}
        by_album: dict[int, list[int]] = {}
        for t in self.tracks.values():
            by_album.setdefault(t.album_rating_key, []).append(t.rating_key)
        albums, artists = self._albums, self._artists
        for ak, keys in by_album.items():
            keys.sort(key=self._track_order)
            first = self.tracks[keys[0]]
            al = albums[ak] = AlbumInfo(ak, first.album, first.artist_rating_key, first.album_artist,
                                        first.year, 0, 0, keys)
            self._refresh_album(al)
        by_artist: dict[int, list[int]] = {}
        for al in albums.values():
            by_artist.setdefault(al.artist_rating_key, []).append(al.rating_key)
        for rk, keys in by_artist.items():
            keys.sort(key=self._album_order)
            ar = artists[rk] = ArtistInfo(rk, "", 0, 0, keys)
            self._refresh_artist(ar)

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

    @property
    def sorted_keys(self) -> list[int]:
        """Track ratingKeys in ascending order (what PMS's primary-key index gives it), for
        ``id`` range filters; kept current by :meth:`add`/:meth:`remove`."""
        if self._sorted_keys is None:
            self._sorted_keys = sorted(self.tracks)
        return self._sorted_keys

    def all_keys(self) -> set[int]:
        """Every ratingKey in use by a track, album or artist."""
        return set(self.tracks) | set(self.albums) | set(self.artists)


def playlist_guid(machine_identifier: str, rating_key: int) -> str:
    """A stable ``com.plexapp.agents.none://<uuid>`` playlist GUID, the form PMS gives
    regular playlists (see ``sm_playlists_audio.xml``)."""
    u = uuid.uuid5(uuid.NAMESPACE_URL, f"plex-emulator/{machine_identifier}/playlist/{rating_key}")
    return f"com.plexapp.agents.none://{u}"
