"""The fewest single-item moves that turn one playlist order into another.

PMS moves one playlist item per request (``PUT /playlists/{id}/items/{playlistItemID}/move
?after={playlistItemID}``, plexapi ``Playlist.moveItem``). Items that already appear in
the wanted relative order can stay; the largest such set is a longest increasing
subsequence (LIS) of the current list's positions in the wanted list, so
``len(items) - len(LIS)`` moves are necessary and, done as below, sufficient.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Hashable, Sequence


def longest_increasing_subsequence(values: Sequence[int]) -> list[int]:
    """Indexes into ``values`` of one longest strictly increasing subsequence
    (patience sorting, O(n log n))."""
    tails: list[int] = []  # tails[k]: smallest tail value of an increasing run of length k+1
    tail_idx: list[int] = []
    prev = [-1] * len(values)
    for i, v in enumerate(values):
        k = bisect_left(tails, v)
        if k == len(tails):
            tails.append(v)
            tail_idx.append(i)
        else:
            tails[k] = v
            tail_idx[k] = i
        prev[i] = tail_idx[k - 1] if k > 0 else -1
    out: list[int] = []
    i = tail_idx[-1] if tail_idx else -1
    while i != -1:
        out.append(i)
        i = prev[i]
    out.reverse()
    return out


def plan_moves(current: Sequence[Hashable], wanted: Sequence[Hashable]) -> list[tuple[Hashable, Hashable | None]]:
    """Moves ``(item, after)`` (``after`` None = to the top) that reorder ``current`` into
    ``wanted``; both must hold the same distinct items. Applied in order, each move
    places an item right after its predecessor in ``wanted``, which is by then in its
    final relative place, so the result equals ``wanted``.

    Raises ``ValueError`` when the two lists do not hold the same distinct items.
    """
    position = {item: i for i, item in enumerate(wanted)}
    if len(position) != len(wanted) or len(current) != len(wanted) or set(current) != set(position):
        raise ValueError("current and wanted must hold the same distinct items")
    ranks = [position[item] for item in current]
    stay = {current[i] for i in longest_increasing_subsequence(ranks)}
    moves: list[tuple[Hashable, Hashable | None]] = []
    for i, item in enumerate(wanted):
        if item not in stay:
            moves.append((item, wanted[i - 1] if i > 0 else None))
    return moves


def apply_moves(current: Sequence[Hashable], moves: Sequence[tuple[Hashable, Hashable | None]]) -> list[Hashable]:
    """``current`` after ``moves`` (what PMS does with them); for tests and dry runs."""
    out = list(current)
    for item, after in moves:
        out.remove(item)
        out.insert(0 if after is None else out.index(after) + 1, item)
    return out
