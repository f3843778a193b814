"""Loopback HTTP server plumbing shared by the protocol emulators in ``tests/fakes``.

A :class:`LoopbackServer` runs a :class:`http.server.ThreadingHTTPServer` on
``127.0.0.1`` with an OS-chosen port (port 0) in a daemon thread, records every request
as a :class:`RecordedRequest`, and offers a small behaviour script (a queue of strings
consumed one per call, then a default) that the emulators use to inject faults.

Only the standard library is used so the emulators behave the same under any client
(httpx, httpx2, requests).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class RecordedRequest:
    """One HTTP request as the emulator received it.

    ``path`` excludes the query string (``query`` holds it parsed, one list of values
    per name); ``body`` is the parsed JSON body (``None`` when empty or not JSON,
    ``raw_body`` keeps the bytes); ``headers`` has lower-cased names; ``model`` is the
    model the request addressed, when the protocol names one; ``at`` is
    ``time.monotonic()`` seconds at arrival.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    raw_body: bytes
    model: str | None = None
    behaviour: str | None = None
    at: float = field(default_factory=time.monotonic)


class BehaviourScript:
    """Thread-safe queue of scripted behaviours with a fallback default.

    ``next()`` pops the oldest scripted behaviour, or returns the default when the
    queue is empty. Behaviour names are free-form strings interpreted by the emulator.
    """

    def __init__(self, default: str = "ok") -> None:
        self._queue: deque[str] = deque()
        self._default = default
        self._lock = threading.Lock()

    def extend(self, behaviours: list[str]) -> None:
        """Append ``behaviours`` after any still queued."""
        with self._lock:
            self._queue.extend(behaviours)

    def set_default(self, behaviour: str) -> None:
        """Behaviour returned once the queue is empty."""
        with self._lock:
            self._default = behaviour

    @property
    def default(self) -> str:
        return self._default

    def pending(self) -> list[str]:
        """Behaviours still queued, oldest first."""
        with self._lock:
            return list(self._queue)

    def next(self) -> str:
        """Pop the oldest queued behaviour, or return the default."""
        with self._lock:
            return self._queue.popleft() if self._queue else self._default


def parse_slow(behaviour: str) -> float | None:
    """Return the delay in seconds of a ``"slow:SECONDS"`` behaviour, else ``None``."""
    if behaviour.startswith("slow:"):
        return float(behaviour.split(":", 1)[1])
    return None


class EmulatorHandler(BaseHTTPRequestHandler):
    """Request handler base: reads the body, records the request, writes JSON.

    Subclasses implement ``route(req: RecordedRequest) -> None`` and answer with
    :meth:`send_json`, :meth:`send_text`, :meth:`send_ndjson` or :meth:`drop`.
    ``self.emulator`` is the owning :class:`LoopbackServer`.
    """

    protocol_version = "HTTP/1.1"  # keep-alive, as real servers; clients reuse the pool
    # Headers and body leave in separate writes; with Nagle's algorithm on, the body waits
    # for the client's delayed ACK (~40 ms on Linux loopback) on every keep-alive answer.
    disable_nagle_algorithm = True
    server_version = "Emulator/1.0"
    emulator: LoopbackServer  # set on the subclass built per server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        """Silence the default stderr access log (tests stay quiet)."""

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        req = RecordedRequest(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            raw_body=raw,
        )
        self.emulator._record(req)
        try:
            self.route(req)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (its timeout fired while a slow answer slept).
            self.close_connection = True

    do_GET = do_POST = do_DELETE = do_PUT = do_HEAD = _handle

    def route(self, req: RecordedRequest) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # --- answers -------------------------------------------------------------------

    def send_json(self, status: int, payload: Any, content_type: str = "application/json") -> None:
        """Write ``payload`` as a JSON response with ``status``."""
        self.send_text(status, json.dumps(payload, ensure_ascii=False), content_type)

    def send_text(self, status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> None:
        """Write ``text`` (UTF-8, with Content-Length) as the response."""
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_ndjson(self, status: int, lines: list[Any], content_type: str, gap_s: float = 0.0) -> None:
        """Stream ``lines`` as newline-delimited JSON with chunked transfer encoding.

        ``gap_s`` seconds pass between chunks so a client sees a real stream.
        """
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i, line in enumerate(lines):
            if i and gap_s:
                time.sleep(gap_s)
            chunk = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def drop(self) -> None:
        """Close the TCP connection without writing a response (a crashed upstream).

        Clients see this as ``RemoteProtocolError("Server disconnected without sending
        a response.")`` in httpx / httpx2.
        """
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def sleep(self, seconds: float) -> None:
        """Sleep up to ``seconds``, waking early when the emulator stops."""
        self.emulator._stopping.wait(seconds)


class _TrackingHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that remembers open client sockets, so ``stop()`` can cut
    keep-alive connections too (otherwise a pooled client keeps getting answers from a
    "stopped" emulator)."""

    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()

    def process_request(self, request, client_address):  # type: ignore[override]
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):  # type: ignore[override]
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        with self.sockets_lock:
            socks = list(self.open_sockets)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class EpochSeconds(int):
    """An int of epoch seconds that returns itself when called, so ``emu.now`` reads as a
    value and ``emu.now()`` as a clock."""

    def __call__(self) -> int:
        return int(self)


class EmulatorClock:
    """Mixin: an emulator's settable clock (``_clock``, wall time unless set)."""

    _clock: Any = time.time

    @property
    def now(self) -> EpochSeconds:
        """Current emulator time in epoch seconds: an int that can also be called
        (``emu.now`` and ``emu.now()`` both work). Assign an int or a zero-argument callable
        to set the clock."""
        return EpochSeconds(int(self._clock()))

    @now.setter
    def now(self, value: Any) -> None:
        if callable(value):
            self._clock = value
        else:
            fixed = value
            self._clock = lambda: fixed

    def advance(self, seconds: float) -> int:
        """Set the clock to :attr:`now` + ``seconds`` (a fixed clock from then on);
        returns the new time."""
        self.now = int(self.now) + seconds
        return int(self.now)


class LoopbackServer:
    """Base class of an emulator: lifecycle, request log, context manager.

    ``start()`` binds ``127.0.0.1:0`` and serves in a daemon thread; ``url`` is
    ``"http://127.0.0.1:PORT"`` (no trailing slash); ``stop()`` shuts down and wakes any
    handler sleeping in a ``slow:`` behaviour. Subclasses set ``handler_class``.
    """

    handler_class: type[EmulatorHandler] = EmulatorHandler

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _TrackingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _record(self, req: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(req)

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("emulator not started")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LoopbackServer:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread; returns self."""
        if self._httpd is not None:
            return self
        handler = type(self.handler_class.__name__, (self.handler_class,), {"emulator": self})
        httpd = _TrackingHTTPServer(("127.0.0.1", 0), handler)
        self._stopping.clear()
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}:{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake sleeping handlers and cut open (keep-alive) connections, so
        later requests fail as against a stopped server. Idempotent."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.cut_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self.requests.clear()
