"""A tiny server-drawn SVG sparkline (no script: the CSP allows none inline)."""

from __future__ import annotations

from collections.abc import Sequence

WIDTH, HEIGHT, PAD = 240, 48, 4


def sparkline(series: Sequence[tuple[int, int]], width: int = WIDTH, height: int = HEIGHT) -> dict | None:
    """Points of a line chart of matched counts over time.

    ``series`` is ``[(matched, total), ...]`` oldest first. Returns ``{"points": "x,y ...",
    "area": "x,y ..." (the points closed along the bottom edge, for a filled polygon),
    "base": y of the bottom edge, "width", "height", "last": (x, y), "max": int, "count": int,
    "first": int, "latest": int}`` in SVG
    user units (y grows downwards; the y axis runs from 0 to the largest total), or None
    for fewer than two points (a line needs two).
    """
    if len(series) < 2:
        return None
    top = max(max(total, matched) for matched, total in series) or 1
    step = (width - 2 * PAD) / (len(series) - 1)
    points = []
    for i, (matched, _total) in enumerate(series):
        x = PAD + i * step
        y = height - PAD - (matched / top) * (height - 2 * PAD)
        points.append((round(x, 1), round(y, 1)))
    line = " ".join(f"{x},{y}" for x, y in points)
    base = height - PAD
    return {
        "points": line,
        "area": f"{points[0][0]},{base} {line} {points[-1][0]},{base}",
        "base": base,
        "width": width,
        "height": height,
        "last": points[-1],
        "max": top,
        "count": len(series),
        "first": series[0][0],
        "latest": series[-1][0],
    }
