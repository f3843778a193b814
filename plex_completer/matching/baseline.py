"""The naive matcher the evaluation compares against: rapidfuzz ``token_set_ratio``
averaged over title and artist, accept >= 75, pick the best.

This is what a first implementation typically does; ``docs/matching.md`` shows its
figures next to :class:`~plex_completer.matching.Matcher`'s. The scan is done in C by
``rapidfuzz.process.extract`` over the distinct titles, so it is usable for evaluation,
but it is still a scan of the whole library per suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, process, utils

from .types import LibraryEntry, MatchDecision, Suggestion

BASELINE_ACCEPT = 75.0


class BaselineMatcher:
    """Baseline over a fixed set of entries; the artist of an entry is its track artist
    (``originalTitle``) when set, else its album artist."""

    def __init__(self, entries: Iterable[LibraryEntry]) -> None:
        self._entries = list(entries)
        by_title: dict[str, list[int]] = {}
        for i, e in enumerate(self._entries):
            by_title.setdefault(utils.default_process(e.title), []).append(i)
        self._by_title = by_title
        self._titles = list(by_title)
        self._artist_of = [utils.default_process(e.track_artist or e.album_artist or "") for e in self._entries]

    def __len__(self) -> int:
        return len(self._entries)

    def match(self, s: Suggestion) -> MatchDecision:
        """Best entry by mean(token_set_ratio(title), token_set_ratio(artist)) if >= 75."""
        qt, qa = utils.default_process(s.title), utils.default_process(s.artist)
        best: tuple[float, int] | None = None
        # mean >= 75 needs the title score >= 50
        for _, tscore, j in process.extract(qt, self._titles, scorer=fuzz.token_set_ratio,
                                            limit=None, score_cutoff=2 * BASELINE_ACCEPT - 100):
            for i in self._by_title[self._titles[j]]:
                score = (tscore + fuzz.token_set_ratio(qa, self._artist_of[i])) / 2
                if best is None or score > best[0]:
                    best = (score, i)
        if best is None or best[0] < BASELINE_ACCEPT:
            return MatchDecision(None, round(best[0], 1) if best else 0.0, "below 75", "no_title")
        return MatchDecision(self._entries[best[1]].rating_key, round(best[0], 1), "baseline", "fuzzy")


def baseline_match(entries: Iterable[LibraryEntry], suggestion: Suggestion) -> MatchDecision:
    """One-off baseline match (builds a :class:`BaselineMatcher`; use the class for many)."""
    return BaselineMatcher(entries).match(suggestion)
