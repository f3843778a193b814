"""Ollama through the official ``ollama`` client (the only module that imports it).

Named ``ollama_provider`` so it never shadows the ``ollama`` package. Generation uses
``Client(host=OLLAMA_URL, timeout=<first-token timeout>).chat(..., format=<JSON schema>,
stream=True)``: Ollama constrains the output to the schema (structured outputs,
https://github.com/ollama/ollama/blob/main/docs/api.md#request-structured-outputs).
Streaming gives two timeouts: the HTTP read timeout bounds the wait for the first
token (model load included, ``OLLAMA_FIRST_TOKEN_TIMEOUT``) and every later stall; the
whole answer is bounded by ``OLLAMA_TIMEOUT``, checked between chunks.

Options that let a CPU finish (https://github.com/ollama/ollama/blob/main/docs/api.md,
"Generate a chat completion", and docs/faq.md "How can I specify the context window
size?"): ``num_ctx`` sized to the prompt plus the answer (the default is 4k tokens
below 24 GiB of VRAM, and a longer prompt loses its start, the system instruction),
``num_predict`` capping the answer, ``keep_alive`` keeping the model loaded between
requests, and ``think: false`` for models whose ``/api/show`` capabilities include
``thinking`` (older servers and other models get no ``think`` field).

The client raises ``ollama.ResponseError`` for HTTP errors (404 ``model 'x' not found``)
and for an error line inside a stream (``status_code`` -1), the builtin
``ConnectionError`` when nothing listens at the URL (non-streaming calls) and httpx
exceptions for timeouts, refused and dropped connections (``ollama/_client.py``).
"""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Any

import httpx
import ollama
import pydantic

from ..config import Settings
from .base import Answer, ClientCache, Probe
from .classify import TRANSPORT_COOLDOWN_S, classify_ollama_response, classify_transport, one_line
from .errors import Outcome, ProviderFailure
from .generations import answer_tokens
from .prompts import Prompt
from .schema import draft_json_schema

_clients = ClientCache()
_SCHEMA = draft_json_schema()
# Context sizing (tokens). ~3 characters per token is conservative for English and
# names with diacritics; the margin covers the chat template's own tokens.
CHARS_PER_TOKEN = 3.0
CONTEXT_MARGIN_TOKENS = 256
MIN_NUM_CTX = 2048
MAX_NUM_CTX = 32_768
_thinking_capability: dict[tuple[str, str], bool] = {}
_capability_lock = threading.Lock()


def get_client(url: str, timeout_s: float) -> ollama.Client:
    """A cached ``ollama.Client`` for ``url`` with a ``timeout_s`` (seconds) HTTP timeout.

    Cached (see :class:`~plex_completer.ai.base.ClientCache`).
    """
    return _clients.get((url, float(timeout_s)), lambda: ollama.Client(host=url, timeout=timeout_s))


def close_clients() -> None:
    """Close and forget every cached client and capability (tests, or after a settings change)."""
    _clients.close_all()
    with _capability_lock:
        _thinking_capability.clear()


def classify_exception(exc: BaseException, *, model: str, url: str, timeout_s: float) -> ProviderFailure:
    """Turn an exception from the ollama client into a :class:`ProviderFailure`."""
    if isinstance(exc, ProviderFailure):
        return exc
    if isinstance(exc, ollama.ResponseError):
        return classify_ollama_response(exc.status_code, str(exc.error), model=model)
    if isinstance(exc, (ConnectionError, httpx.TransportError)):
        failure = classify_transport(exc, timeout_s=timeout_s, refused=f"not running at {url}")
        if isinstance(exc, (ConnectionError, httpx.ConnectError)):
            failure.hint = f"Start Ollama on that host or fix OLLAMA_URL (now {url})."
        return failure
    if isinstance(exc, (pydantic.ValidationError, json.JSONDecodeError)):
        return ProviderFailure(Outcome.SERVER, "answer was not an Ollama chat response", error_class=type(exc).__name__, cooldown_s=30)
    return ProviderFailure(Outcome.SERVER, f"unexpected error: {one_line(exc, 200)}", error_class=type(exc).__name__)


def request_options(prompt: Prompt, count: int, *, larger: bool = False) -> dict[str, Any]:
    """The ``options`` of a chat request: ``num_predict`` (answer tokens, doubled when
    ``larger``), ``num_ctx`` (prompt + answer + margin, rounded up to 1024, within
    2048-32768) and ``temperature``."""
    num_predict = answer_tokens(count) * (2 if larger else 1)
    prompt_tokens = math.ceil((len(prompt.system) + len(prompt.user)) / CHARS_PER_TOKEN)
    needed = prompt_tokens + num_predict + CONTEXT_MARGIN_TOKENS
    num_ctx = min(MAX_NUM_CTX, max(MIN_NUM_CTX, math.ceil(needed / 1024) * 1024))
    return {"temperature": 0.7, "num_predict": num_predict, "num_ctx": num_ctx}


