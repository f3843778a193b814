"""Benchmark: the library search index (issue 19) on the scaled 200k-track library.

Prints a table of:

- the cost of the search index during a full sync: a full sync of the 200k library from
  the Plex emulator (own process, strict 1,000-item pages, as ``bench/library_sync.py``)
  into a fresh database, once without the search index (dropped first) and twice with
  it; the index's share is the time of the bulk rebuild in the swap
  (``index_store.rebuild_search_index``, timed in place) over the sync without it, and
  the difference of the sync times is shown as a check; also ``reindex-search`` alone;
- the incremental sync's extra cost: ``index_store.apply_changes`` of 2,000 changed rows
  (1 %: 1,000 new, 1,000 retitled; 200 removed) with and without the index's triggers;
- one search: ``services.library_search.search`` p50 / p95 over a query mix (a common
  word "love", a whole "artist title" as the manual-match page pre-fills it, a title, a
  prefix being typed, an artist filter with a year range), and ``GET /library?q=love``
  through the app p50;
- the same with eight threads (the shipped default before), to show what the thread count does;
- the same through the app with the search answer cache off (``SEARCH_CACHE_ENTRIES=0``),
  to show what the search index alone gives (the mix repeats "love"; every other query is
  asked about once);
- concurrency through the app under gunicorn as shipped (``gunicorn.conf.py``: one worker,
  four threads) on loopback: 10 clients searching at once (``/library?q=…``, the same
  mix) p95 and requests/s, and 20 clients on the dashboard (``/``) p95.

Targets (issue 19): one search <= 20 ms p50; 10 concurrent searches p95 <= 100 ms; 20
concurrent dashboard requests p95 unchanged (issue 19 measured 103 ms before, on this
machine); index build <= 20 % of a 200k full sync; the incremental sync's index cost in
proportion to the rows changed (reported, no target figure).

Run: ``.venv/bin/python bench/search.py [--size scaled|full]``; :func:`rows` returns the
figures for ``bench/run.py``. Needs the shared data (``../shared/data``).
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

TARGET_ONE_P50_MS = 20.0
TARGET_CONCURRENT_P95_MS = 100.0
TARGET_DASHBOARD_P95_MS = 103.0  # issue 19's "before" figure: unchanged
TARGET_BUILD_SHARE = 0.20
SEARCH_CLIENTS = 10
DASHBOARD_CLIENTS = 20
REQUESTS_PER_CLIENT = 20


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def _config(db_dir: str, **extra: Any) -> dict:
    return {"DATABASE_URL": f"sqlite:///{db_dir}/bench.db", "DATA_DIR": db_dir, "SCHEDULER_ENABLED": False,
            "JOBS_INLINE": True, "LOG_LEVEL": "WARNING", "GEMINI_API_KEY": "", "OLLAMA_URL": "",
            "SECRET_KEY": "bench", "AUTH_DISABLED": True, **extra}


def _sync(url: str, token: str, db_dir: str, with_index: bool, full: bool = True) -> dict:
    """One sync into ``db_dir``'s database; ``seconds`` in all, and the time spent in the
    search index's bulk rebuild (``rebuild_s``) and its per-track refresh (``refresh_s``:
    collecting the changed keys and re-indexing them), timed in place."""
    from plex_completer import create_app
    from plex_completer.extensions import db
    from plex_completer.plex import index_store
    from plex_completer.plex.library_sync import sync_library

    app = create_app(_config(db_dir, PLEX_URL=url, PLEX_TOKEN=token, PLEX_TIMEOUT=120))
    spent = {"rebuild_s": 0.0, "refresh_s": 0.0}
    originals = {name: getattr(index_store, name)
                 for name in ("rebuild_search_index", "refresh_search_rows", "_stage_search_changes")}

    def timed(name: str, func: Any) -> Any:
        bucket = "rebuild_s" if name == "rebuild_search_index" else "refresh_s"

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent[bucket] += time.perf_counter() - started
        return wrapper

    for name, func in originals.items():
        setattr(index_store, name, timed(name, func))
    try:
        with app.app_context():
            if not with_index and index_store.has_search_index(db.session.connection()):
                index_store.drop_search_index(db.session.connection())
                db.session.commit()
            db.session.remove()
            started = time.perf_counter()
            result = sync_library(app.config["SETTINGS"], full=full)
            seconds = time.perf_counter() - started
    finally:
        for name, func in originals.items():
            setattr(index_store, name, func)
    return {"seconds": seconds, "tracks": result.total, "changed": result.added + result.updated + result.removed,
            **spent}


def _queries(tracks: list, rng: random.Random) -> list[tuple[str, str, dict]]:
    """(kind, text, filters) mixing what the pages send."""
    out: list[tuple[str, str, dict]] = []
    for _ in range(40):
        t = rng.choice(tracks)
        artist = t.track_artist or t.album_artist
        title_words = t.title.split()
        out.append(("artist title (match page)", f"{artist} {t.title}", {}))
        out.append(("title", t.title, {}))
        typed = " ".join(title_words[:1] + ([title_words[1][:2]] if len(title_words) > 1 else []))
        out.append(("prefix being typed", typed, {}))
        if t.year:
            out.append(("artist + years filter", title_words[0],
                        {"artist": t.album_artist, "year_from": t.year - 5, "year_to": t.year + 5}))
    out += [("common word 'love'", "love", {})] * 40
    rng.shuffle(out)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    elapsed = time.perf_counter() - started
    conn.close()
    if resp.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {resp.status}")
    return elapsed


def _load(port: int, paths: list[str], clients: int) -> tuple[list[float], float]:
    """``clients`` threads each GET ``REQUESTS_PER_CLIENT`` of ``paths`` at once; returns
    the latencies (s) and requests/s."""
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(n: int) -> None:
        mine = [paths[(n * REQUESTS_PER_CLIENT + i) % len(paths)] for i in range(REQUESTS_PER_CLIENT)]
        barrier.wait()
        for p in mine:
            took = _get(port, p)
            with lock:
                latencies.append(took)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, len(latencies) / (time.perf_counter() - started)


def _serve(db_dir: str, port: int, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**os.environ, **(extra_env or {}), "BIND": f"127.0.0.1:{port}", "DATABASE_URL": f"sqlite:///{db_dir}/bench.db",
           "DATA_DIR": db_dir, "SCHEDULER_ENABLED": "false", "AUTH_DISABLED": "true", "SECRET_KEY": "bench",
           "LOG_LEVEL": "warning", "PLEX_URL": "", "PLEX_TOKEN": "", "GEMINI_API_KEY": "", "OLLAMA_URL": ""}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "app:app"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            _get(port, "/")
            return proc
        except (OSError, RuntimeError):
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("gunicorn did not start")


def run(size: str = "scaled") -> list[dict]:
    """Run every measurement on library ``size``; return the result rows."""
    from bench.library_sync import _emulator_main
    from plex_completer import create_app
    from plex_completer.extensions import db
    from plex_completer.services import library_search, search_cache
    from plex_completer.services.library_search import Filters
    from tests.fakes.library.builder import build_library

    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    emulator = ctx.Process(target=_emulator_main, args=(size, child), daemon=True)
    emulator.start()
    url, token, count = parent.recv()
    out: list[dict] = []
    label = f"{count // 1000}k"
    try:
        with tempfile.TemporaryDirectory() as bare, tempfile.TemporaryDirectory() as d1, \
                tempfile.TemporaryDirectory() as d2:
            without = _sync(url, token, bare, with_index=False)
            runs = [_sync(url, token, d, with_index=True) for d in (d1, d2)]
            best = min(runs, key=lambda r: r["seconds"])
            rebuild = min(r["rebuild_s"] for r in runs)
            share = rebuild / without["seconds"]
            out.append({"name": f"first full sync {label}, no search index", "value": round(without["seconds"], 2),
                        "unit": "s"})
            out.append({"name": f"first full sync {label}, with it (best of 2)", "value": round(best["seconds"], 2),
                        "unit": "s"})
            out.append({"name": f"  index build in the swap {label} / sync without it",
                        "value": f"{rebuild:.2f} s = {100 * share:.1f}", "unit": "%",
                        "target": f"<= {TARGET_BUILD_SHARE:.0%}", "ok": share <= TARGET_BUILD_SHARE})
            out.append({"name": "  (check) sync with - without, / without",
                        "value": round(100 * (best["seconds"] - without["seconds"]) / without["seconds"], 1),
                        "unit": "%"})
            parent.send(("mutate", (0.01, 0.001, "tracks")))
            parent.recv()
            inc_bare = _sync(url, token, bare, with_index=False, full=False)
            inc = _sync(url, token, d1, with_index=True, full=False)
            out.append({"name": f"incremental sync, {inc['changed']:,} tracks changed, no index / with it",
                        "value": f"{inc_bare['seconds']:.2f} / {inc['seconds']:.2f}", "unit": "s"})
            out.append({"name": "  index refresh in it, per changed track",
                        "value": f"{inc['refresh_s'] * 1000:.0f} ms = {inc['refresh_s'] / max(inc['changed'], 1) * 1e6:.0f}",
                        "unit": "µs"})
            re_bare = _sync(url, token, bare, with_index=False)
            re_idx = _sync(url, token, d1, with_index=True)
            share = (re_idx["rebuild_s"] + re_idx["refresh_s"]) / re_bare["seconds"]
            out.append({"name": f"full re-sync {label} (nothing changed), no index / with it",
                        "value": f"{re_bare['seconds']:.2f} / {re_idx['seconds']:.2f}", "unit": "s"})
            out.append({"name": "  index work in it / sync without it",
                        "value": f"{(re_idx['rebuild_s'] + re_idx['refresh_s']):.2f} s = {100 * share:.1f}",
                        "unit": "%", "target": f"<= {TARGET_BUILD_SHARE:.0%}", "ok": share <= TARGET_BUILD_SHARE})

            app = create_app(_config(d1))
            with app.app_context():
                started = time.perf_counter()
                library_search.reindex()
                out.append({"name": f"reindex-search {label}", "value": round(time.perf_counter() - started, 2),
                            "unit": "s"})
                tracks = build_library(size)
                queries = _queries(tracks, random.Random(19))
                per_kind: dict[str, list[float]] = {}
                for kind, text, filters in queries * 2:
                    search_cache.clear()  # the search itself, not the answer cache
                    started = time.perf_counter()
                    library_search.search(text, 50, Filters(**filters))
                    per_kind.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
                    db.session.rollback()
                every = [v for vs in per_kind.values() for v in vs]
                p50 = statistics.median(every)
                out.append({"name": "one search (service), all kinds p50 / p95",
                            "value": f"{p50:.1f} / {_pct(every, 0.95):.1f}", "unit": "ms",
                            "target": f"p50 <= {TARGET_ONE_P50_MS:g}", "ok": p50 <= TARGET_ONE_P50_MS})
                for kind, vs in sorted(per_kind.items()):
                    out.append({"name": f"  {kind} p50 / p95", "value": f"{statistics.median(vs):.1f} / "
                                f"{_pct(vs, 0.95):.1f}", "unit": "ms"})
            out += _http_rows(d1, queries, "")
            out += _http_rows(d1, queries, "8 threads (the default until round 2): ", {"WEB_THREADS": "8"})
            out += _http_rows(d1, queries, "without the answer cache: ", {"SEARCH_CACHE_ENTRIES": "0"})
            out += _http_rows(bare, queries, "before (in-memory search, no index): ", {"SEARCH_CACHE_ENTRIES": "0"})
    finally:
        parent.send(("stop", None))
        parent.recv()
        emulator.join(timeout=30)
    return out


def _http_rows(db_dir: str, queries: list[tuple[str, str, dict]], tag: str,
               extra_env: dict[str, str] | None = None) -> list[dict]:
    """The app under gunicorn on ``db_dir``'s database: ``/library?q=love`` alone, 10
    concurrent searches, 20 concurrent dashboards. ``tag`` prefixes the names; targets only
    for the untagged (current) run; ``extra_env`` adds settings (the answer cache off)."""
    out: list[dict] = []
    port = _free_port()
    server = _serve(db_dir, port, extra_env)
    current = not tag

    def target(text: str, ok: bool) -> dict:
        return {"target": text, "ok": ok} if current else {}

    try:
        _get(port, "/library?q=love")  # warm: the in-memory search builds the matcher first
        love = [_get(port, "/library?q=love") * 1000 for _ in range(20)]
        p50 = statistics.median(love)
        out.append({"name": f"{tag}GET /library?q=love alone p50", "value": round(p50, 1), "unit": "ms",
                    **target(f"<= {TARGET_ONE_P50_MS:g}", p50 <= TARGET_ONE_P50_MS)})
        paths = [f"/library?q={quote(text)}" + "".join(f"&{k}={quote(str(v))}" for k, v in f.items())
                 for _, text, f in queries]
        lat, rps = _load(port, paths, SEARCH_CLIENTS)
        p95 = _pct(lat, 0.95) * 1000
        out.append({"name": f"{tag}{SEARCH_CLIENTS} concurrent searches p95 / req/s", "value": f"{p95:.0f} / {rps:.0f}",
                    "unit": "ms", **target(f"p95 <= {TARGET_CONCURRENT_P95_MS:g}", p95 <= TARGET_CONCURRENT_P95_MS)})
        lat, rps = _load(port, ["/"], DASHBOARD_CLIENTS)
        p95 = _pct(lat, 0.95) * 1000
        out.append({"name": f"{tag}{DASHBOARD_CLIENTS} concurrent dashboard p95 / req/s", "value": f"{p95:.0f} / {rps:.0f}",
                    "unit": "ms", **target(f"p95 <= {TARGET_DASHBOARD_P95_MS:g} (issue)",
                                           p95 <= TARGET_DASHBOARD_P95_MS)})
    finally:
        server.terminate()
        server.wait(timeout=30)
    return out


def rows(sizes: tuple[str, ...] = ("scaled",)) -> list[dict]:
    """Result rows for ``bench/run.py``."""
    out: list[dict] = []
    for size in sizes:
        out += run(size)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="scaled", choices=("scaled", "full"))
    args = parser.parse_args(argv)
    from bench.table import print_table

    print_table(rows((args.size,)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
