"""The realistic test library: sizes, determinism, unique keys and the messiness it must carry."""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.fakes.library import data as library_data
from tests.fakes.library.builder import SIZES, VERSIONS, build_library, song_id, summarize
from tests.fakes.library.data import require_shared_data, split_credit

pytestmark = pytest.mark.shared_data


def _fingerprint(tracks):
    return [(t.rating_key, t.title, t.album_artist, t.track_artist, t.album, t.year, t.track_number,
             t.duration_ms, t.added_at, t.updated_at, t.tags["song_id"]) for t in tracks]


def test_small_is_deterministic_and_seed_dependent(small_library):
    assert _fingerprint(build_library("small", seed=0)) == _fingerprint(small_library)
    assert _fingerprint(build_library("small", seed=1)) != _fingerprint(small_library)


def test_small_size_and_build_time(small_library):
    assert 1_500 <= len(small_library) <= 3_000
    started = time.perf_counter()
    build_library("small", seed=3)
    assert time.perf_counter() - started < 1.0


def test_full_is_tens_of_thousands_and_uses_every_source(full_library):
    summary = summarize(full_library)
    assert 40_000 <= summary["tracks"] <= 90_000
    for source in ("uspop2002", "hot100", "compilation", "eurovision", "classic_rock", "karaoke"):
        assert summary["by_source"].get(source, 0) > 0, source
    assert set(summary["by_version"]) <= set(VERSIONS)


@pytest.mark.parametrize("size", ["small", "full"])
def test_rating_keys_are_unique_across_tracks_albums_and_artists(size, small_library, full_library):
    tracks = small_library if size == "small" else full_library
    track_keys = [t.rating_key for t in tracks]
    assert len(set(track_keys)) == len(track_keys)
    album_keys = {t.album_rating_key for t in tracks}
    artist_keys = {t.artist_rating_key for t in tracks}
    assert not (set(track_keys) & album_keys) and not (set(track_keys) & artist_keys)
    assert not (album_keys & artist_keys)
    # an album belongs to exactly one album artist and has one title
    per_album = {}
    for t in tracks:
        assert per_album.setdefault(t.album_rating_key, (t.album_artist, t.album)) == (t.album_artist, t.album)


def test_fields_have_plex_units(small_library):
    for t in small_library:
        assert 60_000 <= t.duration_ms <= 700_000  # milliseconds
        assert 1_400_000_000 <= t.added_at <= t.updated_at < 1_800_000_000  # epoch seconds
        assert t.track_artist != t.album_artist  # Plex omits originalTitle when equal
        assert t.tags["song_id"] == song_id(t.tags["artist"], t.tags["title"])


def test_every_messiness_kind_is_present(small_library, full_library):
    for tracks, needed in (
        (small_library, {"lowercase_artist", "feat_in_track_artist", "feat_in_title", "explicit_tag",
                         "diacritics_dropped", "track_artist_on_compilation", "apostrophe_lost",
                         "and_for_ampersand"}),
        (full_library, {"the_dropped", "inverted_name", "ampersand_for_and", "minor_words_lowered",
                        "feat_dropped", "titlecase_artist"}),
    ):
        kinds = Counter(p for t in tracks for p in t.tags["perturbations"])
        assert needed <= set(kinds), needed - set(kinds)
    versions = Counter(t.tags["version"] for t in small_library)
    for v in ("original", "remaster", "live", "compilation", "radio_edit", "taylors_version"):
        assert versions[v] > 0, v


