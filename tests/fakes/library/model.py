"""The shape of a test music library, shared by the library builder and the Plex emulator.

A :class:`FakeTrack` holds what a Plex ``<Track>`` element carries for one track of a
music library section. Albums and artists are implied by ``album_rating_key`` and
``artist_rating_key`` (tracks of one album share both).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeTrack:
    """One track of an emulated Plex music section.

    ``album_artist`` is Plex's ``grandparentTitle``; ``track_artist`` its ``originalTitle``
    (None when the same as the album artist, as Plex omits it then); ``album`` is
    ``parentTitle``; ``year`` is ``parentYear``; ``track_number`` is ``index``;
    ``disc_number`` is ``parentIndex``; ``duration_ms`` milliseconds; ``added_at`` and
    ``updated_at`` epoch seconds; ``album_tags``/``artist_tags`` the album's and the album
    artist's genres, styles and moods.
    """

    rating_key: int
    title: str
    album_artist: str
    album: str
    album_rating_key: int
    artist_rating_key: int
    track_artist: str | None = None
    year: int | None = None
    track_number: int | None = None
    disc_number: int = 1
    duration_ms: int = 200_000
    added_at: int = 1_600_000_000
    updated_at: int = 1_600_000_000
    guid: str = ""
    file_path: str = ""
    tags: dict = field(default_factory=dict)  # builder notes: source, perturbations applied
    # Genres, styles and moods of the track's album and of its album artist, as
    # ``(element, tag)`` pairs such as ``("Genre", "Rock")`` (element names as PMS writes
    # them: Genre, Style, Mood); every track of an album carries the same values.
    album_tags: tuple = ()
    artist_tags: tuple = ()

    def __post_init__(self) -> None:
        if not self.guid:
            self.guid = f"plex://track/{self.rating_key:024x}"
        if not self.file_path:
            safe = lambda s: "".join(c if c.isalnum() or c in " -_." else "_" for c in s)[:80]  # noqa: E731
            self.file_path = (
                f"/music/{safe(self.album_artist)}/{safe(self.album)}/"
                f"{self.track_number or 0:02d} - {safe(self.title)}.flac"
            )
