"""The matching evaluation set: suggestions with known answers, generated from the test library.

:func:`build_eval` draws, deterministically per seed, from the "full" library of
:mod:`tests.fakes.library.builder` (its ``tags`` hold each track's canonical artist,
title, song and version):

* present queries: the library's own spelling (``exact``); the canonical names an AI
  would write (``canonical``, which already differ from the tags by the builder's
  messiness: lower-cased artists, "Beyonce", "feat." in titles, dropped "The"); and the
  canonical names perturbed the way AIs and tags differ (``feat_in_artist``,
  ``feat_in_title``, ``version_added``, ``live_asked``, ``case``, ``punctuation``,
  ``diacritics_dropped``, ``the_toggled``, ``and_toggled``, ``typo_title_1``,
  ``typo_title_2``, ``typo_artist``, ``compilation_only``, ``album_year``, and
  ``featured_as_artist``: the featured artist named as the artist);
* absent queries, mostly hard negatives: the same title by an artist not in the library
  (``absent_other_artist``) or by another library artist (``absent_cover``), a title
  that is a strict word subset or superset of a real one by the same artist
  (``absent_subset``), another number (``absent_number``), one word replaced
  (``absent_word_swap``), an invented title by a real artist (``absent_invented``).

Ground truth (documented in ``docs/matching.md``): a present query accepts every copy of
the song (same canonical title, artist the same or a member of the credit, or featured)
in a version that satisfies it: with no version asked, or a remaster/edit asked, the
studio original, remasters, edits, best-of and compilation copies and Taylor's Versions;
with a live (remix, acoustic, ...) version asked, only copies of that version.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from anyascii import anyascii
from rapidfuzz import process
from rapidfuzz.distance import OSA

from plex_completer.matching import LibraryEntry, Suggestion
from tests.fakes.library.data import loose_key
from tests.fakes.library.model import FakeTrack

PLAIN_VERSIONS = frozenset({"original", "remaster", "best_of", "compilation", "radio_edit", "single_version",
                            "taylors_version"})
#: Version preference for a query naming no version (lower is better).
PREFERENCE = {"original": 0, "remaster": 1, "radio_edit": 2, "single_version": 2, "taylors_version": 2,
              "best_of": 3, "compilation": 3}
PRESENT_MIX = {  # category -> share of the present queries
    "exact": 0.14, "canonical": 0.26, "feat_in_artist": 0.04, "feat_in_title": 0.04, "version_added": 0.05,
    "live_asked": 0.03, "case": 0.05, "punctuation": 0.05, "diacritics_dropped": 0.03, "the_toggled": 0.04,
    "and_toggled": 0.03, "typo_title_1": 0.05, "typo_title_2": 0.03, "typo_artist": 0.04,
    "compilation_only": 0.04, "album_year": 0.06, "featured_as_artist": 0.02,
}
ABSENT_MIX = {
    "absent_other_artist": 0.2, "absent_cover": 0.2, "absent_subset": 0.2, "absent_number": 0.1,
    "absent_word_swap": 0.1, "absent_invented": 0.2,
}
#: Issue 14's classes on the messy library (:mod:`tests.fakes.library.messy`): category ->
#: (class, number of queries). Present ones first, then the traps (absent).
MESSY_MIX = {
    "artist_variant": ("1", 300), "subtitle_in_tag": ("2", 150), "subtitle_in_query": ("2", 150),
    "misspelt_in_tag": ("3", 150), "duet_asked": ("4", 120), "duet_not_asked": ("4", 120),
    "version_under_variant": ("5", 60),
    "trap_other_first_name": ("1", 150), "trap_variant_word_swap": ("1", 80), "trap_subtitle_only": ("2", 80),
}
MESSY_ABSENT = frozenset(c for c in MESSY_MIX if c.startswith("trap_"))
_SOURCES = ("hot100", "uspop2002", "classic_rock", "eurovision")


@dataclass(frozen=True)
class EvalQuery:
    """One evaluation query: the suggestion, its category, the acceptable ratingKeys
    (empty for an absent query) and among them the preferred ones (the best version
    present: studio original, else remaster, else edits, else best-of/compilation)."""

    suggestion: Suggestion
    category: str
    acceptable: frozenset[int]
    preferred: frozenset[int] = frozenset()

    @property
    def present(self) -> bool:
        return bool(self.acceptable)


def entries_from_tracks(tracks: Iterable[FakeTrack]) -> list[LibraryEntry]:
    """The matcher's view of test-library tracks."""
    return [LibraryEntry(t.rating_key, t.title, t.album_artist, t.track_artist, t.album, t.year,
                         t.track_number, t.duration_ms) for t in tracks]


