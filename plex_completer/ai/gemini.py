"""Gemini through the official ``google-genai`` SDK (the only module that imports it).

The client is built with ``HttpOptions``: ``base_url`` from ``GEMINI_BASE_URL`` when set,
``timeout`` in **milliseconds** (``HttpOptions.timeout`` is documented in ms) from
``GEMINI_TIMEOUT`` seconds, and ``HttpRetryOptions(attempts=1)``: the SDK's own retry
(5 attempts with 1-60 s backoff on 408/429/5xx) would hold a quota-exhausted model for
seconds to minutes; the cascade is the retry policy and moves to the next model at once.

Structured output: ``response_mime_type="application/json"`` with
:class:`~plex_completer.ai.schema.PlaylistDraft` as ``response_schema``
(https://ai.google.dev/gemini-api/docs/structured-output). Gemini 2.5 Flash thinks by
default; ``thinking_budget=0`` turns that off (128 is the minimum for 2.5 Pro), which
saves tokens and seconds and does not help list-writing
(https://ai.google.dev/gemini-api/docs/thinking).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from typing import Any

import httpx
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from .base import Answer, ClientCache, Probe
from .classify import classify_gemini_api_error, classify_transport, short
from .errors import Outcome, ProviderFailure
from .prompts import Prompt
from .schema import PlaylistDraft

try:  # google-genai 3.x uses httpx2 when installed (its default backend)
    import httpx2

    _TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (httpx.TransportError, httpx2.TransportError)
except ImportError:  # pragma: no cover - depends on the installed extras
    _TRANSPORT_ERRORS = (httpx.TransportError,)

# Finish reasons that mean "the answer was withheld", not "the model failed" (OTHER is
# neither: an empty answer for no stated reason is bad output). Any promptFeedback
# blockReason is a block.
_BLOCK_REASONS = {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_SAFETY"}
_clients = ClientCache()
# The SDK's HTTP backend logs every request at INFO ("HTTP Request: POST .../models/x:
# generateContent"); the cascade's own lines tell that story with the provider's name.
for _noisy in ("httpx2", "google_genai"):
    if logging.getLogger(_noisy).level == logging.NOTSET:
        logging.getLogger(_noisy).setLevel(logging.WARNING)


def get_client(settings: Any, timeout_s: float) -> genai.Client:
    """A cached ``genai.Client`` for the configured key and base URL, ``timeout_s`` seconds.

    Raises ``ValueError`` when no API key is set.
    """
    if not settings.GEMINI_API_KEY:
        raise ValueError("GEMINI_API_KEY is not set")
    key = settings.GEMINI_API_KEY.get_secret_value()
    timeout_ms = max(1, int(timeout_s * 1000))
    cache_key = (hashlib.sha256(key.encode()).hexdigest(), settings.GEMINI_BASE_URL or "", timeout_ms)

    def build() -> genai.Client:
        options = types.HttpOptions(
            timeout=timeout_ms,
            retry_options=types.HttpRetryOptions(attempts=1),  # the cascade is the retry policy
            base_url=settings.GEMINI_BASE_URL or None,
        )
        return genai.Client(api_key=key, vertexai=False, http_options=options)

    return _clients.get(cache_key, build)


def close_clients() -> None:
    """Close and forget every cached client (tests, or after a settings change)."""
    _clients.close_all()


def _thinking(model: str) -> types.ThinkingConfig | None:
    name = model.removeprefix("models/")
    if name.startswith("gemini-2.5-pro"):
        return types.ThinkingConfig(thinking_budget=128)
    if name.startswith("gemini-2.5"):
        return types.ThinkingConfig(thinking_budget=0)
    return None  # 2.0 models reject thinking_config; newer models choose their own level


def _max_output_tokens(count: int) -> int:
    # ~40 tokens per track object plus title/description; the cap stops runaway repetition.
    return 512 + 60 * count


def _enum_name(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value)).rsplit(".", 1)[-1]


def classify_exception(exc: BaseException, *, model: str, configured: tuple[str, ...], timeout_s: float, now: dt.datetime) -> ProviderFailure:
    """Turn an exception raised by the SDK into a :class:`ProviderFailure`."""
    if isinstance(exc, ProviderFailure):
        return exc
    if isinstance(exc, genai_errors.APIError):
        return classify_gemini_api_error(
            exc.code or 0,
            exc.status,
            exc.message,
            exc.details,
            model=model,
            configured_models=configured,
            now=now,
            error_class=type(exc).__name__,
        )
    if isinstance(exc, _TRANSPORT_ERRORS):
        return classify_transport(exc, timeout_s=timeout_s, refused="not reachable (connection refused)")
    if isinstance(exc, genai_errors.UnknownApiResponseError):
        return ProviderFailure(Outcome.SERVER, "answer was not valid JSON at the HTTP level", error_class=type(exc).__name__, cooldown_s=30)
    return ProviderFailure(Outcome.SERVER, f"unexpected error: {short(exc, 200)}", error_class=type(exc).__name__)


def generate(settings: Any, model: str, prompt: Prompt, count: int, timeout_s: float, now: dt.datetime) -> Answer:
    """Ask ``model`` for a playlist; return its raw :class:`Answer`.

    ``timeout_s`` is seconds. Raises :class:`ProviderFailure` (classified) on any API or
    transport error and for a safety block (outcome ``blocked``).
    """
    config = types.GenerateContentConfig(
        system_instruction=prompt.system,
        response_mime_type="application/json",
        response_schema=PlaylistDraft,
        max_output_tokens=_max_output_tokens(count),
        temperature=0.8,
        thinking_config=_thinking(model),
        # No tools are sent; turning AFC off skips its per-call setup and log line.
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )
    try:
        response = get_client(settings, timeout_s).models.generate_content(model=model, contents=prompt.user, config=config)
    except Exception as exc:
        raise classify_exception(exc, model=model, configured=settings.GEMINI_MODELS, timeout_s=timeout_s, now=now) from exc
    usage = response.usage_metadata
    feedback = response.prompt_feedback
    block = _enum_name(getattr(feedback, "block_reason", None)) if feedback else None
    candidate = response.candidates[0] if response.candidates else None
    finish = _enum_name(candidate.finish_reason) if candidate else None
    text = response.text if candidate else None
    if block or (finish in _BLOCK_REASONS and not text):
        reason = block or finish
        raise ProviderFailure(Outcome.BLOCKED, f"answer blocked by Gemini ({reason})", error_class="Blocked")
    return Answer(
        text=text,
        structured=response.parsed,
        truncated=finish == "MAX_TOKENS",
        finish_reason=finish,
        prompt_tokens=getattr(usage, "prompt_token_count", None),
        output_tokens=getattr(usage, "candidates_token_count", None),
        total_tokens=getattr(usage, "total_token_count", None),
    )


def probe_model(settings: Any, model: str, timeout_s: float, now: dt.datetime) -> Probe:
    """Check that ``model`` exists for this key with ``models.get`` (spends no generation quota).

    Never raises; a 404 gives ``missing`` with the model to set instead.
    """
    started = time.perf_counter()
    try:
        info = get_client(settings, timeout_s).models.get(model=model)
    except Exception as exc:  # noqa: BLE001 - a probe reports, never raises
        failure = classify_exception(exc, model=model, configured=settings.GEMINI_MODELS, timeout_s=timeout_s, now=now)
        status = {Outcome.RETIRED: "missing", Outcome.AUTH: "auth", Outcome.TRANSPORT: "down"}.get(failure.outcome, "error")
        return Probe(status, failure.message, failure.hint, (time.perf_counter() - started) * 1000)
    details = {
        "display_name": info.display_name,
        "input_token_limit": info.input_token_limit,
        "output_token_limit": info.output_token_limit,
    }
    return Probe("ok", f"available ({info.display_name or model})", "", (time.perf_counter() - started) * 1000, details)
