"""How an LLM answers a fill request (issue 18): line numbers picked from the numbered
list in the prompt.

Both emulators answer with :func:`fill_answer` when the request's structured-output
schema (Gemini ``responseJsonSchema`` / ``responseSchema``, Ollama ``format``) asks for
``picks`` (:func:`is_fill_schema`): the model writes what the schema asks for
(https://ai.google.dev/gemini-api/docs/structured-output,
https://github.com/ollama/ollama/blob/main/docs/api.md#request-structured-outputs). The
schema fixes the shape (an array of integers), not the values, so the answer carries
the slips a caller must survive: one number past the end of the list and one repeated
pick, added after the picks proper so a validating caller still gets the count.

Picking imitates a curator: lines by artists already in the playlist first, then lines
whose year falls in the period the request names, then the rest, in an order that is
deterministic for the prompt text.
"""

from __future__ import annotations

import hashlib
import random
import re
from typing import Any

from tests.fakes.ai.llm_answers import focus_text, prompt_period

_COUNT = re.compile(r"number of picks\s*[:=]\s*(\d{1,3})", re.I)
_LINE = re.compile(r"^\s*(\d{1,4})\.\s+(.+?)\s*$")
_YEAR = re.compile(r"\((?:[^()]*,\s*)?(\d{4})\)\s*$")


def is_fill_schema(schema: Any) -> bool:
    """True when a structured-output schema asks for ``picks`` (a fill request)."""
    if isinstance(schema, dict):
        props = schema.get("properties")
        return isinstance(props, dict) and "picks" in props
    return False


def _blocks(prompt: str) -> dict[str, list[str]]:
    """The fenced blocks after each header line: {"request": [...], "playlist": [...], "list": [...]}."""
    out: dict[str, list[str]] = {}
    current = None
    inside = False
    header = ""
    for line in (prompt or "").splitlines():
        if line.strip() == "<<<":
            inside, current = True, []
            continue
        if line.strip() == ">>>" and inside:
            inside = False
            key = "list" if "numbered" in header.lower() else "playlist" if "already" in header.lower() else "request"
            out.setdefault(key, current or [])
            continue
        if inside and current is not None:
            current.append(line)
        else:
            header = line
    return out


def _artist(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.split(" – ", 1)[0].lower())


def fill_answer(prompt: str, seed: int | None = None) -> dict:
    """``{"picks": [...]}`` for a fill prompt: the asked number of distinct line numbers
    of the list, then one number past its end and one repeat (see the module doc)."""
    count = int(m.group(1)) if (m := _COUNT.search(prompt or "")) else 10
    blocks = _blocks(prompt)
    lines = [(int(m.group(1)), m.group(2)) for text in blocks.get("list", []) if (m := _LINE.match(text))]
    if not lines:
        return {"picks": []}
    in_playlist = {_artist(line) for line in blocks.get("playlist", [])}
    period = prompt_period(focus_text(prompt))
    rng = random.Random(seed if seed is not None else int.from_bytes(hashlib.sha256(prompt.encode()).digest()[:8], "big"))

    def rank(item: tuple[int, str]) -> tuple[int, float]:
        _number, text = item
        score = 0
        if _artist(text) in in_playlist:
            score += 2
        year = _YEAR.search(text)
        if period and year and period[0] - 1 <= int(year.group(1)) <= period[1] + 1:
            score += 1
        return (-score, rng.random())

    chosen = [number for number, _text in sorted(lines, key=rank)[:count]]
    slips = [max(n for n, _t in lines) + 7] + (chosen[:1] if chosen else [])
    return {"picks": chosen + slips}
