"""The three-way merge of issue 15 as a pure function (base, theirs, ours → merged)."""

from __future__ import annotations

from plex_completer.services.playlist_merge import merge_field, merge_keys


def test_no_edits_in_plex_writes_ours_exactly():
    result = merge_keys([1, 2, 3], [1, 2, 3], [3, 1, 4, 2])
    assert result.keys == [3, 1, 4, 2]
    assert not result.user_edits and result.newly_removed == result.newly_added == []


def test_unknown_base_detects_no_edit():
    result = merge_keys(None, [1, 2, 3], [1, 2, 4])
    assert result.keys == [1, 2, 4] and not result.user_edits


def test_removed_in_plex_stays_removed_and_is_remembered():
    result = merge_keys([1, 2, 3], [1, 3], [1, 2, 3, 4])
    assert result.keys == [1, 3, 4]
    assert result.removed == result.newly_removed == [2]
    # The next merge: Plex holds the merged list, the AI still suggests 2.
    again = merge_keys(result.keys, result.keys, [2, 1, 3, 4], removed=result.removed)
    assert again.keys == [1, 3, 4] and again.removed == [2] and again.newly_removed == []


def test_added_in_plex_stays_by_its_neighbours_and_is_never_duplicated():
    result = merge_keys([1, 2, 3], [1, 2, 9, 3], [1, 2, 3, 4])
    assert result.keys == [1, 2, 9, 3, 4]
    assert result.added == result.newly_added == [9]
    # The AI now suggests the user's track too: still once.
    again = merge_keys(result.keys, result.keys, [9, 1, 2, 3, 4], added=result.added)
    assert again.keys == [9, 1, 2, 3, 4] and again.added == [9]
    assert again.keys.count(9) == 1


def test_added_at_the_top_stays_at_the_top():
    assert merge_keys([1, 2], [9, 1, 2], [1, 2, 3]).keys == [9, 1, 2, 3]


def test_an_addition_the_ai_drops_later_stays():
    first = merge_keys([1, 2, 3], [1, 9, 2, 3], [1, 2, 3])
    later = merge_keys(first.keys, first.keys, [5, 6], added=first.added)
    assert later.keys == [5, 6, 9] and later.added == [9]


def test_reorder_in_plex_keeps_the_users_order_and_places_new_tracks_by_neighbours():
    result = merge_keys([1, 2, 3, 4], [4, 1, 2, 3], [1, 5, 2, 3, 4, 6])
    assert result.reordered
    assert result.keys == [4, 1, 5, 2, 3, 6]  # 6 followed every kept track: the end


def test_new_track_between_neighbours_the_user_swapped_goes_to_the_end():
    result = merge_keys([1, 2, 3], [3, 2, 1], [1, 7, 2, 3])
    # 7's neighbours 1 and 2 now stand the other way round: ambiguous.
    assert result.keys == [3, 2, 1, 7]


def test_new_track_before_every_kept_one_goes_before_its_following_neighbour():
    assert merge_keys([1, 2], [2, 1], [8, 1, 2]).keys == [2, 8, 1]


def test_combination_user_removed_a_track_the_ai_drops_too_and_added_one_the_ai_suggests():
    result = merge_keys([1, 2, 3, 4], [1, 3, 9, 4], [1, 9, 4, 5])
    assert result.removed == [2] and result.added == [9]
    assert result.keys == [1, 9, 4, 5]


def test_combination_remove_add_and_reorder():
    result = merge_keys([1, 2, 3, 4], [4, 9, 1, 3], [1, 2, 3, 4, 5])
    assert result.reordered and result.removed == [2] and result.added == [9]
    assert result.keys == [4, 9, 1, 3, 5]


def test_a_removed_track_the_user_adds_back_in_plex_is_no_longer_removed():
    result = merge_keys([1, 3], [1, 2, 3], [1, 2, 3], removed=[2])
    assert result.keys == [1, 2, 3] and result.removed == [] and result.added == [2]


def test_an_addition_the_user_removes_again_is_just_gone():
    result = merge_keys([1, 9, 2], [1, 2], [1, 2], added=[9])
    assert result.keys == [1, 2] and result.added == [] and result.removed == []


def test_duplicates_in_plex_are_written_once():
    assert merge_keys([1, 2], [1, 2, 1], [1, 2]).keys == [1, 2]


def test_merge_field_user_change_wins_and_sticks():
    assert merge_field("Night Drive", "Night Drive", "Night Drive") .write is None
    assert merge_field("Night Drive", "Night Drive", "Night Drive II").write == "Night Drive II"
    renamed = merge_field("Night Drive", "My Drive", "Night Drive II")
    assert renamed.write is None and renamed.set_in_plex
    assert merge_field("Night Drive", "Night Drive", "X", set_in_plex=True).write is None
    assert merge_field(None, "Whatever", "Ours").write == "Ours"


def test_a_reorder_is_remembered_for_later_merges():
    first = merge_keys([1, 2, 3], [3, 1, 2], [1, 2, 3])
    assert first.reordered and first.keys == [3, 1, 2]
    # Plex still holds the merged list; the AI's order alone would undo the user's.
    later = merge_keys(first.keys, first.keys, [1, 2, 4, 3], keep_order=True)
    assert later.reordered and later.keys == [3, 1, 2, 4]
    assert merge_keys(first.keys, first.keys, [1, 2, 4, 3]).keys == [1, 2, 4, 3]  # what keep_order prevents


def test_merge_field_whitespace_tidied_by_the_server_is_no_change():
    assert not merge_field("Prompt\n\nWritten by X ", "Prompt Written by X", "Prompt\n\nWritten by Y").set_in_plex
