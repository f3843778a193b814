"""A Plex Media Server emulator for tests and benchmarks: a real HTTP server on 127.0.0.1
serving the XML a PMS serves for the part of its API python-plexapi 4.18.3 uses for a
music library (server identity, sections, section listings with paging/filters/sorts,
metadata, hub search, playlists with items and posters).

Usage::

    from tests.fakes.plex.server import PlexEmulator
    with PlexEmulator(tracks) as emu:
        plex = plexapi.server.PlexServer(emu.url, emu.token, timeout=5)

API summary: ``start()/stop()`` (or ``with``), ``url``, ``port`` (from
:class:`~tests.fakes.http_base.LoopbackServer`), ``token``/``tokens``; ``strict``
(:class:`~tests.fakes.plex.state.Strictness`: PMS paging rules and the hostile mode) and
``set_strictness(...)``;
``requests`` (snapshot of :class:`RecordedRequest`) and ``clear_requests()``; ``faults`` with
``set_fault(refuse_connections=, delay_s=, fail_status=, fail_count=)``/``clear_faults()``;
``now`` (int, also callable; assign int or callable) and ``advance(s)``; library:
``tracks`` (snapshot), ``lib.tracks`` (live, by ratingKey), ``add_tracks(ts, stamp=True)``,
``remove_tracks(keys)``, ``update_track(key, **fields)``, ``section`` (the music
:class:`FakeSection`), ``add_section(key, title, type)``; playlists: ``playlists``
(ratingKey -> :class:`FakePlaylist`), ``create_user_playlist(title, keys, token=None)``,
``delete_playlist(key)``, ``append_items(playlist, keys)``; household:
``register_account(token, account_id, name)`` (a user's server access token; playlists are
private to the account, see ``routes_playlists``), ``account_of(token)``, ``add_play(key,
account_id, viewed_at=None)`` and ``plays`` (play history, ``routes_history``).

Listings honour ``excludeElements``/``excludeFields`` (see :class:`~tests.fakes.plex.xmlrender.Excludes`)
and the ``id`` (ratingKey) filters and sort plexapi lists as available on PMS. ratingKeys
come from one counter shared by tracks, albums, artists and playlists and are never
handed out twice, as on PMS. Albums and artists are kept current track by track as the
library changes (see :class:`~tests.fakes.plex.state.LibraryState`).

Wire-format sources: the real captures and their README in ``../shared/plex-xml`` (attribute
names and order, nested ``Media > Part``, ``librarySection*`` placement, playlist item
``duration`` in seconds) and plexapi's own source (which requests it sends, which attributes
it reads). Endpoint details live in ``tests/fakes/plex/``.
"""

from __future__ import annotations

import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable

from tests.fakes.http_base import EmulatorClock, EpochSeconds, LoopbackServer
from tests.fakes.library.model import FakeTrack
from tests.fakes.plex.handler import PlexRequestHandler
from tests.fakes.plex.state import (
    FakePlay,
    FakePlaylist,
    FakeSection,
    Faults,
    LibraryState,
    RecordedRequest,
    Strictness,
    playlist_guid,
)
from tests.fakes.plex.xmlrender import RenderContext

__all__ = [
    "DEFAULT_MACHINE_ID",
    "DEFAULT_TOKEN",
    "DEFAULT_VERSION",
    "EpochSeconds",
    "FakePlaylist",
    "FakeTrack",
    "Faults",
    "PlexEmulator",
    "RecordedRequest",
]

DEFAULT_TOKEN = "plex-test-token"
DEFAULT_MACHINE_ID = "5f3c9a1e7b2d4c6e8a0f1b3d5c7e9a2b4d6f8a0c"
# PMS versions look like 1.20.4.3517-ab5e1197c (README); this one is made up in that shape.
DEFAULT_VERSION = "1.40.2.8395-c67dce28e"
_ITEM_URI = re.compile(r"^server://([^/]+)/com\.plexapp\.plugins\.library/library/metadata/([\d,]+)$")


