"""The in-memory matcher: AI suggestions to library tracks, precise, explainable and fast.

Built once from the library index (:meth:`Matcher.build`, about 1.5 s per 100k tracks):
every track's title and artist credits are normalised once (:mod:`.normalize`) into
space-free keys, indexed in dictionaries by title key (and its optional-subtitle forms)
and by artist key (artist blocking). A suggestion is then matched in tiers; a tier
returns as soon as its best track is in a satisfying version, otherwise a track only in
another version (live for a studio request) is kept while later tiers look further
(issue 14, class 5):

1. tracks of an artist whose key agrees exactly (album artist ``grandparentTitle``,
   track artist ``originalTitle``, its main artist before "feat.", or an inverted name
   "Gaye, Marvin" / "GAYE,MARVIN" / "Beatles, The" uninverted);
1c. tracks of a known alias of the artist ("Puff Daddy" / "Diddy", :mod:`.aliases`) or
   of one the user taught by a manual match (:meth:`Matcher.set_aliases`);
2. tracks crediting one member of the suggested credit ("Jay-Z & Beyoncé" -> "Jay-Z"),
   featuring the suggested artist, or bearing exactly the suggested title under an
   artist name within a typo of the suggested one;
2b. the artist written another way (issue 14, class 1): the same words in another order
   ("Springsteen Bruce"), with a title similarity of at least ``variant_title_min``; or
   a clear subset or superset of the words ("Springsteen", "Bob Marley & The Wailers"),
   with the exact title only (``surname_title_min``), filler words ("Band", "The")
   never being enough;
3. tracks of the library artists whose names are within a typo of the suggested one
   (a rapidfuzz scan over the distinct artist keys only).

Titles are compared by edit similarity (optimal string alignment: a transposition is one
edit) on the keys, with guards against the classic false positives of token-set
scorers: a title whose words are a strict subset of the other's ("One" / "One More
Time"), a title with other numbers ("Part 1" / "Part 2") and a title with a word
replaced ("Tell The World" / "Heart The World") score at most ``guard_cap``. An
optional subtitle, "Theme from" or the part after a comma may be missing on either side
when what remains is specific (:func:`.normalize.specific`). Among acceptable tracks the
cheapest wins: title and artist distance, the version rank (studio original, remaster,
edits, best-of and compilation copies, and only then live/remix/acoustic/demo/karaoke
unless asked), the credits (a partner the suggestion names but the track lacks, or a
credit the suggestion does not name: issue 14, class 4), then the suggested album and
year. The same title by another artist never matches: every tier requires the artist to
agree in one of the ways above.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import permutations

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .aliases import alias_map
from .normalize import (
    ARTIST_FILLER,
    CREDIT_CONNECTORS,
    TitleKey,
    album_version_uncached,
    artist_keys,
    artist_keys_uncached,
    artist_tokens,
    artist_tokens_uncached,
    credit_parts,
    credit_parts_uncached,
    credit_tokens,
    fold,
    main_artist_key,
    main_artist_name,
    title_key,
    title_key_uncached,
    words,
)
from .scoring import EXACT, FALLBACK_RANK, SQUEEZED_EQUAL, best_similarity, title_similarity, version_rank
from .search import SearchIndex, SearchResult
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
    tokens: frozenset[str] = frozenset()
    part_tokens: tuple[frozenset[str], ...] = ()
    album: str | None = None


class Matcher:
    """Matches suggestions against a fixed set of library entries (rebuild on change).

    Thread-safe for concurrent reads after :meth:`build`: matching never mutates the
    indexes; the lazy search index, the per-credit word caches and :meth:`set_aliases`
    each change state by single assignments under the GIL.
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
        self._aliases: dict[str, frozenset[str]] = alias_map()
        self._alias_pairs: tuple[tuple[str, str], ...] = ()
        # Lazily filled per credit (album artist, track artist[, featured]): word sets of the
        # credited names and all their words; filled under the GIL, one assignment each.
        self._ident_tokens: dict[tuple[str, str | None], tuple[frozenset[str], ...]] = {}
        self._ident_words: dict[tuple, frozenset[str]] = {}
        by_title, by_artist, by_part = self._by_title, self._by_artist, self._by_part
        # Build-local caches: a library repeats credits, titles and albums many times.
        titles: dict[str, TitleKey] = {}
        credit_cache: dict[tuple[str, str | None], tuple] = {}
        albums: dict[str, str | None] = {}
        featured_parts: dict[str, tuple[str, ...]] = {}
        tkeys_append, strong_append = self._tkeys.append, self._strong.append
        for i, e in enumerate(self._entries):
            tk = titles.get(e.title)
            if tk is None:
                tk = titles[e.title] = title_key_uncached(e.title)
            tkeys_append(tk)
            self._by_key[e.rating_key] = i
            by_title.setdefault(tk.key, []).append(i)
            if tk.short != tk.key:
                by_title.setdefault(tk.short, []).append(i)
            if len(tk.alts) > 1 or tk.alts[0] != tk.key:
                for alt in tk.alts:
                    if alt != tk.key and alt != tk.short:
                        by_title.setdefault(alt, []).append(i)
            ident = (e.album_artist or "", e.track_artist or None)
            credit = credit_cache.get(ident)
            if credit is None:
                credit = credit_cache[ident] = _credit_keys(*ident)
            strong, parts, compilation = credit
            strong_append(strong)
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

    @property
    def entries(self) -> list[LibraryEntry]:
        """The library entries this matcher was built from (read-only: do not mutate)."""
        return self._entries

    def entry(self, rating_key: int) -> LibraryEntry | None:
        """The library entry with this ratingKey, or None."""
        i = self._by_key.get(rating_key)
        return None if i is None else self._entries[i]

    # -- aliases ------------------------------------------------------------------------------
    def set_aliases(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        """Use the built-in alias table (:data:`~.aliases.KNOWN_ALIASES`) plus ``pairs`` of
        (artist as suggested, artist as the library writes it), e.g. learned from manual
        matches. Replaces the previous pairs in one assignment (safe for readers)."""
        pairs = tuple(pairs)
        self._aliases = alias_map(pairs)
        self._alias_pairs = pairs

    @property
    def alias_pairs(self) -> tuple[tuple[str, str], ...]:
        """The learned (suggested, library) artist pairs last given to :meth:`set_aliases`."""
        return self._alias_pairs

    # -- matching -------------------------------------------------------------------------
    def match(self, suggestion: Suggestion) -> MatchDecision:
        """Match one suggestion (see the module docstring for the tiers and rules).

        Each tier returns at once when its best track is in a satisfying version; a track
        only in another version (live for a studio request) is kept while the later tiers
        look further, so a studio row under a differently written artist still wins
        (issue 14, class 5).
        """
        q = _Query(
            title_key(suggestion.title),
            artist_keys(suggestion.artist),
            credit_parts(suggestion.artist),
            title_key(suggestion.album).short if suggestion.album else None,
            suggestion.year,
            artist_tokens(suggestion.artist),
            credit_tokens(suggestion.artist),
            suggestion.album,
        )
        th = self.thresholds
        kept = None  # best track so far in another version than asked
        seen: set[int] = set()
        closest: tuple[float, str] | None = None

        def done(best) -> bool:
            # final when in a satisfying version and crediting every partner named;
            # else kept while later tiers look for better (classes 4 and 5)
            nonlocal kept
            if best is None:
                return False
            if best[4] < FALLBACK_RANK and not best[5]:
                # final unless a kept one is cheaper (then returned at the end)
                return kept is None or best[0] <= kept[0]
            if kept is None or best[0] < kept[0]:
                kept = best
            return False

        title_hits = self._title_hits(q)
        strong_lists = [self._by_artist[k] for k in q.strong if k in self._by_artist]
        if strong_lists:
            # Tier 1a: the title key itself under an agreeing artist (most suggestions);
            # an exact title beats any fuzzy one, so the artist's other tracks are skipped.
            wanted = set(q.strong)
            exact: dict[int, float] = {}
            for i in title_hits:
                if not wanted.isdisjoint(self._strong[i]):
                    exact[i] = 100.0
            if exact:
                best, _ = self._best(q, exact)
                if done(best):
                    return self._decide(q, best)
            # Tier 1b: every track of the artist, fuzzy titles.
            strong = {}
            for lst in strong_lists:
                strong.update(dict.fromkeys(lst, 100.0))
            seen.update(strong)
            best, closest = self._best(q, strong)
            if done(best):
                return self._decide(q, best)
        # Tier 1c: known aliases ("Puff Daddy" / "Diddy") and the user's learned ones.
        aliased: dict[int, float] = {}
        for k in q.strong:
            for other in self._aliases.get(k, ()):
                for i in self._by_artist.get(other, ()):
                    if i not in seen:
                        aliased[i] = th.alias_artist_score
        if aliased:
            seen.update(aliased)
            best, near = self._best(q, aliased)
            closest = _closer(closest, near)
            if done(best):
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
        # (a name within a typo is no better than a live row of the artist itself)
        for i in title_hits if kept is None else ():
            if i not in weak and i not in seen and self._strong[i]:
                sim = best_similarity(names, self._strong[i])
                if sim >= th.artist_min:
                    weak[i] = sim
        for i in seen:
            weak.pop(i, None)
        if weak:
            seen.update(weak)
            best, _ = self._best(q, weak)
            if done(best):
                return self._decide(q, best)
        # Tier 2b: the artist written another way (issue 14, class 1): the same words in
        # another order or case ("Springsteen, Bruce", "Beatles, The"), with a strong title;
        # or a clear subset/superset of the words ("Springsteen", "Bob Marley & The
        # Wailers"), with the exact title only.
        if q.tokens:
            perm: dict[int, float] = {}
            for k in _permuted_keys(suggestion.artist):
                for i in self._by_artist.get(k, ()):
                    if i not in seen:
                        perm[i] = th.variant_artist_score
            subset: dict[int, float] = {}
            for i in title_hits:
                if i not in seen and i not in perm and self._related_artist(q, i):
                    subset[i] = th.surname_artist_score
            seen.update(perm)
            seen.update(subset)
            best_p, near = self._best(q, perm, th.variant_title_min) if perm else (None, None)
            closest = _closer(closest, near)
            best_s, _ = self._best(q, subset, th.surname_title_min) if subset else (None, None)
            best = min((b for b in (best_p, best_s) if b is not None), default=None)
            if done(best):
                return self._decide(q, best)
        if not strong_lists and q.strong and kept is None:
            # Tier 3: artist names within a typo (scan of the distinct artist keys only).
            fuzzy: dict[int, float] = {}
            for name, sim in self._similar_artists(q.strong[0]):
                for i in self._by_artist[name]:
                    if i not in seen:
                        fuzzy.setdefault(i, sim)
            if fuzzy:
                best, near = self._best(q, fuzzy)
                closest = _closer(closest, near)
                if done(best):
                    return self._decide(q, best)
        if kept is not None:
            return self._decide(q, kept)
        if closest is not None:
            sim, title = closest
            return MatchDecision(None, round(sim, 1),
                                 f"Not in your library: closest is '{title}' by the same artist", "no_title")
        return MatchDecision(None, 0.0, "Not in your library: no track by this artist", "no_artist")

    def _title_hits(self, q: _Query) -> set[int]:
        """Tracks whose title (key, bracket-free key or another specific form) equals one
        of the suggested title's forms: a dictionary look-up per form."""
        hits: set[int] = set()
        for key in {q.title.key, q.title.short, *q.title.alts}:
            hits.update(self._by_title.get(key, ()))
        return hits

    def _tokens_of(self, i: int) -> tuple[tuple[frozenset[str], ...], tuple[frozenset[str], ...]]:
        """(main names, every name) credited on track ``i`` as word sets (computed once per
        credit, see :func:`_credit_token_sets`)."""
        e = self._entries[i]
        ident = (e.album_artist or "", e.track_artist or None)
        hit = self._ident_tokens.get(ident)
        if hit is None:
            hit = self._ident_tokens[ident] = _credit_token_sets(*ident)
        return hit

    def _words_of(self, i: int) -> frozenset[str]:
        """Every word credited on track ``i`` but the connectors ("and", "feat", "with",
        ...): its artists and the featured artists of its title (computed once per credit
        and featured list)."""
        e = self._entries[i]
        key = (e.album_artist or "", e.track_artist or None, self._tkeys[i].featured)
        hit = self._ident_words.get(key)
        if hit is None:
            found = frozenset().union(*self._tokens_of(i)[1], *(artist_tokens(f) for f in key[2]))
            hit = self._ident_words[key] = found - CREDIT_CONNECTORS
        return hit

    def _related_artist(self, q: _Query, i: int) -> bool:
        """Whether track ``i``'s credit is the suggested artist written shorter or longer
        (issue 14, class 1): a *main* credited name (album artist, track artist before
        "feat.") whose words are a strict subset of the suggestion's ("Springsteen" for
        "Bruce Springsteen", "Vee" for "Bobby Vee"), or every name of the suggestion
        inside one credited name ("Springsteen" -> "Bruce Springsteen", "Hall & Oates" ->
        "Daryl Hall & John Oates"); the shared words more than filler and 3 letters or
        more (not "Band" in "Steve Miller Band"). A guest's name never counts: "Kevin
        Brown" is not "Chris Brown feat. Kevin McCall"."""
        tokens = q.tokens
        mains, names = self._tokens_of(i)
        for theirs in mains:
            if theirs == tokens:
                return True
            if theirs < tokens and _meaningful(theirs):
                return True
        asked = q.part_tokens or (tokens,)
        return all(any(p <= n for n in names) for p in asked) and _meaningful(frozenset().union(*asked))

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
        nothing): ``Override("track", k)`` gives "Chosen by you" (or "The track you chose
        is no longer in your library", ratingKey None, when ``k`` is gone);
        ``Override("absent")`` gives "You marked it as not in your library". Raises ``ValueError`` on a length mismatch.
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
            return MatchDecision(None, 0.0, "You marked it as not in your library", "manual_absent")
        if o.rating_key in self._by_key:
            return MatchDecision(o.rating_key, 100.0, "Chosen by you", "manual")
        return MatchDecision(None, 0.0, "The track you chose is no longer in your library", "manual_missing")

    def _best(self, q: _Query, cands: dict[int, float], title_min: float | None = None):
        """The cheapest acceptable candidate ``(cost, i, title_sim, artist_sim, rank,
        missing partners)`` (or None) and the closest title seen ``(similarity, title)``. ``cands`` maps track
        positions to their artist score; ``title_min`` (0-100) raises the title bar for
        artists written another way."""
        th = self.thresholds
        scored: dict[str, tuple[float, bool]] = {}
        best = None
        closest: tuple[float, str] | None = None
        qt = q.title
        partners = tuple(p - CREDIT_CONNECTORS or p for p in q.part_tokens) if len(q.part_tokens) > 1 else ()
        asked_words = q.tokens.union(*q.part_tokens) if q.part_tokens else q.tokens
        for i, artist_sim in cands.items():
            tk = self._tkeys[i]
            hit = scored.get(tk.key)
            if hit is None:
                hit = scored[tk.key] = title_similarity(qt, tk, th)
            sim, ok = hit
            if closest is None or sim > closest[0]:
                closest = (sim, self._entries[i].title)
            if not ok or (title_min is not None and sim < title_min):
                continue
            rank = version_rank(qt.version, self._versions[i])
            if rank >= FALLBACK_RANK and not th.accept_other_version:
                continue
            cost = (100.0 - sim) + (100.0 - artist_sim) * 0.5 + rank * 2 + self._tiebreak(q, i)
            # Duets (issue 14, class 4): a partner named in the suggestion but not credited
            # on the track costs more than a best-of copy; a credit the suggestion does not
            # name (a later "(feat. Y)" re-recording) costs more than a best-of copy too,
            # but less than a live version.
            cw = self._words_of(i)
            missing = sum(1 for p in partners if not p <= cw) if partners else 0
            cost += th.missing_partner_cost * missing
            if not cw <= asked_words:
                cost += th.extra_credit_cost
            if best is None or cost < best[0] or (cost == best[0] and i < best[1]):
                best = (cost, i, sim, artist_sim, rank, missing)
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
        """The decision for the chosen candidate, with a reason written for a person:
        "Exact match", "Found under 'Springsteen, Bruce'", "Title spelt 'Allright' in
        your library", "Only a live version is in your library", "From a different
        album: Greatest Hits, 1995" (parts joined by "; ")."""
        _, i, sim, artist_sim, rank, _ = best
        e = self._entries[i]
        version = self._versions[i]
        notes: list[str] = []
        shown = e.track_artist or e.album_artist
        written = artist_keys(shown)
        # said when the library writes the artist another way ("Springsteen, Bruce"), not
        # for case, diacritics, a dropped "The" or a featured guest
        if not written or (written[0] not in q.strong and main_artist_key(shown) not in q.strong):
            notes.append(f"Found under '{shown}'")
        if sim < EXACT:
            if sim >= SQUEEZED_EQUAL and _differs_only_in_subtitle(q.title, self._tkeys[i]):
                notes.append(f"Title is '{e.title}' in your library")
            else:
                notes.append(f"Title spelt '{e.title}' in your library")
        if rank >= FALLBACK_RANK:
            asked = q.title.version
            if asked is not None and asked != version:
                notes.append(f"No {_version_name(asked)} version in your library; using "
                             f"{'the studio version' if version is None else 'the ' + _version_name(version) + ' version'}")
            else:
                notes.append(f"Only a {_version_name(version)} version is in your library")
        album_differs = q.album_short is not None and title_key(e.album or "").short != q.album_short
        year_differs = q.year is not None and e.year is not None and e.year != q.year
        if album_differs or (year_differs and q.album_short is None):
            notes.append(f"From a different album: {e.album}{f', {e.year}' if e.year else ''}")
        elif year_differs:
            notes.append(f"Year {e.year} in your library")
        if rank < FALLBACK_RANK and sim == EXACT and artist_sim == 100.0:
            if not notes or not notes[0].startswith("Found under"):
                notes.insert(0, "Exact match")
            return MatchDecision(e.rating_key, 100.0, "; ".join(notes), "exact")
        score = 0.7 * sim + 0.3 * artist_sim
        if rank >= FALLBACK_RANK:
            score -= self.thresholds.other_version_penalty
        if not notes:
            notes.append("Close match")
        return MatchDecision(e.rating_key, round(max(score, 0.0), 1), "; ".join(notes), "fuzzy")

    # -- manual search ----------------------------------------------------------------------
    def search(self, text: str, limit: int = 20) -> list[LibraryEntry]:
        """Library entries for the manual-match search box, best first (see
        :class:`~.search.SearchIndex`; its word index is built on first use)."""
        return self.search_page(text, limit).entries

    def search_page(self, text: str, limit: int = 20) -> SearchResult:
        """Like :meth:`search`, with the total number of hits (``SearchResult.total``) so
        the page can say how many more there are than the ``limit`` listed."""
        if self._search_index is None:
            self._search_index = SearchIndex(self._entries, [tk.key for tk in self._tkeys], self._strong)
        return self._search_index.find(text, limit)


def _version_name(version: str | None) -> str:
    """A version as a person says it ("radio_edit" -> "radio edit", None -> "studio")."""
    return "studio" if version is None else {"best_of": "best-of", "taylors_version": "Taylor's Version"}.get(
        version, version.replace("_", " "))


def _differs_only_in_subtitle(a: TitleKey, b: TitleKey) -> bool:
    """Whether two titles agree once an optional subtitle or article is dropped."""
    return a.key == b.short or a.short == b.key or a.bare in b.alts or b.bare in a.alts


@lru_cache(maxsize=4096)
def _permuted_keys(artist: str, most_words: int = 5) -> tuple[str, ...]:
    """Artist keys of every order of the credit's words, with and without "The" ("Bruce
    Springsteen" -> "brucespringsteen", "springsteenbruce", ...; "The Beatles" ->
    "beatles", "thebeatles", "beatlesthe"): how "Springsteen, Bruce", "SPRINGSTEEN,BRUCE"
    or Plex's ``titleSort`` "Beatles, The" are keyed. Credits of more than ``most_words``
    words give none (issue 14, class 1)."""
    ws = [w for w in words(fold(artist)) if w != "the"]
    if not ws or len(ws) > most_words:
        return ()
    keys = {"".join(p) for p in permutations(ws)}
    if len(ws) <= 3:
        keys |= {"".join(p) for p in permutations([*ws, "the"])}
    return tuple(sorted(keys))


def _closer(a: tuple[float, str] | None, b: tuple[float, str] | None) -> tuple[float, str] | None:
    """The closer of two "closest title" records (None when both are None)."""
    if a is None or (b is not None and b[0] > a[0]):
        return b
    return a


def _credit_token_sets(album_artist: str, track_artist: str | None) -> tuple[tuple[frozenset[str], ...],
                                                                          tuple[frozenset[str], ...]]:
    """(main names, every name) of a track's credit as word sets: the main names are the
    album artist (unless "Various Artists") and the track artist before any featuring
    word; every name adds each name of both credits ("Daryl Hall & John Oates" ->
    {daryl, hall}, {john, oates}; "Chris Brown feat. Kevin McCall" -> ..., {kevin, mccall})."""
    mains: list[frozenset[str]] = []
    names: list[frozenset[str]] = []
    if album_artist and not _is_various(album_artist):
        mains.append(artist_tokens_uncached(album_artist))
        names.extend(credit_tokens(album_artist))
    if track_artist:
        parts = credit_tokens(track_artist)
        mains.append(artist_tokens_uncached(main_artist_name(track_artist)))
        names.extend(parts)
    mains = [m for m in dict.fromkeys(mains) if m]
    return tuple(mains), tuple(dict.fromkeys([*mains, *(n for n in names if n)]))


def _meaningful(words_: frozenset[str]) -> bool:
    """Whether shared artist words identify someone: not only filler ("Band", "The"),
    and 3 letters or more of real words."""
    real = words_ - ARTIST_FILLER
    return bool(real) and sum(len(w) for w in real) >= 3


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
