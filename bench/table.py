"""Printing benchmark rows (``{"name", "value", "unit", "target", "ok"}``) as a table."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def print_table(rows: list[dict], title: str | None = None) -> None:
    """Print ``rows`` as an aligned text table; the ok column says yes/NO for rows with a target."""
    if title:
        print(title)
    header = ("figure", "value", "unit", "target", "ok")
    cells = [header] + [
        (str(r["name"]), str(r["value"]), str(r.get("unit", "")), str(r.get("target", "")), "" if r.get("ok") is None or not r.get("target") else ("yes" if r["ok"] else "NO"))
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    for n, row in enumerate(cells):
        print("  ".join(cell.ljust(widths[i]) if i != 1 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def sizes_main(rows: Callable[[tuple[str, ...]], list[dict]], description: str, default_sizes: str,
               argv: list[str] | None = None) -> int:
    """The command line of a benchmark run per library size: ``--sizes a,b`` (default
    ``default_sizes``), then the table of ``rows(sizes)``. Returns the exit status (0)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sizes", default=default_sizes)
    args = parser.parse_args(argv)
    print_table(rows(tuple(s for s in args.sizes.split(",") if s)))
    return 0