class PlexEmulator(EmulatorClock, LoopbackServer):
    """An emulated PMS with one music library section, served by
    :class:`~tests.fakes.http_base.LoopbackServer` (``start``/``stop``/``url``/``port``,
    a context manager; a restart gets a new port).

    Args:
        tracks: the section's tracks (:class:`FakeTrack`; albums and artists are implied).
        token: the owner's Plex token. ``tokens`` maps further valid tokens to user names
            (each user sees only their own playlists); ``token`` is always valid.
        section_key, section_title: the music section's key (``librarySectionID``) and title.
        machine_identifier, friendly_name, version: the server identity (``GET /``).
        max_request_line: longest accepted request line in bytes; longer ones get 414.
        now: the clock for timestamps of new things (epoch seconds, int or zero-argument
            callable; default wall time). Also settable later via :attr:`now`.

    Thread-safety: all state is guarded by one lock; the mutators below may be called
    while plexapi clients are talking to the server.
    """

    def __init__(self, tracks: Iterable[FakeTrack] = (), token: str = DEFAULT_TOKEN, section_key: int = 1,
                 section_title: str = "Music", machine_identifier: str = DEFAULT_MACHINE_ID,
                 friendly_name: str = "Test Plex", max_request_line: int = 8192,
                 tokens: dict[str, str] | None = None, version: str = DEFAULT_VERSION,
                 now: int | Callable[[], float] | None = None):
        super().__init__()
        self._lock = threading.RLock()  # routes call mutators that take it again
        self._clock: Callable[[], float] = time.time
        if now is not None:
            self.now = now  # type: ignore[assignment]
        self.token = token
        self.tokens: dict[str, str] = {token: "owner"}
        self.tokens.update(tokens or {})
        # Server access token -> PMS accountID. PMS knows the owner as account 1 (its
        # /accounts list: Home Assistant's plex_server_accounts.xml; DeviantEng/Cmdarr #12);
        # tokens not registered here are each their own account (keyed by the token).
        self.accounts: dict[str, int] = {token: 1}
        self.plays: list[FakePlay] = []
        self.machine_identifier = machine_identifier
        self.friendly_name = friendly_name
        self.version = version
        self.max_request_line = max_request_line
        self.strict = Strictness()
        # Track guids as PMS's agents hand them out: 24 random hex digits
        # (plex://track/6344359ca5c478aa2b7a54b8 in sm_section_all_tracks_type10.xml), not
        # derived from the ratingKey; seeded by the server id, so stable per emulator.
        self._guid_rng = random.Random(machine_identifier)
        tracks = [self._with_guid(t) for t in tracks]
        self.lib = LibraryState(list(tracks))
        stamp = max((t.updated_at for t in self.lib.tracks.values()), default=int(self.now))
        self.section = FakeSection(section_key, section_title, "artist", uuid=self._section_uuid(section_key),
                                   created_at=stamp, updated_at=stamp, scanned_at=stamp,
                                   content_changed_at=len(self.lib.tracks), location="/data/music")
        self.ctx = RenderContext(self.section, self.lib)
        self.extra_sections: dict[int, FakeSection] = {}
        self.playlists: dict[int, FakePlaylist] = {}
        self.faults = Faults()
        self._next_item_id = 1

    def _with_guid(self, t: FakeTrack) -> FakeTrack:
        if t.guid == f"plex://track/{t.rating_key:024x}":
            t.guid = f"plex://track/{self._guid_rng.getrandbits(96):024x}"
        return t

    def set_strictness(self, **changes) -> None:
        """Change :class:`Strictness` fields (``require_size=``, ``max_page=``,
        ``page_cap=``, ``hostile=``, ``hostile_page=``)."""
        with self._lock:
            for name, value in changes.items():
                if not hasattr(self.strict, name):
                    raise AttributeError(f"Strictness has no field {name!r}")
                setattr(self.strict, name, value)

    # --- clock -----------------------------------------------------------------------------

    # now / advance(): EmulatorClock (tests.fakes.http_base).

    handler_class = PlexRequestHandler

    # --- requests and faults ----------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @requests.setter
    def requests(self, value: list[RecordedRequest]) -> None:  # LoopbackServer.__init__ sets it
        self._requests = list(value)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def _record(self, rec: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(rec)

    def set_fault(self, *, refuse_connections: bool | None = None, delay_s: float | None = None,
                  fail_status: int | None = None, fail_count: int | None = None) -> None:
        """Change the given fault settings (see :class:`Faults`); others stay as they are.
        Setting ``fail_status`` without ``fail_count`` fails every request (-1)."""
        with self._lock:
            if refuse_connections is not None:
                self.faults.refuse_connections = refuse_connections
            if delay_s is not None:
                self.faults.delay_s = delay_s
            if fail_status is not None:
                self.faults.fail_status = fail_status
                self.faults.fail_count = -1 if fail_count is None else fail_count
            elif fail_count is not None:
                self.faults.fail_count = fail_count

    def clear_faults(self) -> None:
        """Reset every fault (in place: references to :attr:`faults` stay valid)."""
        with self._lock:
            for name, value in vars(Faults()).items():
                setattr(self.faults, name, value)

    def _take_forced_status(self) -> int | None:
        with self._lock:
            f = self.faults
            if f.fail_status is None or f.fail_count == 0:
                return None
            if f.fail_count > 0:
                f.fail_count -= 1
            return f.fail_status

    # --- library --------------------------------------------------------------------------------

    @property
    def tracks(self) -> list[FakeTrack]:
        """A snapshot of the library's tracks (the live index is ``lib.tracks``, by ratingKey)."""
        with self._lock:
            return list(self.lib.tracks.values())

    def all_sections(self) -> list[FakeSection]:
        return [self.section, *self.extra_sections.values()]

    def find_section(self, key: int) -> FakeSection | None:
        return self.section if key == self.section.key else self.extra_sections.get(key)

    def add_section(self, key: int, title: str, type: str = "movie") -> None:  # noqa: A002
        """Add an empty non-music section (movie, show, photo...)."""
        with self._lock:
            if self.find_section(key) is not None:
                raise ValueError(f"section key {key} already used")
            n = int(self.now)
            self.extra_sections[key] = FakeSection(key, title, type, uuid=self._section_uuid(key),
                                                   created_at=n, updated_at=n, scanned_at=n,
                                                   location=f"/data/{type}")

    def _section_uuid(self, key: int) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"plex-emulator/{self.machine_identifier}/section/{key}"))

    def _library_changed(self) -> None:
        # LibraryState.add/remove/update keep albums and artists current themselves.
        self.section.updated_at = self.section.scanned_at = int(self.now)
        self.section.content_changed_at += 1

    def add_tracks(self, tracks: Iterable[FakeTrack], *, stamp: bool = True) -> None:
        """Add (or replace, by ratingKey) tracks, as a library scan would. With ``stamp``
        (default) their ``added_at``/``updated_at`` become :attr:`now`. Raises ValueError
        when a ratingKey is already a playlist's."""
        with self._lock:
            n = int(self.now)
            for t in tracks:
                if t.rating_key in self.playlists:
                    raise ValueError(f"ratingKey {t.rating_key} is a playlist's")
                if stamp:
                    t.added_at = t.updated_at = n
                self.lib.add(self._with_guid(t))
            self._library_changed()

    def remove_tracks(self, rating_keys: Iterable[int]) -> None:
        """Delete tracks from the library (unknown keys are ignored); their playlist items
        disappear from playlist listings, as on PMS."""
        with self._lock:
            for k in rating_keys:
                self.lib.remove(k)
            self._library_changed()

    def update_track(self, rating_key: int, **fields) -> FakeTrack:
        """Change FakeTrack fields (``title=``, ``album_artist=``...) and bump its
        ``updated_at`` to :attr:`now` (unless given). Raises KeyError for an unknown track,
        AttributeError for an unknown field."""
        with self._lock:
            t = self.lib.tracks[rating_key]
            for name in fields:
                if not hasattr(t, name):
                    raise AttributeError(f"FakeTrack has no field {name!r}")
            self.lib.update(t, {"updated_at": int(self.now), **fields})
            self._library_changed()
            return t

    # --- playlists ------------------------------------------------------------------------------

    def parse_item_uri(self, uri: str) -> list[int]:
        """Track ratingKeys named by ``server://{machineId}/com.plexapp.plugins.library/
        library/metadata/{k1},{k2}`` (the ``uri`` plexapi sends). Album or artist keys expand
        to their tracks; unknown keys are skipped; another server's id gives []."""
        m = _ITEM_URI.match(uri)
        if not m or m.group(1) != self.machine_identifier:
            return []
        lib, out = self.lib, []
        for k in (int(x) for x in m.group(2).split(",") if x):
            if k in lib.tracks:
                out.append(k)
            elif k in lib.albums:
                out.extend(lib.albums[k].track_keys)
            elif k in lib.artists:
                out.extend(tk for ak in lib.artists[k].album_keys for tk in lib.albums[ak].track_keys)
        return out

    def _new_rating_key(self) -> int:
        # One counter for every item, as PMS's metadata_items id: a deleted playlist's (or
        # track's) ratingKey is never handed out again.
        self.lib.high_water = max(self.lib.high_water, *self.playlists, 0) + 1
        return self.lib.high_water

    def new_playlist(self, title: str, rating_keys: Iterable[int], token: str) -> int:
        with self._lock:
            rk = self._new_rating_key()
            n = int(self.now)
            pl = FakePlaylist(rk, title, token, self.accounts.get(token, token), added_at=n, updated_at=n,
                              guid=playlist_guid(self.machine_identifier, rk))
            self.playlists[rk] = pl
            self.append_items(pl, rating_keys)
            pl.updated_at = n
            return rk

    def append_items(self, pl: FakePlaylist, rating_keys: Iterable[int]) -> None:
        with self._lock:
            for k in rating_keys:
                pl.items.append((self._next_item_id, k))
                self._next_item_id += 1
            pl.updated_at = int(self.now)

    def create_user_playlist(self, title: str, rating_keys: Iterable[int], token: str | None = None) -> int:
        """A playlist the user made in Plex, outside the app; returns its ratingKey.
        Unknown track keys are kept as items (PMS hides them until the track exists)."""
        return self.new_playlist(title, list(rating_keys), token or self.token)

    # --- household ------------------------------------------------------------------------

    def register_account(self, token: str, account_id: int, name: str = "") -> None:
        """Make ``token`` a valid server access token of PMS account ``account_id`` (a Plex
        Home member's or a friend's; several tokens may name one account)."""
        with self._lock:
            self.tokens[token] = name or f"account {account_id}"
            self.accounts[token] = account_id

    def unregister_token(self, token: str) -> None:
        """The owner stops sharing: ``token`` answers 401 from now on."""
        with self._lock:
            self.tokens.pop(token, None)
            self.accounts.pop(token, None)

    def account_of(self, token: str) -> int | str:
        """The account ``token`` belongs to: its registered accountID, else the token itself."""
        return self.accounts.get(token, token)

    def owns(self, pl: FakePlaylist, token: str) -> bool:
        """True when ``token``'s account created ``pl`` (PMS playlists are per account)."""
        return pl.owner_account == self.account_of(token)

    def add_play(self, rating_key: int, account_id: int, viewed_at: int | None = None,
                 device_id: int = 1) -> FakePlay:
        """Record that ``account_id`` played track ``rating_key`` at ``viewed_at`` (default
        :attr:`now`), as PMS's play history does. Raises KeyError for an unknown track."""
        with self._lock:
            if rating_key not in self.lib.tracks:
                raise KeyError(rating_key)
            play = FakePlay(len(self.plays) + 1, rating_key, account_id,
                            int(self.now) if viewed_at is None else int(viewed_at), device_id)
            self.plays.append(play)
            return play

    def delete_playlist(self, rating_key: int) -> None:
        """The user deletes a playlist in Plex. Raises KeyError when unknown."""
        with self._lock:
            del self.playlists[rating_key]
