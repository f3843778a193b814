"""Benchmark of the fill candidate sampler (issue 18) on the test libraries.

Run ``.venv/bin/python bench/fill.py``; prints a table. ``rows()`` returns the rows as
dicts ``{"name", "value", "unit", "target", "ok"}`` for ``bench/run.py``.

Figures per library size (small ~2k, full ~60k, scaled cut at 200k tracks): the time to
arrange the index for sampling (:meth:`FillIndex.build`, once per library index
version, informative), and the p50 / max time of :func:`sample_candidates` for 300
lines (Gemini) and 100 lines (Ollama) over 30 requests whose wish lists name 25
artists of the library with their years and 8 matched tracks, with the test library's
genres and styles (``tests/fakes/library/genres.py``). Target from issue 18:
building the candidate list <= 50 ms at 200k tracks. How well fillers fit the request
is measured end to end in ``bench/fill_eval.py``.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.match_eval import entries_from_tracks
from plex_completer.plex.tag_rows import normalize_tag
from plex_completer.services.fill_candidates import GEMINI_LINES, OLLAMA_LINES, CandidateRequest, FillIndex, sample_candidates
from tests.fakes.library.builder import build_library

TARGET_MS_200K = 50.0
REQUESTS = 30
PROMPTS = ("upbeat 80s synth pop for a night drive", "rainy Sunday jazz", "1995 hits", "soul and funk from the seventies",
           "songs to sing along to in the car", "1979-1983 new wave")


def _requests(entries, seed: int) -> list[CandidateRequest]:
    rng = random.Random(seed)
    out = []
    for n in range(REQUESTS):
        sample = rng.sample(entries, 25)
        named = [(e.track_artist or e.album_artist, e.year) for e in sample]
        matched = [e.rating_key for e in sample[:8]]
        out.append(CandidateRequest(PROMPTS[n % len(PROMPTS)], named, matched, GEMINI_LINES, seed=n))
    return out



def track_tags(tracks) -> dict[int, list[str]]:
    """``{ratingKey: [tag_norm, ...]}`` of test-library tracks (album's and album
    artist's tags), as :func:`plex_completer.services.library_tags.track_tags` reads
    them from the index."""
    out = {}
    for t in tracks:
        found = list(dict.fromkeys(normalize_tag(tag) for _kind, tag in (*t.album_tags, *t.artist_tags)))
        if found:
            out[t.rating_key] = found
    return out


def run_size(label: str, entries, tags=None) -> list[dict]:
    """Rows for one library (``entries``: LibraryEntry values; ``tags`` as
    :func:`track_tags` returns them)."""
    started = time.perf_counter()
    index = FillIndex.build(entries, tags)
    build_s = time.perf_counter() - started
    reqs = _requests(entries, seed=len(entries))
    rows = [{"name": f"{label}: arrange the index (once per library version)", "value": round(build_s, 2), "unit": "s",
             "target": "", "ok": None}]
    for lines in (GEMINI_LINES, OLLAMA_LINES):
        times, sizes = [], []
        for req in reqs:
            req = CandidateRequest(req.prompt, req.named, req.matched, lines, req.seed)
            t0 = time.perf_counter()
            cands = sample_candidates(index, req)
            times.append((time.perf_counter() - t0) * 1000)
            sizes.append(len(cands))
        p50, worst = statistics.median(times), max(times)
        target = TARGET_MS_200K if len(entries) >= 200_000 else None
        rows += [
            {"name": f"{label}: candidate list of {lines} lines, p50", "value": round(p50, 2), "unit": "ms",
             "target": f"<= {target:g} ms" if target else "", "ok": p50 <= target if target else None},
            {"name": f"{label}: candidate list of {lines} lines, max", "value": round(worst, 2), "unit": "ms",
             "target": f"<= {target:g} ms" if target else "", "ok": worst <= target if target else None},
            {"name": f"{label}: lines returned (min)", "value": min(sizes), "unit": "lines", "target": "", "ok": None},
        ]
    return rows


def rows(sizes: tuple[str, ...] = ("small", "full", "scaled")) -> list[dict]:
    """Benchmark rows for each library size."""
    out = []
    for size in sizes:
        tracks = build_library(size, seed=0)
        entries = entries_from_tracks(tracks)
        if size == "scaled":
            entries = entries[:200_000]
        out += run_size(f"{size} ({len(entries):,} tracks)", entries, track_tags(tracks))
    return out


def main(argv: list[str] | None = None) -> int:
    from bench.table import sizes_main

    return sizes_main(rows, __doc__.splitlines()[0], "small,full,scaled", argv)


if __name__ == "__main__":
    raise SystemExit(main())