def supports_thinking(url: str, model: str, timeout_s: float) -> bool:
    """True when ``/api/show`` lists ``thinking`` among ``model``'s capabilities (cached
    per process; False when the server cannot say)."""
    key = (url, model)
    with _capability_lock:
        if key in _thinking_capability:
            return _thinking_capability[key]
    try:
        shown = get_client(url, timeout_s).show(model)
        value = "thinking" in (shown.capabilities or [])
    except Exception:  # noqa: BLE001 - unknown capability: send no think field
        return False
    with _capability_lock:
        _thinking_capability[key] = value
    return value


def generate(
    settings: Settings,
    model: str,
    prompt: Prompt,
    count: int,
    *,
    larger: bool = False,
    timeout_cap_s: float | None = None,
    answer_format: dict[str, Any] | None = None,
) -> Answer:
    """Ask ``model`` on the Ollama server at ``OLLAMA_URL`` for a playlist (streamed).

    ``larger`` doubles ``num_predict`` (the retry after a cut answer); ``timeout_cap_s``
    (seconds) caps both timeouts; ``answer_format`` is the JSON Schema sent as
    ``format`` (default: the playlist draft's; a fill request sends
    :func:`~plex_completer.ai.schema.fill_json_schema`). Raises :class:`ProviderFailure`
    on any failure, outcome ``transport`` when the first token or the whole answer is late.
    """
    url = settings.OLLAMA_URL or ""
    total_s = min(settings.OLLAMA_TIMEOUT, timeout_cap_s) if timeout_cap_s else settings.OLLAMA_TIMEOUT
    first_s = min(settings.OLLAMA_FIRST_TOKEN_TIMEOUT, total_s)
    kwargs: dict[str, Any] = {}
    if supports_thinking(url, model, first_s):
        kwargs["think"] = False
    deadline = time.monotonic() + total_s
    parts: list[str] = []
    last = None
    try:
        stream = get_client(url, first_s).chat(
            model=model,
            messages=[{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}],
            format=answer_format or _SCHEMA,
            stream=True,
            options=request_options(prompt, count, larger=larger),
            keep_alive=settings.OLLAMA_KEEP_ALIVE,
            **kwargs,
        )
        for chunk in stream:
            if chunk.message is not None and chunk.message.content:
                parts.append(chunk.message.content)
            last = chunk
            if time.monotonic() > deadline and not chunk.done:
                stream.close()
                raise ProviderFailure(
                    Outcome.TRANSPORT,
                    f"no complete answer within {total_s:g} s",
                    error_class="Timeout",
                    cooldown_s=TRANSPORT_COOLDOWN_S,
                    hint="A smaller model (OLLAMA_MODEL) answers sooner on a CPU; or raise OLLAMA_TIMEOUT.",
                )
    except Exception as exc:
        failure = classify_exception(exc, model=model, url=url, timeout_s=first_s)
        if failure.outcome == Outcome.TRANSPORT and "Timeout" in failure.error_class and not parts:
            failure.message = f"no answer within {first_s:g} s ({failure.error_class})"
        raise failure from exc
    prompt_tokens = last.prompt_eval_count if last else None
    output_tokens = last.eval_count if last else None
    total = (prompt_tokens or 0) + (output_tokens or 0) if (prompt_tokens or output_tokens) else None
    done_reason = last.done_reason if last else None
    return Answer(
        text="".join(parts) or None,
        truncated=done_reason == "length",
        finish_reason=done_reason,
        prompt_tokens=prompt_tokens,
        output_tokens=output_tokens,
        total_tokens=total,
    )


def _model_names(listing: Any) -> list[str]:
    return [m.model for m in listing.models if m.model]


def model_is_pulled(model: str, names: list[str]) -> bool:
    """True when ``model`` is among ``names`` (``x`` matches ``x:latest``)."""
    wanted = {model, model if ":" in model else f"{model}:latest"}
    return any(name in wanted for name in names)


def probe(url: str, model: str, timeout_s: float) -> Probe:
    """Check the server (``/api/version``), the pulled models (``list()``) and ``model``.

    Never raises. ``details`` holds ``version`` and ``models`` (names) when reachable.
    """
    started = time.perf_counter()
    details: dict[str, Any] = {}

    def ms() -> float:
        return (time.perf_counter() - started) * 1000

    try:
        # The client has no version() call; /api/version is a plain GET.
        version = httpx.get(f"{url}/api/version", timeout=timeout_s)
        if version.status_code == 200:
            details["version"] = version.json().get("version")
        names = _model_names(get_client(url, timeout_s).list())
    except Exception as exc:  # noqa: BLE001 - a probe reports, never raises
        failure = classify_exception(exc, model=model, url=url, timeout_s=timeout_s)
        status = "down" if failure.outcome == Outcome.TRANSPORT else "error"
        return Probe(status, failure.message, failure.hint, ms(), details)
    details["models"] = names[:50]
    if not model_is_pulled(model, names):
        return Probe("missing", f"model {model} is not pulled", f"Run `ollama pull {model}` on the Ollama host.", ms(), details)
    version_text = f"Ollama {details['version']}" if details.get("version") else "Ollama"
    return Probe("ok", f"{version_text}, {model} pulled", "", ms(), details)
