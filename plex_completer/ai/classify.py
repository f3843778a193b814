"""Classify provider failures into outcomes, cooldowns and advice.

Pure functions over the data the SDKs expose (HTTP status, the ``google.rpc.Status``
body with its ``details``, Ollama's ``ResponseError.status_code``/``error``); the provider
modules catch the SDK exceptions and call these. Decisions follow the documents:

* Gemini errors: https://ai.google.dev/gemini-api/docs/troubleshooting (400
  INVALID_ARGUMENT, 403 PERMISSION_DENIED, 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED,
  500 INTERNAL, 503 UNAVAILABLE).
* A 429 body carries ``google.rpc.QuotaFailure`` (``violations[].quotaId`` such as
  ``GenerateRequestsPerDayPerProjectPerModel-FreeTier``) and ``google.rpc.RetryInfo``
  (``retryDelay`` like ``"46s"``), https://cloud.google.com/apis/design/errors#error_details.
* Per-day quotas reset at midnight Pacific time
  (https://ai.google.dev/gemini-api/docs/rate-limits), hence America/Los_Angeles.
* 400 with ``ErrorInfo.reason == "API_KEY_INVALID"`` is a bad key, not a bad request.
* A 429 body varies (see :func:`quota_info`): several violations and no ``quotaValue``
  (google-gemini/gemini-cli#8437); "limit: 0" only in the message text, for a model
  this key has no quota for at all (continuedev/continue#12643); only a ``Help`` detail
  (googleapis/python-genai#1427) or no details (googleapis/python-genai#2065).
  "limit: 0" means the model is not available to this key: it is treated like a
  retired model (a successor is asked), not as a per-minute wait.
* 404 NOT_FOUND "This model models/x is no longer available [to new users]" (google/
  adk-docs#1840, sohzm/cheating-daddy#476) or "models/x is not found for API version":
  the model is replaced by its successor.
* 500/502/503/504 (503: "This model is currently experiencing high demand. Spikes in
  demand are usually temporary.", continuedev/continue#10903) are transient: one quick
  retry on the same model.
* A 400 that names the thinking level ("Allowed values are: medium, low, high",
  fishjar/kiss-translator#1048) rejected the request's thinking setting.
* Ollama answers 404 ``model 'x' not found`` (older servers append ``, try pulling it
  first``, ollama/ollama#718); out of memory is 500 ``model requires more system
  memory (5.3 GiB) than is available (3.5 GiB)`` (continuedev/continue#11767,
  home-assistant/core#139085).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from ..logging_setup import redact
from .errors import Outcome, ProviderFailure

QUOTA_TZ = ZoneInfo("America/Los_Angeles")
# Cooldowns in seconds. A per-minute quota without RetryInfo waits one full minute.
MINUTE_QUOTA_DEFAULT_S = 60.0
SERVER_COOLDOWN_S = 45.0  # 500/503: Google's own advice is "wait a bit and retry"
TRANSPORT_COOLDOWN_S = 30.0  # connection refused / timeout: try again soon
CONFIG_COOLDOWN_S = 300.0  # 400 INVALID_ARGUMENT: likely persists until settings change
MAX_MESSAGE_CHARS = 500
# The messages of quota failures; the cascade compares a stored cooldown reason with
# these to know a cooldown is a quota wait (which ends on its own).
QUOTA_DAY_MESSAGE = "per-day quota exhausted"
QUOTA_MINUTE_MESSAGE = "per-minute quota exhausted"
QUOTA_MESSAGES = (QUOTA_DAY_MESSAGE, QUOTA_MINUTE_MESSAGE)
MODELS_DOC = "https://ai.google.dev/gemini-api/docs/models"
# The alias to suggest to users who pin models: it follows the newest Flash model
# (huggingface/tau#630), so it does not go stale like a dated suggestion did.
REPLACEMENT_MODEL = "gemini-flash-latest"
_ZERO_LIMIT = re.compile(r"\blimit:\s*0\b")
_THINKING_REJECTED = re.compile(r"thinking[_ ]?(level|budget|config)|allowed values are", re.I)
_OOM = re.compile(r"requires more system memory|out of memory|cudaMalloc failed|insufficient memory", re.I)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")
_TYPE_PREFIX = "type.googleapis.com/google.rpc."


def one_line(text: Any, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` as one redacted line, capped at ``limit`` characters."""
    line = " ".join(str(text or "").split())
    line = redact(line)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def quota_reset_at(now: dt.datetime) -> dt.datetime:
    """The next midnight in America/Los_Angeles after ``now`` (aware), as aware UTC."""
    local = now.astimezone(QUOTA_TZ)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), tzinfo=QUOTA_TZ)
    return midnight.astimezone(dt.UTC)