_NUMBERS = re.compile(r"\d+")
_CREDIT_SPLIT = re.compile(r"\s*(?:,|&|\band\b|\bwith\b|\bfeat\.?|\bfeaturing\b|/)\s*", re.IGNORECASE)
_FROM = re.compile(r"\s*\((?:from|theme from)\b[^)]*\)", re.IGNORECASE)


_TRACK_NUMBER = re.compile(r"^\d{1,3}\s+-\s+(?=\S)")


@cache
def song_key(title: str) -> str:
    """Ground-truth identity of a title: :func:`loose_key` without a soundtrack note
    ("My Sharona (From \"Reality Bites\")" is "My Sharona") and without the track number
    some uspop2002 tags carry ("03 - Show Some Respect" is "Show Some Respect")."""
    title = _TRACK_NUMBER.sub("", title)
    return loose_key(_FROM.sub("", title)) or loose_key(title)


@cache
def _parts(artist: str) -> frozenset[str]:
    return frozenset({loose_key(p) for p in _CREDIT_SPLIT.split(artist) if p.strip()} | {loose_key(artist)})


class GroundTruth:
    """Which library tracks answer an (artist, title, version) question."""

    def __init__(self, tracks: list[FakeTrack]) -> None:
        self.by_title: dict[str, list[FakeTrack]] = defaultdict(list)
        self.titles_by_artist: dict[str, set[str]] = defaultdict(set)
        self.version_of = {t.rating_key: t.tags["version"] for t in tracks}
        for t in tracks:
            tk = song_key(t.tags["title"])
            self.by_title[tk].append(t)
            for p in _parts(t.tags["artist"]):
                self.titles_by_artist[p].add(tk)
            for f in t.tags["featured"]:
                self.titles_by_artist[loose_key(f)].add(tk)

    def copies(self, artist: str, title: str) -> list[FakeTrack]:
        """Every copy, any version, of the song ``title`` by ``artist`` (or a credit member)."""
        asked = _parts(artist)
        out = []
        for t in self.by_title.get(song_key(title), ()):
            theirs = _parts(t.tags["artist"]) | {loose_key(f) for f in t.tags["featured"]}
            if asked & theirs:
                out.append(t)
        return out

    def acceptable(self, artist: str, title: str, asked: str | None = None) -> frozenset[int]:
        """RatingKeys of the copies satisfying a query asking version ``asked``; a duet
        re-recording (``tags["duet_of"]``) only when the query names the partner."""
        asked_parts = _parts(artist)
        copies = [t for t in self.copies(artist, title)
                  if not t.tags.get("duet_of") or asked_parts & {loose_key(f) for f in t.tags["featured"]}]
        if asked in (None, "remaster", "radio_edit", "single_version"):
            return frozenset(t.rating_key for t in copies if t.tags["version"] in PLAIN_VERSIONS)
        return frozenset(t.rating_key for t in copies if t.tags["version"] == asked)

    def preferred(self, acceptable: frozenset[int], asked: str | None = None) -> frozenset[int]:
        """The acceptable copies of the best version rank (:data:`PREFERENCE`; a version
        asked for comes first)."""
        ranks = {k: -1 if self.version_of[k] == asked else PREFERENCE.get(self.version_of[k], 9)
                 for k in acceptable}
        best = min(ranks.values())
        return frozenset(k for k, r in ranks.items() if r == best)

    def artist_has_title(self, artist: str, title: str, max_edits: int = 2) -> bool:
        """Whether ``artist`` (or a credit member) has a title within ``max_edits`` edits
        of ``title`` (library tags have typos too: uspop2002's "Anoter Brick in the Wall")."""
        key = song_key(title)
        numbers = _NUMBERS.findall(key)
        for part in _parts(artist):
            titles = self.titles_by_artist.get(part, ())
            if key in titles:
                return True
            if max_edits:
                for near, _, _ in process.extract(key, titles, scorer=OSA.distance, score_cutoff=max_edits,
                                                  limit=None):
                    if _NUMBERS.findall(near) == numbers:  # "Part 3" is not near "Part 2"
                        return True
        return False


