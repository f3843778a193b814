"""The in-memory matcher: AI suggestions to library tracks, precise, explainable and fast.

Built once from the library index (:meth:`Matcher.build`, about 1 s per 100k tracks):
every track's title and artist credits are normalised once (:mod:`.normalize`) into
space-free keys, indexed in dictionaries by title key and by artist key (artist
blocking). A suggestion is then matched in three tiers, each only when the previous one
found nothing acceptable:

1. tracks of an artist whose key agrees exactly (album artist ``grandparentTitle``,
   track artist ``originalTitle`` or its main artist before "feat.");
2. tracks crediting one member of the suggested credit ("Jay-Z & Beyoncé" -> "Jay-Z"),
   featuring the suggested artist, or bearing exactly the suggested title under an
   artist name within a typo of the suggested one;
3. tracks of the library artists whose names are within a typo of the suggested one
   (a rapidfuzz scan over the distinct artist keys only).

Titles are compared by edit similarity (optimal string alignment: a transposition is one
edit) on the keys, with guards against the classic false positives of token-set
scorers: a title whose words are a strict subset of the other's ("One" / "One More
Time"), a title with other numbers ("Part 1" / "Part 2") and a title with a word
replaced ("Tell The World" / "Heart The World") score at most ``guard_cap``. Among acceptable tracks the cheapest wins: title
and artist distance, then the version rank (studio original, remaster, edits, best-of
and compilation copies, and only then live/remix/acoustic/demo/karaoke unless asked),
then the suggested album and year. The same title by another artist never matches:
every tier requires the artist to agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .normalize import (
    TitleKey,
    album_version_uncached,
    artist_keys,
    artist_keys_uncached,
    credit_parts,
    credit_parts_uncached,
    fold,
    title_key,
    title_key_uncached,
    words,
)
from .scoring import EXACT, FALLBACK_RANK, best_similarity, title_similarity, version_rank
from .search import SearchIndex
from .types import LibraryEntry, MatchDecision, MatchThresholds, Override, Suggestion

#: Album-artist spellings that name no artist (compilations).
VARIOUS_ARTISTS = frozenset({"variousartists", "various", "va", "verschiedeneinterpreten", "artistesdivers",
                             "compilation", "compilations", "soundtrack", "originalsoundtrack"})
@dataclass(frozen=True, slots=True)
class _Query:
    title: TitleKey
    strong: tuple[str, ...]
    parts: tuple[str, ...]
    album_short: str | None
    year: int | None


class Matcher:
    """Matches suggestions against a fixed set of library entries (rebuild on change).

    Thread-safe for concurrent reads after :meth:`build` (matching never mutates the
    indexes; the lazy search index is built under the GIL in one assignment).
    """

    def __init__(self, entries: Iterable[LibraryEntry], thresholds: MatchThresholds | None = None) -> None:
        self.thresholds = thresholds or MatchThresholds()
        self._entries: list[LibraryEntry] = list(entries)
        self._tkeys: list[TitleKey] = []
        self._versions: list[str | None] = []
        self._strong: list[tuple[str, ...]] = []
        self._by_key: dict[int, int] = {}
        self._by_title: dict[str, list[int]] = {}
        self._by_artist: dict[str, list[int]] = {}
        self._by_part: dict[str, list[int]] = {}
        self._search_index: SearchIndex | None = None
        by_title, by_artist, by_part = self._by_title, self._by_artist, self._by_part
        # Build-local caches: a library repeats credits, titles and albums many times.
        titles: dict[str, TitleKey] = {}
        credit_cache: dict[tuple[str, str | None], tuple[tuple[str, ...], tuple[str, ...], bool]] = {}
        albums: dict[str, str | None] = {}
        featured_parts: dict[str, tuple[str, ...]] = {}
        for i, e in enumerate(self._entries):
            tk = titles.get(e.title)
            if tk is None:
                tk = titles[e.title] = title_key_uncached(e.title)
            self._tkeys.append(tk)
            self._by_key[e.rating_key] = i
            by_title.setdefault(tk.key, []).append(i)
            if tk.short != tk.key:
                by_title.setdefault(tk.short, []).append(i)
            ident = (e.album_artist or "", e.track_artist or None)
            credit = credit_cache.get(ident)
            if credit is None:
                credit = credit_cache[ident] = _credit_keys(*ident)
            strong, parts, compilation = credit
            self._strong.append(strong)
            for k in strong:
                by_artist.setdefault(k, []).append(i)
            if tk.featured:
                extra = []
                for f in tk.featured:
                    fp = featured_parts.get(f)
                    if fp is None:
                        fp = featured_parts[f] = credit_parts_uncached(f)
                    extra.extend(fp)
                weak = set(parts).union(extra).difference(strong)
            else:
                weak = parts
            for k in weak:
                by_part.setdefault(k, []).append(i)
            version = tk.version
            if version is None or version == "remaster":
                av = albums.get(e.album, "?")
                if av == "?":
                    av = albums[e.album] = album_version_uncached(e.album) if e.album else None
                if av in ("live", "karaoke"):
                    version = av
                elif version is None:
                    version = av or ("compilation" if compilation else None)
            self._versions.append(version)
        # Distinct artist keys by length: a name within the typo threshold has a length
        # in [c * n, n / c] (c = artist_min / 100), so tier 3 scans only those lengths.
        self._names_by_length: dict[int, list[str]] = {}
        for name in by_artist:
            self._names_by_length.setdefault(len(name), []).append(name)
        self._fuzzy_cache: dict[tuple[str, float], list[tuple[str, float]]] = {}

    @classmethod
    def build(cls, entries: Iterable[LibraryEntry], thresholds: MatchThresholds | None = None) -> Matcher:
        """Build a matcher from library entries (an iterable of :class:`LibraryEntry`)."""
        return cls(entries, thresholds)

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, rating_key: int) -> LibraryEntry | None:
        """The library entry with this ratingKey, or None."""
        i = self._by_key.get(rating_key)
        return None if i is None else self._entries[i]

    # -- matching -------------------------------------------------------------------------
    def match(self, suggestion: Suggestion) -> MatchDecision:
        """Match one suggestion (see the module docstring for the rules)."""
        q = _Query(
            title_key(suggestion.title),
            artist_keys(suggestion.artist),
            credit_parts(suggestion.artist),
            title_key(suggestion.album).short if suggestion.album else None,
            suggestion.year,
        )
        th = self.thresholds
        strong: dict[int, float] = {}
        closest: tuple[float, str] | None = None
        strong_lists = [self._by_artist[k] for k in q.strong if k in self._by_artist]
        if strong_lists:
            # Tier 1a: the title key itself under an agreeing artist (most suggestions);
            # an exact title beats any fuzzy one, so the artist's other tracks are skipped.
            wanted = set(q.strong)
            exact: dict[int, float] = {}
            for key in {q.title.key, q.title.short}:
                for i in self._by_title.get(key, ()):
                    if not wanted.isdisjoint(self._strong[i]):
                        exact[i] = 100.0
            if exact:
                best, _ = self._best(q, exact)
                if best is not None:
                    return self._decide(q, best)
            # Tier 1b: every track of the artist, fuzzy titles.
            for lst in strong_lists:
                strong.update(dict.fromkeys(lst, 100.0))
            best, closest = self._best(q, strong)
            if best is not None:
                return self._decide(q, best)
        # Tier 2: a member of the credit, a featured artist, or the exact title under an
        # artist name within a typo.
        weak: dict[int, float] = {}
        for k in q.parts:
            if k not in q.strong:
                for i in self._by_artist.get(k, ()):
                    weak[i] = th.part_artist_score
        for k in q.strong + q.parts:
            for i in self._by_part.get(k, ()):
                weak.setdefault(i, th.featured_artist_score)
        names = q.strong + q.parts
        for key in {q.title.key, q.title.short}:
            for i in self._by_title.get(key, ()):
                if i not in weak and i not in strong and self._strong[i]:
                    sim = best_similarity(names, self._strong[i])
                    if sim >= th.artist_min:
                        weak[i] = sim
        if weak:
            best, _ = self._best(q, weak)
            if best is not None:
                return self._decide(q, best)
        if not strong and q.strong:
            # Tier 3: artist names within a typo (scan of the distinct artist keys only).
            fuzzy: dict[int, float] = {}
            for name, sim in self._similar_artists(q.strong[0]):
                for i in self._by_artist[name]:
                    fuzzy.setdefault(i, sim)
            if fuzzy:
                best, closest = self._best(q, fuzzy)
                if best is not None:
                    return self._decide(q, best)
        if closest is not None:
            sim, title = closest
            return MatchDecision(None, round(sim, 1),
                                 f"artist in library, no such title (closest: '{title}', {sim:.0f})", "no_title")
        return MatchDecision(None, 0.0, "no track by this artist", "no_artist")

    def _similar_artists(self, key: str, limit: int = 3) -> list[tuple[str, float]]:
        """Up to ``limit`` library artist keys within ``artist_min`` of ``key`` (best first,
        similarity 0-100); scans only the feasible name lengths; cached per key."""
        cutoff = self.thresholds.artist_min / 100
        hit = self._fuzzy_cache.get((key, cutoff))
        if hit is not None:
            return hit
        n = len(key)
        low = max(math.ceil(cutoff * n), 1)
        high = math.floor(n / cutoff) if cutoff > 0 else max(self._names_by_length, default=0)
        found: list[tuple[str, float]] = []
        for length in range(low, high + 1):
            names = self._names_by_length.get(length)
            if names:
                found.extend((name, round(sim * 100, 1)) for name, sim, _ in process.extract(
                    key, names, scorer=OSA.normalized_similarity, limit=limit, score_cutoff=cutoff))
        found.sort(key=lambda x: -x[1])
        found = found[:limit]
        if len(self._fuzzy_cache) >= 4096:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[(key, cutoff)] = found
        return found

    def match_many(self, suggestions: Sequence[Suggestion],
                   overrides: Sequence[Override | None] | None = None) -> list[MatchDecision]:
        """Match suggestions in order, applying the user's overrides where given.

        ``overrides`` (same length as ``suggestions``, None where the user decided
        nothing): ``Override("track", k)`` gives "manual choice" (or "manual choice no
        longer in library", ratingKey None, when ``k`` is gone); ``Override("absent")``
        gives "marked not in library". Raises ``ValueError`` on a length mismatch.
        """
        if overrides is not None and len(overrides) != len(suggestions):
            raise ValueError(f"{len(overrides)} overrides for {len(suggestions)} suggestions")
        memo: dict[Suggestion, MatchDecision] = {}
        out: list[MatchDecision] = []
        for n, s in enumerate(suggestions):
            o = overrides[n] if overrides is not None else None
            if o is not None:
                out.append(self._manual(o))
                continue
            d = memo.get(s)
            if d is None:
                d = memo[s] = self.match(s)
            out.append(d)
        return out

    def _manual(self, o: Override) -> MatchDecision:
        if o.kind == "absent":
            return MatchDecision(None, 0.0, "marked not in library", "manual_absent")
        if o.rating_key in self._by_key:
            return MatchDecision(o.rating_key, 100.0, "manual choice", "manual")
        return MatchDecision(None, 0.0, "manual choice no longer in library", "manual_missing")

    def _best(self, q: _Query, cands: dict[int, float]):
        """The cheapest acceptable candidate ``(cost, i, title_sim, artist_sim, rank)`` (or
        None) and the closest title seen ``(similarity, title)``."""
        th = self.thresholds
        scored: dict[str, tuple[float, bool]] = {}
        best = None
        closest: tuple[float, str] | None = None
        qt = q.title
        for i, artist_sim in cands.items():
            tk = self._tkeys[i]
            hit = scored.get(tk.key)
            if hit is None:
                hit = scored[tk.key] = title_similarity(qt, tk, th)
            sim, ok = hit
            if closest is None or sim > closest[0]:
                closest = (sim, self._entries[i].title)
            if not ok:
                continue
            rank = version_rank(qt.version, self._versions[i])
            if rank >= FALLBACK_RANK and not th.accept_other_version:
                continue
            cost = (100.0 - sim) + (100.0 - artist_sim) * 0.5 + rank * 2 + self._tiebreak(q, i)
            if best is None or cost < best[0] or (cost == best[0] and i < best[1]):
                best = (cost, i, sim, artist_sim, rank)
        return best, closest

    def _tiebreak(self, q: _Query, i: int) -> float:
        """Below one point: the suggested album (0.5) and year (up to 0.4) break ties."""
        e = self._entries[i]
        t = 0.0
        if q.album_short is not None:
            t += 0.0 if title_key(e.album or "").short == q.album_short else 0.5
        if q.year is not None:
            t += min(abs(q.year - e.year), 20) / 50 if e.year else 0.4
        return t

    def _decide(self, q: _Query, best) -> MatchDecision:
        _, i, sim, artist_sim, rank = best
        e = self._entries[i]
        version = self._versions[i]
        if rank < FALLBACK_RANK and sim == EXACT and artist_sim == 100.0:
            return MatchDecision(e.rating_key, 100.0, "exact", "exact")
        score = 0.7 * sim + 0.3 * artist_sim
        reason = f"title {sim:.0f} / artist {artist_sim:.0f}"
        if rank >= FALLBACK_RANK:
            score -= self.thresholds.other_version_penalty
            asked = q.title.version
            if asked is not None and asked != version:
                reason += f"; no {asked.replace('_', ' ')} version in library"
            else:
                reason += f"; only a {str(version).replace('_', ' ')} version in library"
        return MatchDecision(e.rating_key, round(max(score, 0.0), 1), reason, "fuzzy")

    # -- manual search ----------------------------------------------------------------------
    def search(self, text: str, limit: int = 20) -> list[LibraryEntry]:
        """Library entries for the manual-match search box, best first (see
        :class:`~.search.SearchIndex`; its word index is built on first use)."""
        if self._search_index is None:
            self._search_index = SearchIndex(self._entries)
        return self._search_index.search(text, limit)


def _is_various(album_artist: str) -> bool:
    return "".join(words(fold(album_artist))) in VARIOUS_ARTISTS


def _credit_keys(album_artist: str, track_artist: str | None) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """(strong keys, weak credit-part keys not among them, is a compilation) of a track's
    album artist and track artist; "Various Artists" gives no key."""
    compilation = _is_various(album_artist)
    if compilation and not track_artist:  # a track credited to "Various Artists" itself
        return ("variousartists",), (), True
    strong = () if compilation else artist_keys_uncached(album_artist)
    parts = () if compilation else credit_parts_uncached(album_artist)
    if track_artist:
        strong = tuple(dict.fromkeys(strong + artist_keys_uncached(track_artist)))
        parts = parts + credit_parts_uncached(track_artist)
    weak = tuple(k for k in dict.fromkeys(parts) if k not in strong)
    return strong, weak, compilation