def parse_duration(value: Any) -> float | None:
    """A protobuf Duration in JSON form (``"46s"``, ``"0.5s"``) as seconds, else None."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return float(match.group(1))
    return None


def _error_object(body: Any) -> dict[str, Any]:
    if isinstance(body, list) and body:
        body = body[0]
    if not isinstance(body, dict):
        return {}
    inner = body.get("error")
    return inner if isinstance(inner, dict) else body


def error_details(body: Any) -> list[dict[str, Any]]:
    """The ``details`` list of a Google error body (``{"error": {..., "details": [...]}}``)."""
    details = _error_object(body).get("details")
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []


def _detail(details: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in details if str(d.get("@type", "")).removeprefix(_TYPE_PREFIX) == kind]


def quota_info(body: Any, message: str = "") -> tuple[str, float | None, list[str], bool]:
    """Read a 429 body: ``(scope, retry_delay_s, quota_ids, zero_limit)``.

    ``scope`` is ``day`` when any violated quota id is per day, else ``minute``.
    ``zero_limit`` is True when a violated quota's value is 0 or the ``message`` says
    "limit: 0" (continuedev/continue#12643: the only trace of it may be the text): the
    model has no quota at all for this key. ``retry_delay_s`` is the ``RetryInfo``
    delay in seconds, or None when the body has none (then the caller waits 60 s).
    """
    details = error_details(body)
    quota_ids: list[str] = []
    zero_limit = False
    for failure in _detail(details, "QuotaFailure"):
        for violation in failure.get("violations") or []:
            if not isinstance(violation, dict):
                continue
            qid = str(violation.get("quotaId") or violation.get("quotaMetric") or "")
            if qid:
                quota_ids.append(qid)
            if str(violation.get("quotaValue", "")).strip() == "0":
                zero_limit = True
    if _ZERO_LIMIT.search(message or ""):
        zero_limit = True
    delay = None
    for info in _detail(details, "RetryInfo"):
        delay = parse_duration(info.get("retryDelay"))
    per_day = any("perday" in q.replace("_", "").lower() for q in quota_ids)
    return ("day" if per_day else "minute"), delay, quota_ids, zero_limit


def error_reasons(body: Any) -> list[str]:
    """The ``ErrorInfo.reason`` values of a Google error body (e.g. ``API_KEY_INVALID``)."""
    return [str(d.get("reason")) for d in _detail(error_details(body), "ErrorInfo") if d.get("reason")]


def replacement_hint(model: str, configured: tuple[str, ...] | list[str]) -> str:
    """Advice for a retired/unknown Gemini ``model``.

    With ``GEMINI_AUTO_SUCCESSOR`` (the default) the cascade asks a successor itself;
    the hint says how to pin a model instead: ``GEMINI_MODELS`` without ``model`` plus
    the ``gemini-flash-latest`` alias, which follows the newest Flash model.
    """
    keep = [m for m in configured if m != model]
    if model != REPLACEMENT_MODEL and REPLACEMENT_MODEL not in keep:
        keep.append(REPLACEMENT_MODEL)
    return (
        f"The cascade asks a successor in its place unless GEMINI_AUTO_SUCCESSOR=false; to pin models, set "
        f"GEMINI_MODELS={','.join(keep)} (current models: {MODELS_DOC})."
    )


def classify_gemini_api_error(
    code: int,
    status: str | None,
    message: str | None,
    body: Any,
    *,
    model: str,
    configured_models: tuple[str, ...] | list[str],
    now: dt.datetime,
    error_class: str = "APIError",
) -> ProviderFailure:
    """Classify a Gemini API error (``google.genai.errors.APIError`` fields).

    ``code`` is the HTTP status, ``status`` the RPC status name, ``body`` the decoded
    JSON error body; ``now`` (aware) anchors cooldowns. Returns a ProviderFailure with
    the outcome, cooldown/disable decision and a message free of secrets.
    """
    text = one_line(message or status or f"HTTP {code}")
    status = (status or "").upper()
    reasons = error_reasons(body)
    common = {"error_class": error_class, "http_status": code}
    if code == 429 or status == "RESOURCE_EXHAUSTED":
        scope, delay, _ids, zero = quota_info(body, message or "")
        if zero:
            return ProviderFailure(
                Outcome.RETIRED,
                f"model {model} has no quota for this API key (limit: 0)",
                disable=True,
                replaceable=True,
                hint=f"Enable billing for the key's project to use {model}, or leave it to its successor. "
                + replacement_hint(model, configured_models),
                quota_scope="none",
                **common,
            )
        if scope == "day":
            until = quota_reset_at(now)
            hint = "The free tier's daily request quota resets at midnight Pacific time."
            return ProviderFailure(Outcome.QUOTA, QUOTA_DAY_MESSAGE, cooldown_until=until, hint=hint, quota_scope="day", **common)
        # No RetryInfo (a Help-only body, python-genai#1427, or no details, #2065): 60 s.
        seconds = delay if delay is not None and delay > 0 else MINUTE_QUOTA_DEFAULT_S
        return ProviderFailure(Outcome.QUOTA, QUOTA_MINUTE_MESSAGE, cooldown_s=seconds, quota_scope="minute", **common)
    if "API_KEY_INVALID" in reasons or code == 401 or code == 403 or status in ("UNAUTHENTICATED", "PERMISSION_DENIED"):
        what = "API key not valid" if ("API_KEY_INVALID" in reasons or code in (400, 401)) else "API key not allowed to use this model"
        return ProviderFailure(
            Outcome.AUTH,
            f"{what}: {text}",
            disable=True,
            hint="Check GEMINI_API_KEY (create one at https://aistudio.google.com/apikey); the model stays off until the key changes.",
            **common,
        )
    if code == 404 or status == "NOT_FOUND":
        return ProviderFailure(
            Outcome.RETIRED,
            f"model {model} is retired or unknown: {text}",
            disable=True,
            replaceable=True,
            hint=replacement_hint(model, configured_models),
            **common,
        )
    if code == 400 or status in ("INVALID_ARGUMENT", "FAILED_PRECONDITION"):
        if _THINKING_REJECTED.search(message or ""):
            return ProviderFailure(
                Outcome.CONFIG,
                f"thinking setting rejected by {model}: {text}",
                cooldown_s=CONFIG_COOLDOWN_S,
                rejected_thinking=True,
                hint="Set GEMINI_THINKING_LEVEL to a level this model accepts (low works on every Gemini 3 model).",
                **common,
            )
        return ProviderFailure(
            Outcome.CONFIG,
            f"request rejected ({status or code}): {text}",
            cooldown_s=CONFIG_COOLDOWN_S,
            hint="Check GEMINI_MODELS and GEMINI_BASE_URL.",
            **common,
        )
    if code >= 500:
        return ProviderFailure(
            Outcome.SERVER,
            f"server error {code} {status}: {text}".replace("  ", " "),
            cooldown_s=SERVER_COOLDOWN_S,
            transient=code in (500, 502, 503, 504),
            **common,
        )
    return ProviderFailure(Outcome.CONFIG, f"unexpected HTTP {code} {status}: {text}", cooldown_s=SERVER_COOLDOWN_S, **common)


def classify_transport(exc: BaseException, *, timeout_s: float, refused: str | None = None) -> ProviderFailure:
    """A transport failure (timeout, refused or dropped connection), with a short cooldown.

    ``timeout_s`` is the timeout that applied (seconds); ``refused`` replaces the message
    for a refused connection (e.g. "not running at http://host:11434").

    Callers decide that ``exc`` *is* a transport error by its class (httpx/httpx2
    ``TransportError``, builtin ``ConnectionError``); this only words it.
    """
    name = type(exc).__name__
    if "Timeout" in name:
        message = f"no answer within {timeout_s:g} s ({name})"
    elif isinstance(exc, ConnectionError) or "Connect" in name:
        message = refused or f"connection failed ({name})"
    else:
        message = f"connection lost ({name}: {one_line(exc, 200)})"
    return ProviderFailure(Outcome.TRANSPORT, message, error_class=name, cooldown_s=TRANSPORT_COOLDOWN_S)


def classify_ollama_response(status_code: int, error: str, *, model: str) -> ProviderFailure:
    """Classify ``ollama.ResponseError`` (``status_code`` and its ``error`` text).

    404 (either wording, with or without ", try pulling it first") is a model that is
    not pulled; a 500 whose text says the model needs more memory than is free gets a
    hint to pick a smaller model or free memory, and a longer cooldown (it will not pass
    in seconds).
    """
    text = one_line(error)
    if status_code == 404:
        return ProviderFailure(
            Outcome.CONFIG,
            f"model {model} is not pulled: {text}",
            error_class="ResponseError",
            http_status=404,
            hint=f"Run `ollama pull {model}` on the Ollama host, or set OLLAMA_MODEL to a model listed by `ollama list`.",
        )
    if status_code >= 500 and _OOM.search(error or ""):
        return ProviderFailure(
            Outcome.SERVER,
            f"not enough memory for {model}: {text}",
            error_class="ResponseError",
            http_status=status_code,
            cooldown_s=CONFIG_COOLDOWN_S,
            hint=f"Use a smaller model (e.g. OLLAMA_MODEL=qwen2.5:3b or llama3.2:3b), or free memory on the Ollama host; {model} does not fit.",
        )
    if status_code >= 500 or status_code < 0:
        return ProviderFailure(Outcome.SERVER, f"server error {status_code}: {text}", error_class="ResponseError", http_status=status_code, cooldown_s=SERVER_COOLDOWN_S)
    return ProviderFailure(Outcome.CONFIG, f"request rejected ({status_code}): {text}", error_class="ResponseError", http_status=status_code, cooldown_s=CONFIG_COOLDOWN_S)
