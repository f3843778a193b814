"""Normalisation of artist names and track titles into comparison keys.

Pure functions, strings in, keys out. The rules are the differences between how an AI
names a track and how real library tags spell it, observed in the shared test data
(Billboard, uspop2002, Eurovision; see ``docs/matching.md``):

* case, Unicode, diacritics ("Beyoncé"/"Beyonce", "Großen"/"Grossen") and quote variants
  are folded with ``anyascii`` (ISC licence; ``unidecode`` is GPL);
* punctuation is dropped and apostrophes removed, so "Don't", "Dont" and uspop2002's
  "Don t" agree once spaces are removed (:attr:`TitleKey.key` is space-free);
* ``&``, ``+`` and "and" are one token; a leading "The" is dropped from artists;
* featured artists ("feat.", "ft.", "featuring", "with", "x", "vs.") are split from the
  artist and from the title, but the full form is kept as well, because "with", "x" and
  "&" are parts of real names ("Mumford & Sons", "X Ambassadors", "Lil Nas X");
* bracketed and dashed suffixes are classified (:func:`classify_suffix`): versions
  ("(Live)", "- 2009 Remaster", "(Radio Edit)", "(Taylor's Version)"), tags to ignore
  ("[Explicit]", "(From \"Frozen\")"), or part of the title ("(Forget About Me)"),
  which is kept in :attr:`TitleKey.key` and dropped in :attr:`TitleKey.short`;
* inverted names ("Gaye, Marvin") add the uninverted form as another key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

#: Versions that differ audibly from the studio recording: only right when asked for.
DISTINCT_VERSIONS = frozenset({"live", "remix", "acoustic", "demo", "instrumental", "karaoke"})
#: Every version name :func:`classify_suffix` and :func:`album_version` return.
VERSION_NAMES = DISTINCT_VERSIONS | {"remaster", "radio_edit", "single_version", "taylors_version"}

_SUFFIX_RULES: tuple[tuple[str, re.Pattern], ...] = tuple(
    (name, re.compile(rx))
    for name, rx in (
        ("karaoke", r"karaoke|made famous by|in the style of|originally performed|tribute to"),
        ("live", r"\blive\b|\bin concert\b|\bunplugged\b"),
        ("remix", r"\bre-?mix|\bmix\b|\brmx\b|\bdub\b|\brework|\bextended (?:version|mix)|\bvip\b"),
        ("acoustic", r"\bacoustic\b|\bstripped\b|\bpiano version\b"),
        ("demo", r"\bdemo\b|\balternate\b|\balt\.? take\b|\bouttake\b|\brehearsal\b|\btake \d|\bearly version\b"),
        ("instrumental", r"\binstrumental\b|\bkaraoke\b"),
        ("taylors_version", r"taylor'?s version"),
        ("remaster", r"\bremaster|\bre-master"),
        ("radio_edit", r"\bradio\b|\bedit\b|\bshort version\b"),
        ("single_version", r"\bsingle\b|\bmono\b|\bstereo\b|\b45\b|\b7\" version"),
    )
)
# Suffixes that say nothing about the recording: dropped from the key.
_IGNORED_SUFFIX = re.compile(
    r"^(?:explicit|clean|dirty|explicit version|clean version|explicit content|album version|"
    r"original version|original mix|original|bonus track|bonus|hidden track|deluxe.*|"
    r"(?:from|theme from|music from|love theme from)\b.*|version|lp version|"
    r"digital(?:ly)? .*|[0-9]+(?:st|nd|rd|th) anniversary.*|with intro|intro|interlude|"
    r"(?:feat|ft)\.?)$"
)
_FEAT_SUFFIX = re.compile(r"^(?:feat\.?|ft\.?|featuring|with|w/)\s+(.+)$")
_FEAT_INLINE = re.compile(r"\s+(?:feat\.?|ft\.?|featuring)\s+(.+)$")
_BRACKET = re.compile(r"\s*[\(\[\{]([^\(\)\[\]\{\}]*)[\)\]\}]")
_DASH_SUFFIX = re.compile(r"\s+[-\u2013\u2014]\s+(.+)$")
# Featuring words, tried before " x ": in "Lil Nas X Featuring Doja Cat" the "X" is a name.
_FEAT_ARTIST = re.compile(r"\s+(?:feat\.?|ft\.?|featuring|with|vs\.?|versus)\s+")
_X_ARTIST = re.compile(r"\s+x\s+")
_PART_SPLIT = re.compile(r"\s+(?:&|and|\+|/)\s+|\s*,\s*|\s*;\s*")
_WORD = re.compile(r"[a-z0-9]+")
_CLITICS = frozenset({"s", "t", "ll", "re", "ve", "d", "m"})
_NO_CLITIC_BEFORE = frozenset({"the", "a", "an", "and", "of", "in", "on", "to", "mr", "dr", "st"})
_DIGITS = re.compile(r"\d+")
_TRACK_NUMBER = re.compile(r"^\d{1,3}\s+-\s+(?=\S)")


def fold(text: str) -> str:
    """Lower-case ASCII form: diacritics and quote variants folded by ``anyascii``
    ("Beyoncé" -> "beyonce", "Don’t" -> "don't")."""
    if not text.isascii():
        text = anyascii(text)
    return text.lower().strip()


def words(folded: str) -> list[str]:
    """Word tokens of a folded string: ``&``/``+`` read as "and", apostrophes removed,
    other punctuation a separator, and a lone clitic ("there s", "don t") joined to the
    word before it, as uspop2002 tags lost their apostrophes."""
    s = folded.replace("'", "")
    if "&" in s or "+" in s:
        s = s.replace("&", " and ").replace("+", " and ")
    found = _WORD.findall(s)
    if _CLITICS.isdisjoint(found):
        return found
    out: list[str] = []
    last = len(found) - 1
    for n, w in enumerate(found):
        # "don t" -> "dont", but not "the t i" (T.I.) nor "the s" (an initial after "The")
        if (w in _CLITICS and out and out[-1] not in _NO_CLITIC_BEFORE
                and not (n < last and len(found[n + 1]) == 1)):
            out[-1] += w
        else:
            out.append(w)
    return out


def classify_suffix(text: str) -> str | None:
    """Classify the content of a bracket or dash suffix (already folded).

    Returns ``"feat"`` (a featured credit), a version name (:data:`VERSION_NAMES`),
    ``"ignore"`` (tags such as "Explicit", "From 'Frozen'", "2011") or None when the
    text is part of the title ("Forget About Me").
    """
    t = text.strip()
    if not t:
        return "ignore"
    if _FEAT_SUFFIX.match(t):
        return "feat"
    for name, rx in _SUFFIX_RULES:
        if rx.search(t):
            return name
    if _IGNORED_SUFFIX.match(t):
        return "ignore"
    return None


@dataclass(frozen=True, slots=True)
class TitleKey:
    """A title reduced for comparison.

    ``key``: space-free key without featured credits, versions and ignored tags;
    ``short``: ``key`` also without brackets that are part of the title
    ("Don't You (Forget About Me)" -> "dontyou"); ``words``: the word tokens of
    ``key`` (for the subset guard); ``versions``: version names found, sorted;
    ``featured``: featured artists named in the title (folded); ``numbers``: the
    numbers in ``words`` ("Part 2" -> ("2",)), for the number guard.
    """

    key: str
    short: str
    words: tuple[str, ...]
    versions: tuple[str, ...]
    featured: tuple[str, ...]
    numbers: tuple[str, ...] = ()
    alts: tuple[str, ...] = ()
    alt_words: tuple[tuple[str, ...], ...] = ()
    short_specific: bool = True

    @property
    def bare(self) -> str:
        """``key`` without a leading article ("The Dock of the Bay" -> "dockofthebay")."""
        return self.alts[0] if self.alts else self.key

    @property
    def version(self) -> str | None:
        """The main version asked for: a distinct one (live, remix, ...) first."""
        for v in self.versions:
            if v in DISTINCT_VERSIONS:
                return v
        return self.versions[0] if self.versions else None


def title_key_uncached(title: str) -> TitleKey:
    """Normalise a track title (see module docstring). :func:`title_key` is the cached
    form; the matcher's build uses this one with its own cache so that a library's
    titles do not stay in a process-wide cache after the matcher is gone."""
    s = fold(title)
    m = _TRACK_NUMBER.match(s)
    if m and classify_suffix(s[m.end():]) is None:  # uspop2002's "16 - Better Be Good To Me"
        s = s[m.end():]  # (but "9 - Remastered" is the song "9", remastered)
    versions: set[str] = set()
    featured: list[str] = []
    kept_brackets: list[str] = []

    def on_bracket(m: re.Match) -> str:
        inner = m.group(1)
        kind = classify_suffix(inner)
        if kind is None:
            kept_brackets.append(inner)
            return f" ({inner}) "
        if kind == "feat":
            featured.append(_FEAT_SUFFIX.match(inner.strip()).group(1))
        elif kind != "ignore":
            versions.add(kind)
        return " "

    # Brackets can follow a dash suffix ("Song - Live (Remastered)"), so do brackets first.
    s = _BRACKET.sub(on_bracket, s).strip()
    for _ in range(2):  # "Song - Live - 2009 Remaster"
        m = _DASH_SUFFIX.search(s)
        if not m:
            break
        kind = classify_suffix(m.group(1))
        if kind is None:
            break
        if kind == "feat":
            featured.append(_FEAT_SUFFIX.match(m.group(1).strip()).group(1))
        elif kind != "ignore":
            versions.add(kind)
        s = s[: m.start()]
    m = _FEAT_INLINE.search(s)
    if m and m.start() > 0:
        featured.append(m.group(1))
        s = s[: m.start()]
    full_words = words(s)
    short_s = s
    for inner in kept_brackets:
        short_s = short_s.replace(f"({inner})", " ")
    short_words = words(short_s) or full_words
    if not full_words:  # a title that is only a bracket, e.g. "(Untitled)"
        full_words = words(fold(title))
        short_words = full_words
    full = tuple(full_words)
    return TitleKey("".join(full_words), "".join(short_words), full, tuple(sorted(versions)),
                    tuple(f.strip() for f in featured if f.strip()), digits(full),
                    *_title_alts(s, full_words, short_words), short_words == full_words or specific(short_words))


#: Titles too generic to stand alone once a subtitle is dropped ("Love (Is All Around)"
#: is not "Love"); see :func:`_title_alts`.
GENERIC_TITLES = frozenset({
    "love", "intro", "outro", "interlude", "reprise", "prelude", "overture", "theme", "untitled", "hidden",
    "hiddentrack", "skit", "medley", "song", "track", "bonus", "bonustrack", "instrumental", "live", "remix",
    "mix", "edit", "one", "you", "me", "it", "home", "baby", "tonight", "forever", "yes", "no", "why",
})
_ARTICLES = frozenset({"the", "a", "an"})
_THEME_PREFIX = re.compile(r"^(?:love |main )?theme (?:from|to|of)\s+")


def _bare(ws: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    if len(ws) > 1 and ws[0] in _ARTICLES:
        ws = ws[1:]
    return tuple(ws)


def specific(ws: list[str] | tuple[str, ...]) -> bool:
    """Whether a title's words still name one song on their own: two words or more (five
    letters or more), or one word of four letters or more, and not a generic title
    (:data:`GENERIC_TITLES`: "Love", "Intro", "Reprise", ...)."""
    key = "".join(ws)
    if not ws or key in GENERIC_TITLES:
        return False
    return (len(ws) >= 2 and len(key) >= 5) or len(key) >= 4


def _title_alts(s: str, full_words: list[str], short_words: list[str]) -> tuple[tuple[str, ...], tuple]:
    """Article-free keys a title is also known by: the whole title first (always), then,
    when what remains is :func:`specific`, the title without its kept brackets
    ("(Sittin' On) The Dock of the Bay" -> "dockofthebay"), without a "Theme from"
    prefix ("Theme from New York, New York" -> "newyorknewyork"), and a long title cut at
    its first or last comma (three words and 12 letters or more before it, two words or
    more after it). Returns (keys, their words).
    Issue 14, class 2."""
    if short_words == full_words and full_words and full_words[0] not in _ARTICLES and "," not in s and not s.startswith(
            ("theme", "love theme", "main theme")):
        return ("".join(full_words),), (tuple(full_words),)  # the common case: nothing optional
    alts = [_bare(full_words)]
    if short_words != full_words and specific(short_words):
        alts.append(_bare(short_words))
    m = _THEME_PREFIX.match(s)
    if m:
        rest = words(s[m.end():])
        if specific(rest):
            alts.append(_bare(rest))
    if "," in s:
        for head_s, tail_s in {tuple(s.split(",", 1)), tuple(s.rsplit(",", 1))}:  # first and last comma
            head = words(head_s)
            if len(head) >= 3 and len("".join(head)) >= 12 and len(words(tail_s)) >= 2:
                alts.append(_bare(head))
    forms = tuple(dict.fromkeys(alts))
    return tuple("".join(f) for f in forms), forms


_COMMA = re.compile(r"\s*,\s*")
_STYLISED = re.compile(r"(?<=[a-z])[!$](?=[a-z])")


def _compact_artist(folded: str) -> str:
    # "P!nk" and "Ke$ha" are "Pink" and "Kesha" in other tags.
    folded = _STYLISED.sub(lambda m: "i" if m.group(0) == "!" else "s", folded)
    ws = words(folded)
    if len(ws) > 1 and ws[0] == "the":
        ws = ws[1:]
    return "".join(ws)


def artist_keys_uncached(artist: str) -> tuple[str, ...]:
    """Candidate keys of an artist credit, most specific first (cached).

    The first key is the whole credit; then the main artist before a featuring word
    ("Jay-Z feat. Beyoncé" -> "jayz"); then the uninverted name ("Gaye, Marvin" ->
    "marvingaye"). "&"/"and"/"," parts are NOT split here: "Earth, Wind & Fire" stays one
    artist (see :func:`credit_parts` for the parts). Empty credits give ``()``.
    """
    s = fold(artist)
    if not s:
        return ()
    keys = [_compact_artist(s), _compact_artist(_split_featured(s)[0])]
    comma = _COMMA.split(s)  # "Gaye, Marvin", "GAYE,MARVIN", "Mitchell , Joni", "Beatles, The"
    if len(comma) == 2 and " " not in comma[0].strip() and 1 <= len(comma[1].split()) <= 2 \
            and "&" not in s and " and " not in s:
        keys.append(_compact_artist(f"{comma[1]} {comma[0]}"))
    return tuple(dict.fromkeys(k for k in keys if k))


#: Artist words that say nothing about who it is: never enough on their own to link two
#: names as a surname or a short form does ("The Band" is not "Steve Miller Band").
ARTIST_FILLER = frozenset({"the", "and", "band", "of", "orchestra", "group", "his", "her", "feat", "featuring",
                           "with", "x", "vs", "lil", "dj", "mc", "big", "little", "young", "los", "la", "el",
                           "de", "les", "brothers", "sisters", "boys", "girls", "trio", "quartet", "singers",
                           "jr", "sr", "mr", "miss", "dr", "st", "experience", "project", "crew"})


#: Words that join names in a credit rather than name anyone.
CREDIT_CONNECTORS = frozenset({"the", "and", "feat", "featuring", "ft", "with", "x", "vs", "versus", "w"})


def artist_tokens_uncached(artist: str) -> frozenset[str]:
    """The set of words of an artist credit, "The" dropped, order and punctuation ignored:
    "Springsteen, Bruce", "SPRINGSTEEN,BRUCE", "Springsteen Bruce" and "Bruce Springsteen"
    give one set, and so do Plex's ``titleSort`` "Beatles, The" and "The Beatles" (issue
    14, class 1: two credits with the same set are token permutations of each other)."""
    s = _STYLISED.sub(lambda m: "i" if m.group(0) == "!" else "s", fold(artist))
    return frozenset(words(s)) - {"the"}


def credit_tokens_uncached(artist: str) -> tuple[frozenset[str], ...]:
    """The word sets (:func:`artist_tokens`) of every name in a credit split like
    :func:`credit_parts` ("Willie Nelson & Julio Iglesias" -> ({"willie", "nelson"},
    {"julio", "iglesias"})); an inverted single name ("Nelson, Willie") stays one name."""
    s = fold(artist)
    if not s:
        return ()
    whole = artist_tokens_uncached(s)
    main, featured = _split_featured(s)
    comma = [p for p in s.split(",") if p.strip()]
    if len(comma) == 2 and "&" not in s and " and " not in s and len(comma[0].split()) == 1 and not featured:
        return (whole,)  # "Nelson, Willie", "Beatles, The"
    names = [p for n in (main, *featured) for p in _PART_SPLIT.split(n)]
    out = [artist_tokens_uncached(p) for p in names]
    return tuple(dict.fromkeys(t for t in out if t))


def tokens_key(tokens: frozenset[str]) -> str:
    """A dictionary key of a token set: its words sorted and space-joined."""
    return " ".join(sorted(tokens))


def main_artist_name(artist: str) -> str:
    """A credit's main artist, folded, before any featuring word ("Chris Brown Featuring
    Kevin McCall" -> "chris brown")."""
    return _split_featured(fold(artist))[0]


