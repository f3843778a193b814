"""Placing each shared-data source into the test library (see
:mod:`tests.fakes.library.builder` for the whole picture): uspop2002 albums, Hot 100 songs
on chart albums or singles, classic-rock songs, Eurovision entries and "Various Artists"
compilations, with the tag messiness real libraries show."""

from __future__ import annotations

import random
import re
from collections import defaultdict

from anyascii import anyascii

from tests.fakes.library.builder import _SMALL_VA_PERCENT, VA, LibraryBuilder, make_tags, song_id
from tests.fakes.library.data import ChartAlbum, HotSong, chance, loose_key, stable_hash

_MINOR = {"In", "Of", "The", "A", "An", "And", "To", "On", "At", "For", "By", "With", "From"}


def lower_minor_words(title: str) -> str:
    """Billboard's "Crazy In Love" as many tags write it: "Crazy in Love"."""
    words = title.split(" ")
    return " ".join([words[0]] + [w.lower() if w in _MINOR else w for w in words[1:]])


def feat_style(b: LibraryBuilder, main_styled: str, title: str, featured: list[str], salt: object):
    """Place featured artists the way real tags do: returns (title, track_artist, note)."""
    if not featured:
        return title, None, None
    joined = " & ".join(featured) if len(featured) < 3 else ", ".join(featured)
    roll = stable_hash(b.seed, "feat", salt) % 100
    if roll < 45:
        word = ("feat.", "ft.", "Featuring", "feat.")[roll % 4]
        return title, f"{main_styled} {word} {joined}", "feat_in_track_artist"
    if roll < 80:
        word = ("feat.", "ft.", "with", "feat.")[roll % 4]
        bracket = "(" if roll % 5 else "["
        close = ")" if bracket == "(" else "]"
        return f"{title} {bracket}{word} {joined}{close}", None, "feat_in_title"
    return title, None, "feat_dropped"


# -- sources -----------------------------------------------------------------------------
_DISC = re.compile(r"\s*\(?\s*\bDisc\s*(\d+)\s*\)?\s*$", re.IGNORECASE)
_RAW_FEAT = re.compile(r"\s+(?:feat|ft|featuring)\.?\s+(.+)$", re.IGNORECASE)


def place_uspop(b: LibraryBuilder, hot_index: dict[tuple[str, str], HotSong], placed: set[int],
                chart_albums: dict[tuple[str, str], ChartAlbum]) -> None:
    """Real uspop2002 albums with their track numbers; artists fixed only partly.

    An artist keeps its raw lower-case tag ("toni braxton") for 30 % of artists, gets a
    naive title-casing ("Ac Dc") for 15 %, else its Billboard spelling ("AC/DC"). Titles
    keep their lost apostrophes ("There s No Me Without You") except on half the albums,
    where a matching Hot 100 title replaces them; "feat" inside raw titles stays.
    """
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for row in b.src.uspop:
        groups[(row.artist, row.album)].append(row)
    for (raw_artist, raw_album), rows in groups.items():
        canonical = b.canonical_artist(raw_artist)
        if not b.selected(canonical):
            continue
        roll = stable_hash(b.seed, "uspop-case", raw_artist) % 100
        if roll < 30:
            lib_artist, notes = raw_artist, ("lowercase_artist",)
        elif roll < 45:
            lib_artist, notes = raw_artist.title(), ("titlecase_artist",)
        else:
            lib_artist, notes = b.style_artist(canonical)
        m = _DISC.search(raw_album)
        disc = int(m.group(1)) if m else 1
        album_title = _DISC.sub("", raw_album).strip() or raw_album
        chart = chart_albums.get((loose_key(canonical), loose_key(album_title)))
        year = chart.year if chart else None
        album = b.album(lib_artist, album_title, year)
        fix_titles = chance(50, b.seed, "uspop-fix", raw_album)
        for row in sorted(rows, key=lambda r: (r.track_number or 0, r.idx)):
            title_raw = row.title
            fm = _RAW_FEAT.search(title_raw)
            base_title = title_raw[: fm.start()] if fm else title_raw
            featured = [fm.group(1)] if fm else []
            hot = hot_index.get((loose_key(canonical), loose_key(base_title)))
            canonical_title = hot.title if hot else base_title
            if hot:
                placed.add(hot.idx)
            title_notes = list(notes)
            title = title_raw
            if hot and fix_titles and not fm:
                title = hot.title
            elif "'" in canonical_title and "'" not in title_raw:
                title_notes.append("apostrophe_lost")
            if fm:
                title_notes.append("feat_in_title")
            b.add(album, title, track_artist=None, track_number=row.track_number, disc=disc,
                  tags=make_tags("uspop2002", canonical, canonical_title, featured=featured,
                                 perturbations=title_notes))


# Chart albums whose tracks are not studio originals (live albums, hits collections):
# originals are not placed there, so their ground-truth version stays "original".
_NOT_STUDIO = re.compile(r"\blive\b|unplugged|in concert|greatest|\bhits\b|best of|collection|anthology|"
                         r"essential|\bgold\b|number ones|\bsingles\b|karaoke|remaster", re.IGNORECASE)


_LIVE_VA = re.compile(r"\blive\b|unplugged|in concert|karaoke", re.IGNORECASE)


def _nearest_album(albums: list[ChartAlbum], year: int | None) -> ChartAlbum | None:
    """The artist's studio chart album from the song's year or up to 2 years later."""
    if year is None:
        return None
    best = None
    for a in albums:
        if _NOT_STUDIO.search(a.title):
            continue
        if -1 <= a.year - year <= 2 and (best is None or abs(a.year - year - 0.5) < abs(best.year - year - 0.5)):
            best = a
    return best


