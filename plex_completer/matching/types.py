"""The value types of the matching API: library entries, suggestions, overrides, decisions
and thresholds. All frozen dataclasses; no I/O."""

from __future__ import annotations

from dataclasses import dataclass

#: ``MatchDecision.kind`` values.
KINDS = ("exact", "fuzzy", "manual", "manual_absent", "manual_missing", "no_title", "no_artist")


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    """One library track as the matcher sees it.

    ``album_artist`` is Plex's ``grandparentTitle`` ("Various Artists" on compilations),
    ``track_artist`` its ``originalTitle`` (None when equal to the album artist),
    ``album`` its ``parentTitle``, ``year`` the album year, ``duration_ms`` milliseconds.
    """

    rating_key: int
    title: str
    album_artist: str
    track_artist: str | None
    album: str
    year: int | None
    track_number: int | None = None
    duration_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One track the AI suggested: artist and title, optionally album and year."""

    artist: str
    title: str
    album: str | None = None
    year: int | None = None


@dataclass(frozen=True, slots=True)
class Override:
    """A user's decision for one suggestion: ``kind="track"`` with the chosen ``rating_key``,
    or ``kind="absent"`` ("not in my library"). Raises ``ValueError`` for anything else."""

    kind: str
    rating_key: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("track", "absent"):
            raise ValueError(f"override kind must be 'track' or 'absent', not {self.kind!r}")
        if self.kind == "track" and self.rating_key is None:
            raise ValueError("a 'track' override needs a rating_key")


@dataclass(frozen=True, slots=True)
class MatchDecision:
    """The matcher's answer for one suggestion.

    ``rating_key``: the chosen library track, or None; ``score``: 0-100 (100 = exact or
    manual); ``reason``: written for a person (issue 14), parts joined by "; ": "Exact
    match", "Found under 'Springsteen, Bruce'", "Title spelt 'Allright' in your
    library", "Only a live version is in your library", "From a different album:
    Greatest Hits, 1995", "Not in your library: closest is 'X' by the same artist",
    "Not in your library: no track by this artist", "Chosen by you", "You marked it as
    not in your library"; ``kind``: one of :data:`KINDS`.
    """

    rating_key: int | None
    score: float
    reason: str
    kind: str

    @property
    def matched(self) -> bool:
        """True when a library track was chosen."""
        return self.rating_key is not None


@dataclass(frozen=True)
class MatchThresholds:
    """The matcher's thresholds (scores 0-100). Defaults come from the evaluation on the
    full test library (``bench/matching_eval.py``; figures in ``docs/matching.md``).

    * ``title_min``: least title similarity (100 x (1 - edit distance / longer length) on
      space-free keys; optimal string alignment, so a transposition is one edit);
    * ``one_edit_min_length``: a title key at least this long also matches at one edit
      (a one-letter typo in "Hallo" scores only 80);
    * ``artist_min``: least similarity of a mistyped artist name (when no artist key
      agrees exactly);
    * ``part_artist_score`` / ``featured_artist_score``: the artist score when the
      suggestion names one member of a credit ("Jay-Z & Beyoncé" vs "Jay-Z") or an artist
      featured on the library track;
    * ``guard_cap``: the most a subset title ("One" vs "One More Time") or a title with
      other numbers ("Part 1" vs "Part 2") can score: kept below ``title_min``;
    * ``other_version_penalty``: score taken off when only another version (live for a
      studio request, or the reverse) is in the library; ``accept_other_version`` says
      whether such a track is still chosen;
    * ``alias_artist_score``: the artist score of a track found under a known alias
      ("Puff Daddy" / "Diddy", or one the user taught by a manual match);
    * ``variant_artist_score`` / ``variant_title_min``: a track whose artist has the same
      words in another order or case ("Springsteen, Bruce", "Beatles, The") is accepted
      only with a title similarity of at least ``variant_title_min`` (issue 14, class 1);
    * ``surname_artist_score`` / ``surname_title_min``: a track whose artist's words are a
      subset or superset of the suggested ones ("Springsteen", "Bob Marley & The Wailers")
      needs the title exactly (96 = equal up to an optional subtitle or article);
    * ``missing_partner_cost`` / ``extra_credit_cost``: ranking cost (title/artist points)
      of a track missing a partner the suggestion names ("Willie Nelson & Julio
      Iglesias") and of a track crediting someone the suggestion does not (a later
      "(feat. Y)" re-recording); a version costs 2 per rank (best-of copy 6, live 20),
      so either credit difference outweighs a best-of copy (issue 14, class 4).
    """

    title_min: float = 82.0
    one_edit_min_length: int = 5
    artist_min: float = 85.0
    part_artist_score: float = 92.0
    featured_artist_score: float = 90.0
    guard_cap: float = 60.0
    other_version_penalty: float = 15.0
    accept_other_version: bool = True
    alias_artist_score: float = 95.0
    variant_artist_score: float = 96.0
    surname_artist_score: float = 90.0
    variant_title_min: float = 90.0
    surname_title_min: float = 96.0
    missing_partner_cost: float = 8.0
    extra_credit_cost: float = 7.0
