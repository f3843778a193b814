"""Scoring pieces of the matcher: version ranks, title similarity and its guards.

Similarity is ``100 x (1 - d / longer length)`` with ``d`` the optimal-string-alignment
distance (rapidfuzz ``OSA``: a transposition is one edit, as in "Wetn" for "Went") on the
space-free keys of :mod:`.normalize`.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import OSA

from .normalize import DISTINCT_VERSIONS, TitleKey, digits
from .types import MatchThresholds

# Version rank when no distinct version is asked for (0 is best): the studio original,
# then a remaster, then edits and re-recordings, then best-of and compilation copies.
_PLAIN_RANK = {None: 0, "remaster": 1, "radio_edit": 2, "single_version": 2, "taylors_version": 2,
               "best_of": 3, "compilation": 3}
DISTINCT_RANK = 10  # a live/remix/... version nobody asked for
FALLBACK_RANK = 6  # the studio version when another version was asked for
EXACT, SHORT_EQUAL, ALT_EQUAL, SQUEEZED_EQUAL = 100.0, 97.0, 96.0, 95.0
_RUNS = re.compile(r"(.)\1+")


def squeeze(key: str) -> str:
    """A key with doubled letters single ("allright" -> "alright", "yesterdday" -> "yesterday")."""
    return _RUNS.sub(r"\1", key)


def version_rank(asked: str | None, version: str | None) -> float:
    """Rank of a track's version for a suggestion asking ``asked`` (None = no version
    named): 0 best, >= 6 "another version than asked" (score penalty)."""
    if asked is None or asked in ("remaster", "radio_edit", "single_version"):
        if version in DISTINCT_VERSIONS:
            return DISTINCT_RANK
        rank = _PLAIN_RANK.get(version, 3)
        if asked is None:
            return rank
        return 0.0 if version == asked else 1 + rank / 4  # asked for a remaster: the original is next
    if version == asked:
        return 0.0
    if version in DISTINCT_VERSIONS:
        return DISTINCT_RANK
    return FALLBACK_RANK + _PLAIN_RANK.get(version, 3) / 4


def best_similarity(names: tuple[str, ...], keys: tuple[str, ...]) -> float:
    best = 0.0
    for a in names:
        for b in keys:
            sim = 100.0 if a == b else OSA.normalized_similarity(a, b) * 100
            if sim > best:
                best = sim
    return best


def _guarded(q: TitleKey, e: TitleKey) -> bool:
    """True when two titles differ by more than spelling: one's words are a strict subset
    of the other's ("One" / "One More Time"), their numbers differ ("Part 1" / "Part 2"),
    or, word for word, a word of three letters or more was replaced by an unrelated one
    ("Tell The World" / "Heart The World"; a typo keeps half the letters, and more than
    half in a word of six letters or more: not "Remember" / "Summer"), or grown by three
    letters or more at one end ("Night" / "Midnight")."""
    qw, ew = q.words, e.words
    if len(qw) != len(ew):
        short, long_ = (qw, ew) if len(qw) < len(ew) else (ew, qw)
        if set(short) <= set(long_):
            return True
    if q.numbers != e.numbers:
        return True
    if len(qw) == len(ew):
        for a, b in zip(qw, ew, strict=False):
            if a == b or min(len(a), len(b)) < 3:
                continue
            sim = OSA.normalized_similarity(a, b)
            if sim < 0.5 or (sim == 0.5 and max(len(a), len(b)) >= 6):
                return True
            short, long_ = (a, b) if len(a) < len(b) else (b, a)
            if len(long_) - len(short) >= 3 and (long_.startswith(short) or long_.endswith(short)):
                return True  # "Night" / "Midnight": a word grown by a syllable is another word
    return False


def title_similarity(q: TitleKey, e: TitleKey, th: MatchThresholds) -> tuple[float, bool]:
    """(similarity 0-100, acceptable) of a suggested title against a library title."""
    if q.key == e.key:
        return EXACT, True
    if (q.key == e.short and e.short_specific) or (q.short == e.key and q.short_specific):
        # one side omits a bracket of the title, and what remains still names one song
        return SHORT_EQUAL, True
    # One side omits an optional subtitle, a leading "The", a "Theme from" or the part
    # after a comma (issue 14, class 2); the alternative is only there when specific.
    if q.bare in e.alts or e.bare in q.alts:
        return ALT_EQUAL, True
    a, b = q.key, e.key
    dist = OSA.distance(a, b)
    sim = 100.0 * (1 - dist / max(len(a), len(b)))
    ok = sim >= th.title_min or (dist <= 1 and min(len(a), len(b)) >= th.one_edit_min_length)
    if sim < SQUEEZED_EQUAL and dist <= 2 and len(a) >= th.one_edit_min_length and squeeze(a) == squeeze(b):
        sim, ok = SQUEEZED_EQUAL, True  # only doubled letters differ ("Maayberry", "Allright")
    if not ok and (len(q.alts) > 1 or len(e.alts) > 1):
        # A typo beside an optional subtitle: one title's whole form against the other's
        # subtitle-free forms (3 points off), with the guards on those forms.
        for x, y in ((q, e), (e, q)):
            xa, xw = x.alts[0], x.alt_words[0]
            for ya, yw in zip(y.alts[1:], y.alt_words[1:], strict=False):
                d = OSA.distance(xa, ya)
                alt_sim = 100.0 * (1 - d / max(len(xa), len(ya), 1)) - 3
                if alt_sim >= th.title_min and alt_sim > sim and not _guarded(
                        TitleKey(xa, xa, xw, (), (), digits(xw)), TitleKey(ya, ya, yw, (), (), digits(yw))):
                    return round(alt_sim, 1), True
    if ok and _guarded(q, e):  # guards only matter for titles that would pass
        return round(min(sim, th.guard_cap), 1), False
    return round(sim, 1), ok


def titles_agree(a: str, b: str, th: MatchThresholds | None = None) -> bool:
    """Whether two titles name the same song by the matcher's title rules (guards,
    optional subtitles, typos; versions ignored): "Born to Run" / "Born To Run (2014
    Remaster)" yes, "One" / "One More Time" no."""
    from .normalize import title_key

    return title_similarity(title_key(a), title_key(b), th or MatchThresholds())[1]
