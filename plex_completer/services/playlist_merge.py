"""Three-way merge of a Plex playlist: the app's last write, the user's edits in Plex, the
app's new wanted list (issue 15, "Playlists stay the user's").

Pure: lists of ratingKeys and strings in, a :class:`MergeResult` out; no database, no Plex.

- ``base``: the ratingKeys the app last wrote (in order), None when unknown;
- ``theirs``: the playlist as it is in Plex now (read once before the write);
- ``ours``: the new wanted list (matched suggestions in AI order).

Rules:

- **Removed in Plex** (in ``base``, not in ``theirs``) → stays removed: it joins
  ``removed`` and is never written again (until the user puts it back).
- **Added in Plex** (in ``theirs``, not in ``base``) → stays, at its position relative to
  its neighbours in Plex; it joins ``added`` and is never duplicated (the result holds
  each ratingKey once), also when the AI suggests it too.
- **Reordered in Plex** (the tracks both ``base`` and ``theirs`` hold are in another
  order in ``theirs``) → the user's order of the kept tracks wins; new tracks of
  ``ours`` go between their nearest kept neighbours in ``ours`` when those still stand
  in that order (before the following one when there is no preceding one), else at the
  end (neighbours swapped: ambiguous; or the track followed every kept one). Without a reorder in Plex, ``ours``
  gives the order and the user's additions are placed by their neighbours in Plex.
- Tracks the app wrote and the new list drops go, unless the user added them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class MergeResult:
    """What :func:`merge_keys` decided.

    ``keys``: the playlist to write, each ratingKey once; ``removed``/``added``: every
    ratingKey the user removed in / added to Plex so far (the known ones plus the new
    ones, additions no longer in Plex dropped); ``newly_removed``/``newly_added``: the
    ones first seen in this merge; ``reordered``: the user reordered in Plex (now or, by
    ``keep_order``, before), so their order was kept.
    """

    keys: list[int]
    removed: list[int] = field(default_factory=list)
    added: list[int] = field(default_factory=list)
    newly_removed: list[int] = field(default_factory=list)
    newly_added: list[int] = field(default_factory=list)
    reordered: bool = False

    @property
    def user_edits(self) -> bool:
        """True when the result keeps any edit made in Plex."""
        return bool(self.removed or self.added or self.reordered)


def _unique(keys: Iterable[int]) -> list[int]:
    seen: set[int] = set()
    out: list[int] = []
    for key in keys:
        key = int(key)
        if key not in seen:
            seen.add(key)
            out.append(key)
    return out


def _insert_by_neighbours(skeleton: list[int], source: Sequence[int], extras: set[int]) -> list[int]:
    """``skeleton`` with each key of ``extras`` inserted in ``source`` order: right after
    its nearest preceding ``source`` neighbour already placed when its nearest following
    one stands after that; right before the following one when there is no preceding
    one; otherwise (neighbours in the other order: ambiguous; or it followed everything
    placed, or nothing is placed) at the end."""
    result = list(skeleton)
    for i, key in enumerate(source):
        if key not in extras or key in result:
            continue
        placed = set(result)
        prev = next((k for k in reversed(source[:i]) if k in placed), None)
        nxt = next((k for k in source[i + 1 :] if k in placed and k not in extras), None)
        if prev is not None and nxt is not None and result.index(prev) < result.index(nxt):
            result.insert(result.index(prev) + 1, key)
        elif prev is None and nxt is not None:
            result.insert(result.index(nxt), key)
        else:
            result.append(key)
    return result


def merge_keys(
    base: Sequence[int] | None,
    theirs: Sequence[int],
    ours: Sequence[int],
    *,
    removed: Iterable[int] = (),
    added: Iterable[int] = (),
    keep_order: bool = False,
) -> MergeResult:
    """Merge ``theirs`` (Plex now) and ``ours`` (the new wanted list) against ``base``
    (the app's last write; None: unknown, then ``theirs`` counts as the base and no edit
    is detected). ``removed``/``added``: the user's edits recorded by earlier merges;
    ``keep_order``: the user reordered the playlist in Plex before (an earlier merge's
    ``reordered``), so Plex's order stays the order even without a new reorder.

    Returns a :class:`MergeResult`; never raises for any lists of ints (duplicates are
    dropped, first occurrence kept).
    """
    theirs = _unique(theirs)
    ours = _unique(ours)
    base = theirs if base is None else _unique(base)
    base_set, theirs_set = set(base), set(theirs)
    known_added = _unique(added)
    newly_removed = [k for k in base if k not in theirs_set and k not in set(known_added)]
    # A track the user put back in Plex themselves is no longer "removed by you".
    all_removed = [k for k in _unique([*removed, *newly_removed]) if k not in theirs_set]
    removed_set = set(all_removed)
    newly_added = [k for k in theirs if k not in base_set and k not in set(known_added)]
    # An addition the user removed again is simply gone (not "removed by you").
    all_added = [k for k in _unique([*known_added, *newly_added]) if k in theirs_set]
    added_set = set(all_added)
    ours_set = set(ours)

    common = [k for k in theirs if k in base_set]
    common_set = set(common)
    reordered = common != [k for k in base if k in common_set]

    if reordered or keep_order:
        # The user's order: what Plex holds that either side keeps, then the new tracks.
        skeleton = [k for k in theirs if k in added_set or (k in ours_set and k not in removed_set)]
        new = {k for k in ours if k not in theirs_set and k not in removed_set}
        keys = _insert_by_neighbours(skeleton, ours, new)
    else:
        skeleton = [k for k in ours if k not in removed_set]
        keys = _insert_by_neighbours(skeleton, theirs, added_set - set(skeleton))
    return MergeResult(
        keys=keys,
        removed=all_removed,
        added=all_added,
        newly_removed=newly_removed,
        newly_added=newly_added,
        reordered=reordered or keep_order,
    )


@dataclass(frozen=True)
class FieldMerge:
    """What :func:`merge_field` decided: ``write`` is the value to send to Plex (None:
    leave the field alone) and ``set_in_plex`` whether the user owns the field now."""

    write: str | None
    set_in_plex: bool


def merge_field(base: str | None, theirs: str | None, ours: str, *, set_in_plex: bool = False) -> FieldMerge:
    """A title or description: once the user changed it in Plex (``theirs`` differs from
    ``base``, what the app last wrote; None: unknown, no change detected) the user's value
    wins and the app stops writing the field. Otherwise ``ours`` is written when it
    differs from ``theirs``. Whitespace differences alone are no change."""
    if set_in_plex or (base is not None and theirs is not None and _plain(theirs) != _plain(base)):
        return FieldMerge(None, True)
    return FieldMerge(None if theirs == ours else ours, False)


def _plain(text: str) -> str:
    """``text`` with runs of whitespace as one space, trimmed: a server that tidies
    line breaks or trailing spaces has not "changed" the field."""
    return " ".join(text.split())
