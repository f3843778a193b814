"""HTTP side of the emulator: request-line limit, faults, token check, routing, recording.

Order per request: read the request line (answer 414 when longer than
``max_request_line`` bytes; ``http.server`` itself would allow 65,536), then faults
(refuse: close without answering; delay; forced status), then the token (``X-Plex-Token``
header or query parameter; a missing or unknown token gets 401 with PMS's HTML page;
``/identity`` needs none, as on a real PMS), then the route. Every request is appended to
``emu.requests`` before its answer is written, so a client that got an answer can already
see it recorded.
"""

from __future__ import annotations

import re
import socket
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from requests.structures import CaseInsensitiveDict

from tests.fakes.plex import routes_history as history_routes
from tests.fakes.plex import routes_library as lib_routes
from tests.fakes.plex import routes_playlists as pl_routes
from tests.fakes.plex.routes_library import HTML_TYPE, ListingRefused, Request, Response, error_page, not_found
from tests.fakes.plex.state import RecordedRequest

_SHARED_401 = Path(__file__).resolve().parents[3].parent / "shared" / "plex-xml" / "pms_401_root_unauthorized.html"
# Our own equivalent of PMS's 401 page (a JS redirect to the web app), used when the real
# capture in ../shared is not available.
_FALLBACK_401 = (b"<html><head><script>window.location = window.location.href.match(/(^.+\\/)[^\\/]*$/)[1]"
                 b" + 'web/index.html';</script><title>Unauthorized</title></head>"
                 b"<body><h1>401 Unauthorized</h1></body></html>")


def _load_401() -> bytes:
    try:
        return _SHARED_401.read_bytes()
    except OSError:
        return _FALLBACK_401


UNAUTHORIZED_BODY = _load_401()
_MAX_DRAIN = 64 * 1024 * 1024

# (method, compiled path regex, handler(emu, req, *int groups)). The app itself calls
# "/", /library/sections, section /all listings, /library/metadata/{keys} and the playlist
# routes; the others (/identity, /library, /albums, /collections, children/allLeaves,
# posters, hub search) are kept for the fidelity tests in tests/plex_emulator, which
# drive plexapi's own calls (a filtered section search loads /collections' Meta, for one).
_ROUTES = [
    ("GET", r"/", lib_routes.root),
    ("GET", r"/identity", lib_routes.identity),
    ("GET", r"/library", lib_routes.library),
    ("GET", r"/library/sections", lib_routes.sections),
    ("GET", r"/library/sections/(\d+)/all", lambda e, r, k: lib_routes.section_all(e, r, k)),
    ("GET", r"/library/sections/(\d+)/albums", lambda e, r, k: lib_routes.section_all(e, r, k, "albums")),
    ("GET", r"/library/sections/(\d+)/collections",
     lambda e, r, k: lib_routes.section_all(e, r, k, "collections")),
    ("GET", r"/library/metadata/(\d+)/children", lambda e, r, k: lib_routes.children(e, r, k, False)),
    ("GET", r"/library/metadata/(\d+)/allLeaves", lambda e, r, k: lib_routes.children(e, r, k, True)),
    ("GET", r"/library/metadata/([\d,]+)", None),  # keys stay text: metadata() splits them
    ("POST", r"/library/metadata/(\d+)/posters", pl_routes.upload_poster),
    ("GET", r"/hubs/search", lib_routes.hub_search),
    ("GET", r"/playlists", pl_routes.list_playlists),
    ("POST", r"/playlists", pl_routes.create),
    ("GET", r"/playlists/(\d+)", pl_routes.get_one),
    ("PUT", r"/playlists/(\d+)", pl_routes.edit),
    ("DELETE", r"/playlists/(\d+)", pl_routes.delete),
    ("GET", r"/playlists/(\d+)/items", pl_routes.items),
    ("PUT", r"/playlists/(\d+)/items", pl_routes.add_items),
    ("DELETE", r"/playlists/(\d+)/items", pl_routes.clear_items),
    ("DELETE", r"/playlists/(\d+)/items/(\d+)", pl_routes.remove_item),
    ("PUT", r"/playlists/(\d+)/items/(\d+)/move", pl_routes.move_item),
    ("GET", r"/status/sessions/history/all", history_routes.history),
]
_COMPILED = [(m, re.compile(p + r"\Z"), h) for m, p, h in _ROUTES]


def route(emu, req: Request) -> Response:
    """Dispatch ``req`` to its endpoint (404 for unknown paths or methods)."""
    for method, rx, handler in _COMPILED:
        if method != req.method:
            continue
        m = rx.match(req.path)
        if not m:
            continue
        if handler is None:
            return lib_routes.metadata(emu, req, m.group(1))
        return handler(emu, req, *(int(g) for g in m.groups()))
    return not_found()