_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


def typo(text: str, rng: random.Random, edits: int = 1) -> str:
    """``edits`` one-letter typos (substitution by a neighbouring key, deletion,
    transposition or doubling) at letters inside words of at least four letters."""
    chars = list(text)
    for _ in range(edits):
        spots = [i for i in range(1, len(chars) - 1) if chars[i].isalpha() and chars[i - 1].isalpha()
                 and chars[i + 1].isalpha()]
        if not spots:
            break
        i = rng.choice(spots)
        op = rng.randrange(4)
        c = chars[i].lower()
        if op == 0 and c in _KEYBOARD:
            k = _KEYBOARD.index(c)
            chars[i] = _KEYBOARD[k + 1] if k + 1 < len(_KEYBOARD) else _KEYBOARD[k - 1]
        elif op == 1:
            del chars[i]
        elif op == 2:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            chars.insert(i, chars[i])
    return "".join(chars)


def _toggle_the(artist: str) -> str:
    return artist[4:] if artist.startswith("The ") else f"The {artist}"


def _toggle_and(artist: str) -> str | None:
    if " & " in artist:
        return artist.replace(" & ", " and ")
    if re.search(r" and ", artist, re.IGNORECASE):
        return re.sub(r" and ", " & ", artist, flags=re.IGNORECASE)
    return None


def _punctuation(title: str) -> str:
    s = title.replace("'", "\u2019") if "'" in title else title
    s = re.sub(r"[,.!?]", "", s)
    return s if s != title else f"{title}!"


_FILLERS = ("Again", "Tonight", "Forever", "Baby", "Tomorrow", "Alone", "Home")
_SWAPS = ("Summer", "Midnight", "Heart", "River", "Fire", "Dream", "Angel", "Highway")


def _swap_a_word(title: str, rng: random.Random) -> str | None:
    """``title`` with one word of four letters or more replaced by a word of
    :data:`_SWAPS` (another song); None when the title has under three words or no such
    word."""
    ws = title.split()
    long_words = [i for i, w in enumerate(ws) if len(w) >= 4 and w.isalpha()]
    if len(ws) < 3 or not long_words:
        return None
    i = rng.choice(long_words)
    ws[i] = rng.choice([w for w in _SWAPS if w.lower() != ws[i].lower()])
    return " ".join(ws)


