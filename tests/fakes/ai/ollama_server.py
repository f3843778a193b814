"""A loopback emulator of the Ollama HTTP API (github.com/ollama/ollama docs/api.md).

Point the real ``ollama`` client at it: ``ollama.Client(host=o.url, timeout=seconds)``.

Endpoints: ``GET /`` ("Ollama is running"), ``GET /api/version``, ``GET /api/tags``,
``GET /api/ps`` (models loaded by an earlier chat), ``POST /api/show``, ``POST /api/chat``
and ``POST /api/generate`` (JSON, or NDJSON chunks when ``stream`` is true, which is the
server default when the body omits it). A model name without a tag means ``:latest``.

**What the ollama 0.6.3 client raises**: an HTTP error status -> ``ollama.ResponseError``
with ``.status_code`` (int) and ``.error`` (the body's ``"error"`` string; ``str(e)`` is
``"<error> (status code: N)"``); an ``{"error": ...}`` line inside a stream ->
``ResponseError`` with ``status_code == -1``; nothing listening -> the builtin
``ConnectionError`` ("Failed to connect to Ollama ...") for non-streaming calls only (a
streaming call raises ``httpx.ConnectError`` when iterated); a client timeout ->
``httpx.ReadTimeout`` (the client uses plain ``httpx``); ``"drop"`` ->
``httpx.RemoteProtocolError``.

Behaviours (:meth:`OllamaEmulator.script`, one per chat/generate call, then the
default): ``ok``, ``fenced``, ``prose``, ``broken``, ``truncated``, ``404`` (model not
found), ``500`` (runner crashed), ``oom`` (the out-of-memory 500), ``slow:SECONDS``,
``stream-error`` (an error line after two chunks; a non-streaming call gets a 500),
``drop``. A model not in ``models`` always gets the 404 ``{"error": "model 'NAME' not
found"}`` (wording of current Ollama); ``not_found_wording="pull"`` gives the older
``model "NAME" not found, try pulling it first`` (ollama/ollama#718).

**Today's server** (``era="today"``, the default) also:

* honours ``options.num_ctx``: without it the context is 4096 tokens (below 24 GiB of
  VRAM, Ollama docs "Context length", docs/faq.md); a prompt longer than the context
  loses its *start* (the system instruction) and the answer is written from what is
  left (such requests are kept in ``OllamaEmulator.truncated``);
* honours ``options.num_predict``: an answer longer than it is cut, ``done_reason:
  "length"``;
* answers 500 ``model requires more system memory (5.3 GiB) than is available (3.5
  GiB)`` when ``memory_gib`` is set and the model (weights plus KV cache for its
  context) does not fit (continuedev/continue#11767, home-assistant/core#139085);
* lists ``thinking`` among ``/api/show`` capabilities of thinking models (qwen3).

``era="2025"`` keeps the earlier emulator: no context or memory limits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.ai.fill_answers import fill_answer, is_fill_schema
from tests.fakes.ai.llm_answers import as_json_text, extract_count, realistic_answer
from tests.fakes.http_base import BehaviourScript, EmulatorHandler, LoopbackServer, RecordedRequest, parse_slow

JSON_CT = "application/json; charset=utf-8"
NDJSON_CT = "application/x-ndjson"
OLLAMA_VERSION = "0.12.3"
BEHAVIOURS = ("ok", "fenced", "prose", "broken", "truncated", "404", "500", "oom", "stream-error", "drop")
DEFAULT_NUM_CTX = 4096  # below 24 GiB of VRAM (Ollama docs, "Context length")
GIB = 1024 ** 3
# KV cache per 1024 tokens of context, GiB (order of magnitude for 3-8B models at f16).
KV_GIB_PER_1K_CTX = 0.125
RUNNER_CRASH = "llama runner process has terminated: exit status 2"
STREAM_ERROR = "an error was encountered while running the model: unexpected EOF"

# details / size of well-known tags as `ollama list` shows them (ollama.com/library).
_CARDS = {
    "hermes3": ("llama", "8.0B", "Q4_0", 4_661_230_720, 131_072),
    "llama3.1": ("llama", "8.0B", "Q4_K_M", 4_920_753_328, 131_072),
    "llama3.2": ("llama", "3.2B", "Q4_K_M", 2_019_393_189, 131_072),
    "qwen2.5": ("qwen2", "7.6B", "Q4_K_M", 4_683_087_332, 32_768),
    "mistral": ("llama", "7.2B", "Q4_0", 4_113_301_824, 32_768),
    "gemma3": ("gemma3", "4.3B", "Q4_K_M", 3_338_801_804, 131_072),
    "qwen2.5:3b": ("qwen2", "3.1B", "Q4_K_M", 1_929_912_432, 32_768),
    "llama3.2:3b": ("llama", "3.2B", "Q4_K_M", 2_019_393_189, 131_072),
    "qwen3": ("qwen3", "4.0B", "Q4_K_M", 2_497_293_918, 40_960),
}
THINKING_FAMILIES = ("qwen3",)  # capabilities include "thinking" (ollama.com/library/qwen3)


def _full(name: str) -> str:
    return name if ":" in name else f"{name}:latest"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


class _OllamaHandler(EmulatorHandler):
    emulator: OllamaEmulator

    def route(self, req: RecordedRequest) -> None:
        emu = self.emulator
        if req.path == "/" and req.method in ("GET", "HEAD"):
            return self.send_text(200, "Ollama is running")
        if req.path == "/api/version":
            return self.send_json(200, {"version": OLLAMA_VERSION}, JSON_CT)
        if req.path == "/api/tags":
            return self.send_json(200, {"models": [emu.tag_entry(m) for m in emu.models]}, JSON_CT)
        if req.path == "/api/ps":
            return self.send_json(200, {"models": [emu.ps_entry(m) for m in emu.loaded]}, JSON_CT)
        body = req.body if isinstance(req.body, dict) else {}
        model = _full(str(body.get("model") or body.get("name") or ""))
        req.model = model
        if req.path == "/api/show" and req.method == "POST":
            if model not in emu.models:
                return self.send_json(404, {"error": emu.not_found(str(body.get("model")))}, JSON_CT)
            return self.send_json(200, emu.show_entry(model), JSON_CT)
        if req.path in ("/api/chat", "/api/generate") and req.method == "POST":
            if model not in emu.models:
                return self.send_json(404, {"error": emu.not_found(str(body.get("model")))}, JSON_CT)
            behaviour = emu._script.next()
            req.behaviour = behaviour
            return self._answer(req, body, model, behaviour)
        self.send_text(404, "404 page not found")

    def _answer(self, req: RecordedRequest, body: dict, model: str, behaviour: str) -> None:
        emu = self.emulator
        stream = body.get("stream", True) is not False
        if behaviour == "404":
            return self.send_json(404, {"error": emu.not_found(str(body.get("model")))}, JSON_CT)
        if behaviour == "500" or (behaviour == "stream-error" and not stream):
            return self.send_json(500, {"error": RUNNER_CRASH}, JSON_CT)
        if behaviour == "drop":
            return self.drop()
        options = body.get("options") if isinstance(body.get("options"), dict) else {}
        num_ctx = int(options.get("num_ctx") or DEFAULT_NUM_CTX)
        oom = emu.oom_text(model, num_ctx) if emu.era == "today" else None
        if behaviour == "oom" or oom:
            return self.send_json(500, {"error": oom or emu.oom_message(5.3, 3.5)}, JSON_CT)
        delay = parse_slow(behaviour)
        if delay is not None:
            self.sleep(delay)
            behaviour = "ok"
        prompt = emu.prompt_text_of(req)
        if emu.era == "today" and _tokens(prompt) > num_ctx:
            # The start of a prompt longer than the context is dropped (Ollama docs,
            # "Context length"): here that is the system instruction.
            prompt = prompt[-num_ctx * 4:]
            with emu._lock:
                emu.truncated.append(req)
        style = behaviour if behaviour in ("fenced", "prose", "broken", "truncated") else "ok"
        if is_fill_schema(body.get("format")):  # a fill request (issue 18): line numbers of the list
            text = as_json_text(emu.fill_answer(prompt), style)
        else:
            text = as_json_text(emu.answer(prompt, extract_count(prompt)), style)
        num_predict = options.get("num_predict")
        if emu.era == "today" and isinstance(num_predict, int) and num_predict > 0 and _tokens(text) > num_predict:
            text = text[: num_predict * 4]  # cut at num_predict tokens, done_reason "length"
            behaviour = "truncated"
        with emu._lock:
            first_load = model not in emu.loaded
            if first_load:  # the first chat loads the model (what /api/ps then shows)
                emu.loaded.append(model)
        is_chat = req.path == "/api/chat"
        stats = {
            "done_reason": "length" if behaviour == "truncated" else "stop",
            "total_duration": 0,
            "load_duration": 1_843_000_000 if first_load else 21_500_000,  # ns; cold vs warm
            "prompt_eval_count": _tokens(prompt),
            "prompt_eval_duration": _tokens(prompt) * 1_200_000,
            "eval_count": _tokens(text),
            "eval_duration": _tokens(text) * 24_000_000,  # ~40 tokens/s on a small GPU
        }
        stats["total_duration"] = (stats["load_duration"] + stats["prompt_eval_duration"]
                                   + stats["eval_duration"] + 3_100_000)

        def piece(content: str, done: bool) -> dict:
            out: dict[str, Any] = {"model": model, "created_at": _now()}
            if is_chat:
                out["message"] = {"role": "assistant", "content": content}
            else:
                out["response"] = content
            out["done"] = done
            return out

        if not stream:
            return self.send_json(200, {**piece(text, True), **stats}, JSON_CT)
        size = max(1, len(text) // 12)
        chunks: list[dict] = [piece(text[i:i + size], False) for i in range(0, len(text), size)]
        if behaviour == "stream-error":
            chunks = [*chunks[:2], {"error": STREAM_ERROR}]
        else:
            chunks.append({**piece("", True), **stats})
        self.send_ndjson(200, chunks, NDJSON_CT, gap_s=0.002)


class OllamaEmulator(LoopbackServer):
    """Emulated Ollama server; see the module docstring for endpoints and behaviours.

    ``models`` are the pulled tags; ``answer(prompt_text, count) -> dict`` builds the
    playlist draft (default :func:`tests.fakes.ai.llm_answers.realistic_answer`, drawing
    85-90 % of the tracks from ``library``, a list of ``FakeTrack``, when given);
    ``loaded`` lists the models a chat has loaded (what ``/api/ps`` shows).
    """

    handler_class = _OllamaHandler

    def __init__(self, models: tuple[str, ...] = ("hermes3:8b",),
                 answer: Callable[[str, int], dict] | None = None,
                 library: list | None = None, *, era: str = "today",
                 memory_gib: float | None = None, not_found_wording: str = "current") -> None:
        super().__init__()
        if era not in ("today", "2025"):
            raise ValueError(f"unknown era {era!r}")
        self.era = era
        self.memory_gib = memory_gib
        self.not_found_wording = not_found_wording
        self.models = tuple(_full(m) for m in models)
        self.truncated: list[RecordedRequest] = []  # requests whose prompt lost its start
        self.library = library
        self.answer: Callable[[str, int], dict] = answer or (
            lambda p, c: realistic_answer(p, c, library=self.library))
        self.fill_answer: Callable[[str], dict] = fill_answer  # answers a fill request (schema asks for picks)
        self.loaded: list[str] = []
        self._script = BehaviourScript("ok")

    def not_found(self, model: str) -> str:
        """The 404 text for a model that is not pulled, in this server's wording."""
        if self.not_found_wording == "pull":
            return f'model "{model}" not found, try pulling it first'
        return f"model '{model}' not found"

    @staticmethod
    def oom_message(required_gib: float, available_gib: float) -> str:
        """Ollama's out-of-memory text (continuedev/continue#11767, home-assistant/core#139085)."""
        return (f"model requires more system memory ({required_gib:.1f} GiB) than is available "
                f"({available_gib:.1f} GiB)")

    def required_gib(self, model: str, num_ctx: int) -> float:
        """Memory ``model`` needs with a ``num_ctx`` context: weights + 10 % + KV cache (GiB)."""
        return self._card(model)[3] / GIB * 1.1 + num_ctx / 1024 * KV_GIB_PER_1K_CTX

    def oom_text(self, model: str, num_ctx: int) -> str | None:
        """The OOM error text when ``model`` does not fit in ``memory_gib``, else None."""
        if self.memory_gib is None:
            return None
        need = self.required_gib(model, num_ctx)
        return self.oom_message(need, self.memory_gib) if need > self.memory_gib else None

    def script(self, behaviours: list[str]) -> None:
        """Queue ``behaviours``, one per chat/generate call of any model, in order."""
        for b in behaviours:
            if b not in BEHAVIOURS and parse_slow(b) is None:
                raise ValueError(f"unknown Ollama behaviour {b!r}")
        self._script.extend(list(behaviours))

    def set_default(self, behaviour: str) -> None:
        """Behaviour once the script is used up (initially ``"ok"``)."""
        self._script.set_default(behaviour)

    def chat_requests(self) -> list[RecordedRequest]:
        """Recorded /api/chat and /api/generate requests, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path in ("/api/chat", "/api/generate")]

    def chat_calls(self) -> int:
        """How many /api/chat and /api/generate requests arrived (any outcome)."""
        return len(self.chat_requests())

    def last_format(self) -> Any:
        """The ``format`` (JSON schema, ``"json"`` or None) of the newest chat request."""
        reqs = self.chat_requests()
        return (reqs[-1].body or {}).get("format") if reqs else None

    @staticmethod
    def prompt_text_of(req: RecordedRequest) -> str:
        """System and user message contents (or ``system`` + ``prompt``) joined by newlines."""
        body = req.body if isinstance(req.body, dict) else {}
        if "messages" in body:
            return "\n".join(str(m.get("content") or "") for m in body["messages"]
                             if m.get("role") in ("system", "user"))
        return "\n".join(str(body.get(k) or "") for k in ("system", "prompt") if body.get(k))

    def last_prompt_text(self) -> str | None:
        """Prompt text (see :meth:`prompt_text_of`) of the newest chat request, or None."""
        reqs = self.chat_requests()
        return self.prompt_text_of(reqs[-1]) if reqs else None

    # --- payloads --------------------------------------------------------------------

    def _card(self, model: str) -> tuple:
        bare = model.removesuffix(":latest")
        return _CARDS.get(bare) or _CARDS.get(model.split(":")[0], ("llama", "8.0B", "Q4_0", 4_700_000_000, 131_072))

    def _details(self, model: str) -> dict:
        family, params, quant, _, _ = self._card(model)
        return {"parent_model": "", "format": "gguf", "family": family, "families": [family],
                "parameter_size": params, "quantization_level": quant}

    def _digest(self, model: str) -> str:
        return hashlib.sha256(model.encode()).hexdigest()

    def tag_entry(self, model: str) -> dict:
        """One entry of ``GET /api/tags``."""
        return {"name": model, "model": model, "modified_at": "2025-09-30T10:12:33.123456789+02:00",
                "size": self._card(model)[3], "digest": self._digest(model), "details": self._details(model)}

    def ps_entry(self, model: str) -> dict:
        """One entry of ``GET /api/ps`` (a loaded model, kept 5 minutes by default)."""
        size = self._card(model)[3]
        expires = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
        return {"name": model, "model": model, "size": size + 900_000_000, "digest": self._digest(model),
                "details": self._details(model), "expires_at": expires, "size_vram": size + 900_000_000,
                "context_length": 4096}

    def show_entry(self, model: str) -> dict:
        """``POST /api/show`` body; ``model_info`` is required by the client's ShowResponse."""
        family, _, _, _, ctx = self._card(model)
        arch = "llama" if family == "llama" else family
        return {
            "license": "LLAMA 3.1 COMMUNITY LICENSE AGREEMENT (excerpt)",
            "modelfile": f"# Modelfile generated by \"ollama show\"\nFROM {model}\n",
            "parameters": 'stop                           "<|im_start|>"\nstop                           "<|im_end|>"',
            "template": "{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}"
                        "<|im_start|>user\n{{ .Prompt }}<|im_end|>\n<|im_start|>assistant\n",
            "details": self._details(model),
            "model_info": {"general.architecture": arch, "general.parameter_count": 8_030_261_248,
                           f"{arch}.context_length": ctx, f"{arch}.embedding_length": 4096},
            "capabilities": ["completion", "tools"] + (["thinking"] if family in THINKING_FAMILIES else []),
            "modified_at": "2025-09-30T10:12:33.123456789+02:00",
        }