def place_hot100(b: LibraryBuilder, albums_by_artist: dict[str, list[ChartAlbum]], placed: set[int]) -> None:
    """Each Hot 100 song not already on a uspop album: on a Billboard 200 album of its
    main artist from the same years, else on "<Title> - Single" (year of first chart week).
    Titles get minor words lowered on 20 % of albums, "[Explicit]" on 3 % of tracks."""
    for song in b.src.hot100:
        if song.idx in placed:
            continue
        main, featured, canonical = b.ix.hot_credit[song.idx]
        if not b.selected(canonical):
            continue
        lib_artist, notes = b.style_artist(canonical)
        chart = _nearest_album(albums_by_artist.get(loose_key(main), []), song.year)
        if chart is not None:
            album = b.album(lib_artist, chart.title, chart.year)
            release = "album"
        else:
            album = b.album(lib_artist, f"{song.title} - Single", song.year, kind="single")
            release = "single"
        title, track_artist, feat_note = feat_style(b, lib_artist, song.title, featured, song.idx)
        track_notes = list(notes) + ([feat_note] if feat_note else [])
        if chance(20, b.seed, "lower-minor", album.key):
            lowered = lower_minor_words(title)
            if lowered != title:
                title = lowered
                track_notes.append("minor_words_lowered")
        if chance(3, b.seed, "explicit", song.idx):
            title += " [Explicit]"
            track_notes.append("explicit_tag")
        b.add(album, title, track_artist=track_artist,
              tags=make_tags("hot100", canonical, song.title, featured=featured, release=release,
                             perturbations=track_notes))


def place_classic_rock(b: LibraryBuilder, albums_by_artist: dict[str, list[ChartAlbum]]) -> None:
    """Classic-rock songs not yet in the library: on the artist's chart album nearest to
    the release year, else on "<Title> - Single"."""
    present = {t.tags["song_id"] for t in b.tracks}
    for song in b.src.classic_rock:
        canonical = b.canonical_artist(song.artist)
        sid = song_id(canonical, song.title)
        if sid in present or not b.selected(canonical):
            continue
        present.add(sid)
        lib_artist, notes = b.style_artist(canonical)
        chart = _nearest_album(albums_by_artist.get(loose_key(canonical), []), song.year)
        if chart is None and song.year is None:
            studio = [a for a in albums_by_artist.get(loose_key(canonical), ()) if not _NOT_STUDIO.search(a.title)]
            chart = studio[0] if studio else None
        if chart is not None:
            album, release = b.album(lib_artist, chart.title, chart.year), "album"
        else:
            album = b.album(lib_artist, f"{song.title} - Single", song.year, kind="single")
            release = "single"
        b.add(album, song.title, track_artist=None,
              tags=make_tags("classic_rock", canonical, song.title, release=release, perturbations=notes))


def place_eurovision(b: LibraryBuilder) -> None:
    """Eurovision entries (diacritics kept): half on "Eurovision Song Contest <year>"
    compilations, half on "<Song> - Single"; 15 % lose their diacritics in the tags."""
    for e in b.src.eurovision:
        if not b.selected(e.performer):
            continue
        notes: list[str] = []
        performer, song = e.performer, e.song
        if not (performer + song).isascii() and chance(15, b.seed, "euro-nodia", e.idx):
            performer, song = anyascii(performer), anyascii(song)
            notes.append("diacritics_dropped")
        if chance(50, b.seed, "euro-va", e.idx):
            album = b.album(VA, f"Eurovision Song Contest {e.year}", e.year, kind="compilation")
            track_artist, release = performer, "compilation"
        else:
            album = b.album(performer, f"{song} - Single", e.year, kind="single")
            track_artist, release = None, "single"
        b.add(album, song, track_artist=track_artist,
              tags=make_tags("eurovision", e.performer, e.song,
                             version="compilation" if release == "compilation" else "original",
                             release=release, perturbations=notes))


def place_compilations(b: LibraryBuilder) -> None:
    """Billboard 200 "Various Artists" albums (25 % of them in "full"; live ones skipped,
    as their copies would be live versions) filled with 12-18
    Hot 100 songs (peak <= 40) from the album's year and the year before; the track
    artist (``originalTitle``) keeps Billboard's credit, "Featuring" shortened to "feat."
    on half of the albums."""
    by_year: dict[int, list[HotSong]] = defaultdict(list)
    for s in b.src.hot100:
        if s.peak <= 40:
            by_year[s.year].append(s)
    percent = _SMALL_VA_PERCENT if b.small else 25
    for va in b.src.albums:
        if va.artist != VA or not chance(percent, b.seed, "va", va.idx) or _LIVE_VA.search(va.title):
            continue
        pool = [s for y in (va.year - 1, va.year) for s in by_year.get(y, ())
                if b.selected(b.ix.hot_credit[s.idx][2])]
        if not pool:
            continue
        rng = random.Random(stable_hash(b.seed, "va-pick", va.idx))
        picks = rng.sample(pool, min(len(pool), rng.randint(12, 18)))
        album = b.album(VA, va.title, va.year, kind="compilation")
        shorten = chance(50, b.seed, "va-feat", va.idx)
        for s in picks:
            _, featured, canonical = b.ix.hot_credit[s.idx]
            credit = re.sub(r"\s+Featuring\s+", " feat. ", s.credit) if shorten else s.credit
            b.add(album, s.title, track_artist=credit,
                  tags=make_tags("compilation", canonical, s.title, featured=featured,
                                 version="compilation", release="compilation",
                                 perturbations=("track_artist_on_compilation",)))
