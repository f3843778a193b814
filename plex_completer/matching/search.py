"""The manual-match search box: library entries by words of title, artists and album.

Every word typed must start a word of the track's title, album artist, track artist or
album (the last one may be a prefix: "crazy in lo"); hits are ranked by rapidfuzz
``WRatio`` against "artist title". Pure, in memory.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from rapidfuzz import fuzz

from .normalize import fold, words
from .types import LibraryEntry


class SearchIndex:
    """A word -> entry-positions index over ``entries`` (built in the constructor)."""

    def __init__(self, entries: Sequence[LibraryEntry]) -> None:
        self._entries = entries
        index: dict[str, list[int]] = {}
        for i, e in enumerate(entries):
            text = f"{e.title} {e.album_artist} {e.track_artist or ''} {e.album}"
            for w in set(words(fold(text))):
                index.setdefault(w, []).append(i)
        self._index = index
        self._vocab = sorted(index)

    def search(self, text: str, limit: int = 20) -> list[LibraryEntry]:
        """Up to ``limit`` entries matching every word of ``text``, best first."""
        ws = words(fold(text))
        if not ws or limit <= 0:
            return []
        index, vocab = self._index, self._vocab
        sets: list[set[int]] = []
        for n, w in enumerate(ws):
            if n == len(ws) - 1:
                found: set[int] = set()
                j = bisect_left(vocab, w)
                while j < len(vocab) and vocab[j].startswith(w) and len(found) < 50_000:
                    found.update(index[vocab[j]])
                    j += 1
            else:
                found = set(index.get(w, ()))
            sets.append(found)
        sets.sort(key=len)
        hits = sets[0]
        for s in sets[1:]:
            hits = hits & s
            if not hits:
                break
        needle = " ".join(ws)
        ranked = sorted(hits, key=lambda i: (-fuzz.WRatio(needle, self._label(i)), i))
        return [self._entries[i] for i in ranked[:limit]]

    def _label(self, i: int) -> str:
        e = self._entries[i]
        return " ".join(words(fold(f"{e.track_artist or e.album_artist} {e.title}")))