def test_real_examples_carry_their_messiness(small_library):
    by_song = {}
    for t in small_library:
        by_song.setdefault(t.tags["song_id"], []).append(t)
    crazy = by_song[song_id("Beyoncé", "Crazy In Love")]
    assert {t.tags["artist"] for t in crazy} == {"Beyoncé"}
    assert any(t.tags["featured"] == ("Jay Z",) for t in crazy)
    # the original sits under Beyoncé's album artist, feat. in the title or track artist
    original = [t for t in crazy if t.tags["version"] == "original"]
    assert original and original[0].album_artist in ("Beyoncé", "Beyonce")
    # uspop2002 keeps real track numbers, and lost apostrophes on some titles
    toni = [t for t in small_library if t.tags["source"] == "uspop2002" and t.tags["artist"] == "Toni Braxton"]
    assert any(t.album == "Secrets" and t.track_number == 4 and "Un-break My Heart" in t.title for t in toni)
    # compilations: album artist "Various Artists", performer in the track artist
    va = [t for t in small_library if t.tags["release"] == "compilation"]
    assert va and all(t.album_artist == "Various Artists" and t.track_artist for t in va)
    # Eurovision keeps its diacritics (except where the builder dropped them on purpose)
    euro = [t for t in small_library if t.tags["source"] == "eurovision"]
    assert any(not t.title.isascii() for t in euro)
    # versions keep the song_id of the song they copy
    live = [t for t in small_library if t.tags["version"] == "live"]
    originals = {t.tags["song_id"] for t in small_library if t.tags["version"] == "original"}
    assert live and all(t.tags["song_id"] in originals for t in live)
    taylor = [t for t in small_library if t.tags["version"] == "taylors_version"]
    assert all(t.title.endswith("(Taylor's Version)") and t.album.endswith("(Taylor's Version)") for t in taylor)


def test_split_credit_keeps_names_that_contain_x_and_with():
    assert split_credit("Beyonce Featuring Jay Z") == ("Beyonce", ("Jay Z",))
    assert split_credit("Lil Nas X Featuring Doja Cat") == ("Lil Nas X", ("Doja Cat",))
    assert split_credit("X Ambassadors") == ("X Ambassadors", ())
    assert split_credit("Black Eyed Peas X Shakira") == ("Black Eyed Peas", ("Shakira",))
    assert split_credit("Elvis Presley With The Jordanaires") == ("Elvis Presley With The Jordanaires", ())
    assert split_credit("Earth, Wind & Fire") == ("Earth, Wind & Fire", ())


def test_unknown_size_is_rejected():
    require_shared_data()
    with pytest.raises(ValueError):
        build_library("huge")
    assert SIZES == ("small", "full", "scaled")


def test_missing_shared_data_skips_with_a_clear_reason(tmp_path):
    with pytest.raises(pytest.skip.Exception, match=r"shared/data not found: .*missing: billboard"):
        require_shared_data(tmp_path)
    with pytest.raises(FileNotFoundError):
        build_library("small", data_dir=tmp_path)


def test_default_data_dir_is_beside_the_repository():
    assert library_data.DATA_DIR.parts[-2:] == ("shared", "data") or "PLEX_COMPLETER_SHARED_DATA" in __import__("os").environ
    assert library_data.resolve_data_dir(None) == library_data.DATA_DIR


def test_scaling_is_deterministic_keeps_keys_unique_and_records_its_source(small_library):
    from tests.fakes.library.scaled import scale_library

    def scaled():
        return scale_library(build_library("small", seed=0), seed=0, target=6_000)

    first, second = scaled(), scaled()
    assert 6_000 <= len(first) < 6_100 and _fingerprint(first) == _fingerprint(second)
    keys = [t.rating_key for t in first]
    assert len(set(keys)) == len(keys)
    assert not set(keys) & {t.album_rating_key for t in first}
    extra = first[len(small_library):]
    assert {t.tags["source"] for t in extra} == {"scaled"}
    by_key = {t.rating_key: t for t in first}
    for t in extra[:500]:
        assert t.tags["scaled_from"] in by_key
        if t.album.endswith("Edition)"):  # deluxe re-issue: same artist, same song
            assert t.tags["song_id"] == by_key[t.tags["scaled_from"]].tags["song_id"]
        else:  # invented artist: a song of its own
            assert t.tags["artist"] == t.album_artist
