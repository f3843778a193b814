"""The one door to Plex Media Server: a plexapi ``PlexServer`` plus error translation.

This is the only module that imports plexapi (and its ``requests`` session). Everything
else speaks ratingKeys, section keys and ElementTree elements, and catches only
:class:`~plex_completer.plex.errors.PlexError`.

Why raw elements instead of plexapi objects: plexapi's ``PlexPartialObject`` reloads
itself (one HTTP request per object) when code touches an attribute the listing did not
carry (``base.py`` ``__getattribute__``/``_autoReload``), and building tens of thousands
of objects costs more than the XML parse itself. The library index and the playlist
writer only need attributes that PMS sends in listings, so they read them straight from
the XML (see ``bench/library_sync.py`` for the figures). Requests still go through
plexapi's server object: its headers (``X-Plex-Token`` as a header, never in the URL),
session and status handling.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

import requests
from plexapi import utils as plex_utils
from plexapi.exceptions import BadRequest, NotFound, Unauthorized
from plexapi.server import PlexServer

from ..config import Settings
from .errors import (
    PlexError,
    PlexNotConfigured,
    PlexRequestFailed,
    PlexSectionNotFound,
    PlexTimeout,
    PlexUnauthorized,
    PlexUnreachable,
)

log = logging.getLogger(__name__)

# Plex metadata type numbers (plexapi.utils.SEARCHTYPES): 8 artist, 9 album, 10 track.
TYPE_TRACK = 10


class PlexNotFound(PlexRequestFailed):
    """HTTP 404 for a key the caller named (a deleted playlist, a missing section)."""


@dataclass(frozen=True)
class SectionInfo:
    """One library section: ``key`` (int), ``title``, ``type`` (``artist`` for music),
    ``uuid``, and ``content_changed_at``: PMS's ``contentChangedAt``, a counter (not a
    time) that grows when the section's content changes; None on servers that do not send
    it (older PMS, see the ``beets`` sample in ``../shared/plex-xml``)."""

    key: int
    title: str
    type: str
    uuid: str | None = None
    content_changed_at: int | None = None


@dataclass
class RequestCounter:
    """Counts HTTP responses seen by one gateway's session (all methods, all statuses)."""

    count: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    # Probes of the removal check run on a few threads at once.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def hook(self, response: Any, *args: Any, **kwargs: Any) -> None:
        method = response.request.method if response.request is not None else "?"
        with self._lock:
            self.count += 1
            self.by_method[method] = self.by_method.get(method, 0) + 1


def join_args(args: dict[str, Any]) -> str:
    """``?a=1&b=2`` URL-encoded the way plexapi encodes its own keys (``utils.joinArgs``)."""
    return plex_utils.joinArgs(args)


def _status_of(exc: Exception) -> int | None:
    # plexapi formats errors as "(414) request_uri_too_large; http://... body".
    text = str(exc)
    if text.startswith("(") and ")" in text[:6]:
        try:
            return int(text[1 : text.index(")")])
        except ValueError:
            return None
    return None


def _connection_detail(exc: Exception) -> str:
    text = str(exc).lower()
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS/certificate error"
    if "refused" in text:
        return "connection refused"
    if "name or service not known" in text or "getaddrinfo" in text or "nodename nor servname" in text:
        return "host name not found"
    if "timed out" in text or isinstance(exc, requests.exceptions.ConnectTimeout):
        return "no answer to the connection attempt"
    if "aborted" in text or "reset" in text or "remotedisconnected" in text:
        return "the server closed the connection"
    return ""


