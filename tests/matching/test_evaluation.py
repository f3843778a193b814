"""The matching evaluation on the full test library with messy tags: the issues' targets.

Builds the full library (~56k tracks) with issue 14's tag perturbations
(:mod:`tests.fakes.library.messy`) and ~5,500 generated queries (see
``bench/match_eval.py``); skips when ``../shared/data`` is absent. The per-category
table is printed by ``bench/matching_eval.py``.
"""

from __future__ import annotations

import pytest

from bench.match_eval import ABSENT_MIX, MESSY_MIX, PRESENT_MIX, build_eval, entries_from_tracks, evaluate
from plex_completer.matching import Matcher
from tests.fakes.library.builder import require_shared_data, shared_library
from tests.fakes.library.messy import messy_library

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def full_eval():
    require_shared_data()
    tracks = messy_library(shared_library("full", seed=0), seed=0)
    queries = build_eval(tracks, seed=0)
    matcher = Matcher.build(entries_from_tracks(tracks))
    return tracks, queries, matcher


def test_evaluation_set_covers_every_category_and_is_deterministic(full_eval):
    tracks, queries, _ = full_eval
    assert 5_000 <= len(queries) <= 6_500
    counts = {q.category for q in queries}
    assert set(PRESENT_MIX) | set(ABSENT_MIX) | set(MESSY_MIX) <= counts
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
    # the studio original (or the best version present) is chosen almost always; on the
    # clean categories, since an exact title (a best-of copy) beats a misspelt tag of the
    # original by design (docs/matching.md)
    clean = evaluate(lambda s: matcher.match(s).rating_key, [q for q in queries if q.category in PRESENT_MIX])
    assert clean["present"].preferred_rate >= 0.98, clean["present"]


def test_each_messy_tag_class_meets_the_targets(full_eval):
    """Issue 14: per class, present queries found (recall >= 97 %), no wrong track, and
    no trap (the variant artist is someone else, the subtitle alone) accepted."""
    _, queries, matcher = full_eval
    metrics = evaluate(lambda s: matcher.match(s).rating_key, [q for q in queries if q.category in MESSY_MIX])
    for category in MESSY_MIX:
        m = metrics[category]
        assert m.precision >= 0.995, (category, m)
        if category.startswith("trap_"):
            assert m.false_pos <= 0.005 * m.n, (category, m)
        else:
            assert m.recall >= 0.97, (category, m)
