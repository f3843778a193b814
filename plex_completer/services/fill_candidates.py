"""The candidate list for filling a playlist from the user's own library (issue 18).

When fewer tracks of the AI's wish list are in the library than were asked for, one
grounded AI request picks fillers from a *numbered candidate list* drawn from the
library index; this module builds that list. It is pure (no database, no AI, no
Flask): :class:`FillIndex` is built once per library index version from the
matcher's :class:`~plex_completer.matching.LibraryEntry` values and
:func:`sample_candidates` turns it and a :class:`CandidateRequest` into candidates.

What the index knows: ``library_tracks`` holds artist credits, album titles and years;
``library_tags`` the genres, styles and moods of albums and album artists, as far as
the server's listings carry them (a track's tags are its album's and its album
artist's, passed in as normalised strings per track ratingKey). The groups, in order of
priority (issue 18, "What to build", point 2):

1. **named**: other tracks by the artists the AI named that the library has;
2. **album**: other tracks of the albums the matched tracks are on (an album, and a
   compilation even more, groups music of one kind);
3. **tag**: tracks of artists and albums sharing the genres, styles or moods of the
   matched tracks and of the named artists' tracks in the library, or named in the
   request ("jazz", "classic rock"), each tag weighted by how often it occurs there and
   by how specific it is (a tag on fewer tracks weighs more); a track in the request's
   decades is preferred. Empty when the library has no tags: its share moves on;
4. **word**: tracks of albums or artists whose names contain a word of the request
   ("jazz" finds "Jazz Classics" and "Modern Jazz Quartet", "christmas" finds
   "A Christmas Gift for You");
5. **artist-decade**: a track or two by artists with albums in the request's decades;
6. **decade**: tracks whose album year falls in those decades.

The decades come from the request text ("80s", "1985", "1979-1983"), the years the AI
wrote and the years of the matched tracks, weighted by how often each decade occurs.
Without any decade, (4) and (5) draw from the whole library.

The list is merged from these groups by quota (named 30 %, album 10 %, tag 25 %, word
10 %, artist-decade 10 %, decade the rest; a group that has too few gives its share to the
next), interleaved so that any prefix is a proportional mix: a local model shown only
the first 100 lines sees every kind of candidate. Already matched tracks, and other
copies of the same song (a compilation repeating a single), are never candidates.
Everything is deterministic for a given ``seed``.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..matching import LibraryEntry
from ..matching.normalize import fold, main_artist_key, words

#: Candidate lines shown to each provider kind (issue 18: "a few hundred lines for
#: Gemini, about a hundred for Ollama"; Ollama's default context is 4k tokens, and a
#: line costs about 15-20 tokens).
GEMINI_LINES = 300
OLLAMA_LINES = 100
#: Shares of the list per group, in priority order (see the module docstring).
QUOTAS = (("named", 0.30), ("album", 0.10), ("tag", 0.25), ("word", 0.10), ("artist-decade", 0.10), ("decade", 0.15))
#: Most tracks one named artist may contribute (so one prolific artist does not fill the list).
PER_NAMED_ARTIST = 12
#: Tracks per artist in the artist-decade group.
PER_DECADE_ARTIST = 2
#: Most tracks one artist may contribute to the tag group.
PER_TAG_ARTIST = 3
#: Tags of the named artists' library tracks looked at, per named artist.
NAMED_TAG_SAMPLE = 6
#: Draws from a tag's tracks looking for one in the request's decades before taking any.
DECADE_TRIES = 4
#: Weight of a tag the request text names ("jazz"), against 1 per matched track carrying it.
PROMPT_TAG_WEIGHT = 4.0
MAX_LINE_CHARS = 160
# Words of a request that say nothing about music kind (and words too common in titles).
_STOP_WORDS = frozenset({
    "a", "an", "and", "any", "are", "as", "at", "be", "best", "by", "for", "from", "good", "great", "greatest",
    "hit", "hits", "i", "in", "into", "is", "it", "its", "just", "like", "me", "mix", "more", "most", "music",
    "my", "new", "no", "of", "on", "or", "our", "playlist", "playlists", "please", "some", "song", "songs", "the",
    "their", "this", "to", "track", "tracks", "very", "vol", "volume", "was", "we", "with", "you", "your",
    "collection", "edition", "deluxe", "remastered", "remaster", "disc", "cd", "part", "live", "version", "best-of",
    "anthology", "essential", "complete", "one", "two", "three", "four", "five", "six", "seven", "eight",
    "nine", "ten"
})
_VARIOUS = frozenset({"variousartists", "various", "va", "soundtrack", "originalsoundtrack"})
_YEARS = re.compile(r"\b(19[0-9]\d|20[0-4]\d)\s*(?:-|–|to)\s*(19[0-9]\d|20[0-4]\d)\b")
_DECADE = re.compile(r"\b(19[0-9]0|20[0-4]0)'?s\b")
_SHORT_DECADE = re.compile(r"(?<![\d])[’']?([0-9]0)[’']?s\b")
_YEAR = re.compile(r"\b(19[0-9]\d|20[0-4]\d)\b(?!s)")
_WORD_DECADES = {"fifties": 1950, "sixties": 1960, "seventies": 1970, "eighties": 1980, "nineties": 1990}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One numbered line of the candidate list.

    ``number`` is the 1-based line number the AI answers with; ``rating_key`` the
    library track; ``artist``/``title``/``album``/``year`` as the library writes them;
    ``group`` the reason it is on the list (``named``, ``album``, ``word``,
    ``artist-decade``, ``decade``).
    """

    number: int
    rating_key: int
    artist: str
    title: str
    album: str
    year: int | None
    group: str

    def text(self) -> str:
        """``Artist – Title (Album, 1984)`` on one line, at most 150 characters."""
        where = ", ".join(x for x in (self.album, str(self.year) if self.year else "") if x)
        text = f"{self.artist} – {self.title}" + (f" ({where})" if where else "")
        return " ".join(text.split())[: MAX_LINE_CHARS - 10]

    def line(self) -> str:
        """``12. Artist – Title (Album, 1984)``, one line of at most 160 characters."""
        return f"{self.number}. {self.text()}"


