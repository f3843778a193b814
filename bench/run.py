"""Run every benchmark (library sync, matching, cascade, rescan, search, fill, fill_eval) and print one table.

``.venv/bin/python bench/run.py`` prints a table; ``--json`` prints a JSON list of
``{"name", "value", "unit", "target", "ok"}`` objects instead, one per figure.
``--only sync,matching,cascade,rescan,search,fill,fill_eval`` picks benchmarks. Exit status 0 always: the
``ok`` column says which targets were met.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCHMARKS = {
    "sync": "bench.library_sync",
    "matching": "bench.matching",
    "cascade": "bench.cascade",
    "rescan": "bench.rescan",
    "search": "bench.search",
    "fill": "bench.fill",
    "fill_eval": "bench.fill_eval",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset of " + ",".join(BENCHMARKS))
    args = parser.parse_args(argv)
    rows: list[dict] = []
    for name in [n.strip() for n in args.only.split(",") if n.strip()]:
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        module = importlib.import_module(BENCHMARKS[name])
        for row in module.rows():
            ok = row.get("ok")
            rows.append({"name": f"{name}: {row['name']}", "value": row["value"], "unit": row.get("unit", ""),
                         "target": row.get("target") or "", "ok": True if ok is None else bool(ok)})  # no target: nothing to miss
        print(f"{name} done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        from bench.table import print_table

        print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