def main_artist_key(artist: str) -> str:
    """The key of a credit's main artist as written, before any featuring word ("Beyonce
    Featuring Jay Z" -> "beyonce"; "Springsteen, Bruce" stays "springsteenbruce")."""
    return _compact_artist(_split_featured(fold(artist))[0])


def credit_parts_uncached(artist: str) -> tuple[str, ...]:
    """Keys of every name in a credit split on featuring words, "&", "and", "," and "/"
    ("Jay-Z & Beyoncé" -> ("jayz", "beyonce")). Used as weaker evidence: a suggestion
    naming a duo or a featured artist still agrees with a library track credited to one
    of them."""
    main, featured = _split_featured(fold(artist))
    names = [p for n in (main, *featured) for p in _PART_SPLIT.split(n)]
    return tuple(dict.fromkeys(k for k in (_compact_artist(p) for p in names) if k))


def _split_featured(folded: str) -> tuple[str, list[str]]:
    """("main artist", [featured credits]) of a folded credit: featuring words first,
    then " x " ("marshmello x bastille") inside what remains."""
    parts = [p for p in _FEAT_ARTIST.split(folded) if p.strip()]
    if not parts:
        return folded, []
    x_parts = [p for p in _X_ARTIST.split(parts[0]) if p.strip()]
    return x_parts[0], x_parts[1:] + parts[1:]


