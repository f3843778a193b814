"""Find which ratingKeys the server and the index disagree on, by counting ratingKey ranges.

Plex answers ``X-Plex-Container-Size=0`` listings with only the ``totalSize`` of what
matched, and its track listings accept ``id`` (the ratingKey, an integer field: plexapi
``FilteringType._manualFields`` lists it, with the integer operators ``>>=``/``<<=`` of
the ``<FieldType>`` lists) as a filter. So the number of tracks whose ratingKey lies in
``[lo, hi)`` costs one small request, and comparing it with the same count in the index
tells whether that range holds a removed track (or one the index lacks) without listing
it.

:func:`reconcile` starts from the whole key space and splits any range whose counts
disagree into :data:`FANOUT` parts at evenly spaced ratingKeys (the index side counts a
part with a primary-key range query, so no step reads the whole index), recursing until a
disagreeing range holds at most ``leaf`` tracks; only those ranges are listed, ratingKeys
only. When more than half of a range's parts disagree, the differences are spread out and
probing deeper would list about as much anyway, so those parts are listed at once
(neighbours merged into one listing). Cost: removals that cluster (an album, an artist, a
folder: PMS numbers items in scan order, so their tracks have neighbouring ratingKeys)
take ``FANOUT`` probes per level and one listing of at most ``leaf`` tracks per cluster;
removals spread over the whole library degrade to one ratingKey listing of the ranges
that differ, which can be all of them (see ``bench/library_sync.py``).

A range can still hide a removal when a track the index lacks (one the ``updatedAt``
filter missed) falls in the same range as a removed one: the counts then agree. The
caller runs this when the totals differ or the section's ``contentChangedAt`` moved, and
a later disagreement in that range finds both.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

# Parts a disagreeing range is split into. 16 parts of a 200,000-track library reach
# ranges of ~800 tracks in two levels; fewer parts mean more levels (round trips), more
# mean more probes per level (they are sent concurrently, see library_sync).
FANOUT = 16
# Parts the whole key space is split into when the totals agree but the caller wants a
# check anyway (check_equal): a guard against additions the updatedAt filter missed
# cancelling removals in the total, a case real PMS hardly produces (it stamps updatedAt
# when it adds an item), so it is kept to a few probes; a disagreeing part is then split
# by FANOUT as usual.
CHECK_FANOUT = 4
# Largest disagreeing range listed rather than split further (tracks). Measured against
# the emulator at 200k tracks: a count probe takes ~1.6 ms, a ratingKey-only listing
# ~3.3 us a key, so a probe costs about as much as listing 500 keys and a level of 16
# probes as much as listing ~8,000; ranges up to 5,000 are listed.
LEAF = 5000

# Ranges with at most this many local keys are read whole before being split.
_LOCAL_READ = 50_000

Bound = int | None
# count(lo, hi) -> tracks on the server with lo <= ratingKey < hi (None: unbounded)
CountFn = Callable[[Bound, Bound], int]
# list_keys(lo, hi) -> the ratingKeys on the server in that range
ListFn = Callable[[Bound, Bound], Iterable[int]]


class LocalKeys(Protocol):
    """The index's side: ratingKeys known locally (see :class:`SortedKeys`)."""

    def bounds(self) -> tuple[int, int] | None:
        """``(lowest, highest)`` ratingKey, or None when there is none."""

    def count(self, lo: Bound, hi: Bound) -> int:
        """Keys with ``lo <= key < hi``."""

    def keys(self, lo: Bound, hi: Bound) -> Iterable[int]:
        """The keys with ``lo <= key < hi``."""


class SortedKeys:
    """:class:`LocalKeys` over an ascending sequence of distinct ratingKeys in memory."""

    def __init__(self, keys: Sequence[int]) -> None:
        self._keys = keys

    def _slice(self, lo: Bound, hi: Bound) -> tuple[int, int]:
        i = 0 if lo is None else bisect.bisect_left(self._keys, lo)
        j = len(self._keys) if hi is None else bisect.bisect_left(self._keys, hi)
        return i, j

    def bounds(self) -> tuple[int, int] | None:
        return (self._keys[0], self._keys[-1]) if self._keys else None

    def count(self, lo: Bound, hi: Bound) -> int:
        i, j = self._slice(lo, hi)
        return j - i

    def keys(self, lo: Bound, hi: Bound) -> Iterable[int]:
        i, j = self._slice(lo, hi)
        return self._keys[i:j]