class _Generator:
    def __init__(self, tracks: list[FakeTrack], seed: int) -> None:
        self.rng = random.Random(seed)
        self.truth = GroundTruth(tracks)
        originals: dict[str, FakeTrack] = {}
        versions: dict[str, set[str]] = defaultdict(set)
        release: dict[str, set[str]] = defaultdict(set)
        for t in tracks:
            sid = t.tags["song_id"]
            versions[sid].add(t.tags["version"])
            release[sid].add(t.tags["release"])
            if t.tags["source"] in _SOURCES and sid not in originals:
                originals[sid] = t
        self.songs = [originals[s] for s in sorted(originals)]
        self.versions, self.release = versions, release
        self.library_artists = sorted({t.tags["artist"] for t in self.songs})
        self.artist_set = {loose_key(a) for a in self.library_artists}

    def messy(self, category: str, t: FakeTrack) -> EvalQuery | None:
        """A query of an issue-14 category (:data:`MESSY_MIX`) built around the perturbed
        library track ``t``, or None when it does not apply."""
        rng, tags = self.rng, t.tags
        notes = tags.get("perturbations", ())
        artist, title, asked = tags["artist"], tags["title"], None
        variant = next((n.split(":", 1)[1] for n in notes if n.startswith("artist_variant:")), None)
        if category == "artist_variant":
            if variant is None or tags["version"] not in PLAIN_VERSIONS:
                return None
        elif category == "subtitle_in_tag":
            if "subtitle_added" not in notes:
                return None
        elif category == "subtitle_in_query":
            # the rule keeps a subtitle optional only when the rest is specific: two words or more
            if tags["version"] != "original" or "(" in title or tags["source"] not in _SOURCES \
                    or len(title.split()) < 2 or any(
                    "subtitle_added" in c.tags.get("perturbations", ()) for c in self.truth.copies(artist, title)):
                return None
            form = rng.randrange(3)
            if form == 0:
                title = f"({rng.choice(('Sittin On', 'Hey Now', 'Oh Baby'))}) {title}"
            elif form == 1:
                title = f"Theme from {title}"
            elif len(title.split()) >= 3 and len(re.findall(r"\w+", title)) >= 3 and len(loose_key(title)) >= 12:
                title = f"{title}, {rng.choice(('Come Back Home', 'Part Of The Night', 'Now And Forever'))}"
            else:
                return None
        elif category == "misspelt_in_tag":
            if "title_misspelt" not in notes:
                return None
        elif category in ("duet_asked", "duet_not_asked"):
            if "duet_rerecording" not in notes:
                return None
            if category == "duet_asked":
                artist = f"{artist} {rng.choice(('&', 'feat.', 'and'))} {tags['featured'][0]}"
                return EvalQuery(Suggestion(artist, title), category, frozenset({t.rating_key}),
                                 frozenset({t.rating_key}))
        elif category == "version_under_variant":
            if "live_kept_canonical" not in notes:
                return None
        elif category == "trap_other_first_name":
            if variant is None or not variant.startswith(("inverted", "capitals", "surname")) \
                    or len(artist.split()) != 2 or artist.startswith("The "):
                return None
            other = rng.choice(("Glenn", "Steve", "Anna", "Maria", "Kevin", "Laura"))
            if OSA.normalized_similarity(other.lower(), artist.split()[0].lower()) >= 0.6:
                return None  # "Maria" for "Mariah" is a typo of the same person, not a trap
            artist = f"{other} {artist.split()[1]}"
            if variant == "surname":  # a bare surname needs the exact title: a fuzzy one is a trap
                main, bracket = re.match(r"^([^(\[]*)(.*)$", title).groups()
                if len(loose_key(main)) < 8:
                    return None
                wrong = typo(main, rng, 1)
                if re.sub(r"(.)\1+", r"\1", wrong.lower()) == re.sub(r"(.)\1+", r"\1", main.lower()):
                    return None  # "Swiming" for "Swimming" is the same title to the matcher
                title = wrong + bracket  # the typo in the title, not a bracket
        elif category == "trap_variant_word_swap":
            if variant is None:
                return None
            title = _swap_a_word(title, rng)
            if title is None:
                return None
        elif category == "trap_subtitle_only":
            m = re.search(r"\(([^)]*)\)", t.title)
            if "subtitle_added" not in notes or not m:
                return None
            title = m.group(1)
        if category.startswith("trap_"):
            if self.truth.copies(artist, title) or self.truth.artist_has_title(artist, title):
                return None
            return EvalQuery(Suggestion(artist, title), category, frozenset())
        acceptable = self.truth.acceptable(tags["artist"], tags["title"], asked)
        if not acceptable:
            return None
        return EvalQuery(Suggestion(artist, title), category, acceptable, self.truth.preferred(acceptable, asked))

    def present(self, category: str, t: FakeTrack) -> EvalQuery | None:
        """A present query of ``category`` for song ``t``, or None when it does not apply."""
        rng, tags = self.rng, t.tags
        artist, title, asked, album, year = tags["artist"], tags["title"], None, None, None
        if category == "exact":
            artist = t.album_artist if t.album_artist != "Various Artists" else t.track_artist
            title = t.title
            if tags["version"] not in PLAIN_VERSIONS:
                return None
        elif category == "feat_in_artist":
            if not tags["featured"]:
                return None
            artist = f"{artist} {rng.choice(('feat.', 'ft.', 'featuring', '&', 'x'))} {tags['featured'][0]}"
        elif category == "featured_as_artist":
            # only where a copy shows the credit (in its title or track artist)
            if not tags["featured"]:
                return None
            artist = tags["featured"][0]
            needle = loose_key(artist)
            if not any(needle in loose_key(f"{c.title} {c.track_artist or ''}")
                       for c in self.truth.copies(tags["artist"], tags["title"])):
                return None
        elif category == "feat_in_title":
            if not tags["featured"]:
                return None
            title = f"{title} ({rng.choice(('feat.', 'ft.', 'with'))} {' & '.join(tags['featured'])})"
        elif category == "version_added":
            suffix, asked = rng.choice(((" - 2011 Remaster", "remaster"), (" (Remastered 2009)", "remaster"),
                                        (" (Radio Edit)", "radio_edit"), (" (Single Version)", "single_version"),
                                        (" [Explicit]", None), (" - Remastered", "remaster")))
            title += suffix
        elif category == "live_asked":
            if "live" not in self.versions[tags["song_id"]]:
                return None
            title += rng.choice((" (Live)", " - Live", " (Live at Wembley)"))
            asked = "live"
        elif category == "case":
            title = title.upper() if rng.random() < 0.3 else title.lower()
            artist = artist.lower() if rng.random() < 0.7 else artist.upper()
        elif category == "punctuation":
            title = _punctuation(title)
        elif category == "diacritics_dropped":
            if (artist + title).isascii():
                return None
            artist, title = anyascii(artist), anyascii(title)
        elif category == "the_toggled":
            artist = _toggle_the(artist)
        elif category == "and_toggled":
            artist = _toggle_and(artist)
            if artist is None:
                return None
        elif category in ("typo_title_1", "typo_title_2"):
            edits = 1 if category == "typo_title_1" else 2
            if len(loose_key(title)) < (6 if edits == 1 else 12):
                return None
            title = typo(title, rng, edits)
        elif category == "typo_artist":
            if len(loose_key(artist)) < 7:
                return None
            artist = typo(artist, rng, 1)
        elif category == "compilation_only":
            if self.release[tags["song_id"]] - {"compilation"} or tags["source"] != "eurovision":
                return None
        elif category == "album_year":
            album, year = t.album, t.year
        acceptable = self.truth.acceptable(tags["artist"], tags["title"], asked)
        if not acceptable:
            return None
        preferred = self.truth.preferred(acceptable, asked)
        return EvalQuery(Suggestion(artist, title, album, year), category, acceptable, preferred)

    def absent(self, category: str, t: FakeTrack) -> EvalQuery | None:
        """An absent query of ``category`` built around song ``t``, or None."""
        rng, tags = self.rng, t.tags
        artist, title = tags["artist"], tags["title"]
        if category == "absent_other_artist":
            artist = f"{rng.choice(('Lana', 'Marco', 'Ivy', 'Otto', 'Nina'))} {rng.choice(('Vale', 'Brandt', 'Okafor', 'Lindqvist'))}"
        elif category == "absent_cover":
            artist = rng.choice(self.library_artists)
        elif category == "absent_subset":
            ws = title.split()
            if "(" in title:
                return None
            if len(ws) >= 3 and rng.random() < 0.5:
                title = " ".join(ws[: rng.randint(1, len(ws) - 1)])
            else:
                title = f"{title} {rng.choice(_FILLERS)}"
        elif category == "absent_number":
            m = re.search(r"\d+", _TRACK_NUMBER.sub(lambda x: " " * len(x.group()), title))
            if not m or "(" in title[: m.start()]:  # "(1948)" says when, not which song
                return None
            title = title[: m.start()] + str(int(m.group()) + 1) + title[m.end():]
        elif category == "absent_word_swap":
            title = _swap_a_word(title, rng)
            if title is None:
                return None
        elif category == "absent_invented":
            a, b = (s.tags["title"].split() for s in rng.sample(self.songs, 2))
            if not a or not b:
                return None
            title = f"{a[0]} {b[-1]} {rng.choice(_FILLERS)}"
        if loose_key(artist) == loose_key(tags["artist"]) and category in ("absent_cover", "absent_other_artist"):
            return None
        if self.truth.copies(artist, title) or self.truth.artist_has_title(artist, title):
            return None
        return EvalQuery(Suggestion(artist, title), category, frozenset())