def digits(words_: tuple[str, ...]) -> tuple[str, ...]:
    """The numbers in a title's words ("Part 2" -> ("2",)), for the number guard."""
    return tuple(d for w in words_ for d in _DIGITS.findall(w))


_ALBUM_LIVE = re.compile(r"^live$|^live (?:at|in|from|on)\b|\blive$|\(live\)|\blive (?:at|in|from|on)\b|"
                         r"\bunplugged\b|\bin concert\b")
_ALBUM_KARAOKE = re.compile(r"karaoke|made famous|in the style of|tribute")
_ALBUM_BEST_OF = re.compile(r"greatest hits|\bbest of\b|\bvery best\b|\bessential\b|\banthology\b|"
                            r"^gold$|\bnumber ones\b|\bhits\b|\bcollection\b|\bsingles\b")


def album_version_uncached(album: str) -> str | None:
    """What an album title says about its tracks: "live", "karaoke", "remaster",
    "best_of" or None ("Live at Wembley" -> "live"; "Live Through This" -> None)."""
    s = fold(album)
    if _ALBUM_KARAOKE.search(s):
        return "karaoke"
    if _ALBUM_LIVE.search(s):
        return "live"
    if "remaster" in s:
        return "remaster"
    if _ALBUM_BEST_OF.search(s):
        return "best_of"
    return None


# Cached forms for suggestions (AI track lists repeat artists and titles across rescans).
title_key = lru_cache(maxsize=8192)(title_key_uncached)
artist_keys = lru_cache(maxsize=8192)(artist_keys_uncached)
credit_parts = lru_cache(maxsize=8192)(credit_parts_uncached)
artist_tokens = lru_cache(maxsize=8192)(artist_tokens_uncached)
credit_tokens = lru_cache(maxsize=8192)(credit_tokens_uncached)
album_version = lru_cache(maxsize=1024)(album_version_uncached)
