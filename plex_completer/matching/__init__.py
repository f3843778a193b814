"""Matching AI suggestions to library tracks: pure functions and an in-memory index.

Public API::

    from plex_completer.matching import LibraryEntry, Suggestion, MatchDecision, Matcher, MatchThresholds, Override
    m = Matcher.build(entries)            # once per library index version
    m.match(Suggestion("Beyoncé", "Crazy in Love"))   # -> MatchDecision(rating_key, score, reason, kind)
    m.match_many(suggestions, overrides)  # overrides: Override("track", k) / Override("absent") / None
    m.search("crazy in lo")               # manual-match search box
    m.search_page("beach boys", 20)       # -> SearchResult(entries, total)
    m.set_aliases([("Puffy", "Diddy")])   # learned aliases (built-in ones always apply)

Rules, thresholds and the evaluation figures behind them: ``docs/matching.md``.
"""

from .aliases import KNOWN_ALIASES, alias_map
from .baseline import BaselineMatcher, baseline_match
from .matcher import Matcher
from .normalize import artist_keys, credit_parts, title_key
from .scoring import titles_agree, version_rank
from .search import SearchResult
from .types import KINDS, LibraryEntry, MatchDecision, MatchThresholds, Override, Suggestion

__all__ = [
    "KINDS",
    "KNOWN_ALIASES",
    "BaselineMatcher",
    "LibraryEntry",
    "MatchDecision",
    "MatchThresholds",
    "Matcher",
    "Override",
    "SearchResult",
    "Suggestion",
    "alias_map",
    "artist_keys",
    "baseline_match",
    "credit_parts",
    "title_key",
    "titles_agree",
    "version_rank",
]