def build_eval(tracks: list[FakeTrack], *, seed: int = 0, present: int = 3000, absent: int = 1200,
               messy: bool = True) -> list[EvalQuery]:
    """Generate about ``present`` present and ``absent`` absent queries (see module
    docstring), plus, when ``messy``, the issue-14 categories of :data:`MESSY_MIX` drawn
    from the perturbed tracks of :func:`~tests.fakes.library.messy.messy_library` (none
    when the library has no perturbed tracks). Deterministic for given tracks and seed;
    categories that rarely apply (live, diacritics, compilation-only) are drawn from the
    songs they apply to."""
    gen = _Generator(tracks, seed)
    out: list[EvalQuery] = []
    n = len(gen.songs)
    order = list(range(n))
    gen.rng.shuffle(order)
    for mix, total, make in ((PRESENT_MIX, present, gen.present), (ABSENT_MIX, absent, gen.absent)):
        for category, share in mix.items():
            wanted = round(total * share)
            got = 0
            start = gen.rng.randrange(n) if n else 0
            for step in range(n):  # the shuffled songs, from a random start per category
                if got >= wanted:
                    break
                q = make(category, gen.songs[order[(start + step) % n]])
                if q is not None:
                    out.append(q)
                    got += 1
    if messy:
        perturbed = [t for t in tracks if t.tags.get("perturbations")]
        m = len(perturbed)
        order = list(range(m))
        gen.rng.shuffle(order)
        for category, (_, wanted) in MESSY_MIX.items():
            got, seen = 0, set()
            for step in range(m):
                if got >= wanted:
                    break
                q = gen.messy(category, perturbed[order[step]])
                if q is not None and q.suggestion not in seen:
                    seen.add(q.suggestion)
                    out.append(q)
                    got += 1
    return out


