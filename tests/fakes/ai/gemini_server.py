"""A loopback emulator of the Gemini API (generativelanguage.googleapis.com) for tests.

Point the real ``google-genai`` SDK at it::

    g = GeminiEmulator(api_key="test-gemini-key").start()
    client = genai.Client(api_key="test-gemini-key", http_options=types.HttpOptions(
        base_url=g.url, timeout=5_000,  # milliseconds
        retry_options=types.HttpRetryOptions(attempts=1)))

Endpoints (``{v}`` is ``v1`` or ``v1beta``; google-genai 3.x uses ``v1`` by default):
``POST /{v}/models/{model}:generateContent``, ``POST /{v}/models/{model}:streamGenerateContent``
(``?alt=sse``), ``GET /{v}/models/{model}``, ``GET /{v}/models`` (``pageSize``,
``pageToken``; answers ``{"models": [...], "nextPageToken": ...}``). The API key is read
from the ``x-goog-api-key`` header or the ``key`` query parameter: none -> 403
PERMISSION_DENIED, a wrong one -> 400 INVALID_ARGUMENT / API_KEY_INVALID.

**What the SDK raises** (google-genai 3.4.0, ``google.genai.errors``): any non-200
answer raises ``ClientError`` (4xx) or ``ServerError`` (5xx), both subclasses of
``APIError``, with ``e.code`` (int HTTP status), ``e.status`` (e.g.
``"RESOURCE_EXHAUSTED"``), ``e.message`` (the error message) and ``e.details`` = the
whole parsed body, so the google.rpc details are ``e.details["error"]["details"]`` (a
list of dicts keyed by ``"@type"``; see :mod:`tests.fakes.ai.gemini_errors`). The SDK retries
only when ``HttpOptions.retry_options`` is set (statuses 408/429/500/502/503/504 and
httpx2 ``TimeoutException`` / ``ConnectError``); without it one request is made. A
``"drop"`` surfaces as ``httpx2.RemoteProtocolError``; a client timeout as
``httpx2.ReadTimeout`` (httpx2 is the SDK's default HTTP backend, a fork of httpx whose
classes are *not* httpx's).

**Eras.** ``era="today"`` (the default) serves the API as it is in December 2026:
``models.list`` shows the Gemini 3.x models, the ``-latest`` aliases and stale 2.x
entries whose generateContent answers 404 (a listing alone proves nothing,
huggingface/tau#630); 2.0 Flash answers the shutdown wording and 2.5 Flash / Flash-Lite
the "new users" wording; thinking tokens count against ``maxOutputTokens``; Gemini 3
validates ``thinking_level`` per model; 503 reads "high demand". ``era="2025"`` keeps
the 2025 service for regression tests: the 2.x models answer, thinking tokens come on
top of the cap, no 3.x models, the "overloaded" 503. Passing ``models=`` serves exactly
those models (in either era), and they are never retired unless named in ``retired``.

Behaviours (scripted per model with :meth:`GeminiEmulator.script`, one per
generateContent call, then the model's default): ``ok``, ``thoughts``, ``fenced``,
``prose``, ``broken``, ``truncated`` (``finishReason: MAX_TOKENS`` with a cut text),
``overthink`` (thinking uses the whole ``maxOutputTokens``: ``MAX_TOKENS`` and no text,
langchain-ai/langchain-google#1020), ``overthink-half`` (thinking leaves room for 40 %
of the answer: ``MAX_TOKENS`` with a cut list), ``safety``
(``promptFeedback.blockReason: SAFETY``, no candidates), ``empty`` (a candidate without
parts, ``finishReason: OTHER``), ``429-minute``, ``429-day``, ``429-multi``,
``429-limit0``, ``429-help``, ``429-bare`` (the 429 variants of
:mod:`tests.fakes.ai.gemini_errors`), ``404`` (unknown model wording), ``404-retired``
(no longer available to new users), ``404-shutdown`` (no longer available), ``400``,
``400-key``, ``401``, ``403``, ``500``, ``503`` (worded per era), ``slow:SECONDS``
(sleep, then ok), ``drop`` (close the connection unanswered).

The answer text is JSON of ``{"title", "description", "tracks": [{"artist", "title",
"album", "year"}]}`` whatever response schema the client sent; ``answer(prompt_text,
count)`` builds it (default :func:`tests.fakes.ai.llm_answers.realistic_answer`). A fill
request (the response schema asks for ``picks``, issue 18) is answered with line numbers
of the list in its prompt by ``fill_answer(prompt_text)`` (default
:func:`tests.fakes.ai.fill_answers.fill_answer`).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.ai import gemini_errors as E
from tests.fakes.ai.fill_answers import fill_answer, is_fill_schema
from tests.fakes.ai.llm_answers import as_json_text, extract_count, realistic_answer
from tests.fakes.http_base import BehaviourScript, EmulatorHandler, LoopbackServer, RecordedRequest, parse_slow

JSON_CT = "application/json; charset=UTF-8"
_GEN_RE = re.compile(r"^/(v1|v1beta)/models/([^/:]+):(generateContent|streamGenerateContent)$")
_MODEL_RE = re.compile(r"^/(v1|v1beta)/models/([^/:]+)$")
_LIST_RE = re.compile(r"^/(v1|v1beta)/models$")

# Limits of the published model cards (ai.google.dev/gemini-api/docs/models, 2025-26).
_MODEL_CARDS = {
    "gemini-2.5-flash": ("Gemini 2.5 Flash", "001", 1_048_576, 65_536, True),
    "gemini-2.5-flash-lite": ("Gemini 2.5 Flash-Lite", "001", 1_048_576, 65_536, True),
    "gemini-2.5-pro": ("Gemini 2.5 Pro", "2.5", 1_048_576, 65_536, True),
    "gemini-2.0-flash": ("Gemini 2.0 Flash", "2.0", 1_048_576, 8_192, False),
    "gemini-2.0-flash-lite": ("Gemini 2.0 Flash-Lite", "2.0", 1_048_576, 8_192, False),
    "gemini-3.8-flash": ("Gemini 3.8 Flash", "3.8", 1_048_576, 65_536, True),
    "gemini-3.7-flash": ("Gemini 3.7 Flash", "3.7", 1_048_576, 65_536, True),
    "gemini-3.6-flash": ("Gemini 3.6 Flash", "3.6", 1_048_576, 65_536, True),
    "gemini-3.5-flash": ("Gemini 3.5 Flash", "3.5", 1_048_576, 65_536, True),
    "gemini-3.5-flash-lite": ("Gemini 3.5 Flash-Lite", "3.5", 1_048_576, 65_536, True),
    "gemini-3.1-flash-lite": ("Gemini 3.1 Flash-Lite", "3.1", 1_048_576, 65_536, True),
    "gemini-flash-latest": ("Gemini Flash Latest", "3.8", 1_048_576, 65_536, True),
    "gemini-flash-lite-latest": ("Gemini Flash-Lite Latest", "3.5", 1_048_576, 65_536, True),
}
# Current Flash models and aliases (huggingface/tau#630; Google's deprecations page names
# gemini-3.5-flash-lite as 2.5 Flash's replacement).
TODAY_MODELS = ("gemini-3.8-flash", "gemini-3.7-flash", "gemini-3.6-flash", "gemini-3.5-flash",
                "gemini-3.5-flash-lite", "gemini-3.1-flash-lite", "gemini-flash-latest",
                "gemini-flash-lite-latest")
# Entries of today's listing that a successor search must never pick: shaped like
# Google's preview / image / live / TTS / embedding ids (only the shapes matter here).
TODAY_OTHER_LISTED = ("gemini-3.9-flash-preview-11-2026", "gemini-3.8-flash-image", "gemini-3.8-flash-live",
                      "gemini-3.8-flash-preview-tts", "gemini-embedding-001")
# Retired models and the wording of their 404 today: 2.0 Flash shut down on 2026-06-01
# (google/adk-docs#1840); 2.5 Flash closed to new users since mid-2026
# (sohzm/cheating-daddy#476, kestra-io/docs#5168) and 2.5 Flash-Lite too (goruck/
# home-generative-agent v3.33.1). models.list still lists them (huggingface/tau#630).
TODAY_RETIRED = {"gemini-2.0-flash": "shutdown", "gemini-2.0-flash-001": "shutdown",
                 "gemini-2.0-flash-lite": "shutdown", "gemini-2.5-flash": "new-users",
                 "gemini-2.5-flash-lite": "new-users"}
MODELS_2025 = ("gemini-2.5-flash", "gemini-2.0-flash", "gemini-2.5-flash-lite")
ERAS = ("today", "2025")
# Thinking levels each model rejects: gemini-3.7-flash rejects minimal ("Allowed values
# are: medium, low, high", fishjar/kiss-translator#1048; the thinking-levels table of
# ai.google.dev/gemini-api/docs/thinking marks minimal "not supported by gemini-3.7-flash").
REJECTED_LEVELS = {"gemini-3.7-flash": ("minimal",)}
LEVELS = ("minimal", "low", "medium", "high")
# Thinking tokens a Gemini 3 answer to a playlist prompt uses per level (order of
# magnitude; the default level is medium from 3.5 on, high before, withceleste/celeste-python#292).
THOUGHTS_PER_LEVEL = {"minimal": 64, "low": 700, "medium": 2400, "high": 6000}
# Gemini 2.5 Flash thinks dynamically when no budget is sent; Flash-Lite only on request.
DYNAMIC_THOUGHTS_2_5 = 1200
BEHAVIOURS = ("ok", "thoughts", "fenced", "prose", "broken", "truncated", "overthink", "overthink-half",
              "safety", "empty", "429-minute", "429-day", "429-multi", "429-limit0", "429-help", "429-bare",
              "404", "404-retired", "404-shutdown", "400", "400-key", "401", "403",
              "500", "503", "drop")  # plus "slow:SECONDS"


def _pick(d: dict | None, *names: str) -> Any:
    """First present key among camelCase / snake_case spellings."""
    for n in names:
        if d and n in d:
            return d[n]
    return None


@dataclass
class GenerateCall:
    """A generateContent request, normalised over camelCase / snake_case keys.

    ``thinking_budget`` is the tokens of ``thinkingConfig.thinkingBudget`` and
    ``thinking_level`` the lower-cased ``thinkingConfig.thinkingLevel`` (None when not
    sent; ``thinking_config_sent`` tells whether a thinkingConfig came at all);
    ``response_schema`` is whichever of ``responseSchema`` / ``responseJsonSchema``
    was sent; ``prompt_text`` joins the text parts of ``contents``.
    """

    model: str
    api_version: str
    prompt_text: str
    system_text: str
    response_mime_type: str | None
    response_schema: Any
    thinking_budget: int | None
    max_output_tokens: int | None
    temperature: float | None
    thinking_level: str | None = None
    thinking_config_sent: bool = False

    @classmethod
    def from_body(cls, model: str, api_version: str, body: dict | None) -> GenerateCall:
        body = body or {}
        cfg = _pick(body, "generationConfig", "generation_config") or {}
        thinking = _pick(cfg, "thinkingConfig", "thinking_config") or {}
        system = _pick(body, "systemInstruction", "system_instruction") or {}
        return cls(
            model=model, api_version=api_version,
            prompt_text=_texts(body.get("contents")),
            system_text=_texts(system),
            response_mime_type=_pick(cfg, "responseMimeType", "response_mime_type"),
            response_schema=_pick(cfg, "responseSchema", "response_schema",
                                  "responseJsonSchema", "response_json_schema"),
            thinking_budget=_pick(thinking, "thinkingBudget", "thinking_budget"),
            max_output_tokens=_pick(cfg, "maxOutputTokens", "max_output_tokens"),
            temperature=_pick(cfg, "temperature"),
            thinking_level=(str(_pick(thinking, "thinkingLevel", "thinking_level") or "").lower() or None),
            thinking_config_sent=bool(_pick(cfg, "thinkingConfig", "thinking_config") is not None),
        )


def _texts(node: Any) -> str:
    """Concatenate every ``text`` found in a Content / list of Content / string."""
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "\n".join(t for t in (_texts(n) for n in node) if t)
    if isinstance(node, dict):
        if isinstance(node.get("text"), str):
            return node["text"]
        return _texts(node.get("parts") or [])
    return ""


def _tokens(text: str) -> int:
    """Rough token count (~4 characters per token, Google's rule of thumb)."""
    return max(1, len(text) // 4)


def _version(model: str) -> tuple[int, int]:
    """(major, minor) of a model id; the aliases follow the newest model (3.8)."""
    m = re.match(r"^gemini-(\d+)\.(\d+)-", model)
    if m:
        return int(m.group(1)), int(m.group(2))
    return (3, 8) if model.endswith("-latest") else (2, 0)


class _GeminiHandler(EmulatorHandler):
    emulator: GeminiEmulator
    server_version = "scaffolding on HTTPServer2"

    def route(self, req: RecordedRequest) -> None:
        emu = self.emulator
        m = _GEN_RE.match(req.path) or _MODEL_RE.match(req.path) or _LIST_RE.match(req.path)
        if not m:
            return self.send_json(404, E.error_body(404, "NOT_FOUND", "Not Found"), JSON_CT)
        if m.re is not _LIST_RE:
            req.model = m.group(2)  # recorded even when the key check below rejects it
        key = req.headers.get("x-goog-api-key") or (req.query.get("key") or [None])[0]
        if not key:
            return self.send_json(403, E.unregistered_caller(), JSON_CT)
        if key != emu.api_key:
            return self.send_json(400, E.api_key_invalid(), JSON_CT)
        version = m.group(1)
        if _LIST_RE.match(req.path):
            return self._list(req)
        model = m.group(2)
        if model in emu.retired:
            body = E.model_shut_down(model) if emu.retired[model] == "shutdown" else E.model_retired(model)
            return self.send_json(404, body, JSON_CT)
        if model not in emu.models:
            method = m.group(3) if m.re is _GEN_RE else "get"
            return self.send_json(404, E.model_not_found(model, version, method), JSON_CT)
        if m.re is _MODEL_RE:
            return self.send_json(200, emu.model_resource(model), JSON_CT)
        if req.method != "POST":
            return self.send_json(405, E.error_body(405, "METHOD_NOT_ALLOWED", "Method Not Allowed"), JSON_CT)
        behaviour = emu._script_for(model).next()
        req.behaviour = behaviour
        call = GenerateCall.from_body(model, version, req.body)
        self._generate(call, behaviour, stream=m.group(3) == "streamGenerateContent")

    def _list(self, req: RecordedRequest) -> None:
        emu = self.emulator
        size = int((req.query.get("pageSize") or ["50"])[0])
        start = int((req.query.get("pageToken") or ["0"])[0] or 0)
        names = list(emu.listed)
        page = {"models": [emu.model_resource(n) for n in names[start:start + size]]}
        if start + size < len(names):
            page["nextPageToken"] = str(start + size)
        self.send_json(200, page, JSON_CT)

    def _generate(self, call: GenerateCall, behaviour: str, stream: bool) -> None:
        model = call.model
        emu = self.emulator
        errors = {
            "429-minute": lambda: E.quota_exhausted(model, "minute"),
            "429-day": lambda: E.quota_exhausted(model, "day", retry_delay_s=14),
            "429-multi": lambda: E.quota_multi_violation(model),
            "429-limit0": lambda: E.quota_limit_zero(model),
            "429-help": E.quota_help_only, "429-bare": E.quota_no_details,
            "404": lambda: E.model_not_found(model, call.api_version),
            "404-retired": lambda: E.model_retired(model),
            "404-shutdown": lambda: E.model_shut_down(model),
            "400": E.invalid_argument, "400-key": E.api_key_invalid, "401": E.unauthenticated,
            "403": E.permission_denied, "500": E.internal,
            "503": E.high_demand if emu.era == "today" else E.overloaded,
        }
        if behaviour in errors:
            body = errors[behaviour]()
            return self.send_json(body["error"]["code"], body, JSON_CT)
        if behaviour == "drop":
            return self.drop()
        if emu.era == "today":
            rejected = emu.thinking_rejection(call)
            if rejected is not None:
                return self.send_json(400, rejected, JSON_CT)
        delay = parse_slow(behaviour)
        if delay is not None:
            self.sleep(delay)
            behaviour = "ok"
        payload = self.emulator.build_response(call, behaviour)
        if not stream:
            return self.send_json(200, payload, JSON_CT)
        self._stream_sse(payload)

    def _stream_sse(self, payload: dict) -> None:
        """Server-sent events, as ``streamGenerateContent?alt=sse`` answers: the text split
        over three chunks; ``finishReason`` and usage arrive with the last one."""
        cands = payload.get("candidates") or []
        parts = (cands[0].get("content") or {}).get("parts") if cands else None
        chunks = [payload]
        if parts and "text" in parts[-1]:
            text = parts[-1]["text"]
            cut = [0, len(text) // 3, 2 * len(text) // 3, len(text)]
            chunks = []
            for i in range(3):
                c = json.loads(json.dumps(payload))
                c["candidates"][0]["content"]["parts"] = [{"text": text[cut[i]:cut[i + 1]]}]
                if i < 2:
                    c["candidates"][0].pop("finishReason", None)
                chunks.append(c)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for c in chunks:
            data = f"data: {json.dumps(c, ensure_ascii=False)}\r\n\r\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.write(b"0\r\n\r\n")


class GeminiEmulator(LoopbackServer):
    """Emulated Gemini API; see the module docstring for endpoints and behaviours.

    ``models`` are served (default: the era's catalogue); ``retired`` answer 404: a
    tuple gets the "no longer available to new users" wording, a dict maps model to
    ``"new-users"`` or ``"shutdown"``; any other name 404 "not found". ``listed`` is what
    ``models.list`` shows (served models plus, today, stale and other entries).
    ``era`` is ``today`` or ``2025`` (see the module docstring).
    ``answer(prompt_text, count) -> dict`` builds the playlist draft;
    without it, :func:`~tests.fakes.ai.llm_answers.realistic_answer` answers, drawing 85-90 %
    of the tracks from ``library`` (a list of ``FakeTrack``) when one is given.
    """

    handler_class = _GeminiHandler

    def __init__(self, api_key: str = "test-gemini-key",
                 models: tuple[str, ...] | None = None,
                 answer: Callable[[str, int], dict] | None = None,
                 retired: tuple[str, ...] | dict[str, str] = (), library: list | None = None,
                 era: str = "today") -> None:
        super().__init__()
        if era not in ERAS:
            raise ValueError(f"unknown era {era!r}; one of {ERAS}")
        self.api_key = api_key
        self.era = era
        given = dict(retired) if isinstance(retired, dict) else {m: "new-users" for m in retired}
        if models is not None:
            self.models = tuple(models)
            self.retired = given
        elif era == "today":
            self.models = TODAY_MODELS + TODAY_OTHER_LISTED
            self.retired = {**TODAY_RETIRED, **given}
        else:
            self.models = MODELS_2025
            self.retired = given
        stale = tuple(m for m in self.retired if m not in self.models) if era == "today" else ()
        self.listed = tuple(self.models) + stale
        self.library = library
        self.answer: Callable[[str, int], dict] = answer or (
            lambda p, c: realistic_answer(p, c, library=self.library))
        self.fill_answer: Callable[[str], dict] = fill_answer
        self._scripts: dict[str, BehaviourScript] = {}

    # --- scripting -------------------------------------------------------------------

    def _script_for(self, model: str) -> BehaviourScript:
        with self._lock:
            return self._scripts.setdefault(model, BehaviourScript("ok"))

    def script(self, model: str, behaviours: list[str]) -> None:
        """Queue ``behaviours`` for ``model``: one per generateContent call, in order."""
        for b in behaviours:
            if b not in BEHAVIOURS and parse_slow(b) is None:
                raise ValueError(f"unknown Gemini behaviour {b!r}")
        self._script_for(model).extend(list(behaviours))

    def set_default(self, model: str, behaviour: str) -> None:
        """Behaviour of ``model`` once its script is used up (initially ``"ok"``)."""
        self._script_for(model).set_default(behaviour)

    def retire(self, model: str, wording: str = "new-users") -> None:
        """Retire ``model`` from now on (404 with ``wording``: ``new-users``/``shutdown``);
        it stays in the listing, as Google's does."""
        with self._lock:
            self.retired[model] = wording
            if model not in self.listed:
                self.listed = (*self.listed, model)

    def thinking_rejection(self, call: GenerateCall) -> dict | None:
        """The 400 body Gemini answers to ``call``'s thinking config, or None when accepted.

        Gemini 3.5+ rejects ``thinking_budget`` (google-genai 3.4.0 types); a level in
        :data:`REJECTED_LEVELS` is rejected with the accepted values listed."""
        version = _version(call.model)
        if version < (3, 0):
            return None
        if call.thinking_budget is not None and version >= (3, 5):
            return E.thinking_budget_unsupported(call.model)
        banned = REJECTED_LEVELS.get(call.model, ())
        if call.thinking_level in banned:
            allowed = tuple(level for level in reversed(LEVELS) if level not in banned)
            allowed = ("medium", "low", "high") if allowed == ("high", "medium", "low") else allowed
            return E.thinking_level_rejected(call.thinking_level, allowed)
        return None

    def thought_tokens(self, call: GenerateCall) -> int:
        """Thinking tokens ``call`` would use (see :data:`THOUGHTS_PER_LEVEL`)."""
        version = _version(call.model)
        if version < (2, 5):
            return 0
        if version < (3, 0):
            if call.thinking_budget == 0:
                return 0
            if call.thinking_budget is None:
                return 0 if "lite" in call.model else DYNAMIC_THOUGHTS_2_5
            return min(call.thinking_budget, DYNAMIC_THOUGHTS_2_5) if call.thinking_budget > 0 else DYNAMIC_THOUGHTS_2_5
        level = call.thinking_level or ("medium" if version >= (3, 5) else "high")
        return THOUGHTS_PER_LEVEL.get(level, THOUGHTS_PER_LEVEL["medium"])

    def default(self, model: str) -> str:
        """The behaviour ``model`` falls back to once its script is used up."""
        return self._script_for(model).default

    # --- inspection ------------------------------------------------------------------

    def generate_requests(self, model: str | None = None) -> list[RecordedRequest]:
        """Recorded generateContent / streamGenerateContent requests, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith("Content") and r.method == "POST"
                    and (model is None or r.model == model)]

    def generate_calls(self, model: str | None = None) -> int:
        """How many generateContent / streamGenerateContent requests (any outcome) ``model``
        (or every model) received."""
        return len(self.generate_requests(model))

    def last_call(self, model: str | None = None) -> GenerateCall | None:
        """The newest generate request, normalised (see :class:`GenerateCall`)."""
        reqs = self.generate_requests(model)
        if not reqs:
            return None
        r = reqs[-1]
        return GenerateCall.from_body(r.model or "", r.path.split("/")[1], r.body)

    def last_prompt_text(self) -> str | None:
        """Text of the newest generate request's ``contents`` (None before any)."""
        call = self.last_call()
        return call.prompt_text if call else None

    # --- payloads --------------------------------------------------------------------

    def model_resource(self, model: str) -> dict:
        """The ``Model`` resource of ``GET /v1beta/models/{model}``."""
        display, version, inp, out, thinking = _MODEL_CARDS.get(
            model, (model.replace("-", " ").title(), "001", 1_048_576, 8_192, False))
        methods = (["embedContent", "countTextTokens", "countTokens", "asyncBatchEmbedContent"]
                   if "embedding" in model else
                   ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"])
        res = {
            "name": f"models/{model}", "version": version, "displayName": display,
            "description": f"{display} emulated for tests.",
            "inputTokenLimit": inp, "outputTokenLimit": out,
            "supportedGenerationMethods": methods,
            "temperature": 1, "topP": 0.95, "topK": 64, "maxTemperature": 2,
        }
        if thinking:
            res["thinking"] = True
        return res

    def answer_for(self, call: GenerateCall, count: int) -> dict:
        """The answer object: line numbers for a fill request (the schema asks for
        ``picks``, :mod:`tests.fakes.ai.fill_answers`), else a playlist draft."""
        if is_fill_schema(call.response_schema):
            return self.fill_answer(call.prompt_text)
        return self.answer(call.prompt_text, count)

    def build_response(self, call: GenerateCall, behaviour: str) -> dict:
        """The 200 body of generateContent for a non-error ``behaviour``."""
        count = extract_count(call.prompt_text + "\n" + call.system_text)
        prompt_tokens = _tokens(call.prompt_text + call.system_text)
        if self.era == "today":
            return self._build_today(call, behaviour, count, prompt_tokens)
        thinks = call.model.startswith("gemini-2.5") and call.thinking_budget != 0 and not (
            "lite" in call.model and not call.thinking_budget)  # Flash-Lite thinks only on request
        usage: dict[str, Any] = {"promptTokenCount": prompt_tokens,
                                 "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}]}
        base = {"modelVersion": call.model, "responseId": uuid.uuid4().hex[:22]}
        if behaviour == "safety":
            usage["totalTokenCount"] = prompt_tokens
            return {"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": [
                {"category": "HARM_CATEGORY_HARASSMENT", "probability": "MEDIUM", "blocked": True}]},
                "usageMetadata": usage, **base}
        if behaviour == "empty":
            usage["totalTokenCount"] = prompt_tokens
            return {"candidates": [{"content": {"role": "model"}, "finishReason": "OTHER", "index": 0}],
                    "usageMetadata": usage, **base}
        style = behaviour if behaviour in ("fenced", "prose", "broken", "truncated") else "ok"
        text = as_json_text(self.answer_for(call, count), style)
        parts: list[dict] = [{"text": text}]
        thoughts = 0
        if thinks:
            thoughts = 300 + _tokens(text) // 2
        if behaviour == "thoughts":
            summary = ("**Curating the playlist**\n\nI'm matching the requested period and mood, "
                       "picking well-known songs and checking each artist and year.")
            parts.insert(0, {"text": summary, "thought": True})
            thoughts = max(thoughts, _tokens(summary) * 8)
        out_tokens = _tokens(text)
        usage["candidatesTokenCount"] = out_tokens
        if thoughts:
            usage["thoughtsTokenCount"] = thoughts
        usage["totalTokenCount"] = prompt_tokens + out_tokens + thoughts
        finish = "MAX_TOKENS" if behaviour == "truncated" else "STOP"
        return {"candidates": [{"content": {"parts": parts, "role": "model"},
                                "finishReason": finish, "index": 0}],
                "usageMetadata": usage, **base}

    def _build_today(self, call: GenerateCall, behaviour: str, count: int, prompt_tokens: int) -> dict:
        """Today's 200 body: thinking tokens count against ``maxOutputTokens``
        (googleapis/python-genai#2062). When thinking leaves too little room the answer is
        cut with ``finishReason: MAX_TOKENS``, and when thinking takes it all the candidate
        has no text at all (langchain-ai/langchain-google#1020)."""
        usage: dict[str, Any] = {"promptTokenCount": prompt_tokens,
                                 "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}]}
        base = {"modelVersion": call.model, "responseId": uuid.uuid4().hex[:22]}
        if behaviour in ("safety", "empty"):
            return self._build_2025_like(call, behaviour, usage, base, prompt_tokens)
        style = behaviour if behaviour in ("fenced", "prose", "broken", "truncated") else "ok"
        text = as_json_text(self.answer_for(call, count), style)
        card = _MODEL_CARDS.get(call.model)
        cap = call.max_output_tokens or (card[3] if card else 8_192)
        thoughts = self.thought_tokens(call)
        if behaviour == "overthink":
            thoughts = cap
        elif behaviour == "overthink-half":
            thoughts = max(0, cap - int(_tokens(text) * 0.4))
        thoughts = min(thoughts, cap)
        room = cap - thoughts
        finish = "MAX_TOKENS" if behaviour == "truncated" else "STOP"
        if _tokens(text) > room:
            text = text[: room * 4]
            finish = "MAX_TOKENS"
        parts: list[dict] = []
        if behaviour == "thoughts":
            parts.append({"text": "**Curating the playlist**\n\nI'm matching the requested period and mood.",
                          "thought": True})
        if text:
            parts.append({"text": text})
        out_tokens = _tokens(text) if text else 0
        if out_tokens:
            usage["candidatesTokenCount"] = out_tokens
        if thoughts:
            usage["thoughtsTokenCount"] = thoughts
        usage["totalTokenCount"] = prompt_tokens + out_tokens + thoughts
        content: dict[str, Any] = {"role": "model"}
        if parts:
            content["parts"] = parts
        return {"candidates": [{"content": content, "finishReason": finish, "index": 0}],
                "usageMetadata": usage, **base}

    def _build_2025_like(self, call: GenerateCall, behaviour: str, usage: dict, base: dict, prompt_tokens: int) -> dict:
        usage["totalTokenCount"] = prompt_tokens
        if behaviour == "safety":
            return {"promptFeedback": {"blockReason": "SAFETY", "safetyRatings": [
                {"category": "HARM_CATEGORY_HARASSMENT", "probability": "MEDIUM", "blocked": True}]},
                "usageMetadata": usage, **base}
        return {"candidates": [{"content": {"role": "model"}, "finishReason": "OTHER", "index": 0}],
                "usageMetadata": usage, **base}