class PlexGateway:
    """A connected Plex server. Build with :meth:`connect` and use as a context manager
    (closes the HTTP session); every method raises only
    :class:`~plex_completer.plex.errors.PlexError` subclasses.

    ``requests`` counts HTTP requests made so far (including the identity request
    ``connect`` makes), for benchmarks and request-count tests.
    """

    def __init__(self, server: Any, base_url: str, timeout_s: float, counter: RequestCounter) -> None:
        self._server = server
        self.base_url = base_url
        self.timeout_s = timeout_s
        self._counter = counter
        self._sections: list[SectionInfo] | None = None

    # -- construction ----------------------------------------------------------------

    @classmethod
    def connect(cls, settings: Settings) -> PlexGateway:
        """Connect to ``settings.PLEX_URL`` with ``settings.PLEX_TOKEN`` (one ``GET /``).

        Raises :class:`PlexNotConfigured`, :class:`PlexUnreachable`, :class:`PlexTimeout`,
        :class:`PlexUnauthorized` or :class:`PlexRequestFailed`.
        """
        if not settings.PLEX_URL or not settings.PLEX_TOKEN:
            raise PlexNotConfigured()
        url = settings.PLEX_URL
        timeout = float(settings.PLEX_TIMEOUT)
        counter = RequestCounter()
        session = requests.Session()
        session.hooks["response"].append(counter.hook)
        try:
            server = _translate(
                lambda: PlexServer(url, settings.PLEX_TOKEN.get_secret_value(), session=session, timeout=timeout),
                url,
                timeout,
                "answer the identity request",
            )
        except BaseException:
            session.close()
            raise
        # Plain data objects: never let an attribute access turn into a hidden request.
        server._autoReload = False
        return cls(server, url, timeout, counter)

    def close(self) -> None:
        """Close the HTTP session (its keep-alive connections)."""
        self._server._session.close()

    def __enter__(self) -> PlexGateway:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- identity --------------------------------------------------------------------

    @property
    def requests(self) -> int:
        """HTTP requests made through this gateway so far."""
        return self._counter.count

    @property
    def server_name(self) -> str:
        """The server's ``friendlyName``."""
        return self._server.friendlyName or ""

    @property
    def version(self) -> str:
        """The PMS version string (e.g. ``1.40.2.8395-c67dce28e``)."""
        return self._server.version or ""

    @property
    def machine_identifier(self) -> str:
        """The server's ``machineIdentifier``, needed in ``server://`` item URIs."""
        return self._server.machineIdentifier or ""

    def item_uri(self, rating_keys: list[int]) -> str:
        """The ``uri`` parameter PMS wants for playlist items (plexapi ``Playlist._create``)."""
        keys = ",".join(str(k) for k in rating_keys)
        return f"{self._server._uriRoot()}/library/metadata/{keys}"

    # -- requests --------------------------------------------------------------------

    def get(self, key: str, *, what: str, headers: dict[str, str] | None = None) -> ElementTree.Element:
        """``GET key`` parsed as XML (the root ``MediaContainer``)."""
        data = self._call(lambda: self._server.query(key, headers=headers), what)
        if data is None:
            return ElementTree.Element("MediaContainer")
        return data

    def get_fast(self, key: str, *, what: str, headers: dict[str, str] | None = None) -> bytes:
        """``GET key`` and return the body bytes unparsed.

        Used for bulk listings: skips plexapi's ``response.text`` decode and re-encode of
        megabytes per page (and requests' ISO-8859-1 guess when PMS omits the charset);
        the XML declaration carries the real encoding. Same session, headers and
        error handling as :meth:`get`.
        """
        server = self._server

        def call() -> bytes:
            response = server._session.get(
                server.url(key), headers=server._headers(**(headers or {})), timeout=self.timeout_s
            )
            if response.status_code == 401:
                raise Unauthorized(f"(401) unauthorized; {key}")
            if response.status_code == 404:
                raise NotFound(f"(404) not_found; {key}")
            if response.status_code not in (200, 201, 204):
                raise BadRequest(f"({response.status_code}) error; {key}")
            return response.content

        return self._call(call, what)

    def put(self, key: str, *, what: str) -> ElementTree.Element | None:
        """``PUT key``; returns the parsed answer (or None when empty)."""
        return self._call(lambda: self._server.query(key, method=self._server._session.put), what)

    def post(self, key: str, *, what: str) -> ElementTree.Element | None:
        """``POST key``; returns the parsed answer (or None when empty)."""
        return self._call(lambda: self._server.query(key, method=self._server._session.post), what)

    def delete(self, key: str, *, what: str) -> None:
        """``DELETE key``."""
        self._call(lambda: self._server.query(key, method=self._server._session.delete), what)

    def _call(self, fn: Any, what: str) -> Any:
        return _translate(fn, self.base_url, self.timeout_s, what)

    # -- library sections ------------------------------------------------------------

    def sections(self) -> list[SectionInfo]:
        """All library sections (``GET /library/sections``), cached per gateway."""
        if self._sections is None:
            # Paging headers on every listing, as PMS wants them (see listings.MAX_PAGE_SIZE);
            # a server has far fewer than 1,000 sections.
            paging = {"X-Plex-Container-Start": "0", "X-Plex-Container-Size": "1000"}
            data = self.get("/library/sections", headers=paging, what="list the library sections")
            self._sections = [
                SectionInfo(
                    key=int(d.attrib.get("key", "0")),
                    title=d.attrib.get("title", ""),
                    type=d.attrib.get("type", ""),
                    uuid=d.attrib.get("uuid"),
                    content_changed_at=_int_or_none(d.attrib.get("contentChangedAt")),
                )
                for d in data
                if d.tag == "Directory" and d.attrib.get("key", "").isdigit()
            ]
        return self._sections

    def music_section(self, wanted: str | None) -> SectionInfo:
        """The music section: ``wanted`` as a key (digits) or title (case-insensitive),
        else the first ``type="artist"`` section.

        Raises :class:`PlexSectionNotFound` (listing the sections that exist) when
        ``wanted`` names no section, names a section that is not music, or when there is
        no music section at all.
        """
        sections = self.sections()
        listing = [(s.key, s.title, s.type) for s in sections]
        if wanted:
            text = wanted.strip()
            found = [s for s in sections if text.isdigit() and s.key == int(text)]
            found = found or [s for s in sections if s.title.casefold() == text.casefold()]
            music = [s for s in found if s.type == "artist"]
            if not music:
                raise PlexSectionNotFound(wanted, listing)
            return music[0]
        for section in sections:
            if section.type == "artist":
                return section
        raise PlexSectionNotFound(None, listing)


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def _translate(fn: Any, url: str | None, timeout_s: float, what: str) -> Any:
    """Run ``fn`` and turn plexapi/requests exceptions into :class:`PlexError`."""
    started = time.monotonic()
    try:
        return fn()
    except PlexError:
        raise
    except Unauthorized:
        raise PlexUnauthorized(url) from None
    except NotFound as exc:
        raise PlexNotFound(404, what) from exc
    except BadRequest as exc:
        status = _status_of(exc)
        if status == 401:
            raise PlexUnauthorized(url) from None
        log.warning("Plex refused to %s (HTTP %s)", what, status)
        raise PlexRequestFailed(status, what) from None
    except requests.exceptions.ConnectTimeout as exc:
        raise PlexUnreachable(url, _connection_detail(exc)) from None
    except requests.exceptions.Timeout:
        raise PlexTimeout(url, timeout_s) from None
    except requests.exceptions.ConnectionError as exc:
        # A connection dropped mid-answer after waiting about the timeout is a timeout too.
        if time.monotonic() - started >= timeout_s * 0.95:
            raise PlexTimeout(url, timeout_s) from None
        raise PlexUnreachable(url, _connection_detail(exc)) from None
    except requests.exceptions.RequestException as exc:
        raise PlexUnreachable(url, _connection_detail(exc)) from None
    except ElementTree.ParseError:
        raise PlexRequestFailed(None, f"{what}: the answer was not Plex XML") from None
