"""The manual-match search box: library entries by the words of title, artists and album.

Uses the matcher's own normalisation (:mod:`.normalize`): case, diacritics, apostrophes
and punctuation are folded ("beyonce" finds "Beyoncé", "dont" finds "Don't"), and each
entry is also indexed under its space-free artist and title keys ("beachboys", "acdc").
A query's words are weighted by rarity (inverse document frequency), so "The" or "Love"
count little; an entry is a hit when it holds at least :data:`MIN_COVERAGE` of the
query's weight, so "The Beach Boys Good Vibrations" finds a library that writes "Beach
Boys", and a title alone or an artist alone works. The last word may be a prefix
("crazy in lo"). Hits are ranked by coverage, then by rapidfuzz ``WRatio`` against
"artist title" and against the title alone. Issue 14, class 7. Pure, in memory.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from .normalize import artist_keys, fold, title_key, words
from .types import LibraryEntry

#: Share of a query's word weight an entry must hold to be a hit (0-1): with four
#: equally rare words, three must be found. Chosen on the manual-match cases of
#: ``tests/matching/test_search.py``.
MIN_COVERAGE = 0.7
#: Most vocabulary words a last-word prefix expands to.
PREFIX_WORDS = 200


@dataclass(frozen=True, slots=True)
class SearchResult:
    """``entries``: up to ``limit`` entries, best first; ``total``: how many entries were
    hits in all (so a page can say "and N more")."""

    entries: list[LibraryEntry]
    total: int

    @property
    def more(self) -> int:
        """Hits not listed (``total - len(entries)``)."""
        return max(self.total - len(self.entries), 0)


class SearchIndex:
    """A word -> entry-positions index over ``entries`` (built in the constructor)."""

    def __init__(self, entries: Sequence[LibraryEntry], title_keys: Sequence[str] | None = None,
                 artist_keys_: Sequence[Sequence[str]] | None = None) -> None:
        """Index ``entries``; ``title_keys`` / ``artist_keys_`` (per entry: the space-free
        title key, the artist keys) are the matcher's own, computed here when omitted."""
        self._entries = entries
        index: dict[str, list[int]] = {}
        cache: dict[str, list[str]] = {}

        def words_of(text: str) -> list[str]:
            hit = cache.get(text)
            if hit is None:
                hit = cache[text] = words(fold(text))
            return hit

        for i, e in enumerate(entries):
            found = set(words_of(e.title))
            found.update(words_of(e.album_artist or ""))
            if e.track_artist:
                found.update(words_of(e.track_artist))
            found.update(words_of(e.album or ""))
            if artist_keys_ is not None:
                found.update(artist_keys_[i])
            else:
                found.update(artist_keys(e.album_artist or "")[:1])
                if e.track_artist:
                    found.update(artist_keys(e.track_artist)[:2])
            found.add(title_keys[i] if title_keys is not None else title_key(e.title).key)
            found.discard("")
            for w in found:
                lst = index.get(w)
                if lst is None:
                    index[w] = [i]
                else:
                    lst.append(i)
        self._index = index
        self._vocab = sorted(index)

    def search(self, text: str, limit: int = 20) -> list[LibraryEntry]:
        """Up to ``limit`` entries for ``text``, best first (see :meth:`find`)."""
        return self.find(text, limit).entries

    def find(self, text: str, limit: int = 20) -> SearchResult:
        """The hits for ``text`` (see the module docstring): up to ``limit`` entries and
        the total count. Empty for a blank query or ``limit <= 0``."""
        ws = list(dict.fromkeys(words(fold(text))))
        if not ws or limit <= 0:
            return SearchResult([], 0)
        n = max(len(self._entries), 1)
        postings: list[tuple[float, list[list[int]]]] = []
        for pos, w in enumerate(ws):
            lists = []
            if pos == len(ws) - 1:  # the word being typed: a prefix
                j = bisect_left(self._vocab, w)
                while j < len(self._vocab) and self._vocab[j].startswith(w) and len(lists) < PREFIX_WORDS:
                    lists.append(self._index[self._vocab[j]])
                    j += 1
            elif w in self._index:
                lists.append(self._index[w])
            df = sum(len(x) for x in lists)
            postings.append((math.log(1 + n / (1 + df)), lists))
        # Words typed apart may be one space-free key in the library ("ac dc" for "AC/DC"):
        # a span of two or three words found joined counts as those words.
        for size in (2, 3):
            for start in range(len(ws) - size + 1):
                joined = "".join(ws[start:start + size])
                if joined in self._index:
                    span = sum(postings[k][0] for k in range(start, start + size))
                    postings.append((span, [self._index[joined]]))
        total_weight = sum(w for w, _ in postings[: len(ws)]) or 1.0
        scores: dict[int, float] = {}
        for weight, lists in postings:
            seen: set[int] = set()
            for lst in lists:
                seen.update(lst)
            for i in seen:
                scores[i] = scores.get(i, 0.0) + weight
        needed = MIN_COVERAGE * total_weight
        hits = [(min(s / total_weight, 1.0), i) for i, s in scores.items() if s >= needed - 1e-9]
        needle = " ".join(ws)
        # Rank by coverage (in steps of 5 %), then fuzzy likeness; WRatio only for the top
        # few hundred by coverage, as a 200k library can hold thousands of "love" hits.
        hits.sort(key=lambda h: (-h[0], h[1]))
        head = hits[: max(limit * 10, 200)]
        ranked = sorted(head, key=lambda h: (-round(h[0] * 20), -self._likeness(needle, h[1]), h[1]))
        return SearchResult([self._entries[i] for _, i in ranked[:limit]], len(hits))

    def _likeness(self, needle: str, i: int) -> float:
        e = self._entries[i]
        title = " ".join(words(fold(e.title)))
        label = " ".join(words(fold(f"{e.track_artist or e.album_artist} {e.title}")))
        return max(fuzz.WRatio(needle, label), fuzz.WRatio(needle, title))
