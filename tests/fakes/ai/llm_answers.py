"""Playlist drafts the way an LLM writes them, built from real chart data.

:func:`realistic_answer` reads the prompt (a year such as "1985", a decade such as
"80s" / "1980s" / "eighties", a "YYYY-YYYY" range, or the words "eurovision" /
"rock"), picks real songs of that period from :mod:`tests.fakes.ai.llm_answer_data`, and
adds the slips real LLM answers show (seen in Gemini and Ollama output for music
prompts):

* featured artists written differently from the chart credit ("A Featuring B" becomes
  "A feat. B", "A & B", or moves into the title as "Title (feat. B)");
* title casing normalised ("All I Have To Do Is Dream" -> "All I Have to Do Is Dream"),
  sometimes all lower case;
* a few wrong years (off by 1-2) and wrong albums (another album of the artist);
* a few songs the library does not have: real songs outside ``library`` and invented
  titles by real artists (hallucinations).

With ``library`` (a list of :class:`~tests.fakes.library.model.FakeTrack`) 85-90 % of the
tracks come from it. Everything is deterministic for a seed (default: derived from the
prompt text). :func:`as_json_text` renders a draft in the text styles both emulators
answer with.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import Any

from tests.fakes.ai.llm_answer_data import Song, album_for, load_songs, other_album_of

DEFAULT_COUNT = 20
STYLES = ("ok", "fenced", "prose", "broken", "truncated")

_COUNT_RES = (
    re.compile(r"number of (?:tracks|songs)\s*[:=]\s*(\d{1,3})", re.I),
    re.compile(r"\b(\d{1,3})\s+(?:tracks|songs)\b", re.I),
)
_WORD_DECADES = {"fifties": 1950, "sixties": 1960, "seventies": 1970, "eighties": 1980,
                 "nineties": 1990}
_SMALL_WORDS = {"a", "an", "and", "as", "at", "but", "by", "for", "in", "of", "on", "or", "the",
                "to", "with"}
_INVENT_A = ["Midnight", "Electric", "Golden", "Silver", "Neon", "Velvet", "Summer", "Lonely",
             "Wild", "Crystal", "Paper", "Restless"]
_INVENT_B = ["Highway", "Heartbeat", "Letters", "Rain", "Lights", "Avenue", "Fire", "Horizon",
             "Radio", "Promises", "Shadows", "Tonight"]
_THEMES = ["Night Drive", "Rewind", "Golden Hits", "Radio Gold", "Sing-Along", "Road Trip"]


def extract_count(prompt: str, default: int = DEFAULT_COUNT) -> int:
    """The track count a prompt asks for: a ``Number of tracks: N`` line wins over the
    first ``N tracks`` / ``N songs``; ``default`` otherwise. Clamped to 1..200."""
    for rx in _COUNT_RES:
        m = rx.search(prompt or "")
        if m:
            return max(1, min(200, int(m.group(1))))
    return default


def prompt_period(prompt: str) -> tuple[int, int] | None:
    """(first year, last year) the prompt names, or None.

    "1985" -> (1985, 1985); "1985-1989" / "1985 to 1989" -> (1985, 1989); "80s", "'80s",
    "1980s", "eighties" -> (1980, 1989); "2000s" -> (2000, 2009).
    """
    text = prompt or ""
    m = re.search(r"\b(19[5-9]\d|20[0-2]\d)\s*(?:-|–|to)\s*(19[5-9]\d|20[0-2]\d)\b", text)
    if m:
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        return a, b
    m = re.search(r"\b(19[5-9]0|20[0-2]0)'?s\b", text)
    if m:
        return int(m.group(1)), int(m.group(1)) + 9
    m = re.search(r"(?<![\d])'?([5-9]0)'?s\b", text)
    if m:
        return 1900 + int(m.group(1)), 1909 + int(m.group(1))
    for word, start in _WORD_DECADES.items():
        if word in text.lower():
            return start, start + 9
    m = re.search(r"\b(19[5-9]\d|20[0-2]\d)\b(?!s)", text)
    if m:
        return int(m.group(1)), int(m.group(1))
    return None


def focus_text(prompt: str) -> str:
    """The part of a prompt that states the request: the first ``<<< ... >>>`` block when
    there is one (the app fences the user's text that way, before library sample lines
    whose titles could contain years such as Prince's "1999"), else the whole prompt."""
    m = re.search(r"<<<(.*?)>>>", prompt or "", re.S)
    return m.group(1) if m else (prompt or "")


def _seed_for(prompt: str) -> int:
    return int.from_bytes(hashlib.sha256((prompt or "").encode("utf-8")).digest()[:8], "big")


def _key(artist: str, title: str) -> tuple[str, str]:
    norm = lambda s: re.sub(r"[^a-z0-9]+", "", s.lower())  # noqa: E731
    return norm(artist.split(" Featuring ")[0]), norm(title)


def _pool(prompt: str, period: tuple[int, int] | None) -> list[Song]:
    """Candidate songs, most popular first, for the prompt's genre word and period."""
    songs = load_songs()
    low = (prompt or "").lower()
    if "eurovision" in low:
        wanted = {"eurovision"}
    elif "rock" in low:
        wanted = {"classic_rock"}
    else:
        wanted = {"hot100", "fallback"}
    pool = [s for s in songs if s.source in wanted] or list(songs)
    if period:
        dated = [s for s in pool if s.year is not None and period[0] <= s.year <= period[1]]
        if dated:
            pool = dated
    return sorted(pool, key=lambda s: s.rank)


_LIBRARY_KEYS: list[tuple[list, int, set]] = []  # (library, its length, keys); newest last


def _library_keys(library: list) -> set:
    """Normalised (artist, title) keys of ``library``, memoised for the last 4 libraries
    (a 100k-track library takes ~0.3 s to normalise; emulators answer many calls with it).
    The cache holds the list itself, so its ``id`` cannot be reused while cached."""
    for lib, size, keys in _LIBRARY_KEYS:
        if lib is library and size == len(library):
            return keys
    keys = {_key(t.track_artist or t.album_artist, t.title) for t in library}
    _LIBRARY_KEYS.append((library, len(library), keys))
    del _LIBRARY_KEYS[:-4]
    return keys


def _pick(rng: random.Random, pool: list[Song], n: int, taken: set) -> list[Song]:
    """``n`` distinct songs, drawn mostly from the popular head of ``pool``."""
    # The head holds every song as popular as the k-th one (ties included), so no
    # chart era is favoured by the files' row order.
    k = min(len(pool), max(n * 6, 60))
    cutoff = pool[k - 1].rank if k else 0
    head = [s for s in pool if s.rank <= cutoff]
    order = rng.sample(head, len(head)) + pool[len(head):]
    out = []
    for s in order:
        k = _key(s.artist, s.title)
        if k not in taken:
            taken.add(k)
            out.append(s)
            if len(out) == n:
                break
    return out


def _title_case(title: str) -> str:
    words = title.split(" ")
    return " ".join(w if i == 0 or w.lower() not in _SMALL_WORDS else w.lower()
                    for i, w in enumerate(words))


def _entry(rng: random.Random, artist: str, title: str, album: str, year: int | None,
           slips: list[str]) -> dict[str, Any]:
    """One track as an LLM writes it, with this entry's slips applied (names in ``slips``)."""
    if " Featuring " in artist:
        main, feat = artist.split(" Featuring ", 1)
        style = rng.choice(["feat-artist", "feat-title", "ampersand", "keep"])
        if style == "feat-artist":
            artist = f"{main} feat. {feat}"
        elif style == "feat-title":
            artist, title = main, f"{title} (feat. {feat})"
        elif style == "ampersand":
            artist = f"{main} & {feat}"
        slips.append(f"featuring:{style}")
    r = rng.random()
    if r < 0.30:
        new = _title_case(title)
        if new != title:
            title = new
            slips.append("title-case")
    elif r < 0.33:
        title = title.lower()
        slips.append("lower-case")
    if year is not None and rng.random() < 0.08:
        year += rng.choice([-2, -1, 1, 2])
        slips.append("wrong-year")
    if rng.random() < 0.07:
        other = other_album_of(artist.split(" feat. ")[0].split(" & ")[0], album)
        album = other or "Greatest Hits"
        slips.append("wrong-album")
    return {"artist": artist, "title": title, "album": album, "year": year}


def _invented(rng: random.Random, artist: str, taken: set) -> str:
    while True:
        title = f"{rng.choice(_INVENT_A)} {rng.choice(_INVENT_B)}"
        if _key(artist, title) not in taken:
            taken.add(_key(artist, title))
            return title


def _headline(rng: random.Random, prompt: str, period: tuple[int, int] | None,
              tracks: list[dict]) -> tuple[str, str]:
    theme = rng.choice(_THEMES)
    low = (prompt or "").lower()
    if "eurovision" in low:
        theme = "Eurovision " + rng.choice(["Party", "Classics", "Douze Points"])
    if period and period[0] == period[1]:
        title, when = f"{theme} {period[0]}", f"from {period[0]}"
    elif period:
        title, when = f"{theme}: {period[0]}-{period[1]}", f"from {period[0]} to {period[1]}"
    else:
        title, when = theme, "across the decades"
    names = [t["artist"] for t in tracks[:2]] or ["the charts"]
    desc = f"{len(tracks)} songs {when}, from {names[0]} to {names[-1]}, picked to keep the mood going."
    return title, desc


def build_answer(prompt: str, count: int, seed: int | None = None,
                 library: list | None = None) -> tuple[dict, list[dict]]:
    """The draft plus, per track, where it came from (test ground truth).

    Returns ``(draft, truth)``: ``draft`` is ``{"title", "description", "tracks": [{"artist",
    "title", "album", "year"}]}`` (what the LLM writes); ``truth[i]`` is ``{"kind":
    "library" | "chart" | "missing" | "invented", "rating_key": int | None, "slips":
    [str]}`` for ``draft["tracks"][i]`` ("missing" = a real song absent from ``library``).
    """
    count = max(1, int(count))
    rng = random.Random(_seed_for(prompt) if seed is None else seed)
    focus = focus_text(prompt)
    period = prompt_period(focus)
    pool = _pool(focus, period)
    taken: set = set()
    rows: list[tuple[dict, dict]] = []

    if library:
        taken |= _library_keys(library)
        dated = [t for t in library if period and t.year and period[0] <= t.year <= period[1]]
        cands = dated if len(dated) >= count // 2 else list(library)
        n_lib = min(len(cands), round(count * rng.uniform(0.85, 0.90)))
        for t in rng.sample(cands, n_lib):
            slips: list[str] = []
            e = _entry(rng, t.track_artist or t.album_artist, t.title, t.album, t.year, slips)
            rows.append((e, {"kind": "library", "rating_key": t.rating_key, "slips": slips}))
        extra_kind = "missing"
    else:
        extra_kind = "chart"

    n_rest = count - len(rows)
    n_invented = max(0, round(n_rest * 0.10)) if not library else n_rest // 2
    real = _pick(rng, pool, n_rest - n_invented, taken)
    for s in real:
        slips = []
        e = _entry(rng, s.artist, s.title, album_for(s), s.year, slips)
        rows.append((e, {"kind": extra_kind, "rating_key": None, "slips": slips}))
    # Hallucinated titles go to real artists of the answer, dated like their real song.
    artists = [(s.artist.split(" Featuring ")[0], s.year) for s in (real or pool[:20])] or [("Queen", 1980)]
    while len(rows) < count:
        artist, year = rng.choice(artists)
        title = _invented(rng, artist, taken)
        rows.append(({"artist": artist, "title": title, "album": f"{title} - Single", "year": year},
                     {"kind": "invented", "rating_key": None, "slips": []}))

    rng.shuffle(rows)
    tracks = [e for e, _ in rows]
    title, desc = _headline(rng, focus, period, tracks)
    return {"title": title, "description": desc, "tracks": tracks}, [t for _, t in rows]


def realistic_answer(prompt: str, count: int, seed: int | None = None,
                     library: list | None = None) -> dict:
    """What an LLM answers to ``prompt`` asking for ``count`` tracks (see module doc).

    Returns ``{"title": str, "description": str, "tracks": [{"artist": str, "title": str,
    "album": str, "year": int | None}]}`` with exactly ``count`` tracks (fewer only when
    the data cannot supply enough distinct songs).
    """
    return build_answer(prompt, count, seed, library)[0]


def as_json_text(draft: dict, style: str = "ok") -> str:
    """Render ``draft`` as the text of a model answer.

    ``"ok"``: pretty JSON; ``"fenced"``: inside a Markdown ```json fence; ``"prose"``:
    compact JSON inside a sentence; ``"broken"``: single-quoted keys and trailing commas
    (what ``json-repair`` fixes); ``"truncated"``: cut off mid-answer, as when the output
    token limit is hit. Raises ``ValueError`` for another style.
    """
    text = json.dumps(draft, ensure_ascii=False, indent=2)
    if style == "ok":
        return text
    if style == "fenced":
        return f"```json\n{text}\n```"
    if style == "prose":
        return ("Sure! Here is a playlist that fits your request: "
                f"{json.dumps(draft, ensure_ascii=False)} Enjoy the music!")
    if style == "broken":
        text = text.replace('"title":', "'title':", 1).replace('"description":', "'description':", 1)
        text = re.sub(r"\}\n  \]", "},\n  ]", text)  # trailing comma after the last track
        return re.sub(r"\n\}$", ",\n}", text)
    if style == "truncated":
        cut = int(len(text) * 0.55)
        quote = text.find('"title": "', cut)
        return text[: quote + 14] if quote != -1 else text[:cut]
    raise ValueError(f"unknown answer style {style!r}; expected one of {STYLES}")
