"""Evaluation of filling from the library (issue 18) end to end, per library size.

Starts the emulator stack (Plex with the test library, Gemini, Ollama), an app on a
temporary database with the library synced, and generates playlists whose AI answers
are general LLM-style answers (:func:`tests.fakes.ai.llm_answers.realistic_answer`
without the library: chart songs, most of them absent from a small library, as issue
18 measured: 0-3 of 20-25 kept). For each generation it checks what the issue asks:

* the Plex playlist reaches the requested length (target >= 95 % of generations when
  the library holds enough tracks);
* every filler is a library track that was on the numbered list shown to the AI
  (target 100 %);
* fillers share a genre, style or mood (the index's ``library_tags``: album's and album
  artist's) or a decade with the request's matched tracks (or, when nothing matched,
  a tag or decade the request names) (target >= 80 %); the decade and genre shares
  alone are shown too;
* at most one extra AI request per generation (requests recorded with purpose "fill").

Run ``.venv/bin/python bench/fill_eval.py [--sizes small,full]``; ``rows()`` feeds
``bench/run.py``. The emulator picks like a curator (artists already in the playlist,
then the request's period), so these figures measure the app's candidate list and
validation, not a real model's taste.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PROMPTS = (
    ("upbeat 1985 hits for a night drive", 25), ("best songs of the 70s", 20), ("90s dance party", 25),
    ("1965-1969 summer of love", 20), ("eighties power ballads", 20), ("2000s road trip", 25),
    ("1999 hits", 20), ("sixties soul", 20),
)


def run_size(size: str) -> list[dict]:
    """Rows for the test library of ``size`` (``small`` or ``full``)."""
    import sqlalchemy as sa

    from plex_completer import create_app
    from plex_completer.extensions import db
    from plex_completer.jobs import runner
    from plex_completer.models import AiAttempt, LibraryTrack, Playlist
    from plex_completer.services import library_tags
    from plex_completer.services.fill_candidates import request_decades
    from tests.fakes.ai.llm_answers import realistic_answer
    from tests.fakes.library.builder import build_library
    from tests.fakes.stack import start_stack

    tracks = build_library(size, seed=7)
    stack = start_stack(tracks=tracks)
    stack.gemini.answer = lambda prompt, count: realistic_answer(prompt, count)  # general knowledge, not the library
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app({**stack.env, "DATA_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/eval.db",
                              "SCHEDULER_ENABLED": False, "JOBS_INLINE": True, "AUTH_DISABLED": True,
                              "LOG_LEVEL": "WARNING", "SECRET_KEY": "bench", "GEMINI_TIMEOUT": 20, "PLEX_TIMEOUT": 20})
            with app.app_context():
                sync = runner.run_now("library_sync", {"full": True})
                assert sync.status == "done", sync.message
                tags = library_tags.track_tags()
                full = listed = fillers_total = fit = tag_fit = either = extra_max = 0
                wish_kept: list[float] = []
                for prompt, count in PROMPTS:
                    job = runner.run_now("generate", {"prompt": prompt, "count": count, "owner": None})
                    assert job.status == "done", job.message
                    playlist = db.session.get(Playlist, job.result["playlist_id"])
                    items = stack.plex.playlists[int(playlist.plex_rating_key)].items if playlist.plex_rating_key else []
                    full += int(len(items) >= count)
                    wish_kept.append(playlist.matched_count / count)
                    fill_prompt = stack.gemini.last_prompt_text() or ""
                    attempts = db.session.scalars(sa.select(AiAttempt).where(AiAttempt.job_id == job.id,
                                                                             AiAttempt.purpose == "fill",
                                                                             AiAttempt.outcome != "skipped")).all()
                    extra_max = max(extra_max, len(attempts))
                    tracks_ = playlist.current_generation.tracks
                    matched_decades = {lt.year // 10 * 10 for t in tracks_ if not t.filler and t.matched_rating_key
                                       if (lt := db.session.get(LibraryTrack, t.matched_rating_key)) and lt.year}
                    decades = matched_decades or set(request_decades(prompt))
                    matched_tags = {g for t in tracks_ if not t.filler and t.matched_rating_key
                                    for g in tags.get(t.matched_rating_key, ())}
                    if not matched_tags:
                        named = set(prompt.lower().split())
                        matched_tags = {g for found in tags.values() for g in found if set(g.split()) <= named}
                    for t in (t for t in tracks_ if t.filler):
                        fillers_total += 1
                        in_index = db.session.get(LibraryTrack, t.matched_rating_key) is not None
                        listed += int(in_index and f"{t.artist} – {t.title}" in fill_prompt)
                        in_decade = bool(t.year) and t.year // 10 * 10 in decades
                        in_tags = bool(matched_tags.intersection(tags.get(t.matched_rating_key, ())))
                        fit += int(in_decade)
                        tag_fit += int(in_tags)
                        either += int(in_decade or in_tags)
    finally:
        stack.stop()
    n = len(PROMPTS)
    label = f"{size} ({len(tracks):,} tracks)"
    share = lambda a, b: round(100 * a / b, 1) if b else 100.0  # noqa: E731
    return [
        {"name": f"{label}: wish-list tracks in the library (mean)", "value": round(100 * statistics.mean(wish_kept), 1),
         "unit": "%", "target": "", "ok": None},
        {"name": f"{label}: generations reaching the asked length", "value": share(full, n), "unit": f"% of {n}",
         "target": ">= 95 %", "ok": share(full, n) >= 95},
        {"name": f"{label}: fillers that are listed library tracks", "value": share(listed, fillers_total),
         "unit": f"% of {fillers_total}", "target": "100 %", "ok": listed == fillers_total},
        {"name": f"{label}: fillers sharing a genre or decade with the matched tracks",
         "value": share(either, fillers_total), "unit": f"% of {fillers_total}", "target": ">= 80 %",
         "ok": share(either, fillers_total) >= 80},
        {"name": f"{label}: … sharing a decade", "value": share(fit, fillers_total), "unit": f"% of {fillers_total}",
         "target": "", "ok": None},
        {"name": f"{label}: … sharing a genre, style or mood", "value": share(tag_fit, fillers_total),
         "unit": f"% of {fillers_total}", "target": "", "ok": None},
        {"name": f"{label}: extra AI requests per generation (max)", "value": extra_max, "unit": "requests",
         "target": "<= 1", "ok": extra_max <= 1},
    ]


def rows(sizes: tuple[str, ...] = ("small", "full")) -> list[dict]:
    """Evaluation rows for each library size."""
    out: list[dict] = []
    for size in sizes:
        out += run_size(size)
    return out


def main(argv: list[str] | None = None) -> int:
    from bench.table import sizes_main

    return sizes_main(rows, __doc__.splitlines()[0], "small,full", argv)


if __name__ == "__main__":
    raise SystemExit(main())
