"""The matching evaluation on the full test library: the issue's precision and recall targets.

Builds the full library (~56k tracks) and ~4,200 generated queries (see
``bench/match_eval.py``); skips when ``../shared/data`` is absent. The per-category
table is printed by ``bench/matching_eval.py``.
"""

from __future__ import annotations

import pytest

from bench.match_eval import ABSENT_MIX, PRESENT_MIX, build_eval, entries_from_tracks, evaluate
from plex_completer.matching import Matcher
from tests.fakes.library.builder import require_shared_data, shared_library

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def full_eval():
    require_shared_data()
    tracks = shared_library("full", seed=0)
    queries = build_eval(tracks, seed=0)
    matcher = Matcher.build(entries_from_tracks(tracks))
    return tracks, queries, matcher


def test_evaluation_set_covers_every_category_and_is_deterministic(full_eval):
    tracks, queries, _ = full_eval
    assert 3_500 <= len(queries) <= 5_000
    counts = {q.category for q in queries}
    assert set(PRESENT_MIX) | set(ABSENT_MIX) <= counts
    assert [q.suggestion for q in build_eval(tracks, seed=0)[:200]] == [q.suggestion for q in queries[:200]]
    keys = {t.rating_key for t in tracks}
    assert all(q.acceptable <= keys and q.preferred <= q.acceptable for q in queries)


def test_precision_and_recall_meet_the_issue_targets(full_eval):
    _, queries, matcher = full_eval
    metrics = evaluate(lambda s: matcher.match(s).rating_key, queries)
    overall, present = metrics["ALL"], metrics["present"]
    assert overall.precision >= 0.995, overall
    assert present.recall >= 0.97, present
    assert metrics["absent"].false_pos <= 0.005 * metrics["absent"].n, metrics["absent"]
    # the studio original (or the best version present) is chosen almost always
    assert present.preferred_rate >= 0.98, present
