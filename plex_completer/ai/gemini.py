"""Gemini through the official ``google-genai`` SDK (the only module that imports it).

The client is built with ``HttpOptions``: ``base_url`` from ``GEMINI_BASE_URL`` when set,
``timeout`` in **milliseconds** (``HttpOptions.timeout`` is documented in ms) from
``GEMINI_TIMEOUT`` seconds, and ``HttpRetryOptions(attempts=1)``: the SDK retries only
when ``retry_options`` is given (google-genai 3.4.0 ``_api_client``; its defaults would
back off on 408/429/5xx for seconds to minutes); the cascade is the retry policy (one
quick retry on a 5xx, then the next model).

Structured output: ``response_mime_type="application/json"`` with the JSON Schema of
:class:`~plex_completer.ai.schema.PlaylistDraft` as ``response_json_schema`` (Gemini 2.0:
the class as ``response_schema``), https://ai.google.dev/gemini-api/docs/structured-output. Thinking, temperature and
the output cap come from :func:`plex_completer.ai.generations.plan_request`.
:func:`list_models` reads ``models.list`` (no generation quota) for
:mod:`plex_completer.ai.successors`.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx
from google import genai
from google.genai import errors as genai_errors
from google.genai import types
from pydantic import BaseModel

from ..config import Settings
from .base import Answer, ClientCache, Probe
from .classify import classify_gemini_api_error, classify_transport, one_line
from .errors import Outcome, ProviderFailure
from .generations import RequestPlan
from .prompts import Prompt
from .schema import PlaylistDraft, draft_json_schema

try:  # google-genai 3.x uses httpx2 when installed (its default backend)
    import httpx2

    _TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (httpx.TransportError, httpx2.TransportError)
except ImportError:  # pragma: no cover - depends on the installed extras
    _TRANSPORT_ERRORS = (httpx.TransportError,)

# Finish reasons that mean "the answer was withheld" with no text at all, for reasons
# a retry will not change. SAFETY and RECITATION with or without text are treated as a
# cut answer by the cascade (retried once); any promptFeedback blockReason is a block.
_BLOCK_REASONS = {"PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY"}
_clients = ClientCache()
# The draft's JSON Schema, built once: given as ``response_json_schema`` (passed through
# unchanged by the SDK, t_json_schema) instead of converting the pydantic class on every
# request (t_schema costs milliseconds per call). Gemini 2.0 only takes the OpenAPI-style
# ``response_schema``, so it keeps the class.
_JSON_SCHEMA = draft_json_schema()
_JSON_SCHEMAS: dict[type[BaseModel], dict[str, Any]] = {PlaylistDraft: _JSON_SCHEMA}


def _json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema of ``model``, built once per class."""
    found = _JSON_SCHEMAS.get(model)
    if found is None:
        found = _JSON_SCHEMAS[model] = model.model_json_schema()
    return found

# The SDK's HTTP backend logs every request at INFO ("HTTP Request: POST .../models/x:
# generateContent"); the cascade's own lines tell that story with the provider's name.
for _noisy in ("httpx2", "google_genai"):
    if logging.getLogger(_noisy).level == logging.NOTSET:
        logging.getLogger(_noisy).setLevel(logging.WARNING)


def get_client(settings: Settings, timeout_s: float) -> genai.Client:
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


def _thinking(plan: RequestPlan) -> types.ThinkingConfig | None:
    if plan.thinking_level:
        return types.ThinkingConfig(thinking_level=types.ThinkingLevel(plan.thinking_level.upper()))
    if plan.thinking_budget is not None:
        return types.ThinkingConfig(thinking_budget=plan.thinking_budget)
    return None