@dataclass(frozen=True)
class CandidateRequest:
    """What the sampler needs to know about one fill.

    ``prompt`` is the user's request text (untrusted, only read for decades, words and
    tags it names);
    ``named`` the ``(artist, year)`` pairs of the AI's wish list (year None when the AI
    gave none); ``matched`` the ratingKeys already in the playlist; ``size`` the number
    of lines wanted (≥ 1); ``seed`` makes the draw reproducible.
    """

    prompt: str
    named: Sequence[tuple[str, int | None]] = ()
    matched: Sequence[int] = ()
    size: int = GEMINI_LINES
    seed: int = 0


@dataclass
class FillIndex:
    """The library index arranged for sampling; build with :meth:`build` (about 1 s per
    200k tracks, once per library index version) and never mutate afterwards.

    Lists hold positions into ``entries``: ``by_artist`` per main-artist key (album
    artist and track artist both count), ``by_album`` per album, ``by_decade`` per
    decade (1980 for 1980-1989), ``artists_by_decade`` the artist keys with an album in
    that decade, ``by_word`` album ids per word of album titles and artist names;
    ``song_of`` a song key per entry (folded artist and title) to skip other copies;
    ``tag_names`` the distinct tags (normalised), ``tags_of`` the tag ids per entry and
    ``by_tag`` the entries per tag id.
    """

    entries: list[LibraryEntry]
    by_key: dict[int, int] = field(default_factory=dict)
    artist_of: list[str] = field(default_factory=list)
    song_of: list[str] = field(default_factory=list)
    album_of: list[int] = field(default_factory=list)
    by_artist: dict[str, list[int]] = field(default_factory=dict)
    by_album: list[list[int]] = field(default_factory=list)
    by_decade: dict[int, list[int]] = field(default_factory=dict)
    artists_by_decade: dict[int, list[str]] = field(default_factory=dict)
    by_word: dict[str, list[int]] = field(default_factory=dict)
    tag_names: list[str] = field(default_factory=list)
    tags_of: list[tuple[int, ...]] = field(default_factory=list)
    by_tag: list[list[int]] = field(default_factory=list)

    @classmethod
    def build(cls, entries: Iterable[LibraryEntry], tags: Mapping[int, Iterable[str]] | None = None) -> FillIndex:
        """Arrange ``entries`` (the library index) for :func:`sample_candidates`;
        ``tags`` maps a track's ratingKey to its genres, styles and moods (normalised
        strings: its album's and its album artist's), None or missing for none."""
        index = cls(list(entries))
        index._add_tags(tags or {})
        albums: dict[tuple[str, str], int] = {}
        artist_keys: dict[str, str] = {}
        artist_decades: dict[int, set[str]] = {}
        album_words: dict[int, set[str]] = {}
        for i, e in enumerate(index.entries):
            index.by_key[e.rating_key] = i
            credit = e.track_artist or e.album_artist or ""
            key = artist_keys.get(credit)
            if key is None:
                key = artist_keys[credit] = main_artist_key(credit)
            index.artist_of.append(key)
            index.song_of.append(key + "|" + " ".join(words(fold(e.title))))
            if key and key not in _VARIOUS:
                index.by_artist.setdefault(key, []).append(i)
            album_artist = e.album_artist or ""
            if e.track_artist and album_artist and album_artist != e.track_artist:
                akey = artist_keys.get(album_artist)
                if akey is None:
                    akey = artist_keys[album_artist] = main_artist_key(album_artist)
                if akey and akey not in _VARIOUS and akey != key:
                    index.by_artist.setdefault(akey, []).append(i)
            album_id = albums.get((album_artist, e.album))
            if album_id is None:
                album_id = albums[(album_artist, e.album)] = len(index.by_album)
                index.by_album.append([])
                album_words[album_id] = _meaningful_words(e.album) | _meaningful_words(album_artist)
            elif e.track_artist:
                album_words[album_id] |= _meaningful_words(e.track_artist)
            index.album_of.append(album_id)
            index.by_album[album_id].append(i)
            if e.year:
                decade = e.year // 10 * 10
                index.by_decade.setdefault(decade, []).append(i)
                if key and key not in _VARIOUS:
                    artist_decades.setdefault(decade, set()).add(key)
        for album_id, found in album_words.items():
            for word in found:
                index.by_word.setdefault(word, []).append(album_id)
        index.artists_by_decade = {d: sorted(keys) for d, keys in artist_decades.items()}
        return index

    def _add_tags(self, tags: Mapping[int, Iterable[str]]) -> None:
        ids: dict[str, int] = {}
        empty: tuple[int, ...] = ()
        interned: dict[frozenset[str], tuple[int, ...]] = {}
        for e in self.entries:
            found = tags.get(e.rating_key)
            if not found:
                self.tags_of.append(empty)
                continue
            names = frozenset(found)
            these = interned.get(names)
            if these is None:
                these = tuple(ids.setdefault(n, len(ids)) for n in sorted(names))
                interned[names] = these
            self.tags_of.append(these)
        self.tag_names = list(ids)
        self.by_tag = [[] for _ in ids]
        for i, these in enumerate(self.tags_of):
            for t in these:
                self.by_tag[t].append(i)

    def __len__(self) -> int:
        return len(self.entries)

    def entry(self, rating_key: int) -> LibraryEntry | None:
        """The library entry with this ratingKey, or None."""
        i = self.by_key.get(rating_key)
        return None if i is None else self.entries[i]


