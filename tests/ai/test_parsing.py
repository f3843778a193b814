"""Unit tests of AI answer parsing: every malformed-output case, cleaning and limits."""

from __future__ import annotations

import json

import pytest

from plex_completer.ai.parsing import BadOutput, clean_tracks, dedupe_key, extract_json, parse_answer
from plex_completer.ai.schema import MAX_ARTIST_CHARS, PlaylistDraft
from tests.fakes.ai.llm_answers import as_json_text, realistic_answer

DRAFT = {
    "title": "Synth Nights",
    "description": "Eighties synth pop.",
    "tracks": [
        {"artist": "a-ha", "title": "Take On Me", "album": "Hunting High and Low", "year": 1985},
        {"artist": "Eurythmics", "title": "Sweet Dreams (Are Made of This)", "album": None, "year": 1983},
        {"artist": "Depeche Mode", "title": "Just Can't Get Enough", "album": "Speak & Spell", "year": 1981},
    ],
}


@pytest.mark.parametrize("style, method", [("ok", "json"), ("fenced", "extracted"), ("prose", "extracted"), ("broken", "repaired")])
def test_each_answer_style_parses_to_the_same_tracks(style, method):
    parsed = parse_answer(as_json_text(DRAFT, style), 3)
    assert parsed.method == method
    assert [(t.artist, t.title) for t in parsed.draft.tracks] == [(t["artist"], t["title"]) for t in DRAFT["tracks"]]
    assert parsed.draft.title == "Synth Nights"


def test_truncated_answer_is_repaired_and_keeps_the_complete_tracks():
    draft = realistic_answer("80s synth pop", 20, seed=3)
    text = as_json_text(draft, "truncated")
    with pytest.raises(ValueError):
        json.loads(text)
    parsed = parse_answer(text, 20, truncated=True)
    assert parsed.method == "repaired"
    assert 5 <= len(parsed.draft.tracks) < 20
    wanted = [(t["artist"].strip(), t["title"].strip()) for t in draft["tracks"]]
    got = [(t.artist, t.title) for t in parsed.draft.tracks]
    assert got == wanted[: len(got)]
    assert parsed.notes == ["answer was cut at the token limit"]


def test_truncated_fenced_answer_without_closing_fence():
    text = "```json\n" + json.dumps(DRAFT, indent=2)[:-40]
    parsed = parse_answer(text, 10)
    assert parsed.method == "repaired"
    assert [t.title for t in parsed.draft.tracks][:2] == ["Take On Me", "Sweet Dreams (Are Made of This)"]


def test_structured_result_is_used_first():
    structured = PlaylistDraft.model_validate(DRAFT)
    parsed = parse_answer("not json at all", 3, structured=structured)
    assert parsed.method == "structured"
    assert len(parsed.draft.tracks) == 3


def test_structured_without_tracks_falls_back_to_text():
    parsed = parse_answer(json.dumps(DRAFT), 3, structured={"title": "x", "tracks": []})
    assert parsed.method == "json" and len(parsed.draft.tracks) == 3


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("I cannot help with that request.", "no JSON"),
        ('{"title": "x", "description": "y"}', "no track list"),
        ('{"title": "x", "tracks": [{"artist": "A"}, {"title": "B"}, {"artist": " ", "title": "C"}]}', "none of the 3"),
        ("42", "not a playlist"),
    ],
)
def test_unusable_answers_raise_bad_output(text, reason):
    with pytest.raises(BadOutput, match=reason):
        parse_answer(text, 10)


def test_bad_output_message_does_not_echo_ai_text():
    with pytest.raises(BadOutput) as info:
        parse_answer("<script>alert(1)</script> no playlist here", 10)
    assert "script" not in str(info.value)


