"""The messy-tag perturbations of issue 14 (tests.fakes.library.messy): deterministic,
recorded in the tags, the input left alone, every class present in the full library."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from tests.fakes.library.messy import artist_variant, messy_library, misspell

pytestmark = pytest.mark.shared_data


def test_artist_variants_are_the_forms_real_libraries_show():
    forms = {artist_variant("Bruce Springsteen", seed)[1]: artist_variant("Bruce Springsteen", seed)[0]
             for seed in range(40)}
    assert forms == {"inverted_comma": "Springsteen, Bruce", "inverted": "Springsteen Bruce",
                     "inverted_caps": "SPRINGSTEEN,BRUCE", "inverted_space": "Springsteen , Bruce",
                     "capitals": "BRUCE SPRINGSTEEN", "surname": "Springsteen"}
    assert artist_variant("The Beatles", 0) == ("Beatles, The", "title_sort")
    assert all(artist_variant("Beckmeier Brothers", s)[0] != "Brothers" for s in range(40))  # a group
    assert artist_variant("Earth, Wind & Fire", 0) == ("EARTH, WIND & FIRE", "capitals")


def test_misspell_changes_one_letter_in_a_long_word():
    rng = random.Random(1)
    for _ in range(50):
        wrong = misspell("Dancing in the Dark", rng)
        assert wrong is None or (wrong != "Dancing in the Dark" and abs(len(wrong) - 19) <= 1)
    assert misspell("I Am", rng) is None


def test_messy_library_is_deterministic_records_every_class_and_leaves_its_input(small_library):
    before = [(t.rating_key, t.title, t.album_artist) for t in small_library]
    messy = messy_library(small_library, seed=0)
    assert [(t.rating_key, t.title, t.album_artist) for t in small_library] == before
    again = messy_library(small_library, seed=0)
    assert [(t.rating_key, t.title, t.album_artist) for t in again] == [(t.rating_key, t.title, t.album_artist)
                                                                         for t in messy]
    keys = [t.rating_key for t in messy]
    assert len(keys) == len(set(keys)) and len(messy) > len(small_library)


def test_full_messy_library_carries_every_class(full_library):
    messy = messy_library(full_library, seed=0)
    notes = Counter(n.split(":")[0] for t in messy for n in t.tags.get("perturbations", ()))
    for note in ("artist_variant", "live_kept_canonical", "subtitle_added", "title_misspelt", "duet_rerecording"):
        assert notes[note] >= 50, (note, notes[note])
    by_song: dict[str, set[str]] = {}
    for t in messy:
        by_song.setdefault(t.tags["song_id"], set()).add(t.album_artist)
    # class 5: a song whose copies sit under the canonical name (live) and a variant (studio)
    kept = {t.tags["song_id"] for t in messy if "live_kept_canonical" in t.tags.get("perturbations", ())}
    assert any(len(by_song[s]) > 1 for s in kept)
    duets = [t for t in messy if "duet_rerecording" in t.tags.get("perturbations", ())]
    assert all(t.tags["featured"] and f"(with {t.tags['featured'][0]})" in t.title for t in duets)
