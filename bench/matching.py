"""Benchmark of the matcher on the "scaled" test library (100k and 200k tracks).

Run ``.venv/bin/python bench/matching.py`` (add ``--no-baseline`` to skip the slow
baseline); prints a table. ``run()`` returns the rows as dicts
``{"name", "value", "unit", "target", "ok"}`` for ``bench/run.py`` to aggregate.

Figures: matcher build time; p50/p95 time to match a 50-track playlist (40 distinct
playlists drawn from the evaluation queries: about 70 % present, 30 % absent, with
typos and versions; caches cleared before each); time to match 5,000 suggestions
(cold caches); wall-clock figures, and the CPU time of this process beside the build and
the 5,000 (the machine is shared: wall-clock grows with other jobs, CPU time does not);
memory of the built matcher
(tracemalloc: bytes allocated by ``Matcher.build`` and still held, the entries
themselves excluded); the manual-match search (issue 14): its index build on first use
and the p50/p95 of 80 searches ("Artist Title" and the title alone). Targets from the issue "Matching: AI suggestions to library
tracks, precise, explainable and fast": build <= 2 s at 100k, playlist p50 <= 100 ms at
100k (one core), 5,000 suggestions <= 5 s at 200k, memory <= 250 MB at 200k.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.match_eval import build_eval, entries_from_tracks
from plex_completer.matching import BaselineMatcher, Matcher, Suggestion
from tests.fakes.library.builder import build_library

SIZES = (100_000, 200_000)


def _row(name: str, value: float, unit: str, target: float | None = None) -> dict:
    """A table row; rows without a target are informative (``ok`` True, target "")."""
    return {"name": name, "value": round(value, 3), "unit": unit,
            "target": "" if target is None else f"<= {target:g} {unit}",
            "ok": True if target is None else value <= target}


def _playlists(suggestions: list[Suggestion], count: int, size: int, seed: int) -> list[list[Suggestion]]:
    rng = random.Random(seed)
    pool = rng.sample(suggestions, min(len(suggestions), count * size))
    return [pool[i * size:(i + 1) * size] for i in range(count)]


def _cold(matcher=None) -> None:
    """Forget cached suggestion keys and fuzzy artist look-ups, so every timing is cold."""
    from plex_completer.matching import normalize

    for cached in (normalize.title_key, normalize.artist_keys, normalize.credit_parts, normalize.album_version):
        cached.cache_clear()
    if matcher is not None and hasattr(matcher, "_fuzzy_cache"):
        matcher._fuzzy_cache.clear()


def _time_playlists(match_many, playlists, matcher=None) -> list[float]:
    times = []
    for p in playlists:
        _cold(matcher)
        started = time.perf_counter()
        match_many(p)
        times.append((time.perf_counter() - started) * 1000)
    return times


def _measure_memory(build, entries) -> float:
    """MB allocated by ``build(entries)`` and still held by its result (tracemalloc)."""
    _cold()  # count the keys the matcher holds, not ones cached earlier
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    built = build(entries)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del built
    return (after - before) / 1e6


def run(sizes=SIZES, baseline: bool = True, seed: int = 0) -> list[dict]:
    """Build the scaled library and measure; returns the table rows."""
    started = time.perf_counter()
    tracks = build_library("scaled", seed=seed)
    library_s = time.perf_counter() - started
    full_n = sum(1 for t in tracks if t.tags["source"] != "scaled")
    queries = build_eval(tracks[:full_n], seed=seed, present=3600, absent=1400)
    suggestions = [q.suggestion for q in queries]
    rows = [_row("scaled library build (200k tracks, test fixture)", library_s, "s")]
    for n in sizes:
        entries = entries_from_tracks(tracks[:n])
        label = f"{n // 1000}k"
        gc.collect()
        started, cpu = time.perf_counter(), time.process_time()
        matcher = Matcher.build(entries)
        build_s, build_cpu = time.perf_counter() - started, time.process_time() - cpu
        rows.append(_row(f"matcher build @{label}", build_s, "s", 2.0 if n == 100_000 else None))
        rows.append(_row(f"matcher build @{label}, CPU time", build_cpu, "s"))
        times = _time_playlists(matcher.match_many, _playlists(suggestions, 40, 50, seed), matcher)
        p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[18]
        rows.append(_row(f"50-track playlist p50 @{label}", p50, "ms", 100.0 if n == 100_000 else None))
        rows.append(_row(f"50-track playlist p95 @{label}", p95, "ms"))
        batch = (suggestions * 2)[:5000]
        _cold(matcher)
        started, cpu = time.perf_counter(), time.process_time()
        Matcher.match_many(matcher, batch)
        rows.append(_row(f"5,000 suggestions @{label}", time.perf_counter() - started, "s",
                         5.0 if n == 200_000 else None))
        rows.append(_row(f"5,000 suggestions @{label}, CPU time", time.process_time() - cpu, "s"))
        started = time.perf_counter()
        matcher.search_page("warm up")  # builds the search index on first use
        rows.append(_row(f"search index build @{label}", time.perf_counter() - started, "s"))
        times = []
        for s in suggestions[:200:5]:  # the page's pre-filled "Artist Title", then the title alone
            for text in (f"{s.artist} {s.title}", s.title):
                started = time.perf_counter()
                matcher.search_page(text, 20)
                times.append((time.perf_counter() - started) * 1000)
        rows.append(_row(f"manual-match search p50 @{label}", statistics.median(times), "ms"))
        rows.append(_row(f"manual-match search p95 @{label}", statistics.quantiles(times, n=20)[18], "ms"))
        del matcher
        rows.append(_row(f"matcher memory @{label}", _measure_memory(Matcher.build, entries), "MB",
                         250.0 if n == 200_000 else None))
        if baseline:
            started = time.perf_counter()
            base = BaselineMatcher(entries)
            rows.append(_row(f"baseline build @{label}", time.perf_counter() - started, "s"))
            times = _time_playlists(lambda p, base=base: [base.match(s) for s in p], _playlists(suggestions, 3, 50, seed + 1))
            rows.append(_row(f"baseline 50-track playlist p50 @{label}", statistics.median(times), "ms"))
            rows.append(_row(f"baseline 5,000 suggestions @{label} (est. from 150)",
                             sum(times) / 150 * 5000 / 1000, "s"))
            del base
            rows.append(_row(f"baseline memory @{label}", _measure_memory(BaselineMatcher, entries), "MB"))
    return rows


def rows() -> list[dict]:
    """All figures with the baseline (the entry point of ``bench/run.py``)."""
    return run()


def main() -> None:
    from bench.table import print_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-baseline", action="store_true", help="skip the (slow) baseline figures")
    args = parser.parse_args()
    print_table(run(baseline=not args.no_baseline), title="Matching benchmark (scaled test library)")


if __name__ == "__main__":
    main()
