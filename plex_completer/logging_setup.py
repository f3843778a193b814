"""Logging to stdout, one line per event, with secrets redacted.

``docker logs plex-completer`` should read as a story: time, level, logger, message.
:class:`RedactingFilter` removes the Plex token and the Gemini key wherever they would
appear (``X-Plex-Token=`` in URLs, ``key=`` query parameters, exception texts).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

# Secrets that follow a known name, whatever their value: Plex tokens in URLs and headers,
# Google API keys in query strings and headers, bearer tokens.
_NAMED_SECRET = re.compile(
    r"(?i)(x-plex-token['\"]?\s*[=:]\s*['\"]?|[?&]key=|x-goog-api-key['\"]?\s*[=:]\s*['\"]?|authorization['\"]?\s*[=:]\s*['\"]?bearer\s+|\bapi[_-]?key['\"]?\s*[=:]\s*['\"]?|\b(?:access|auth|api|refresh)[_-]?token['\"]?\s*[=:]\s*['\"]?|\btoken=)"
    r"([^\s&'\",;)}\]]+)"
)
# Google AI Studio keys: the classic "AIza" + 35 characters and the newer "AQ." form.
_GOOGLE_KEY = re.compile(r"\b(AIza[0-9A-Za-z_\-]{30,}|AQ\.[0-9A-Za-z_\-.]{20,})")
MASK = "***"


class Redactor:
    """Replaces known secret values and secret-shaped strings in text with ``***``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self.set_secrets(secrets)

    def set_secrets(self, secrets: Iterable[str]) -> None:
        """Replace the list of literal secrets (longest first so prefixes cannot leak)."""
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def add_secret(self, secret: str | None) -> None:
        """Add one literal secret."""
        if secret and len(secret) >= 4:
            self.set_secrets([*self._secrets, secret])

    def redact(self, text: str) -> str:
        """Return ``text`` with every secret masked."""
        if not text:
            return text
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        text = _NAMED_SECRET.sub(lambda m: m.group(1) + MASK, text)
        return _GOOGLE_KEY.sub(MASK, text)


redactor = Redactor()


def redact(text: str) -> str:
    """Mask secrets in ``text`` with the process-wide :data:`redactor`."""
    return redactor.redact(text)


class RedactingFilter(logging.Filter):
    """A logging filter that renders each record once and masks secrets in it.

    The message, its arguments and any exception text are folded into ``record.msg``
    so no handler or formatter can print the raw values afterwards.
    """

    def __init__(self, red: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = red or redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = str(record.msg)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        record.msg = self.redactor.redact(message)
        record.args = None
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    """Send all logs to stdout in :data:`LOG_FORMAT` with the redacting filter.

    Idempotent: calling it again (a second ``create_app`` in tests) replaces our handler
    and updates the secrets, without duplicating lines.
    """
    redactor.set_secrets(secrets)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_plex_completer", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler._plex_completer = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(LOG_FORMAT, datefmt="%Y-%m-%d %H:%M:%S"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # Third-party chatter that would drown the story (and log full URLs with tokens).
    for noisy in ("urllib3", "httpx", "httpx2", "httpcore", "httpcore2", "apscheduler.executors.default", "werkzeug"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLevelName(level)))
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