@dataclass
class Metrics:
    """Counts of one category: ``correct`` (an acceptable track; ``preferred`` of them the
    best version available), ``wrong`` (another
    track for a present query), ``false_pos`` (a track for an absent query), ``missed``
    (nothing for a present query), ``rejected`` (nothing for an absent query)."""

    n: int = 0
    preferred: int = 0
    correct: int = 0
    wrong: int = 0
    false_pos: int = 0
    missed: int = 0
    rejected: int = 0

    @property
    def precision(self) -> float:
        chosen = self.correct + self.wrong + self.false_pos
        return self.correct / chosen if chosen else 1.0

    @property
    def recall(self) -> float | None:
        present = self.correct + self.wrong + self.missed
        return self.correct / present if present else None

    @property
    def preferred_rate(self) -> float | None:
        return self.preferred / self.correct if self.correct else None

    @property
    def f1(self) -> float | None:
        r = self.recall
        p = self.precision
        return None if r is None or p + r == 0 else 2 * p * r / (p + r)


def evaluate(decide: Callable[[Suggestion], int | None], queries: list[EvalQuery]) -> dict[str, Metrics]:
    """Run ``decide`` (suggestion -> ratingKey or None) over the queries; metrics per
    category plus ``"ALL"``, ``"present"`` and ``"absent"``."""
    out: dict[str, Metrics] = defaultdict(Metrics)
    for q in queries:
        key = decide(q.suggestion)
        for bucket in (q.category, "ALL", "present" if q.present else "absent"):
            m = out[bucket]
            m.n += 1
            if q.present:
                if key is None:
                    m.missed += 1
                elif key in q.acceptable:
                    m.correct += 1
                    m.preferred += key in q.preferred
                else:
                    m.wrong += 1
            elif key is None:
                m.rejected += 1
            else:
                m.false_pos += 1
    return dict(out)


def failures(decide: Callable[[Suggestion], int | None], queries: list[EvalQuery]) -> list[tuple[EvalQuery, int | None]]:
    """The queries ``decide`` gets wrong, with its answer (for diagnosis)."""
    bad = []
    for q in queries:
        key = decide(q.suggestion)
        if (q.present and key not in q.acceptable) or (not q.present and key is not None):
            bad.append((q, key))
    return bad


def category_counts(queries: list[EvalQuery]) -> Counter:
    return Counter(q.category for q in queries)
