"""Security headers, the session cookie's ``Secure`` flag, trusted reverse proxies and
input the app refuses wherever it appears.

The Content-Security-Policy allows only this app's own scripts and styles: no inline
script, no inline style attribute, no framing (OWASP Secure Headers project and
https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy). htmx 2
would inject an inline ``<style>`` for its indicators; ``base.html`` turns that off with
``<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# One year, sent only over HTTPS (RFC 6797 section 7.2: not over non-secure transport).
# No includeSubDomains: other services on subdomains of the user's host may still be HTTP.
HSTS = "max-age=31536000"
# Database ids are signed 64-bit integers (SQLite INTEGER, PostgreSQL BIGINT).
MAX_ID = 2**63 - 1


class NulCharacterRejected(BadRequest):
    """400 for text holding a NUL character; ``title`` heads the error page."""

    title = "Invalid character"
    description = "The text you sent contains a NUL character (\\0), which cannot be stored. Remove it and try again."


def at_most_regex(limit: int) -> str:
    """A regex (no capturing groups, as werkzeug converters need) that matches exactly the
    ASCII digit strings of the numbers ``0..limit``, leading zeros allowed.

    The bound must be in the regex, not only in ``to_python``: werkzeug turns a converter's
    ``ValidationError`` into "405 Method Not Allowed" when another rule on the same path
    has other methods (a GET and a POST rule for one URL); a regex that does not match
    gives the 404.
    """
    digits = str(limit)
    width = len(digits)
    alternatives = [f"[0-9]{{1,{width - 1}}}"] if width > 1 else []
    for i, ch in enumerate(digits):
        if ch != "0":
            rest = width - i - 1
            alternatives.append(digits[:i] + f"[0-{int(ch) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    alternatives.append(digits)
    return "0*(?:" + "|".join(alternatives) + ")"


class IdConverter(IntegerConverter):
    """The app's ``<int:...>`` URL converter: ASCII digits only and at most
    :data:`MAX_ID`, so ``/playlists/99999999999999999999`` is a 404 instead of an
    ``OverflowError`` from the database (werkzeug's ``IntegerConverter`` accepts any
    size and, through ``\\d``, non-ASCII digits; its ``max`` argument is documented in
    https://werkzeug.palletsprojects.com/en/stable/routing/#werkzeug.routing.IntegerConverter)."""

    regex = at_most_regex(MAX_ID)

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        super().__init__(map, *args, **kwargs)
        if self.max is None or self.max > MAX_ID:
            self.max = MAX_ID


def register_converters(app: Flask) -> None:
    """Make :class:`IdConverter` the ``int`` converter of ``app``. Call before any route
    is registered: werkzeug binds a rule's converters when the rule is added."""
    app.url_map.converters["int"] = IdConverter


class SchemeAwareSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with ``Secure`` on the cookie when the request came
    over HTTPS (as seen through a trusted proxy), unless ``SESSION_COOKIE_SECURE`` is set
    to true or false. Flask documents ``get_cookie_secure`` as the hook for this
    (https://flask.palletsprojects.com/en/stable/api/#flask.sessions.SessionInterface.get_cookie_secure)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """The ``SESSION_COOKIE_SECURE`` setting, or (auto) whether this request is HTTPS."""
        forced = app.config["SETTINGS"].SESSION_COOKIE_SECURE
        if forced is not None:
            return bool(forced)
        return bool(request) and request.is_secure


class TrustedProxyFix:
    """WSGI middleware: werkzeug's ``ProxyFix`` for requests whose ``REMOTE_ADDR`` is one
    of ``networks`` (or any with ``"*"``); other requests are passed on untouched, so a
    client that reaches the app directly cannot fake its address or scheme with
    ``X-Forwarded-*`` headers (werkzeug's ProxyFix docs: "It is a security issue to trust
    values that came from the client rather than a proxy"). ``hops`` is the number of proxies
    in the chain (ProxyFix's ``x_for``/``x_proto``/``x_host``/``x_port``/``x_prefix``)."""

    def __init__(self, wsgi_app, networks: Iterable[str], hops: int = 1) -> None:
        self.wsgi_app = wsgi_app
        self.proxied = ProxyFix(wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
        names = list(networks)
        self.any = "*" in names
        self.networks = [ipaddress.ip_network(n, strict=False) for n in names if n != "*"]

    def trusted(self, address: str | None) -> bool:
        """True when ``address`` (the TCP peer) is a trusted proxy."""
        if self.any:
            return True
        try:
            ip = ipaddress.ip_address((address or "").split("%")[0])
        except ValueError:
            return False
        if ip.version == 6 and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        return any(ip in net for net in self.networks)

    def __call__(self, environ, start_response):
        if self.trusted(environ.get("REMOTE_ADDR")):
            return self.proxied(environ, start_response)
        return self.wsgi_app(environ, start_response)


def add_security_headers(response: Response) -> Response:
    """Set CSP, ``nosniff``, ``Referrer-Policy: same-origin``, HSTS over HTTPS and, on
    pages, ``no-store``.

    ``no-store`` keeps a logged-out browser's back button from showing a cached page.
    """
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def reject_nul_bytes() -> None:
    """``before_request``: refuse (400) a request whose query string or form holds a NUL
    character in a name or value. No page wants one, PostgreSQL and Plex refuse them,
    and they hide text from logs and comparisons (OWASP Input Validation cheat sheet:
    reject control characters in free text)."""
    for source in (request.args, request.form):
        for key, values in source.lists():
            if "\0" in key or any("\0" in v for v in values):
                raise NulCharacterRejected()


def init_app(app: Flask) -> None:
    """Register :func:`add_security_headers` and :func:`reject_nul_bytes`, the
    scheme-aware session cookie and, when ``TRUSTED_PROXIES`` is set, :class:`TrustedProxyFix`."""
    settings = app.config["SETTINGS"]
    app.after_request(add_security_headers)
    app.before_request(reject_nul_bytes)
    app.session_interface = SchemeAwareSessionInterface()
    if settings.TRUSTED_PROXIES:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_HOPS)
