"""Matcher behaviour on a hand-made library of real tags (Billboard, uspop2002, Eurovision
spellings): exact and fuzzy matches, the false-positive guards, versions, overrides, search."""

from __future__ import annotations

import pytest

from plex_completer.matching import (
    LibraryEntry,
    MatchDecision,
    Matcher,
    MatchThresholds,
    Override,
    Suggestion,
    baseline_match,
)

E = LibraryEntry
LIBRARY = [
    E(1, "Crazy In Love (feat. Jay Z)", "Beyoncé", None, "Dangerously In Love", 2003),
    E(2, "Crazy In Love", "Various Artists", "Beyonce Featuring Jay Z", "Now That's What I Call Music! 14", 2003),
    E(3, "'03 Bonnie & Clyde", "Jay-Z", "Jay-Z feat. Beyoncé Knowles", "The Blueprint 2", 2002),
    E(4, "One More Time", "Daft Punk", None, "Discovery", 2001),
    E(5, "Yesterday Once More", "Carpenters", None, "Now & Then", 1973),
    E(6, "Love Me Do", "The Beatles", None, "Please Please Me", 1963),
    E(7, "Love Me Do - Remastered 2009", "The Beatles", None, "1", 2000),
    E(8, "Hotel California - Live", "Eagles", None, "Hell Freezes Over", 1994),
    E(9, "Hotel California", "Eagles", None, "Hotel California", 1976),
    E(10, "Hotel California - 2013 Remaster", "Eagles", None, "Hotel California (Remastered)", 2013),
    E(11, "Yesterday", "beatles", None, "Help!", 1965),
    E(12, "Boogie Wonderland", "Earth, Wind & Fire", None, "I Am", 1979),
    E(14, "Old Town Road", "Lil Nas X", "Lil Nas X feat. Billy Ray Cyrus", "7 EP", 2019),
    E(15, "Unsteady", "X Ambassadors", None, "VHS", 2015),
    E(16, "What's Going On", "Gaye, Marvin", None, "What's Going On", 1971),
    E(18, "Dog Days Are Over", "Florence + The Machine", None, "Lungs", 2009),
    E(19, "Im Wartesaal zum großen Glück", "Various Artists", "Walter Andreas Schwarz",
      "Eurovision Song Contest 1956", 1956),
    E(20, "Love Story (Taylor's Version)", "Taylor Swift", None, "Fearless (Taylor's Version)", 2021),
    E(21, "Love Story", "Taylor Swift", None, "Fearless", 2008),
    E(22, "Make It Funky (Part 1)", "James Brown", None, "Super Bad", 1971),
    E(23, "One", "U2", None, "Achtung Baby", 1991),
    E(24, "Tell The World How I Feel About 'Cha Baby", "Harold Melvin And The Blue Notes", None,
      "All Their Greatest Hits", 1976),
    E(25, "Love Me Do (Live)", "The Beatles", None, "Live at the BBC", 1994),
    E(26, "Don't You (Forget About Me)", "Simple Minds", None, "Don't You (Forget About Me) - Single", 1985),
    E(27, "Love Me Do", "The Beatles", None, "Past Masters", 1988),
    E(28, "There s No Me Without You", "toni braxton", None, "Secrets", 1996),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build(LIBRARY)


def key(m: Matcher, artist: str, title: str, **kw) -> int | None:
    return m.match(Suggestion(artist, title, **kw)).rating_key


def test_exact_match_reads_exact(matcher):
    assert matcher.match(Suggestion("Beyoncé", "Crazy in Love")) == MatchDecision(1, 100.0, "Exact match", "exact")
    assert len(matcher) == len(LIBRARY) and matcher.entry(23).title == "One"


@pytest.mark.parametrize(("artist", "title", "expected"), [
    ("Beyonce feat. Jay-Z", "Crazy in Love", 1),              # featured artist in the artist field
    ("Beyoncé", "Crazy In Love (feat. JAY-Z)", 1),           # ... or in the title
    ("The Beatles", "Yesterday", 11),                        # uspop2002's lower-cased "beatles"
    ("Marvin Gaye", "What's Going On", 16),                  # inverted "Gaye, Marvin"
    ("Earth Wind and Fire", "Boogie Wonderland", 12),         # "&" vs "and", comma
    ("Florence and the Machine", "Dog Days Are Over", 18),    # "+"
    ("Lil Nas X", "Old Town Road", 14),                       # "X" inside a name
    ("X Ambassadors", "Unsteady", 15),
    ("Walter Andreas Schwarz", "Im Wartesaal zum Grossen Gluck", 19),  # track artist on a compilation
    ("Toni Braxton", "There's No Me Without You", 28),       # lost apostrophe
])
def test_real_tag_messiness_still_matches(matcher, artist, title, expected):
    assert key(matcher, artist, title) == expected


def test_member_of_a_duo_or_featured_artist_counts_as_the_artist(matcher):
    d = matcher.match(Suggestion("Jay-Z & Beyoncé", "'03 Bonnie & Clyde"))
    assert (d.rating_key, d.kind, d.reason) == (3, "fuzzy", "Found under 'Jay-Z feat. Beyoncé Knowles'")
    d = matcher.match(Suggestion("Billy Ray Cyrus", "Old Town Road"))
    assert (d.rating_key, d.reason) == (14, "Found under 'Lil Nas X feat. Billy Ray Cyrus'")


@pytest.mark.parametrize(("artist", "title", "closest"), [
    ("Daft Punk", "One", "One More Time"),
    ("Carpenters", "Yesterday", "Yesterday Once More"),
    ("The Beatles", "Love", "Love Me Do"),
    ("James Brown", "Make It Funky (Part 2)", "Make It Funky (Part 1)"),
    ("Harold Melvin & the Blue Notes", "Heart The World How I Feel About 'Cha Baby",
     "Tell The World How I Feel About 'Cha Baby"),
])
def test_subset_number_and_replaced_word_titles_are_not_matches(matcher, artist, title, closest):
    d = matcher.match(Suggestion(artist, title))
    assert d.rating_key is None and d.kind == "no_title"
    assert d.reason == f"Not in your library: closest is '{closest}' by the same artist"


def test_the_baseline_falls_for_the_subset_title():
    assert baseline_match(LIBRARY, Suggestion("Daft Punk", "One")).rating_key == 4


@pytest.mark.parametrize(("artist", "title"), [("Metallica", "One"), ("Carpenters", "Hotel California"),
                                              ("Daft Punk", "Yesterday")])
def test_same_title_by_another_artist_is_not_a_match(matcher, artist, title):
    assert key(matcher, artist, title) is None


def test_unknown_artist_reads_no_track_by_this_artist(matcher):
    assert matcher.match(Suggestion("Radiohead", "Creep")) == MatchDecision(
        None, 0.0, "Not in your library: no track by this artist", "no_artist")


def test_typos_in_title_and_artist_are_fuzzy_matches_with_their_scores(matcher):
    d = matcher.match(Suggestion("Earth, Wind & Fire", "Boogie Wonderlnd"))
    assert d.rating_key == 12 and d.kind == "fuzzy" and d.reason == "Title spelt 'Boogie Wonderland' in your library"
    d = matcher.match(Suggestion("Florense and the Machine", "Dog Days Are Over"))
    assert d.rating_key == 18 and d.reason == "Found under 'Florence + The Machine'"


def test_bracket_that_is_part_of_the_title_may_be_omitted(matcher):
    d = matcher.match(Suggestion("Simple Minds", "Don't You"))
    assert (d.rating_key, d.reason) == (26, "Title is 'Don't You (Forget About Me)' in your library")


def test_versions_prefer_studio_then_remaster_unless_another_is_asked(matcher):
    assert key(matcher, "Eagles", "Hotel California") == 9
    assert key(matcher, "Eagles", "Hotel California (Live)") == 8
    assert key(matcher, "Eagles", "Hotel California - Remastered") == 10
    assert key(matcher, "Beyoncé", "Crazy in Love") == 1  # not the compilation copy
    assert key(matcher, "Taylor Swift", "Love Story") == 21
    assert key(matcher, "Taylor Swift", "Love Story (Taylor's Version)") == 20
    assert key(matcher, "The Beatles", "Love Me Do (Live)") == 25


def test_album_and_year_break_ties_between_equal_versions(matcher):
    assert key(matcher, "The Beatles", "Love Me Do") == 6  # first of two studio copies
    assert key(matcher, "The Beatles", "Love Me Do", album="Past Masters") == 27
    assert key(matcher, "The Beatles", "Love Me Do", year=1990) == 27
    assert key(matcher, "The Beatles", "Love Me Do", year=1962) == 6


def test_asked_version_missing_falls_back_with_a_penalty_and_says_so(matcher):
    d = matcher.match(Suggestion("The Beatles", "Yesterday (Live)"))
    assert d.rating_key == 11 and d.score == 85.0
    assert d.reason == "No live version in your library; using the studio version"
    strict = Matcher.build(LIBRARY, MatchThresholds(accept_other_version=False))
    assert strict.match(Suggestion("The Beatles", "Yesterday (Live)")).rating_key is None
    only_live = Matcher.build([LIBRARY[7]])
    d = only_live.match(Suggestion("Eagles", "Hotel California"))
    assert d.rating_key == 8 and d.reason == "Only a live version is in your library"


def test_thresholds_are_configurable(matcher):
    strict = Matcher.build(LIBRARY, MatchThresholds(title_min=99, one_edit_min_length=100))
    assert strict.match(Suggestion("Earth, Wind & Fire", "Boogie Wonderlnd")).kind == "no_title"
    assert matcher.match(Suggestion("Earth, Wind & Fire", "Boogie Wonderlnd")).kind == "fuzzy"


def test_match_many_applies_overrides_and_reuses_decisions(matcher):
    suggestions = [Suggestion("Beyoncé", "Crazy in Love")] * 2 + [Suggestion("U2", "One")] * 3
    overrides = [None, Override("track", 2), Override("absent"), Override("track", 999), None]
    got = matcher.match_many(suggestions, overrides)
    assert [(d.rating_key, d.kind, d.reason) for d in got] == [
        (1, "exact", "Exact match"),
        (2, "manual", "Chosen by you"),
        (None, "manual_absent", "You marked it as not in your library"),
        (None, "manual_missing", "The track you chose is no longer in your library"),
        (23, "exact", "Exact match"),
    ]
    assert matcher.match_many(suggestions) == [got[0], got[0], got[4], got[4], got[4]]
    with pytest.raises(ValueError):
        matcher.match_many(suggestions, overrides[:2])
    with pytest.raises(ValueError):
        Override("maybe")
    with pytest.raises(ValueError):
        Override("track")


def test_search_finds_by_words_and_prefix(matcher):
    assert [e.rating_key for e in matcher.search("crazy in lo")][:2] in ([1, 2], [2, 1])
    assert {e.rating_key for e in matcher.search("beatles love")} == {6, 7, 25, 27}
    assert [e.rating_key for e in matcher.search("GROSSEN glu")] == [19]
    assert matcher.search("  ") == [] and matcher.search("zzzz") == []
    assert len(matcher.search("love", limit=2)) == 2


def test_empty_library_matches_nothing():
    m = Matcher.build([])
    assert m.match(Suggestion("Beyoncé", "Crazy in Love")).kind == "no_artist"
    assert len(m) == 0 and m.search("x") == []
