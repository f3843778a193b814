"""Security headers on every response.

The Content-Security-Policy allows only this app's own scripts and styles: no inline
script, no inline style attribute, no framing (OWASP Secure Headers project and
https://developer.mozilla.org/docs/Web/HTTP/Headers/Content-Security-Policy). htmx 2
would inject an inline ``<style>`` for its indicators; ``base.html`` turns that off with
``<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>``.
"""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def add_security_headers(response: Response) -> Response:
    """Set CSP, ``nosniff``, ``Referrer-Policy: same-origin`` and, on pages, ``no-store``.

    ``no-store`` keeps a logged-out browser's back button from showing a cached page.
    """
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    """Register :func:`add_security_headers` as an ``after_request`` hook."""
    app.after_request(add_security_headers)
