"""Matching evaluation: precision, recall and F1 of the matcher and of the baseline.

Run ``.venv/bin/python bench/matching_eval.py`` (``--seed N``, ``--baseline-every K``,
``--no-sweep``). Builds the "full" test library and the generated evaluation set
(``bench/match_eval.py``), then prints:

1. per category, for the matcher: n, precision, recall, F1 and the share of correct
   answers that are the preferred version (studio original first);
2. the same for the baseline (rapidfuzz ``token_set_ratio`` averaged over title and
   artist, accept >= 75) on every K-th query (it scans the library per query);
3. a sweep of each threshold around its default (the figures in ``docs/matching.md``).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.match_eval import ABSENT_MIX, MESSY_MIX, PRESENT_MIX, build_eval, entries_from_tracks, evaluate
from plex_completer.matching import BaselineMatcher, Matcher, MatchThresholds
from tests.fakes.library.builder import build_library
from tests.fakes.library.messy import messy_library

SWEEP = {
    "title_min": (75, 78, 80, 82, 85, 88, 90),
    "one_edit_min_length": (4, 5, 6, 8, 100),
    "artist_min": (75, 80, 85, 90, 95),
    "variant_title_min": (82, 85, 88, 90, 93, 96),
    "surname_title_min": (90, 93, 96, 100),
    "missing_partner_cost": (0, 4, 8, 15),
    "extra_credit_cost": (0, 1, 4, 7, 10),
}


def _pct(x: float | None) -> str:
    return "   -  " if x is None else f"{100 * x:6.2f}"


def print_metrics(title: str, metrics: dict) -> None:
    """Print one metrics table (categories in the generator's order, then totals)."""
    print(title)
    print(f"  {'category':<22} {'n':>5} {'prec%':>6} {'rec%':>6} {'F1%':>6} {'pref%':>6}  wrong fp  miss  class")
    order = [c for c in (*PRESENT_MIX, *ABSENT_MIX, *MESSY_MIX) if c in metrics] + ["present", "absent", "ALL"]
    for cat in order:
        m = metrics[cat]
        print(f"  {cat:<22} {m.n:>5} {_pct(m.precision)} {_pct(m.recall)} {_pct(m.f1)} {_pct(m.preferred_rate)}"
              f"  {m.wrong:>5} {m.false_pos:>2} {m.missed:>5}  {MESSY_MIX.get(cat, ('',))[0]}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--baseline-every", type=int, default=7, help="baseline on every K-th query (0: skip)")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--clean", action="store_true", help="the clean full library, without issue 14's messy tags")
    args = parser.parse_args()
    started = time.perf_counter()
    tracks = build_library("full", seed=args.seed)
    if not args.clean:
        tracks = messy_library(tracks, seed=args.seed)
    queries = build_eval(tracks, seed=args.seed)
    entries = entries_from_tracks(tracks)
    print(f"library: {len(tracks)} tracks; {len(queries)} queries "
          f"({sum(q.present for q in queries)} present); built in {time.perf_counter() - started:.1f} s\n")
    matcher = Matcher.build(entries)
    started = time.perf_counter()
    ours = evaluate(lambda s: matcher.match(s).rating_key, queries)
    print_metrics(f"Matcher (defaults), {time.perf_counter() - started:.2f} s for {len(queries)} queries", ours)
    if args.baseline_every:
        sample = queries[:: args.baseline_every]
        base = BaselineMatcher(entries)
        started = time.perf_counter()
        theirs = evaluate(lambda s: base.match(s).rating_key, sample)
        elapsed = time.perf_counter() - started
        print_metrics(f"Baseline (token_set_ratio >= 75), {elapsed:.1f} s for {len(sample)} queries", theirs)
        mine = evaluate(lambda s: matcher.match(s).rating_key, sample)
        print(f"  same sample, matcher: precision {_pct(mine['ALL'].precision)} %, "
              f"recall {_pct(mine['present'].recall)} %\n")
    if not args.no_sweep:
        defaults = MatchThresholds()
        print("Threshold sweep (one at a time, others at their defaults)")
        print(f"  {'threshold':<22} {'value':>6} {'prec%':>6} {'rec%':>6} {'F1%':>6}  fp+wrong  miss")
        for name, values in SWEEP.items():
            for value in values:
                matcher.thresholds = dataclasses.replace(defaults, **{name: value})
                m = evaluate(lambda s: matcher.match(s).rating_key, queries)
                mark = " <- default" if getattr(defaults, name) == value else ""
                print(f"  {name:<22} {value:>6} {_pct(m['ALL'].precision)} {_pct(m['present'].recall)} "
                      f"{_pct(m['present'].f1)}  {m['ALL'].false_pos + m['ALL'].wrong:>8} {m['ALL'].missed:>5}{mark}")
        matcher.thresholds = defaults


if __name__ == "__main__":
    main()
