"""Ollama through the official ``ollama`` client (the only module that imports it).

Named ``ollama_provider`` so it never shadows the ``ollama`` package. Generation uses
``Client(host=OLLAMA_URL, timeout=OLLAMA_TIMEOUT).chat(..., format=<JSON schema>,
stream=False)``: Ollama constrains the output to the schema (structured outputs,
https://github.com/ollama/ollama/blob/main/docs/api.md#request-structured-outputs).
The client raises ``ollama.ResponseError`` for HTTP errors (404 ``model "x" not found``),
the builtin ``ConnectionError`` when nothing listens at the URL, and httpx exceptions
for timeouts and dropped connections (``ollama/_client.py``).
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import ollama
import pydantic

from .base import Answer, ClientCache, Probe
from .classify import classify_ollama_response, classify_transport, short
from .errors import Outcome, ProviderFailure
from .prompts import Prompt
from .schema import draft_json_schema

_clients = ClientCache()
_SCHEMA = draft_json_schema()


def get_client(url: str, timeout_s: float) -> ollama.Client:
    """A cached ``ollama.Client`` for ``url`` with a ``timeout_s`` (seconds) HTTP timeout.

    Cached (see :class:`~plex_completer.ai.base.ClientCache`).
    """
    return _clients.get((url, float(timeout_s)), lambda: ollama.Client(host=url, timeout=timeout_s))


def close_clients() -> None:
    """Close and forget every cached client (tests, or after a settings change)."""
    _clients.close_all()


def classify_exception(exc: BaseException, *, model: str, url: str, timeout_s: float) -> ProviderFailure:
    """Turn an exception from the ollama client into a :class:`ProviderFailure`."""
    if isinstance(exc, ProviderFailure):
        return exc
    if isinstance(exc, ollama.ResponseError):
        return classify_ollama_response(exc.status_code, str(exc.error), model=model)
    if isinstance(exc, (ConnectionError, httpx.TransportError)):
        failure = classify_transport(exc, timeout_s=timeout_s, refused=f"not running at {url}")
        if isinstance(exc, ConnectionError):
            failure.hint = f"Start Ollama on that host or fix OLLAMA_URL (now {url})."
        return failure
    if isinstance(exc, (pydantic.ValidationError, json.JSONDecodeError)):
        return ProviderFailure(Outcome.SERVER, "answer was not an Ollama chat response", error_class=type(exc).__name__, cooldown_s=30)
    return ProviderFailure(Outcome.SERVER, f"unexpected error: {short(exc, 200)}", error_class=type(exc).__name__)


def generate(url: str, model: str, prompt: Prompt, count: int, timeout_s: float) -> Answer:
    """Ask ``model`` on the Ollama server at ``url`` for a playlist; return the raw answer.

    ``timeout_s`` is seconds. Raises :class:`ProviderFailure` on any failure.
    """
    try:
        response = get_client(url, timeout_s).chat(
            model=model,
            messages=[{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}],
            format=_SCHEMA,
            stream=False,
            # num_predict caps output tokens (runaway repetition); ~60 tokens per track.
            options={"temperature": 0.7, "num_predict": 512 + 60 * count},
        )
    except Exception as exc:
        raise classify_exception(exc, model=model, url=url, timeout_s=timeout_s) from exc
    prompt_tokens, output_tokens = response.prompt_eval_count, response.eval_count
    total = (prompt_tokens or 0) + (output_tokens or 0) if (prompt_tokens or output_tokens) else None
    return Answer(
        text=response.message.content if response.message else None,
        truncated=response.done_reason == "length",
        finish_reason=response.done_reason,
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
