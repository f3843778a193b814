"""The fill candidate sampler (issue 18): pure, no AI, no database."""

from __future__ import annotations

import pytest

from plex_completer.matching import LibraryEntry
from plex_completer.services.fill_candidates import (
    CandidateRequest,
    FillIndex,
    request_decades,
    sample_candidates,
)


def _library() -> list[LibraryEntry]:
    rows = []
    key = 1
    # Two jazz albums of the 50s, an 80s synth-pop artist, a 90s compilation, 70s soul.
    for artist, album, year, titles in [
        ("Miles Davis", "Kind of Blue", 1959, ["So What", "Freddie Freeloader", "Blue in Green", "All Blues"]),
        ("Dave Brubeck", "Time Out", 1959, ["Take Five", "Blue Rondo a la Turk", "Strange Meadow Lark"]),
        ("Depeche Mode", "Violator", 1990, ["Enjoy the Silence", "Personal Jesus", "Policy of Truth"]),
        ("Depeche Mode", "Some Great Reward", 1984, ["People Are People", "Master and Servant"]),
        ("Pet Shop Boys", "Please", 1986, ["West End Girls", "Opportunities", "Suburbia"]),
        ("Marvin Gaye", "What's Going On", 1971, ["What's Going On", "Mercy Mercy Me", "Inner City Blues"]),
        ("Al Green", "Let's Stay Together", 1972, ["Let's Stay Together", "La-La for You"]),
    ]:
        for n, title in enumerate(titles, start=1):
            rows.append(LibraryEntry(key, title, artist, None, album, year, n))
            key += 1
    for n, (artist, title) in enumerate([("Pet Shop Boys", "West End Girls"), ("Erasure", "A Little Respect"),
                                         ("Tears for Fears", "Shout")], start=1):
        rows.append(LibraryEntry(key, title, "Various Artists", artist, "Smash Hits 1986", 1986, n))
        key += 1
    return rows


@pytest.fixture(scope="module")
def index() -> FillIndex:
    return FillIndex.build(_library())


def _keys(index, *titles):
    return [e.rating_key for e in index.entries if e.title in titles]


def test_matched_tracks_and_other_copies_of_their_songs_are_never_candidates(index):
    matched = _keys(index, "West End Girls")[:1]  # the album version; the compilation copy must go too
    cands = sample_candidates(index, CandidateRequest("80s synth pop", [("Pet Shop Boys", 1986)], matched, size=50))
    titles = [c.title for c in cands]
    assert "West End Girls" not in titles
    assert len(set(c.rating_key for c in cands)) == len(cands)
    assert [c.number for c in cands] == list(range(1, len(cands) + 1))


def test_named_artists_come_first_and_every_named_artist_gets_a_place(index):
    named = [("Depeche Mode", 1990), ("Al Green", 1972), ("Not In Library", 1980)]
    cands = sample_candidates(index, CandidateRequest("a mix", named, [], size=6, seed=3))
    artists = {c.artist for c in cands if c.group == "named"}
    assert artists == {"Depeche Mode", "Al Green"}


def test_request_words_find_albums_and_decades_weigh_the_draw(index):
    cands = sample_candidates(index, CandidateRequest("rainy sunday jazz from the 50s", [], [], size=6, seed=1))
    assert cands, "a library with 50s jazz gives candidates"
    assert all(c.year == 1959 for c in cands), [c.line() for c in cands]


def test_album_mates_of_matched_tracks_are_offered(index):
    matched = _keys(index, "So What")
    cands = sample_candidates(index, CandidateRequest("something", [], matched, size=20, seed=2))
    mates = {c.title for c in cands if c.group == "album"}
    assert mates and mates <= {"Freddie Freeloader", "Blue in Green", "All Blues"}


def test_size_is_a_ceiling_and_small_libraries_give_what_they_have(index):
    assert len(sample_candidates(index, CandidateRequest("x", size=5))) == 5
    everything = sample_candidates(index, CandidateRequest("x", size=500, seed=9))
    assert 0 < len(everything) <= len(index)
    with pytest.raises(ValueError):
        sample_candidates(index, CandidateRequest("x", size=0))


def test_the_draw_is_deterministic_for_a_seed(index):
    req = CandidateRequest("80s", [("Depeche Mode", 1984)], [], size=10, seed=5)
    assert sample_candidates(index, req) == sample_candidates(index, req)


def test_lines_are_single_and_capped():
    entry = LibraryEntry(1, "A\nvery " + "long " * 60, "Artist", None, "Album", 1999)
    cand = sample_candidates(FillIndex.build([entry]), CandidateRequest("x", size=1))[0]
    line = cand.line()
    assert line.startswith("1. Artist – A very long") and "\n" not in line and len(line) <= 160


@pytest.mark.parametrize(("text", "decades"), [
    ("upbeat 80s synth pop", [1980]), ("1979-1983 new wave", [1970, 1980]), ("the eighties", [1980]),
    ("best of 1995", [1990]), ("'90s and 2000s", [2000, 1990]), ("rainy sunday jazz", []),
])
def test_request_decades(text, decades):
    assert sorted(request_decades(text)) == sorted(decades)


def test_fill_mode_setting_is_validated():
    from plex_completer.config import ConfigError, load_settings

    assert load_settings(environ={}).FILL_MODE == "fill"
    assert load_settings(environ={"FILL_MODE": " Library "}).FILL_MODE == "library"
    with pytest.raises(ConfigError, match="FILL_MODE"):
        load_settings(environ={"FILL_MODE": "everything"})


def test_interleave_spreads_fillers_among_playable_tracks_in_their_order():
    from types import SimpleNamespace

    from plex_completer.services.library_fill import interleave

    def track(name, key):
        return SimpleNamespace(name=name, override=None, override_rating_key=None, matched_rating_key=key)

    wish = [track("m1", 1), track("x1", None), track("m2", 2), track("x2", None), track("m3", 3)]
    fillers = [track(f"f{n}", 100 + n) for n in range(1, 4)]
    order = [t.name for t in interleave(wish, fillers)]
    assert order == ["m1", "x1", "f1", "m2", "x2", "f2", "m3", "f3"]
    assert [t.name for t in interleave([], fillers)] == ["f1", "f2", "f3"]
    assert [t.name for t in interleave(wish, [])] == [t.name for t in wish]
