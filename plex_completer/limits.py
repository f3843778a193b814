"""What a user may ask for: the one home of the form limits the web UI, the CLI, the
services and the AI prompt all apply.

Each ``*_errors`` function returns ``{field: message}`` (empty when the input is fine),
so the web form can show a message beside each field and the services and the CLI can
raise the first one as a ``ValueError``.
"""

from __future__ import annotations

import re
from typing import Any

MIN_TRACKS = 5
MAX_TRACKS = 100
DEFAULT_TRACKS = 30
MIN_PROMPT_CHARS = 3
# The prompt goes into every AI request (and Ollama's context is small: issue 12);
# a thousand characters is a long paragraph.
MAX_PROMPT_CHARS = 1000
# A playlist title as shown in Plex apps; the description is the playlist's summary.
MAX_TITLE_CHARS = 200
MAX_DESCRIPTION_CHARS = 2000
# How a generation fills the playlist (issue 18): value -> label on the form. "fill":
# the AI's wish list, then tracks from the library up to the length; "library": one
# grounded request over the library, no wish list; "wish": the wish list only.
FILL_MODES = {"fill": "Fill from my library", "library": "Only tracks from my library", "wish": "Wish list only"}
DEFAULT_FILL_MODE = "fill"
# A track count typed into a form: ASCII digits only (re's \d would take any Unicode digit).
_DIGITS = re.compile(r"[0-9]{1,6}")


def clean_prompt(prompt: str | None) -> str:
    """``prompt`` with runs of whitespace (newlines included) folded to one space."""
    return " ".join((prompt or "").split())


def request_errors(prompt: str, count: Any) -> dict[str, str]:
    """Problems with a playlist request: ``prompt`` (already cleaned) and ``count`` (an
    ``int``, or text of ASCII digits only: ``int()`` would also take "٣٠", "+30", "3_0")."""
    errors: dict[str, str] = {}
    if len(prompt) < MIN_PROMPT_CHARS:
        errors["prompt"] = "Describe the playlist you want in a few words, e.g. “rainy Sunday jazz”."
    elif len(prompt) > MAX_PROMPT_CHARS:
        errors["prompt"] = f"Keep the description under {MAX_PROMPT_CHARS} characters (it has {len(prompt)})."
    number = parse_count(count)
    if number is None:
        errors["count"] = f"Choose a whole number of tracks between {MIN_TRACKS} and {MAX_TRACKS}."
    else:
        if not MIN_TRACKS <= number <= MAX_TRACKS:
            errors["count"] = f"Choose between {MIN_TRACKS} and {MAX_TRACKS} tracks."
    return errors


def parse_count(count: Any) -> int | None:
    """``count`` as an int when it is one (not a bool) or is 1 to 6 ASCII digits, else None."""
    if isinstance(count, bool):
        return None
    if isinstance(count, int):
        return count
    if isinstance(count, str) and _DIGITS.fullmatch(count):
        return int(count)
    return None


def details_errors(title: str, description: str) -> dict[str, str]:
    """Problems with a playlist's ``title`` and ``description`` (both already stripped)."""
    errors: dict[str, str] = {}
    if not title or len(title) > MAX_TITLE_CHARS:
        errors["title"] = f"Give the playlist a title (up to {MAX_TITLE_CHARS} characters)."
    if len(description) > MAX_DESCRIPTION_CHARS:
        errors["description"] = f"Keep the description under {MAX_DESCRIPTION_CHARS} characters."
    return errors