def _enum_name(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        value = value.value
    return str(value).rsplit(".", 1)[-1]


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
    return ProviderFailure(Outcome.SERVER, f"unexpected error: {one_line(exc, 200)}", error_class=type(exc).__name__)


def generate(
    settings: Settings,
    model: str,
    prompt: Prompt,
    plan: RequestPlan,
    timeout_s: float,
    now: dt.datetime,
    *,
    answer_schema: type[BaseModel] = PlaylistDraft,
) -> Answer:
    """Ask ``model`` for a playlist with the settings of ``plan``; return its raw :class:`Answer`.

    ``timeout_s`` is seconds. ``answer_schema`` is the structured output asked for
    (:class:`PlaylistDraft`, or :class:`~plex_completer.ai.schema.FillPicks` for a fill
    request). Raises :class:`ProviderFailure` (classified) on any API or transport error
    and for a blocked prompt or withheld answer (outcome ``blocked``).
    """
    if plan.family == "2.0":
        schema: dict[str, Any] = {"response_schema": answer_schema}
    else:
        schema = {"response_json_schema": _json_schema(answer_schema)}
    config = types.GenerateContentConfig(
        system_instruction=prompt.system,
        response_mime_type="application/json",
        **schema,
        max_output_tokens=plan.max_output_tokens,
        temperature=plan.temperature,
        thinking_config=_thinking(plan),
        # No tools are sent; turning AFC off skips its per-call setup and log line.
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )
    try:
        response = get_client(settings, timeout_s).models.generate_content(model=model, contents=prompt.user, config=config)
    except Exception as exc:
        raise classify_exception(exc, model=model, configured=settings.GEMINI_MODELS, timeout_s=timeout_s, now=now) from exc
    usage = response.usage_metadata
    feedback = response.prompt_feedback
    block = _enum_name(feedback.block_reason) if feedback else None
    candidate = response.candidates[0] if response.candidates else None
    finish = _enum_name(candidate.finish_reason) if candidate else None
    text = response.text if candidate else None
    if block or (finish in _BLOCK_REASONS and not text):
        reason = block or finish
        raise ProviderFailure(Outcome.BLOCKED, f"answer blocked by Gemini ({reason})", error_class="Blocked")
    return Answer(
        text=text,
        structured=response.parsed,
        truncated=finish in ("MAX_TOKENS", "SAFETY", "RECITATION"),
        finish_reason=finish,
        prompt_tokens=usage.prompt_token_count if usage else None,
        output_tokens=usage.candidates_token_count if usage else None,
        total_tokens=usage.total_token_count if usage else None,
        thinking_tokens=usage.thoughts_token_count if usage else None,
    )


@dataclass(frozen=True)
class ListedModel:
    """One entry of ``models.list``: ``name`` without ``models/``, ``display_name``,
    ``output_token_limit`` (tokens, or None) and the ``methods`` it supports
    (``supportedGenerationMethods``, e.g. ``generateContent``)."""

    name: str
    display_name: str
    output_token_limit: int | None
    methods: tuple[str, ...]


def list_models(settings: Settings, timeout_s: float, now: dt.datetime) -> list[ListedModel]:
    """Every model ``models.list`` shows this key (all pages; spends no generation quota).

    ``timeout_s`` is seconds per page. Raises :class:`ProviderFailure` (classified) on
    an API or transport error. A listed model may still answer 404 to generateContent
    (huggingface/tau#630), so a listing proves nothing on its own.
    """
    try:
        pager = get_client(settings, timeout_s).models.list(config=types.ListModelsConfig(page_size=200, query_base=True))
        out = [
            ListedModel(
                (m.name or "").removeprefix("models/"),
                m.display_name or "",
                m.output_token_limit,
                tuple(m.supported_actions or ()),
            )
            for m in pager
        ]
    except Exception as exc:
        raise classify_exception(exc, model="models.list", configured=settings.GEMINI_MODELS, timeout_s=timeout_s, now=now) from exc
    return [m for m in out if m.name]


def probe_model(settings: Settings, model: str, timeout_s: float, now: dt.datetime) -> Probe:
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
