"""Matching AI suggestions to library tracks: pure functions and an in-memory index.

Public API::

    from plex_completer.matching import LibraryEntry, Suggestion, MatchDecision, Matcher, MatchThresholds, Override
    m = Matcher.build(entries)            # once per library index version
    m.match(Suggestion("Beyoncé", "Crazy in Love"))   # -> MatchDecision(rating_key, score, reason, kind)
    m.match_many(suggestions, overrides)  # overrides: Override("track", k) / Override("absent") / None
    m.search("crazy in lo")               # manual-match search box

Rules, thresholds and the evaluation figures behind them: ``docs/matching.md``.
"""

from .baseline import BaselineMatcher, baseline_match
from .matcher import Matcher
from .normalize import artist_keys, credit_parts, title_key
from .scoring import version_rank
from .types import KINDS, LibraryEntry, MatchDecision, MatchThresholds, Override, Suggestion

__all__ = [
    "KINDS", "BaselineMatcher", "LibraryEntry", "MatchDecision", "MatchThresholds", "Matcher", "Override",
    "Suggestion", "artist_keys", "baseline_match", "credit_parts", "title_key", "version_rank",
]
