"""Successor models: who answers in a Gemini slot whose configured model is gone.

Google retires Gemini models on a schedule (``gemini-2.0-flash`` shut down on
2026-06-01, google/adk-docs#1840; ``gemini-2.5-flash`` closed to new users in mid-2026
and retired on 2026-12-01, sohzm/cheating-daddy#476, kestra-io/docs#5168) and a key may
have no quota at all for a model (429 "limit: 0", continuedev/continue#12643). The
cascade keeps its configured slots (``GEMINI_MODELS``) but, when a slot's model answers
that way, fills the slot with a **successor**: the newest stable model of the same kind
(Flash for Flash, Flash-Lite for Flash-Lite, Pro for Pro) that supports
``generateContent`` and is not already in the chain, found with ``models.list`` (spends
no generation quota). Preview, experimental, image, live, TTS, audio and embedding models
are never picked. When the listing fails, the kind's ``-latest`` alias
(``gemini-flash-latest``, ``gemini-flash-lite-latest``; they follow the newest model,
huggingface/tau#630) is used instead. A listed model may still answer 404 (the listing
keeps stale entries), so a successor that answers 404 is replaced in turn.

Resolutions are stored in ``ModelSuccessor`` rows keyed by slot, with a fingerprint of
the configuration (base URL, API-key hash, ``GEMINI_MODELS``, never the key): a row of
another configuration is ignored, so a configuration change re-checks. The whole
mechanism is off with ``GEMINI_AUTO_SUCCESSOR=false``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config import Settings
from ..extensions import db
from ..models import ModelSuccessor, utcnow

if TYPE_CHECKING:  # gemini imports google-genai, which the cascade imports only when asked
    from .gemini import ListedModel

log = logging.getLogger(__name__)

# A stable model id: gemini-<major>.<minor>-<kind> and nothing after it; dated or
# numbered variants (-001, -preview-09-2025, -exp, -image, -live, -tts) never match.
_STABLE = re.compile(r"^gemini-(\d+)\.(\d+)-(flash-lite|flash|pro)$")
_KIND = re.compile(r"-(flash-lite|flash|pro)(?:-|$)")
ALIASES = {"flash": "gemini-flash-latest", "flash-lite": "gemini-flash-lite-latest", "pro": "gemini-pro-latest"}
ORIGIN_LISTING = "listing"
ORIGIN_ALIAS = "alias"
MAX_SUCCESSORS_PER_RUN = 3  # successors asked for one slot in one generation before giving up
# After a search that found no successor, the same slot and configuration are not listed
# again for this long (seconds): a retired slot without a successor then costs nothing.
MISS_TTL_S = 600.0
_misses: dict[tuple[str, str], float] = {}
_misses_lock = threading.Lock()


def model_kind(model: str) -> str | None:
    """``flash``, ``flash-lite`` or ``pro`` for a Gemini model id or alias, else None."""
    match = _KIND.search(model.removeprefix("models/"))
    return match.group(1) if match else None


def slot_fingerprint(settings: Settings) -> str:
    """32 hex characters over the base URL, a SHA-256 of the API key and ``GEMINI_MODELS``."""
    key = settings.GEMINI_API_KEY.get_secret_value() if settings.GEMINI_API_KEY else ""
    parts = [settings.GEMINI_BASE_URL or "", hashlib.sha256(key.encode()).hexdigest(), ",".join(settings.GEMINI_MODELS)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Successor:
    """A model standing in for ``slot``: ``model``, ``origin`` (``listing``/``alias``),
    ``output_token_limit`` (tokens or None) and ``reason`` (why the slot's model is gone)."""

    slot: str
    model: str
    origin: str
    output_token_limit: int | None = None
    reason: str = ""


def load(settings: Settings) -> dict[str, Successor]:
    """Stored successors of the current configuration, by slot (one query; app context)."""
    if not settings.GEMINI_AUTO_SUCCESSOR:
        return {}
    fingerprint = slot_fingerprint(settings)
    rows = db.session.scalars(db.select(ModelSuccessor).where(ModelSuccessor.fingerprint == fingerprint)).all()
    return {
        row.slot: Successor(row.slot, row.successor, row.origin, row.output_token_limit, row.reason)
        for row in rows
        if row.slot in settings.GEMINI_MODELS
    }


def pick(listing: list[ListedModel], kind: str, exclude: set[str]) -> ListedModel | None:
    """The newest stable ``kind`` model of ``listing`` (``gemini.ListedModel`` items) that
    supports ``generateContent`` and is not in ``exclude``; None when there is none."""
    best, best_version = None, (-1, -1)
    for item in listing:
        match = _STABLE.match(item.name)
        if not match or match.group(3) != kind or item.name in exclude:
            continue
        if "generateContent" not in item.methods:
            continue
        version = (int(match.group(1)), int(match.group(2)))
        if version > best_version:
            best, best_version = item, version
    return best


def resolve(settings: Settings, slot: str, exclude: set[str], timeout_s: float, now: dt.datetime, reason: str = "") -> Successor | None:
    """Find a successor for ``slot`` (see the module docstring); None when there is none.

    ``exclude`` holds models already in the chain or known to be gone. Calls
    ``models.list`` (one request per 200 models, no generation quota); when it fails the
    kind's ``-latest`` alias is returned unless excluded. A search that finds nothing is
    remembered for :data:`MISS_TTL_S` seconds per slot and configuration. Never raises
    for an API error.
    """
    from . import gemini
    from .errors import ProviderFailure

    kind = model_kind(slot)
    if kind is None:
        return None
    miss_key = (slot, slot_fingerprint(settings))
    with _misses_lock:
        if time.monotonic() - _misses.get(miss_key, -MISS_TTL_S) < MISS_TTL_S:
            return None
    try:
        listing = gemini.list_models(settings, timeout_s, now)
    except ProviderFailure as exc:
        alias = ALIASES[kind]
        log.warning("Listing Gemini models failed (%s); trying the alias %s for %s", exc.message, alias, slot)
        return None if alias in exclude else Successor(slot, alias, ORIGIN_ALIAS, None, reason)
    chosen = pick(listing, kind, exclude)
    if chosen is None:
        with _misses_lock:
            _misses[miss_key] = time.monotonic()
        return None
    return Successor(slot, chosen.name, ORIGIN_LISTING, chosen.output_token_limit, reason)


def clear_misses() -> None:
    """Forget the remembered searches that found no successor (tests, settings changes)."""
    with _misses_lock:
        _misses.clear()


def store(settings: Settings, successor: Successor) -> None:
    """Store (or replace) the successor of its slot for the current configuration; commits."""
    row = db.session.get(ModelSuccessor, successor.slot)
    if row is None:
        row = ModelSuccessor(slot=successor.slot)
        db.session.add(row)
    row.successor = successor.model
    row.origin = successor.origin
    row.reason = successor.reason[:2000]
    row.output_token_limit = successor.output_token_limit
    row.fingerprint = slot_fingerprint(settings)
    row.resolved_at = utcnow()
    db.session.commit()


def forget(slot: str) -> None:
    """Drop the stored successor of ``slot`` (it failed for good); commits."""
    row = db.session.get(ModelSuccessor, slot)
    if row is not None:
        db.session.delete(row)
        db.session.commit()
