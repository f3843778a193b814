"""Benchmark: rescan of 100 stored playlists × 50 tracks against a large library index.

Builds the library index straight into a temporary SQLite database (what a full sync
leaves behind), stores 100 AI track lists (about 85 % present in the library, some
perturbed the way LLMs write them, the rest absent), serves the same library from the
Plex emulator, writes every playlist once, then times a second "rescan all" — cold
(matcher rebuilt, as after a library sync) — that must not write anything to Plex.

Run: ``.venv/bin/python bench/rescan.py [--sizes full,scaled]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PLAYLISTS, TRACKS_PER_PLAYLIST = 100, 50
TARGET_S_200K = 10.0


def _index_rows(tracks):
    import datetime as dt

    utc = dt.UTC
    for t in tracks:
        yield {
            "rating_key": t.rating_key, "section_id": 1, "guid": t.guid, "title": t.title,
            "album_artist": t.album_artist, "track_artist": t.track_artist, "album": t.album, "year": t.year,
            "track_number": t.track_number, "disc_number": t.disc_number, "duration_ms": t.duration_ms,
            "album_rating_key": t.album_rating_key, "artist_rating_key": t.artist_rating_key,
            "added_at": dt.datetime.fromtimestamp(t.added_at, utc),
            "updated_at": dt.datetime.fromtimestamp(t.updated_at, utc),
            "synced_at": dt.datetime.now(utc),
        }


def _suggestions(tracks, rng: random.Random) -> list[tuple[str, str, str | None]]:
    out = []
    for _ in range(TRACKS_PER_PLAYLIST):
        t = rng.choice(tracks)
        artist = t.track_artist or t.album_artist
        roll = rng.random()
        if roll < 0.15:
            out.append((artist, f"{t.title} Reprise {rng.randint(2, 99)}", None))  # not in the library
        elif roll < 0.35:
            out.append((artist.upper(), t.title.lower(), t.album))  # perturbed
        else:
            out.append((artist, t.title, t.album))
    return out


def run_size(size: str) -> list[dict]:
    """Run the benchmark for library ``size`` ("full" or "scaled"); return result rows."""
    import sqlalchemy as sa

    from plex_completer import create_app
    from plex_completer.extensions import db
    from plex_completer.jobs import runner
    from plex_completer.models import Generation, LibrarySyncState, LibraryTrack, Playlist, SuggestedTrack
    from plex_completer.plex import index_store
    from plex_completer.services import matcher_cache
    from tests.fakes.library.builder import build_library
    from tests.fakes.plex.server import PlexEmulator

    tracks = build_library(size, seed=0)
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp, PlexEmulator(tracks, token="bench-token") as plex:
        app = create_app({
            "DATA_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/bench.db", "SCHEDULER_ENABLED": False,
            "JOBS_INLINE": True, "PLEX_URL": plex.url, "PLEX_TOKEN": "bench-token", "GEMINI_API_KEY": "",
            "OLLAMA_URL": "", "LOG_LEVEL": "WARNING", "SECRET_KEY": "bench",
        })
        with app.app_context():
            rows = list(_index_rows(tracks))
            index_store.pause_search_triggers(db.session.connection(), True)  # one bulk build below
            for start in range(0, len(rows), 20_000):
                db.session.execute(sa.insert(LibraryTrack), rows[start:start + 20_000])
            index_store.rebuild_search_index(db.session.connection())
            index_store.pause_search_triggers(db.session.connection(), False)
            db.session.add(LibrarySyncState(section_id=1, section_title="Music", track_count=len(rows), index_version=1))
            for n in range(PLAYLISTS):
                playlist = Playlist(title=f"Bench {n}", prompt=f"bench playlist {n}", track_count=TRACKS_PER_PLAYLIST)
                gen = Generation(prompt=playlist.prompt, provider="gemini", model="gemini-2.5-flash")
                for pos, (artist, title, album) in enumerate(_suggestions(tracks, rng), start=1):
                    gen.tracks.append(SuggestedTrack(position=pos, artist=artist, title=title, album=album))
                playlist.generations.append(gen)
                db.session.add(playlist)
            db.session.commit()
            first = runner.run_now("rescan", {"playlist_id": None})  # creates the Plex playlists
            assert first.status == "done", first.message
            matcher_cache.invalidate()  # cold: as after a library sync
            plex.clear_requests()
            started = time.perf_counter()
            second = runner.run_now("rescan", {"playlist_id": None})
            seconds = time.perf_counter() - started
            writes = sum(1 for r in plex.requests if r.method != "GET")
            matched = db.session.scalar(sa.select(sa.func.sum(Playlist.matched_count)))
    label = f"{len(tracks) // 1000}k"
    target = TARGET_S_200K if size == "scaled" else None
    return [
        {"name": f"rescan all {PLAYLISTS}x{TRACKS_PER_PLAYLIST} at {label} (cold matcher)", "value": round(seconds, 2),
         "unit": "s", "target": f"<= {TARGET_S_200K}" if target else "", "ok": (seconds <= target) if target else True},
        {"name": f"Plex writes for unchanged playlists at {label}", "value": writes, "unit": "requests",
         "target": "0", "ok": writes == 0},
        {"name": f"tracks matched at {label}", "value": int(matched or 0), "unit": f"of {PLAYLISTS * TRACKS_PER_PLAYLIST}",
         "target": "", "ok": True},
        {"name": f"second rescan job status at {label}", "value": second.status, "unit": "", "target": "done", "ok": second.status == "done"},
    ]


def rows(sizes: tuple[str, ...] = ("full", "scaled")) -> list[dict]:
    """All rows of this benchmark (``{"name","value","unit","target","ok"}``)."""
    out: list[dict] = []
    for size in sizes:
        out.extend(run_size(size))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="full,scaled")
    args = parser.parse_args(argv)
    from bench.table import print_table

    print_table(rows(tuple(args.sizes.split(","))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