def test_numbering_whitespace_and_quotes_are_stripped():
    items = [
        {"artist": "  1. Queen ", "title": '"Bohemian  Rhapsody"'},
        {"artist": "#2 Prince", "title": "1999"},
        {"artist": "Nena", "title": "12) 99 Luftballons"},
        {"artist": "Toto", "title": "Africa\n"},
    ]
    tracks, dropped = clean_tracks(items, 10)
    assert dropped == 0
    assert [(t.artist, t.title) for t in tracks] == [
        ("Queen", "Bohemian Rhapsody"),
        ("Prince", "1999"),
        ("Nena", "99 Luftballons"),
        ("Toto", "Africa"),
    ]


def test_items_without_artist_or_title_are_dropped_and_order_is_kept():
    items = [{"artist": "A", "title": "One"}, {"artist": "", "title": "Two"}, "garbage", 7, {"artist": "C", "title": "Three"}]
    tracks, dropped = clean_tracks(items, 10)
    assert [t.title for t in tracks] == ["One", "Three"]
    assert dropped == 3


def test_duplicates_by_normalised_artist_and_title_are_removed():
    items = [
        {"artist": "Beyoncé", "title": "Halo"},
        {"artist": "BEYONCE", "title": "halo!"},
        {"artist": "Beyoncé", "title": "Halo (Live)"},
    ]
    tracks, dropped = clean_tracks(items, 10)
    assert [t.title for t in tracks] == ["Halo", "Halo (Live)"]
    assert dropped == 1
    assert dedupe_key("Beyoncé", "Halo") == dedupe_key("  beyonce ", "HALO")


def test_excess_tracks_are_trimmed_to_the_count_and_the_count_is_clamped():
    items = [{"artist": f"Artist {i}", "title": f"Song {i}"} for i in range(150)]
    tracks, dropped = clean_tracks(items, 5)
    assert [t.title for t in tracks] == [f"Song {i}" for i in range(5)]
    assert dropped == 145
    assert len(clean_tracks(items, 1000)[0]) == 100
    assert len(clean_tracks(items, 0)[0]) == 1


def test_string_lengths_are_capped():
    items = [{"artist": "X" * 5000, "title": "Y" * 5000, "album": "Z" * 5000}]
    (track,), _ = clean_tracks(items, 1)
    assert len(track.artist) == MAX_ARTIST_CHARS
    assert len(track.title) <= 200 and len(track.album) <= 200


@pytest.mark.parametrize("raw, year", [(1985, 1985), ("1985", 1985), ("released 1985-06-01", 1985), (1985.0, 1985), ("unknown", None), (42, None), (True, None), (None, None)])
def test_year_is_validated(raw, year):
    (track,), _ = clean_tracks([{"artist": "A", "title": "B", "year": raw}], 1)
    assert track.year == year


def test_bare_list_and_alias_keys_and_line_strings_are_accepted():
    text = json.dumps([{"artist_name": "Blondie", "song": "Heart of Glass"}, "3. Soft Cell – Tainted Love", "Tears for Fears - Shout"])
    parsed = parse_answer(text, 10)
    assert [(t.artist, t.title) for t in parsed.draft.tracks] == [
        ("Blondie", "Heart of Glass"),
        ("Soft Cell", "Tainted Love"),
        ("Tears for Fears", "Shout"),
    ]
    assert parsed.draft.title == ""


def test_prose_with_an_example_object_before_the_playlist():
    text = 'The format is {"artist": ..., "title": ...}. Here it is: ' + json.dumps(DRAFT) + " Enjoy."
    parsed = parse_answer(text, 10)
    assert len(parsed.draft.tracks) == 3


def test_extract_json_returns_none_without_any_json():
    assert extract_json("just words") is None
    assert extract_json(None) is None


def test_playlist_title_and_description_are_single_line_and_capped():
    value = {"title": "A\nB" + "t" * 500, "description": "d" * 5000, "tracks": [{"artist": "A", "title": "B"}]}
    parsed = parse_answer(json.dumps(value), 5)
    assert "\n" not in parsed.draft.title and len(parsed.draft.title) <= 120
    assert len(parsed.draft.description) <= 1000