class RangeMismatch(ValueError):
    """A range listing returned another number of ratingKeys than the server counted for
    that range: the answers cannot both be right, so nothing may be removed on them."""


@dataclass
class Reconciled:
    """What :func:`reconcile` found: ``removed`` (indexed, gone from the server),
    ``missing`` (on the server, not in the local keys), ``probes`` (count requests),
    ``listed_ranges`` and ``listed_keys`` (ratingKeys the server listed)."""

    removed: set[int] = field(default_factory=set)
    missing: set[int] = field(default_factory=set)
    probes: int = 0
    listed_ranges: int = 0
    listed_keys: int = 0


def _cuts(lo: Bound, hi: Bound, bounds: tuple[int, int], parts: int) -> list[int]:
    """Up to ``parts - 1`` ascending cut points strictly inside ``[lo, hi)``, spaced
    evenly over the keys that range can hold (the local lowest/highest key stand in for
    an open end)."""
    a = bounds[0] if lo is None else lo
    b = bounds[1] + 1 if hi is None else hi
    cuts = sorted({a + (b - a) * m // parts for m in range(1, parts)})
    return [c for c in cuts if a < c < b]


def reconcile(
    local: LocalKeys,
    server_total: int,
    count: CountFn,
    list_keys: ListFn,
    *,
    fanout: int = FANOUT,
    leaf: int = LEAF,
    check_equal: bool = False,
    check_fanout: int = CHECK_FANOUT,
    count_many: Callable[[list[tuple[Bound, Bound]]], Iterable[int]] | None = None,
) -> Reconciled:
    """Compare the ratingKeys in ``local`` with the server's, range by range.

    ``server_total`` is the server's track count (the whole key space); ``count`` and
    ``list_keys`` ask the server about one range (see the module docstring);
    ``count_many`` (optional) asks about several at once, e.g. concurrently, and may
    return an iterator whose values are still arriving.
    ``check_equal`` probes a first level of ``check_fanout`` parts even when the totals
    agree (removals and unseen additions may cancel out in the total). Ranges are split at evenly spaced
    ratingKeys. Raises :class:`RangeMismatch` when a range listing returns another number
    of keys than the server counted for it, and whatever the callbacks raise.
    """
    if fanout < 2 or leaf < 1:
        raise ValueError("fanout must be >= 2 and leaf >= 1")
    out = Reconciled()
    counts = count_many or (lambda ranges: [count(a, b) for a, b in ranges])

    def listing(lo: Bound, hi: Bound, expected: int) -> None:
        server = set(list_keys(lo, hi))
        if len(server) != expected:
            raise RangeMismatch(f"range [{lo}, {hi}): {expected} counted, {len(server)} listed")
        out.listed_ranges += 1
        out.listed_keys += len(server)
        mine = set(local.keys(lo, hi))
        out.removed.update(mine - server)
        out.missing.update(server - mine)

    bounds = local.bounds()
    todo: list[tuple[Bound, Bound, int, int]] = [(None, None, server_total, local.count(None, None))]
    root = True
    while todo:
        lo, hi, server, n = todo.pop()
        forced, root = root and check_equal, False
        if server == n and not forced:
            continue
        if bounds is None or max(n, server) <= leaf:
            listing(lo, hi, server)
            continue
        cuts = _cuts(lo, hi, bounds, check_fanout if forced and server == n else fanout)
        if not cuts:
            listing(lo, hi, server)
            continue
        edges = [lo, *cuts, hi]
        ranges = list(itertools.pairwise(edges))
        found = counts(ranges)  # may still be arriving (an iterator): count locally meanwhile
        # A smaller range's local keys are read once and its parts counted in memory
        # (one query instead of one per part).
        here = SortedKeys(sorted(local.keys(lo, hi))) if n <= _LOCAL_READ else local
        mine = [here.count(a, b) for a, b in ranges]
        out.probes += len(ranges)
        differing = [(a, b, s, m) for (a, b), s, m in zip(ranges, found, mine, strict=False) if s != m]
        if 2 * len(differing) > len(ranges) and not (forced and server == n):
            # Neighbouring parts are listed as one range (fewer, fuller pages).
            merged: list[list[Any]] = []
            for a, b, s, _ in differing:
                if merged and merged[-1][1] == a:
                    merged[-1][1] = b
                    merged[-1][2] += s
                else:
                    merged.append([a, b, s])
            for a, b, s in merged:
                listing(a, b, s)
        else:
            todo.extend(differing)
    return out
