"""The fill sampler with genres, styles and moods (issue 18, points 2 and 6): pure
sampler cases, and the index's tags as the sampler reads them after a real sync."""

from __future__ import annotations

from plex_completer.matching import LibraryEntry
from plex_completer.services.fill_candidates import CandidateRequest, FillIndex, sample_candidates, tag_weights


def _library() -> tuple[list[LibraryEntry], dict[int, list[str]]]:
    """Three jazz artists (50s, 60s), three synth-pop artists (80s), soul (70s), and one
    untagged artist; ratingKeys from 1."""
    rows: list[LibraryEntry] = []
    tags: dict[int, list[str]] = {}
    key = 1
    for artist, year, these in [
        ("Miles Davis", 1959, ["jazz", "cool"]), ("Dave Brubeck", 1959, ["jazz", "cool"]),
        ("John Coltrane", 1964, ["jazz", "hard bop"]),
        ("Depeche Mode", 1984, ["electronic", "synth pop"]), ("Pet Shop Boys", 1986, ["electronic", "synth pop"]),
        ("Erasure", 1988, ["electronic", "synth pop"]),
        ("Marvin Gaye", 1971, ["r and b", "soul"]), ("Unknown Band", 1985, []),
    ]:
        for n in range(1, 9):
            rows.append(LibraryEntry(key, f"{artist} song {n}", artist, None, f"{artist} album", year, n))
            if these:
                tags[key] = these
            key += 1
    return rows, tags


def _index() -> FillIndex:
    rows, tags = _library()
    return FillIndex.build(rows, tags)


def test_tracks_sharing_the_matched_tracks_genres_are_offered():
    index = _index()
    matched = [1]  # a Miles Davis track
    cands = sample_candidates(index, CandidateRequest("something relaxed", [], matched, size=20, seed=4))
    tagged = [c for c in cands if c.group == "tag"]
    assert tagged, [c.line() for c in cands]
    assert {c.artist for c in tagged} <= {"Miles Davis", "Dave Brubeck", "John Coltrane"}
    assert len({c.artist for c in tagged}) >= 2, "more than the matched artist"


def test_a_genre_named_in_the_request_weighs_even_without_matches():
    index = _index()
    weights = tag_weights(index, CandidateRequest("some synth pop for the gym"))
    names = {index.tag_names[t] for t in weights}
    assert names == {"synth pop"}
    cands = sample_candidates(index, CandidateRequest("some synth pop for the gym", size=10, seed=1))
    assert {c.artist for c in cands if c.group == "tag"} <= {"Depeche Mode", "Pet Shop Boys", "Erasure"}


def test_the_named_artists_tags_count_and_the_specific_tag_weighs_more():
    index = _index()
    weights = tag_weights(index, CandidateRequest("a mix", [("Marvin Gaye", 1971)]))
    by_name = {index.tag_names[t]: w for t, w in weights.items()}
    assert set(by_name) == {"r and b", "soul"}
    # "electronic" (24 tracks) is less specific than "cool" (16) on equal counts.
    both = tag_weights(index, CandidateRequest("x", [], [1, 25]))
    named = {index.tag_names[t]: w for t, w in both.items()}
    assert named["cool"] > named["electronic"]


def test_the_requests_decades_are_preferred_within_a_tag():
    index = _index()
    cands = sample_candidates(index, CandidateRequest("jazz from the 60s", [], [], size=8, seed=2))
    tagged = [c for c in cands if c.group == "tag"]
    assert tagged and sum(1 for c in tagged if c.year == 1964) >= len(tagged) / 2


def test_a_library_without_tags_gives_the_share_to_the_other_groups():
    rows, _tags = _library()
    index = FillIndex.build(rows)
    cands = sample_candidates(index, CandidateRequest("jazz", [("Miles Davis", 1959)], [1], size=30, seed=3))
    assert len(cands) >= 15 and not [c for c in cands if c.group == "tag"]
    assert tag_weights(index, CandidateRequest("jazz")) == {}


def test_the_index_tags_reach_the_sampler_after_a_sync(synced_app, stack):
    """track_tags: a track's tags are its album's and its album artist's, normalised."""
    from plex_completer.services import library_tags

    tags = library_tags.track_tags()
    by_key = {t.rating_key: t for t in stack.plex.tracks}
    checked = 0
    for key, found in list(tags.items())[:300]:
        t = by_key[key]
        # Listings carry at most two of each kind (the emulator cuts like PMS).
        expected = {library_tags.normalize_tag(tag) for _k, tag in (*t.album_tags, *t.artist_tags)}
        assert set(found) <= expected and found
        checked += 1
    assert checked
    untagged = [t.rating_key for t in stack.plex.tracks if not t.album_tags and not t.artist_tags]
    assert untagged and not any(k in tags for k in untagged)
    choices = library_tags.genre_choices()
    assert ("pop rock", "Pop/Rock") in {(n, tag) for n, tag, _count in choices}
