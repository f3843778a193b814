"""The playlist draft an AI provider must return, and the request the cascade sends.

One pydantic schema serves both providers: Gemini gets :class:`PlaylistDraft` as its
``response_schema`` (structured output, https://ai.google.dev/gemini-api/docs/structured-output)
and Ollama gets :func:`draft_json_schema` as ``format``
(https://github.com/ollama/ollama/blob/main/docs/api.md#request-structured-outputs).
The schema is deliberately lenient (only ``artist`` and ``title`` are required):
cleaning and limits are applied afterwards by :mod:`plex_completer.ai.parsing`, item by
item, so one bad track does not reject a whole answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field

# The most tracks a request may ask for is the user-facing limit (plex_completer.limits);
# the cascade itself accepts any positive count (the diagnostics test asks for 3).
from ..limits import MAX_TRACKS

MIN_TRACKS = 1

# Character caps applied when cleaning AI output (Plex titles rarely exceed 200 chars).
MAX_ARTIST_CHARS = 200
MAX_TRACK_TITLE_CHARS = 200
MAX_ALBUM_CHARS = 200
MAX_PLAYLIST_TITLE_CHARS = 120
MAX_DESCRIPTION_CHARS = 1000
# Prompt-side caps: each taste-seed/previous-track line.
MAX_SEED_LINES = 60
MAX_PREVIOUS_LINES = 100
MAX_LINE_CHARS = 160


class DraftTrack(BaseModel):
    """One suggested track: ``artist`` and ``title`` always set, ``album``/``year`` optional."""

    artist: str = Field(description="The performing artist of the track.")
    title: str = Field(description="The track title, without numbering or quotes.")
    album: str | None = Field(default=None, description="An album that contains the track, if known.")
    year: int | None = Field(default=None, description="Release year (four digits), if known.")


class PlaylistDraft(BaseModel):
    """A playlist as the AI proposes it: a title, a description and tracks in AI order."""

    title: str = Field(description="A short playlist title.")
    description: str = Field(default="", description="One or two sentences describing the playlist.")
    tracks: list[DraftTrack] = Field(description="The tracks, in playing order.")


def draft_json_schema() -> dict[str, Any]:
    """The JSON schema of :class:`PlaylistDraft` (a plain dict, for Ollama's ``format``)."""
    return PlaylistDraft.model_json_schema()


def clamp_count(count: int) -> int:
    """Clamp a requested track count into ``MIN_TRACKS..MAX_TRACKS`` (non-numbers give 30)."""
    try:
        value = int(count)
    except (TypeError, ValueError):
        value = 30
    return max(MIN_TRACKS, min(MAX_TRACKS, value))


@dataclass
class GenerationRequest:
    """What the caller wants generated.

    ``prompt`` is the user's request (untrusted text), ``count`` the wanted number of
    tracks (clamped to 1-100), ``taste_seed`` a sample of "Artist – Title" lines from the library, ``previous_tracks`` the tracks of
    the last generation (recurring refreshes) and ``keep_share`` (0.0-1.0) the share of
    them to keep for continuity; ``listening`` lines of what the listener played most lately
    ("Artist – Title (4 plays)", "Artist (12 plays)"; issue 16).
    """

    prompt: str
    count: int = 30
    taste_seed: list[str] = field(default_factory=list)
    previous_tracks: list[str] = field(default_factory=list)
    keep_share: float = 0.0
    listening: list[str] = field(default_factory=list)

    @property
    def track_count(self) -> int:
        """``count`` clamped to ``MIN_TRACKS..MAX_TRACKS``."""
        return clamp_count(self.count)


# -- filling from the library (issue 18) -------------------------------------------------

#: Candidate lines a local model is shown (Ollama's default context is 4k tokens below
#: 24 GiB of VRAM; 100 lines of about 20 tokens leave room for the rest of the prompt).
COMPACT_CANDIDATE_LINES = 100
#: Most candidate lines any provider is shown.
MAX_CANDIDATE_LINES = 400


class FillPicks(BaseModel):
    """The answer to a fill request: line numbers of the candidate list, in playing order.

    The same schema serves Gemini (``response_json_schema``) and Ollama (``format``), as
    for :class:`PlaylistDraft`; every number is validated afterwards
    (:func:`plex_completer.ai.parsing.parse_picks`).
    """

    picks: list[int] = Field(description="Line numbers from the numbered list, in playing order.")


def fill_json_schema() -> dict[str, Any]:
    """The JSON schema of :class:`FillPicks` (a plain dict, for Ollama's ``format``)."""
    return FillPicks.model_json_schema()


@dataclass
class FillRequest:
    """A grounded request: pick fillers for a playlist from a numbered list of library tracks.

    ``prompt`` is the user's request (untrusted text); ``count`` the number of fillers
    wanted (clamped to 1-100); ``matched`` the "Artist – Title" lines already in the
    playlist; ``candidates`` the candidate lines ("Artist – Title (Album, Year)",
    untrusted library text), numbered from 1 in this order. Gemini sees every line (at
    most :data:`MAX_CANDIDATE_LINES`), a local model the first ``compact_lines``.
    """

    prompt: str
    count: int
    matched: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)
    compact_lines: int = COMPACT_CANDIDATE_LINES

    @property
    def pick_count(self) -> int:
        """``count`` clamped to ``MIN_TRACKS..MAX_TRACKS``."""
        return clamp_count(self.count)

    def shown(self, compact: bool) -> int:
        """How many candidate lines the prompt shows (``compact``: a local model)."""
        return min(len(self.candidates), self.compact_lines if compact else MAX_CANDIDATE_LINES)
