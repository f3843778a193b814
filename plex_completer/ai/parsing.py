"""Turn an AI answer (untrusted) into a clean :class:`PlaylistDraft`.

Models do not always honour structured output: Gemini may wrap JSON in a code fence,
local models add prose around it, and an answer cut at the token limit
(``finishReason: MAX_TOKENS``) ends mid-object. Parsing therefore goes in steps and
stops at the first that yields a JSON value:

1. the SDK's structured result (Gemini ``response.parsed``), when present;
2. the whole text as JSON;
3. JSON inside a ```` ``` ```` fence, or the outermost ``{...}``/``[...]`` in prose;
4. ``json_repair`` (https://github.com/mangiucugna/json_repair) for truncated or
   slightly broken JSON.

The value is then validated item by item (:func:`clean_tracks`): items without artist or
title are dropped, whitespace and list numbering ("1. ", "#3 ") stripped, lengths capped,
duplicates (same normalised artist + title) removed, the AI's order kept, and the list
trimmed to the requested count. No usable track raises :class:`BadOutput`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from .schema import (
    MAX_ALBUM_CHARS,
    MAX_ARTIST_CHARS,
    MAX_DESCRIPTION_CHARS,
    MAX_PLAYLIST_TITLE_CHARS,
    MAX_TRACK_TITLE_CHARS,
    DraftTrack,
    PlaylistDraft,
    clamp_count,
)

_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.S)
# List numbering a model puts before an artist or title: "1. ", "12) ", "#3 ", "#3. ".
# A bare number ("1999", "99 Luftballons") is a real title and is kept.
_NUMBERING = re.compile(r"^\s*(?:#\d{1,3}[.):]?\s+|\d{1,3}[.)]\s+)")
_QUOTES = "\"'“”‘’«»"
_ENDS_AT_ITEM = re.compile(r"[}\]]\s*,?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# Keys models use instead of the schema's names (seen with small local models).
_ARTIST_KEYS = ("artist", "artist_name", "artistName", "performer", "band", "artists")
_TITLE_KEYS = ("title", "track", "song", "name", "track_title", "song_title")
_TRACK_LIST_KEYS = ("tracks", "songs", "playlist", "items")


class BadOutput(Exception):
    """The answer held no usable track; ``str()`` says why (no AI text included)."""


@dataclass
class ParsedDraft:
    """A cleaned draft plus how it was obtained.

    ``method`` is ``structured``, ``json``, ``extracted`` or ``repaired``; ``dropped``
    counts items rejected (missing fields, duplicates, over the count).
    """

    draft: PlaylistDraft
    method: str
    dropped: int = 0
    notes: list[str] = field(default_factory=list)


def extract_json(text: str | None) -> tuple[Any, str] | None:
    """Find a JSON value in ``text``; return ``(value, method)`` or None.

    ``method`` is ``json`` (the whole text), ``extracted`` (a fence or the outermost
    braces in prose) or ``repaired`` (json_repair was needed).
    """
    if not text or not text.strip():
        return None
    stripped = text.strip()
    try:
        return json.loads(stripped), "json"
    except ValueError:
        pass
    for candidate in _candidates(stripped):
        try:
            return json.loads(candidate), "extracted"
        except ValueError:
            continue
    return _repair(stripped)


def _candidates(text: str) -> list[str]:
    out = [m.group(1).strip() for m in _FENCE.finditer(text)]
    for opener, closer in (("{", "}"), ("[", "]")):
        start, end = text.find(opener), text.rfind(closer)
        if start != -1 and end > start:
            out.append(text[start : end + 1])
    return out


def _repair(text: str) -> tuple[Any, str] | None:
    import json_repair

    # An unclosed fence (a truncated fenced answer) would otherwise be repaired as text.
    body = text
    fence = text.find("```")
    if fence != -1:
        body = text[fence + 3 :]
        body = body.split("\n", 1)[1] if "\n" in body else body
        body = body.split("```", 1)[0]
    start = min((i for i in (body.find("{"), body.find("[")) if i != -1), default=-1)
    if start == -1:
        return None
    try:
        value = json_repair.loads(body[start:])
    except Exception:  # noqa: BLE001 - json_repair raises assorted errors on garbage
        return None
    if isinstance(value, (dict, list)) and value:
        return value, "repaired"
    return None


def clean_text(value: Any, limit: int) -> str:
    """A single-line string from ``value`` (non-strings give ""), stripped and capped."""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return ""
    text = _CONTROL.sub(" ", str(value))
    text = " ".join(text.split())
    return text[:limit].strip()


def _clean_name(value: Any, limit: int) -> str:
    if isinstance(value, list):  # "artists": ["A", "B"]
        value = ", ".join(str(v) for v in value if isinstance(v, (str, int)))
    text = clean_text(value, limit * 2)
    text = _NUMBERING.sub("", text)
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text[:limit].strip()


def _clean_year(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        match = re.search(r"\b(1[89]\d\d|20\d\d)\b", value)
        value = int(match.group(1)) if match else None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and 1800 <= value <= 2100:
        return value
    return None


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if item.get(key) not in (None, "", []):
            return item[key]
    return None


def dedupe_key(artist: str, title: str) -> str:
    """Normalised ``artist|title`` used to spot duplicates (case, accents, punctuation)."""
    from anyascii import anyascii

    def norm(text: str) -> str:
        return " ".join(re.sub(r"[^0-9a-z]+", " ", anyascii(text).casefold()).split())

    return f"{norm(artist)}|{norm(title)}"


def _split_line(text: str) -> tuple[str, str] | None:
    """"Artist – Title" strings (models sometimes return a list of lines)."""
    for sep in (" – ", " — ", " - ", " by "):
        if sep in text:
            left, right = text.split(sep, 1)
            return (right, left) if sep == " by " else (left, right)
    return None


def clean_tracks(items: Any, count: int) -> tuple[list[DraftTrack], int]:
    """Validate ``items`` one by one; return ``(tracks, dropped)``.

    Keeps the AI's order, drops items without artist or title and duplicates, trims to
    ``count`` (clamped 1-100). ``dropped`` counts every rejected or trimmed item.
    """
    limit = clamp_count(count)
    tracks: list[DraftTrack] = []
    seen: set[str] = set()
    dropped = 0
    if not isinstance(items, list):
        return [], 0
    for item in items:
        if isinstance(item, str):
            pair = _split_line(_NUMBERING.sub("", item.strip()))
            item = {"artist": pair[0], "title": pair[1]} if pair else {}
        if not isinstance(item, dict):
            dropped += 1
            continue
        artist = _clean_name(_first(item, _ARTIST_KEYS), MAX_ARTIST_CHARS)
        title = _clean_name(_first(item, _TITLE_KEYS), MAX_TRACK_TITLE_CHARS)
        if not artist or not title:
            dropped += 1
            continue
        key = dedupe_key(artist, title)
        if key in seen or key == "|":
            dropped += 1
            continue
        if len(tracks) >= limit:
            dropped += 1
            continue
        seen.add(key)
        album = _clean_name(item.get("album"), MAX_ALBUM_CHARS) or None
        tracks.append(DraftTrack(artist=artist, title=title, album=album, year=_clean_year(item.get("year"))))
    return tracks, dropped


def _cut_mid_item(text: str) -> bool:
    """True when ``text`` stops inside a track object (the last one is partial).

    A cut after a closing brace (``...},`` or ``...}``) leaves the last track complete.
    """
    return not _ENDS_AT_ITEM.search(text.rstrip().removesuffix("```").rstrip())


def draft_from_value(value: Any, count: int, *, partial_last: bool = False) -> tuple[PlaylistDraft, int]:
    """Build a cleaned draft from a decoded JSON value (object with tracks, or a bare list).

    ``partial_last`` drops the last track item: in a repaired, truncated answer it was
    being written when the output stopped ("Owne" for "Owner of a Lonely Heart") and
    would match the wrong song. Raises :class:`BadOutput` when no usable track remains.
    """
    if isinstance(value, BaseModel):  # the SDK's parsed PlaylistDraft
        value = value.model_dump()
    title = description = ""
    items: Any = None
    if isinstance(value, list):
        items = value
    elif isinstance(value, dict):
        title = clean_text(value.get("title") or value.get("name"), MAX_PLAYLIST_TITLE_CHARS)
        description = clean_text(value.get("description"), MAX_DESCRIPTION_CHARS)
        items = _first(value, _TRACK_LIST_KEYS)
        if items is None and _first(value, _ARTIST_KEYS) and isinstance(value.get("title"), str):
            items, title = [value], ""  # a single track object
    else:
        raise BadOutput(f"the answer was a JSON {type(value).__name__}, not a playlist")
    extra = 0
    if partial_last and isinstance(items, list) and len(items) > 1:
        items, extra = items[:-1], 1
    tracks, dropped = clean_tracks(items, count)
    dropped += extra
    if not tracks:
        if not isinstance(items, list) or not items:
            raise BadOutput("the answer held no track list")
        raise BadOutput(f"none of the {len(items)} tracks had both an artist and a title")
    return PlaylistDraft(title=title, description=description, tracks=tracks), dropped


def parse_answer(text: str | None, count: int, *, structured: Any = None, truncated: bool = False) -> ParsedDraft:
    """Parse an AI answer into a cleaned draft.

    ``structured`` is the SDK's already-parsed value (Gemini's ``response.parsed``) or
    None; ``text`` the raw answer text; ``truncated`` whether the provider reported the
    token limit was hit. Raises :class:`BadOutput` when no step yields a usable track.
    """
    if structured is not None:
        try:
            draft, dropped = draft_from_value(structured, count)
            return ParsedDraft(draft, "structured", dropped)
        except BadOutput:
            pass  # fall through: the text may still hold more than the SDK parsed
    found = extract_json(text)
    if found is None:
        if not text or not text.strip():
            raise BadOutput("the answer was empty")
        raise BadOutput("the answer held no JSON")
    value, method = found
    partial = method == "repaired" and _cut_mid_item(text or "")
    try:
        draft, dropped = draft_from_value(value, count, partial_last=partial)
    except BadOutput:
        if method == "repaired":
            raise
        # Valid JSON without tracks (e.g. an example object in prose before the real one):
        # give repair a chance on the whole text before giving up.
        repaired = _repair(text or "")
        if repaired is None or repaired[0] == value:
            raise
        draft, dropped = draft_from_value(repaired[0], count, partial_last=_cut_mid_item(text or ""))
        method = "repaired"
    notes = ["answer was cut at the token limit"] if truncated else []
    return ParsedDraft(draft, method, dropped, notes)


# -- fill answers (issue 18) ---------------------------------------------------------------

_PICK_KEYS = ("picks", "lines", "numbers", "line_numbers", "tracks", "items")
_PICK_NUMBER = re.compile(r"^\s*#?\s*(\d{1,4})\s*[.):]?\s*$")


@dataclass
class ParsedPicks:
    """Validated line numbers of a fill answer, in the AI's order.

    ``picks`` are 1-based numbers of lines the prompt showed, each once, at most the
    asked count; ``method`` as for :class:`ParsedDraft`; ``dropped`` counts rejected
    items (not a shown line, not a number, repeated, over the count).
    """

    picks: list[int]
    method: str
    dropped: int = 0
    notes: list[str] = field(default_factory=list)


def _pick_number(item: Any) -> int | None:
    if isinstance(item, bool):
        return None
    if isinstance(item, dict):  # {"line": 12} or {"number": 12}
        item = _first(item, ("line", "number", "n", "id", "pick"))
    if isinstance(item, float) and item.is_integer():
        return int(item)
    if isinstance(item, int):
        return item
    if isinstance(item, str):
        match = _PICK_NUMBER.match(item)
        return int(match.group(1)) if match else None
    return None


def picks_from_value(value: Any, count: int, shown: int) -> tuple[list[int], int]:
    """Validate a decoded fill answer (``{"picks": [...]}`` or a bare list) against a list
    of ``shown`` lines; return ``(picks, dropped)``. Numbers outside ``1..shown``,
    non-numbers and repeats are dropped, the AI's order is kept, the result is trimmed to
    ``count`` (clamped 1-100). Raises :class:`BadOutput` when no valid pick remains.
    """
    if isinstance(value, BaseModel):
        value = value.model_dump()
    items = value if isinstance(value, list) else _first(value, _PICK_KEYS) if isinstance(value, dict) else None
    if not isinstance(items, list):
        raise BadOutput("the answer held no list of line numbers")
    limit = clamp_count(count)
    picks: list[int] = []
    dropped = 0
    for item in items:
        number = _pick_number(item)
        if number is None or not 1 <= number <= shown or number in picks or len(picks) >= limit:
            dropped += 1
            continue
        picks.append(number)
    if not picks:
        raise BadOutput(f"none of the {len(items)} picks was a line of the list")
    return picks, dropped


def parse_picks(text: str | None, count: int, shown: int, *, structured: Any = None, truncated: bool = False) -> ParsedPicks:
    """Parse a fill answer into validated line numbers (see :func:`picks_from_value`).

    Same steps as :func:`parse_answer` (the SDK's parsed value, the text as JSON, JSON
    in prose or a fence, json_repair); ``shown`` is the number of candidate lines the
    prompt showed. Raises :class:`BadOutput` when no step yields a valid pick.
    """
    if structured is not None:
        try:
            picks, dropped = picks_from_value(structured, count, shown)
            return ParsedPicks(picks, "structured", dropped)
        except BadOutput:
            pass
    found = extract_json(text)
    if found is None:
        if not text or not text.strip():
            raise BadOutput("the answer was empty")
        raise BadOutput("the answer held no JSON")
    value, method = found
    picks, dropped = picks_from_value(value, count, shown)
    notes = ["answer was cut at the token limit"] if truncated else []
    return ParsedPicks(picks, method, dropped, notes)