class PlexRequestHandler(BaseHTTPRequestHandler):
    """One connection (HTTP/1.1 keep-alive) to the emulator. ``emulator`` is set on the
    per-server subclass :class:`~tests.fakes.http_base.LoopbackServer` builds; open
    connections are tracked (and cut on stop) by its server."""

    protocol_version = "HTTP/1.1"
    server_version = "PlexMediaServer"
    sys_version = ""
    # Without this, a small answer written after its headers waits for the client's
    # delayed ACK (~40 ms per request).
    disable_nagle_algorithm = True
    emulator = None  # the PlexEmulator, set by LoopbackServer.start()

    def log_message(self, format, *args) -> None:  # noqa: A002 - silence stderr logging
        pass

    # --- request reading -----------------------------------------------------------------

    def handle_one_request(self) -> None:
        emu = self.emulator
        limit = emu.max_request_line
        try:
            raw = self.rfile.readline(limit + 3)
        except OSError:
            self.close_connection = True
            return
        if not raw:
            self.close_connection = True
            return
        if len(raw.rstrip(b"\r\n")) > limit:
            self._answer_too_long(raw)
            return
        self.raw_requestline = raw
        self.requestline = self.request_version = self.command = ""
        if not self.parse_request():
            return
        try:
            self._handle()
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _answer_too_long(self, raw: bytes) -> None:
        """Read the rest of the over-long request (so closing does not reset the
        connection before the client reads the answer), then answer 414 and close."""
        emu = self.emulator
        last, total = raw, len(raw)
        while not last.endswith(b"\n") and total < _MAX_DRAIN:
            last = self.rfile.readline(65536)
            if not last:
                break
            total += len(last)
            if len(raw) < 1_000_000:  # keep enough of the target to record it
                raw += last
        headers: CaseInsensitiveDict = CaseInsensitiveDict()
        for _ in range(200):
            h = self.rfile.readline(65537)
            if h in (b"\r\n", b"\n", b""):
                break
            name, _, value = h.decode("latin-1").partition(":")
            headers[name.strip()] = value.strip()
        length = headers.get("Content-Length", "0")
        if length.isdigit() and int(length) <= _MAX_DRAIN:
            self.rfile.read(int(length))
        parts = raw.decode("latin-1").rstrip("\r\n").split(" ")
        self.command, self.request_version = parts[0], "HTTP/1.1"
        self.requestline = f"{parts[0]} <{total} bytes>"
        target = urlsplit(parts[1] if len(parts) > 1 else "/")
        rec = RecordedRequest(parts[0], unquote(target.path),
                              parse_qs(target.query, keep_blank_values=True), headers, 414)
        emu._record(rec)
        self.close_connection = True
        resp = error_page(414, "Request-URI Too Long")
        self._write(resp, close=True)

    # --- answering ---------------------------------------------------------------------------

    def _handle(self) -> None:
        emu = self.emulator
        url = urlsplit(self.path)
        path = unquote(url.path)
        if len(path) > 1:
            path = path.rstrip("/")
        query = parse_qs(url.query, keep_blank_values=True)
        length = self.headers.get("Content-Length", "0")
        body = self.rfile.read(int(length)) if length.isdigit() and int(length) > 0 else b""
        rec = RecordedRequest(self.command, path, query, CaseInsensitiveDict(self.headers.items()), 0, body)

        faults = emu.faults
        if faults.refuse_connections:
            emu._record(rec)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if faults.delay_s > 0:
            time.sleep(faults.delay_s)
        forced = emu._take_forced_status()
        if forced is not None:
            resp = error_page(forced, self.responses.get(forced, ("Error",))[0])
        else:
            token = self.headers.get("X-Plex-Token") or (query.get("X-Plex-Token") or [None])[0]
            if path != "/identity" and token not in emu.tokens:
                resp = Response(401, UNAUTHORIZED_BODY, HTML_TYPE)
            else:
                req = Request(self.command, path, query, self.headers, token or "", body,
                              loose_excludes=emu.strict.hostile)
                with emu._lock:
                    try:
                        resp = route(emu, req)
                    except ListingRefused as refused:
                        resp = refused.response
        rec.status = resp.status
        emu._record(rec)
        self._write(resp)

    def _write(self, resp: Response, close: bool = False) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        self.send_header("X-Plex-Protocol", "1.0")
        for name, value in resp.headers.items():
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
        # Headers and body leave in one write (end_headers would flush the headers alone).
        self._headers_buffer.append(b"\r\n")
        if resp.body and self.command != "HEAD":
            self._headers_buffer.append(resp.body)
        self.flush_headers()