def _meaningful_words(text: str) -> set[str]:
    return {w for w in words(fold(text or "")) if len(w) >= 3 and w not in _STOP_WORDS and not w.isdigit()}


def request_decades(prompt: str) -> list[int]:
    """Decades (1980 for the 80s) the request text names: a range "1979-1983", a decade
    "1980s" / "80s" / "'80s" / "eighties", or single years "1985"; [] when none."""
    text = prompt or ""
    found: list[int] = []
    for m in _YEARS.finditer(text):
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        found.extend(range(a // 10 * 10, b // 10 * 10 + 1, 10))
    for m in _DECADE.finditer(text):
        found.append(int(m.group(1)))
    for m in _SHORT_DECADE.finditer(text):
        d = int(m.group(1))
        found.append((2000 if d < 30 else 1900) + d)
    lowered = text.lower()
    found.extend(start for word, start in _WORD_DECADES.items() if word in lowered)
    if not found:
        found = [int(m.group(1)) // 10 * 10 for m in _YEAR.finditer(text)]
    return list(dict.fromkeys(found))


def decade_weights(index: FillIndex, request: CandidateRequest) -> dict[int, float]:
    """How much each decade counts for ``request``: the request's own decades weigh 3
    each, the AI's years 1 each, the matched tracks' years 1 each; {} when none is known."""
    weights: dict[int, float] = {}
    for d in request_decades(request.prompt):
        weights[d] = weights.get(d, 0.0) + 3.0
    for _artist, year in request.named:
        if year:
            d = year // 10 * 10
            weights[d] = weights.get(d, 0.0) + 1.0
    for key in request.matched:
        e = index.entry(key)
        if e is not None and e.year:
            d = e.year // 10 * 10
            weights[d] = weights.get(d, 0.0) + 1.0
    return weights


def tag_weights(index: FillIndex, request: CandidateRequest) -> dict[int, float]:
    """How much each tag (id into ``index.tag_names``) counts for ``request``: 1 per
    matched track carrying it, 1 per sampled library track of a named artist carrying
    it (:data:`NAMED_TAG_SAMPLE` per artist), :data:`PROMPT_TAG_WEIGHT` when the request
    text names it (all its words appear), each times its specificity
    ``log(1 + tracks / tracks with the tag)``; {} when the library has no tags."""
    if not index.tag_names:
        return {}
    counts: dict[int, float] = {}
    for key in request.matched:
        i = index.by_key.get(key)
        if i is not None:
            for t in index.tags_of[i]:
                counts[t] = counts.get(t, 0.0) + 1.0
    for artist in dict.fromkeys(main_artist_key(a) for a, _y in request.named):
        for i in index.by_artist.get(artist, ())[:NAMED_TAG_SAMPLE]:
            for t in index.tags_of[i]:
                counts[t] = counts.get(t, 0.0) + 1.0
    prompt_words = set(words(fold(request.prompt or "")))
    if prompt_words:
        for t, name in enumerate(index.tag_names):
            parts = name.split()
            if parts and all(p in prompt_words for p in parts):
                counts[t] = counts.get(t, 0.0) + PROMPT_TAG_WEIGHT
    total = len(index.entries)
    return {t: c * math.log(1 + total / max(1, len(index.by_tag[t]))) for t, c in counts.items()}


class _Picker:
    """Collects candidate positions per group, skipping matched tracks and repeats."""

    def __init__(self, index: FillIndex, request: CandidateRequest) -> None:
        self.index = index
        self.taken: set[int] = set()
        self.songs: set[str] = set()
        for key in request.matched:
            i = index.by_key.get(key)
            if i is not None:
                self.taken.add(i)
                self.songs.add(index.song_of[i])
        self.groups: dict[str, list[int]] = {name: [] for name, _ in QUOTAS}

    def add(self, group: str, i: int) -> bool:
        if i in self.taken:
            return False
        song = self.index.song_of[i]
        if song in self.songs:
            return False
        self.taken.add(i)
        self.songs.add(song)
        self.groups[group].append(i)
        return True


def _quotas(size: int) -> dict[str, int]:
    """Lines per group for a list of ``size``: :data:`QUOTAS` shares rounded by largest
    remainder (ties to the earlier group), so the quotas add up to ``size`` exactly."""
    exact = [(name, share * size) for name, share in QUOTAS]
    want = {name: int(x) for name, x in exact}
    left = size - sum(want.values())
    order = sorted(range(len(exact)), key=lambda n: (-(exact[n][1] - int(exact[n][1])), n))
    for n in order[:left]:
        want[exact[n][0]] += 1
    return want


def _sample(rng: random.Random, items: Sequence[int], k: int) -> list[int]:
    return list(items) if len(items) <= k else rng.sample(items, k)


def sample_candidates(index: FillIndex, request: CandidateRequest) -> list[Candidate]:
    """The numbered candidate list for ``request`` (at most ``request.size`` lines,
    fewer when the library is smaller), numbered from 1 in the order of the list.

    Pure and deterministic for ``request.seed``; see the module docstring for the
    groups, quotas and order. Never lists a track of ``request.matched`` or another
    copy of a song already listed or matched. Raises ``ValueError`` when ``size < 1``.
    Runs in a few milliseconds at 200k tracks (``bench/fill.py``).
    """
    if request.size < 1:
        raise ValueError("size must be at least 1")
    size = request.size
    rng = random.Random(request.seed)
    picker = _Picker(index, request)
    want = _quotas(size)
    # Spare room: each group draws up to its quota plus what the groups before it left.
    spare = 0

    def room(group: str) -> int:
        return want[group] + spare - len(picker.groups[group])

    # 1. named artists the library has, round-robin so every artist gets a place.
    named_keys = list(dict.fromkeys(k for a, _y in request.named if (k := main_artist_key(a)) and k in index.by_artist))
    pools = [_sample(rng, index.by_artist[k], PER_NAMED_ARTIST * 2) for k in named_keys]
    while pools and room("named") > 0:
        pools = [p for p in pools if p]
        for pool in pools:
            while pool and not picker.add("named", pool.pop()):
                pass
            if room("named") <= 0:
                break
    spare = max(0, room("named"))
    # 2. album-mates of the matched tracks.
    album_ids = list(dict.fromkeys(index.album_of[i] for key in request.matched if (i := index.by_key.get(key)) is not None))
    rng.shuffle(album_ids)
    mates = [_sample(rng, index.by_album[a], 8) for a in album_ids]
    while mates and room("album") > 0:
        mates = [m for m in mates if m]
        for pool in mates:
            while pool and not picker.add("album", pool.pop()):
                pass
            if room("album") <= 0:
                break
    spare = max(0, room("album"))
    # 3. artists and albums sharing the request's genres, styles and moods.
    weights = decade_weights(index, request)
    _pick_by_tag(index, request, picker, rng, lambda: room("tag"), set(weights))
    spare = max(0, room("tag"))
    # 4. albums and artists whose names share a word with the request.
    request_words = _meaningful_words(request.prompt)
    word_albums = list(dict.fromkeys(a for w in sorted(request_words) for a in index.by_word.get(w, ())))
    rng.shuffle(word_albums)
    for album_id in word_albums[: max(1, room("word")) * 2]:
        for i in _sample(rng, index.by_album[album_id], 2):
            picker.add("word", i)
        if room("word") <= 0:
            break
    spare = max(0, room("word"))
    # 5 and 6: the request's decades, weighted; without any, the whole library.
    decades = [d for d in weights if d in index.by_decade]
    if decades:
        shares = [weights[d] for d in decades]
    else:
        decades = list(index.by_decade) or [0]
        shares = [len(index.by_decade.get(d, ())) for d in decades] if index.by_decade else [1]
    tries = 0
    while room("artist-decade") > 0 and tries < (want["artist-decade"] + spare) * 3:
        tries += 1
        decade = rng.choices(decades, shares)[0]
        artists = index.artists_by_decade.get(decade)
        if not artists:
            continue
        tracks = [i for i in index.by_artist.get(rng.choice(artists), ()) if index.entries[i].year and index.entries[i].year // 10 * 10 == decade]
        for i in _sample(rng, tracks, PER_DECADE_ARTIST):
            picker.add("artist-decade", i)
    spare = max(0, room("artist-decade"))
    pool_all = index.entries
    tries = 0
    while room("decade") > 0 and tries < (want["decade"] + spare) * 4:
        tries += 1
        bucket = index.by_decade.get(rng.choices(decades, shares)[0]) if index.by_decade else None
        if bucket:
            picker.add("decade", bucket[rng.randrange(len(bucket))])
        elif pool_all:
            picker.add("decade", rng.randrange(len(pool_all)))
    return _merge(index, picker.groups, size)


def _pick_by_tag(
    index: FillIndex, request: CandidateRequest, picker: _Picker, rng: random.Random, room, decades: set[int]
) -> None:
    """Fill the tag group: draw a tag by weight, then a track carrying it, preferring one
    of ``decades`` (:data:`DECADE_TRIES` draws), at most :data:`PER_TAG_ARTIST` per artist."""
    weights = tag_weights(index, request)
    if not weights:
        return
    tags = list(weights)
    shares = [weights[t] for t in tags]
    per_artist: dict[str, int] = {}
    entries = index.entries
    budget = room() * 6 + 20
    while room() > 0 and budget > 0:
        budget -= 1
        bucket = index.by_tag[rng.choices(tags, shares)[0]]
        pick = -1
        for _ in range(DECADE_TRIES):
            i = bucket[rng.randrange(len(bucket))]
            if i in picker.taken or per_artist.get(index.artist_of[i], 0) >= PER_TAG_ARTIST:
                continue
            pick = i
            year = entries[i].year
            if not decades or (year and year // 10 * 10 in decades):
                break
        if pick >= 0 and picker.add("tag", pick):
            artist = index.artist_of[pick]
            per_artist[artist] = per_artist.get(artist, 0) + 1


def _merge(index: FillIndex, groups: dict[str, list[int]], size: int) -> list[Candidate]:
    """Interleave the groups by their share of the list so any prefix is a proportional mix."""
    total = sum(len(g) for g in groups.values())
    order: list[tuple[float, int, str, int]] = []
    rank = {name: n for n, (name, _share) in enumerate(QUOTAS)}
    for name, items in groups.items():
        step = 1.0 / len(items) if items else 0.0
        for n, i in enumerate(items):
            order.append(((n + 0.5) * step, rank[name], name, i))
    order.sort()
    out: list[Candidate] = []
    for _pos, _rank, name, i in order[: min(size, total)]:
        e = index.entries[i]
        out.append(Candidate(len(out) + 1, e.rating_key, e.track_artist or e.album_artist, e.title, e.album, e.year, name))
    return out
