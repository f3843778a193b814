"""Messy real-library tags on top of the test library (issue 14's failure classes).

:func:`messy_library` returns copies of a built library's tracks with the tag
perturbations real libraries show and the matcher must survive, deterministically per
seed. Every change is recorded in ``tags["perturbations"]`` (ground truth in ``tags``
keeps the canonical artist and title):

* ``artist_variant:<form>`` (class 1): one album artist in seven is written another way
  on its studio albums: inverted with or without a comma ("Springsteen, Bruce",
  "Springsteen Bruce", "SPRINGSTEEN,BRUCE", "Mitchell , Joni"), all capitals, surname
  only ("Springsteen"), or Plex's ``titleSort`` ("Beatles, The");
* ``live_kept_canonical`` (class 5): for half of those artists the live albums keep the
  canonical name, so the exact name holds only live rows;
* ``subtitle_added`` (class 2): the tag carries an optional subtitle the AI leaves out
  ("(Sittin' On) The Dock of the Bay", "Theme from New York, New York",
  "I Will Always Love You (Love Theme)");
* ``title_misspelt`` (class 3): one doubled, dropped or swapped letter in a title of
  eight letters or more;
* ``duet_rerecording`` (class 4): a new row, the same song re-recorded "(with <another
  library artist>)" on a "<Artist> & Friends" album; ``tags["featured"]`` names the
  partner and ``tags["duet_of"]`` the solo song's ``song_id``.
"""

from __future__ import annotations

import copy
import random
import re

from tests.fakes.library.data import chance, stable_hash
from tests.fakes.library.model import FakeTrack

VA = "Various Artists"
ARTIST_VARIANT_PERCENT = 14
SUBTITLE_PERCENT = 4
MISSPELT_PERCENT = 3
DUET_PERCENT = 2
_PREFIXES = ("Sittin' On", "Oh", "Hey Now", "Baby")
_SUFFIXES = ("Love Theme", "Part of Me", "Everybody Dance Now", "Love Me Tonight", "The Ballad")
_GROUP_WORDS = frozenset({"brothers", "sisters", "band", "boys", "girls", "orchestra", "singers", "trio",
                          "quartet", "family", "project", "experience", "crew", "gang", "kids", "cast"})
_TWO_WORDS = re.compile(r"^[A-Z][a-z]+ [A-Z][a-z]+$")


def artist_variant(name: str, seed: int) -> tuple[str, str] | None:
    """``(variant, form)`` of an album artist written another way, or None when no form
    applies. Two-word names ("Bruce Springsteen") get an inverted form or the surname;
    "The X" gets ``titleSort`` "X, The"; other names are written in capitals."""
    h = stable_hash(seed, "variant-form", name)
    if name.startswith("The ") and len(name) > 6:
        return f"{name[4:]}, The", "title_sort"
    if _TWO_WORDS.match(name):
        first, last = name.split(" ")
        forms = ((f"{last}, {first}", "inverted_comma"), (f"{last} {first}", "inverted"),
                 (f"{last.upper()},{first.upper()}", "inverted_caps"), (f"{last} , {first}", "inverted_space"),
                 (name.upper(), "capitals"), (last, "surname"))
        if last.lower() in _GROUP_WORDS:  # "Beckmeier Brothers" is a group, not a surname
            forms = forms[:-1]
        return forms[h % len(forms)]
    if name.isascii() and any(c.isalpha() for c in name) and name.upper() != name:
        return name.upper(), "capitals"
    return None


def misspell(title: str, rng: random.Random) -> str | None:
    """``title`` with one letter doubled, dropped or swapped inside a word of five
    letters or more; None when no such word."""
    ws = title.split(" ")
    spots = [n for n, w in enumerate(ws) if len(w) >= 5 and w.isalpha()]
    if not spots:
        return None
    n = rng.choice(spots)
    w = ws[n]
    i = rng.randrange(1, len(w) - 2)
    op = rng.randrange(3)
    if op == 0:
        w = w[:i] + w[i] + w[i:]
    elif op == 1 and w[i] != w[i - 1] and w[i] != w[i + 1]:
        w = w[:i] + w[i + 1:]
    else:
        if w[i] == w[i + 1]:
            return None
        w = w[:i] + w[i + 1] + w[i] + w[i + 2:]
    ws[n] = w
    return " ".join(ws)


