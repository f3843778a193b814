"""Realistic LLM answers: periods, counts, slips, library share and text styles."""

from __future__ import annotations

import csv
import json
import re

import json_repair
import pytest

from tests.fakes.ai import llm_answer_data
from tests.fakes.ai.llm_answers import STYLES, as_json_text, build_answer, extract_count, prompt_period, realistic_answer
from tests.fakes.library.model import FakeTrack

_skip_without_data = pytest.mark.skipif(not llm_answer_data.shared_data_available(),
                                        reason="../shared/data (Billboard Hot 100 CSV) is absent")


def needs_data(test):
    """Mark ``test`` as needing ../shared/data and skip it when the folder is absent."""
    return pytest.mark.shared_data(_skip_without_data(test))


def _norm(text: str) -> str:
    """Lower-case alphanumerics of a title without its "(feat. ...)" part."""
    return re.sub(r"[^a-z0-9]", "", re.sub(r"\s*\(feat\..*\)$", "", text).lower())


def _hot100_titles_by_year() -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    with (llm_answer_data.DATA_DIR / "billboard_hot100_songs.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(int(row["first_chart_week"][:4]), set()).add(_norm(row["title"]))
    return out


@pytest.mark.parametrize("prompt,count", [
    ("Number of tracks: 12\nsome 25 songs mentioned later", 12),
    ("Give me 25 songs for a road trip", 25),
    ("Playlist request (40 tracks):", 40),
    ("something chill", 20),
    ("Number of tracks: 900", 200),
])
def test_extract_count(prompt, count):
    assert extract_count(prompt) == count


@pytest.mark.parametrize("prompt,period", [
    ("1985 hits", (1985, 1985)),
    ("80s synth pop", (1980, 1989)),
    ("the '90s", (1990, 1999)),
    ("best of the 2000s", (2000, 2009)),
    ("eighties ballads", (1980, 1989)),
    ("from 1977 to 1981", (1977, 1981)),
    ("dreamy shoegaze", None),
])
def test_prompt_period(prompt, period):
    assert prompt_period(prompt) == period


@needs_data
def test_year_prompt_gets_songs_that_charted_that_year():
    draft, truth = build_answer("Make a playlist of 1985 hits. Number of tracks: 30", 30)
    assert len(draft["tracks"]) == 30 and "1985" in draft["title"]
    charted = _hot100_titles_by_year()[1985]
    real = [t for t, k in zip(draft["tracks"], truth, strict=False) if k["kind"] == "chart"]
    assert len(real) >= 25  # about 10 % are invented titles
    assert all(_norm(t["title"]) in charted for t in real)
    assert all(t["year"] == 1985 for t, k in zip(draft["tracks"], truth, strict=False)
               if k["kind"] == "chart" and "wrong-year" not in k["slips"])


@needs_data
def test_decade_and_unresolved_genre():
    eighties = realistic_answer("80s synth pop, 40 tracks", 40)["tracks"]
    assert all(1978 <= t["year"] <= 1991 for t in eighties)  # wrong years are off by 1-2 at most
    mixed = realistic_answer("dreamy shoegaze", 40)["tracks"]
    decades = {t["year"] // 10 for t in mixed if t["year"]}
    assert len(decades) >= 3  # a mix of popular songs, not one era


@needs_data
def test_answers_show_llm_slips_across_prompts():
    slips, kinds = set(), set()
    for prompt in ("2000s hip hop", "2010s pop hits", "1985 hits", "70s rock", "eurovision winners"):
        _, truth = build_answer(prompt, 40)
        for k in truth:
            slips.update(s.split(":")[0] for s in k["slips"])
            kinds.add(k["kind"])
    assert {"featuring", "title-case", "wrong-year", "wrong-album"} <= slips
    assert {"chart", "invented"} <= kinds


def test_deterministic_per_prompt_and_seed():
    a = realistic_answer("1999 hits", 15)
    assert a == realistic_answer("1999 hits", 15)
    assert a != realistic_answer("1999 hits", 15, seed=7)
    assert realistic_answer("1999 hits", 15, seed=7) == realistic_answer("1999 hits", 15, seed=7)


def _library(n: int = 120) -> list[FakeTrack]:
    songs = [s for s in llm_answer_data.load_songs() if s.year and 1980 <= s.year <= 1989][:n]
    if len(songs) < n:  # fallback list: reuse songs under other rating keys
        songs = (llm_answer_data.FALLBACK_SONGS * (n // len(llm_answer_data.FALLBACK_SONGS) + 1))[:n]
    return [FakeTrack(rating_key=1000 + i, title=s.title, album_artist=s.artist, album=s.album or "Hits",
                      album_rating_key=5000 + i, artist_rating_key=9000 + i, year=s.year)
            for i, s in enumerate(songs)]


def test_library_mode_takes_85_to_90_percent_from_the_library():
    library = _library()
    keys = {t.rating_key for t in library}
    owned = {(_norm(t.album_artist), _norm(t.title)) for t in library}
    draft, truth = build_answer("80s party, 40 tracks", 40, library=library)
    from_lib = [k for k in truth if k["kind"] == "library"]
    assert 34 <= len(from_lib) <= 36 and all(k["rating_key"] in keys for k in from_lib)
    others = [t for t, k in zip(draft["tracks"], truth, strict=False) if k["kind"] != "library"]
    assert others and all((_norm(t["artist"]), _norm(t["title"])) not in owned for t in others)


@pytest.mark.parametrize("style", STYLES)
def test_text_styles(style):
    draft = realistic_answer("1991 hits", 10, seed=3)
    text = as_json_text(draft, style)
    if style == "ok":
        assert json.loads(text) == draft
        return
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    repaired = json_repair.loads(text)
    if style == "truncated":
        assert 1 <= len(repaired["tracks"]) < 10  # cut off mid-answer
    else:
        assert repaired == draft


def test_unknown_style_is_rejected():
    with pytest.raises(ValueError):
        as_json_text({"title": "t", "tracks": []}, "yaml")


def test_fallback_songs_without_shared_data(monkeypatch, tmp_path):
    monkeypatch.setattr(llm_answer_data, "DATA_DIR", tmp_path)
    llm_answer_data.load_songs.cache_clear()
    llm_answer_data._albums_by_artist.cache_clear()
    try:
        assert llm_answer_data.load_songs() == tuple(llm_answer_data.FALLBACK_SONGS)
        draft = realistic_answer("1985 hits", 12)
        assert len(draft["tracks"]) == 12
        assert any(t["year"] == 1985 for t in draft["tracks"])  # the fallback list's 1985 songs
    finally:
        llm_answer_data.load_songs.cache_clear()
        llm_answer_data._albums_by_artist.cache_clear()
