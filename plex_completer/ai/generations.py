"""Request settings that suit each Gemini model generation (thinking, temperature, cap).

* Gemini 2.0 rejects ``thinking_config``; it gets none, temperature 0.8.
* Gemini 2.5 thinks by default and takes ``thinking_budget`` (tokens): 0 turns thinking
  off on Flash and Flash-Lite, Pro needs at least 128
  (https://ai.google.dev/gemini-api/docs/thinking). Temperature 0.8.
* Gemini 3 thinks by default and takes ``thinking_level`` instead of a budget
  (googleapis/python-genai#2062); ``GEMINI_THINKING_LEVEL`` chooses it (default
  ``low``). Some models reject a level: gemini-3.7 answers 400 "Allowed values are:
  medium, low, high" to ``minimal`` (fishjar/kiss-translator#1048), so a level known to
  be rejected is replaced by the nearest accepted one before the request leaves. Google
  recommends temperature 1.0 for Gemini 3 (https://ai.google.dev/gemini-api/docs/gemini-3).
  The ``-latest`` aliases follow the newest model and are treated as Gemini 3.
* Thinking tokens count against ``maxOutputTokens`` (googleapis/python-genai#2062): a
  tight cap ends with ``finishReason: MAX_TOKENS`` and a cut answer or no text at all
  (langchain-ai/langchain-google#1020). The cap is therefore the answer's size (from the
  track count) plus room for thinking, bounded by the model's ``outputTokenLimit``.

Pure functions; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..config import THINKING_LEVELS

# Answer size: ~40 tokens per track object (artist, title, album, year in JSON) plus
# the title/description; measured on the emulator's realistic answers with 4 chars/token.
ANSWER_BASE_TOKENS = 512
ANSWER_TOKENS_PER_TRACK = 60
# Room for thinking per level, tokens. "low" thinks a few hundred to ~2k tokens on a
# list-writing task; the larger levels get proportionally more.
THINKING_ROOM = {"minimal": 512, "low": 2048, "medium": 6144, "high": 12288}
LEVELS = THINKING_LEVELS  # the values GEMINI_THINKING_LEVEL accepts, least thinking first
# Levels each model family is known to reject (prefix -> levels), with the source.
REJECTED_LEVELS: dict[str, frozenset[str]] = {
    "gemini-3.7": frozenset({"minimal"}),  # "Allowed values are: medium, low, high", fishjar/kiss-translator#1048
}
# Output limits when the model's card is unknown (tokens; Google's model cards).
DEFAULT_OUTPUT_LIMIT = 65_536
GEMINI_2_0_OUTPUT_LIMIT = 8_192

_VERSION = re.compile(r"^gemini-(\d+)(?:\.(\d+))?-")


def model_generation(model: str) -> tuple[int, int] | None:
    """``(major, minor)`` of a Gemini model id (``gemini-3.7-flash`` -> ``(3, 7)``), or
    None for aliases and unknown names."""
    match = _VERSION.match(model.removeprefix("models/"))
    if not match:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def accepted_level(model: str, level: str) -> str:
    """``level``, or the nearest level ``model`` accepts (``minimal`` -> ``low`` on 3.7)."""
    rejected = next((levels for prefix, levels in REJECTED_LEVELS.items() if model.startswith(prefix)), frozenset())
    if level not in rejected:
        return level
    index = LEVELS.index(level)
    for candidate in (*LEVELS[index + 1 :], *reversed(LEVELS[:index])):
        if candidate not in rejected:
            return candidate
    return "low"


@dataclass(frozen=True)
class RequestPlan:
    """The generation settings of one Gemini request.

    ``family`` is ``2.0``, ``2.5`` or ``3`` (newer and aliases count as 3);
    ``thinking_budget`` (tokens) or ``thinking_level`` is set, never both, or neither
    when the model takes no thinking config or it was rejected; ``max_output_tokens``
    is the cap in tokens (answer plus thinking room, bounded by the model's limit).
    """

    family: str
    thinking_budget: int | None
    thinking_level: str | None
    temperature: float
    max_output_tokens: int

    def describe(self) -> str:
        """Short text for diagnostics: ``thinking_level low, cap 3,800 tokens, temperature 1``."""
        if self.thinking_level:
            thinking = f"thinking_level {self.thinking_level}"
        elif self.thinking_budget is not None:
            thinking = f"thinking_budget {self.thinking_budget}"
        else:
            thinking = "no thinking config"
        return f"{thinking}, cap {self.max_output_tokens:,} tokens, temperature {self.temperature:g}"


def answer_tokens(count: int) -> int:
    """Tokens a ``count``-track JSON answer needs (with margin)."""
    return ANSWER_BASE_TOKENS + ANSWER_TOKENS_PER_TRACK * max(1, count)


def plan_request(
    model: str,
    count: int,
    *,
    level: str = "low",
    output_token_limit: int | None = None,
    larger: bool = False,
    without_thinking: bool = False,
) -> RequestPlan:
    """The :class:`RequestPlan` for asking ``model`` for ``count`` tracks.

    ``level`` is the configured Gemini 3 thinking level; ``output_token_limit`` the
    model's ``outputTokenLimit`` (tokens) when known. ``larger`` is the retry after a
    cut answer: twice the answer room (the thinking room kept) and the lowest thinking
    level the model accepts.
    ``without_thinking`` drops the thinking config (the retry after a 400 that rejected it).
    """
    name = model.removeprefix("models/")
    generation = model_generation(name)
    answer = answer_tokens(count) * (2 if larger else 1)
    if generation is not None and generation < (2, 5):
        limit = output_token_limit or GEMINI_2_0_OUTPUT_LIMIT
        return RequestPlan("2.0", None, None, 0.8, min(answer, limit))
    limit = output_token_limit or DEFAULT_OUTPUT_LIMIT
    if generation is not None and generation < (3, 0):
        budget = 128 if name.startswith("gemini-2.5-pro") else 0
        if without_thinking:
            return RequestPlan("2.5", None, None, 0.8, min(answer + 1024, limit))
        return RequestPlan("2.5", budget, None, 0.8, min(answer + budget, limit))
    if without_thinking:
        # The model thinks at its default depth; leave it the room of "medium".
        return RequestPlan("3", None, None, 1.0, min(answer + THINKING_ROOM["medium"], limit))
    configured = accepted_level(name, level)
    chosen = accepted_level(name, "minimal") if larger else configured
    if LEVELS.index(chosen) > LEVELS.index(configured):
        chosen = configured
    # The retry keeps the configured level's room: with less thinking, more is left for the answer.
    return RequestPlan("3", None, chosen, 1.0, min(answer + THINKING_ROOM[configured], limit))