def _note(t: FakeTrack, note: str) -> None:
    t.tags = dict(t.tags)
    t.tags["perturbations"] = (*t.tags.get("perturbations", ()), note)


def messy_library(tracks: list[FakeTrack], *, seed: int = 0) -> list[FakeTrack]:
    """Copies of ``tracks`` with the perturbations of the module docstring, plus duet rows
    (new ratingKeys above the largest in use). Deterministic for given tracks and seed;
    the input is not modified."""
    out = [copy.copy(t) for t in tracks]
    rng = random.Random(seed * 7919 + 14)
    variants: dict[str, tuple[str, str] | None] = {}
    for t in out:
        if t.album_artist == VA or t.tags.get("source") not in ("hot100", "uspop2002", "classic_rock", "eurovision"):
            continue
        artist = t.album_artist
        if artist not in variants:
            variants[artist] = (artist_variant(artist, seed)
                                if chance(ARTIST_VARIANT_PERCENT, seed, "artist-variant", artist) else None)
        hit = variants[artist]
        if hit is not None:
            keep_live = chance(50, seed, "live-kept", artist)
            if t.tags.get("version") == "live" and keep_live:
                _note(t, "live_kept_canonical")
            else:
                t.album_artist = hit[0]
                _note(t, f"artist_variant:{hit[1]}")
        if t.tags.get("version") not in ("original", "remaster", "best_of") or t.track_artist:
            continue
        if chance(SUBTITLE_PERCENT, seed, "subtitle", t.rating_key) and "(" not in t.title and len(t.title) > 6:
            h = stable_hash(seed, "subtitle-form", t.rating_key) % 3
            if h == 0:
                t.title = f"({_PREFIXES[stable_hash(seed, 'p', t.rating_key) % len(_PREFIXES)]}) {t.title}"
            elif h == 1:
                t.title = f"Theme from {t.title}"
            else:
                t.title = f"{t.title} ({_SUFFIXES[stable_hash(seed, 's', t.rating_key) % len(_SUFFIXES)]})"
            _note(t, "subtitle_added")
        elif chance(MISSPELT_PERCENT, seed, "misspelt", t.rating_key) and len(t.title) >= 8:
            wrong = misspell(t.title, rng)
            if wrong and wrong != t.title:
                t.title = wrong
                _note(t, "title_misspelt")
    _add_duets(out, seed)
    return out


def _add_duets(out: list[FakeTrack], seed: int) -> None:
    next_key = 1 + max((max(t.rating_key, t.album_rating_key, t.artist_rating_key) for t in out), default=0)
    originals = [t for t in out if t.tags.get("version") == "original" and not t.tags.get("featured")
                 and t.album_artist != VA and not t.track_artist and t.tags.get("source") in ("hot100", "uspop2002")]
    partners = sorted({t.tags["artist"] for t in originals
                       if not re.search(r"[()]|\bfeat|\bfeaturing\b", t.tags["artist"], re.IGNORECASE)})
    albums: dict[str, tuple[int, int]] = {}
    numbers: dict[int, int] = {}
    for t in originals:
        if not chance(DUET_PERCENT, seed, "duet", t.rating_key):
            continue
        partner = partners[stable_hash(seed, "partner", t.rating_key) % len(partners)]
        if partner == t.tags["artist"]:
            continue
        if t.album_artist not in albums:
            albums[t.album_artist] = (next_key, t.artist_rating_key)
            next_key += 1
        album_key, artist_key = albums[t.album_artist]
        numbers[album_key] = numbers.get(album_key, 0) + 1
        tags = dict(t.tags)
        tags.update(featured=(partner,), perturbations=("duet_rerecording",), duet_of=t.tags["song_id"],
                    release="album")
        out.append(FakeTrack(
            rating_key=next_key, title=f"{t.title} (with {partner})", album_artist=t.album_artist,
            album=f"{t.tags['artist']} & Friends", album_rating_key=album_key, artist_rating_key=artist_key,
            year=(t.year or 2000) + 12, track_number=numbers[album_key],
            duration_ms=t.duration_ms + 4_000, tags=tags, artist_tags=t.artist_tags,
        ))
        next_key += 1
