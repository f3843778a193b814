"""What the playlist pages show, read from the database: the track rows of a playlist's
current AI track list with their match state, and the playlist detail as one object."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from ..models import Generation, Job, LibraryTrack, MatchOverride, Playlist, PlaylistRefresh, RescanRecord, SuggestedTrack
from . import plex_users
from .job_views import active_jobs
from .match_and_write import Counts, playlist_counts

log = logging.getLogger(__name__)

SHOW_FILTERS = ("all", "matched", "missing")
HISTORY_ROWS = 20  # history entries listed on the page, newest first
CHART_POINTS = 30  # history entries drawn in the match-count sparkline


@dataclass
class TrackRow:
    """One row of the detail page: the AI's track, what it resolves to, and its state.

    ``state`` is ``"matched"`` (in the Plex playlist), ``"missing"``, ``"absent"`` (the
    user said it is not in the library) or ``"removed"`` (the user removed it in Plex; it
    stays out until put back); ``manual`` is True when the user chose.
    """

    track: SuggestedTrack
    library: LibraryTrack | None
    state: str
    manual: bool


def track_rows(playlist: Playlist) -> list[TrackRow]:
    """The current AI track list of ``playlist`` in AI order, each with the library track
    it resolves to (:attr:`SuggestedTrack.resolved_rating_key`), loaded in one query."""
    generation = playlist.current_generation
    if generation is None:
        return []
    keys = {key for t in generation.tracks if (key := t.resolved_rating_key)}
    library: dict[int, LibraryTrack] = {}
    if keys:
        library = {
            lt.rating_key: lt
            for lt in db.session.scalars(db.select(LibraryTrack).where(LibraryTrack.rating_key.in_(keys)))
        }
    rows = []
    for t in generation.tracks:
        if t.override == MatchOverride.ABSENT:
            rows.append(TrackRow(t, None, "absent", True))
            continue
        if t.override == MatchOverride.REMOVED:
            rows.append(TrackRow(t, library.get(t.override_rating_key or 0), "removed", False))
            continue
        key = t.resolved_rating_key
        rows.append(TrackRow(t, library.get(key) if key else None, "matched" if key else "missing",
                             t.override == MatchOverride.TRACK))
    return rows


@dataclass
class PlaylistDetail:
    """Everything the playlist page shows: ``rows`` filtered by ``show`` (one of
    :data:`SHOW_FILTERS`), ``counts`` of all rows by filter, the playlist's active jobs,
    the newest :data:`HISTORY_ROWS` history entries (newest first), the match counts
    ``(matched, total)`` of the last :data:`CHART_POINTS` entries (oldest first) and the
    ``header`` numbers (:func:`.match_and_write.playlist_counts`, as the history rows'),
    and ``filled``: the fillers in the Plex playlist (issue 18; not part of ``header``)."""

    playlist: Playlist
    generation: Generation | None
    rows: list[TrackRow]
    show: str
    counts: dict[str, int]
    active_jobs: list[Job] = field(default_factory=list)
    history: list[RescanRecord] = field(default_factory=list)
    chart_points: list[tuple[int, int]] = field(default_factory=list)
    header: Counts = field(default_factory=Counts)
    filled: int = 0


def playlist_detail(playlist: Playlist, show: str = "all") -> PlaylistDetail:
    """The detail of ``playlist`` with its rows filtered by ``show`` (unknown → "all")."""
    rows = track_rows(playlist)
    matched = [r for r in rows if r.state == "matched"]
    not_matched = [r for r in rows if r.state in ("missing", "absent")]
    show = show if show in SHOW_FILTERS else "all"
    visible = {"all": rows, "matched": matched, "missing": not_matched}[show]
    history = list(playlist.rescans)
    return PlaylistDetail(
        playlist=playlist,
        generation=playlist.current_generation,
        rows=visible,
        show=show,
        counts={"all": len(rows), "matched": len(matched), "missing": len(not_matched)},
        active_jobs=active_jobs(playlist.id),
        history=history[-HISTORY_ROWS:][::-1],
        chart_points=[(r.matched, r.total) for r in history[-CHART_POINTS:]],
        header=playlist_counts(playlist),
        filled=sum(1 for r in matched if r.track.filler),
    )


@dataclass
class PlaylistCard:
    """A playlist on the dashboard, with its refresh schedule (None when it does not recur)
    and ``filled``: the fillers of its current track list that are in the library (issue 18)."""

    playlist: Playlist
    refresh: PlaylistRefresh | None
    filled: int = 0


def playlist_cards(owner_id: int | None = None, *, only_owner: bool = False) -> list[PlaylistCard]:
    """Every playlist, most recently changed first, with its refresh schedule (two queries);
    with ``only_owner`` only those of ``owner_id`` (issue 16: a Plex user's own, or the
    admin's owner filter; None then means the server owner)."""
    query = db.select(Playlist).order_by(Playlist.updated_at.desc())
    if only_owner:
        query = query.where(plex_users.owner_clause(owner_id))
    playlists = list(db.session.scalars(query))
    if not playlists:
        return []
    refreshes = {r.playlist_id: r for r in db.session.scalars(db.select(PlaylistRefresh))}
    filled = _fillers_in_library()
    return [PlaylistCard(p, refreshes.get(p.id), filled.get(p.id, 0)) for p in playlists]


def _fillers_in_library() -> dict[int, int]:
    """``{playlist id: fillers of the current (newest) generation in the Plex playlist}``: a
    library track of their own (the matcher's or the user's pick), not removed in Plex nor
    marked absent (as the page's "In Plex" rows)."""
    return {pid: int(n) for pid, n in db.session.execute(_fillers_statement())}


@functools.cache
def _fillers_statement() -> sa.Select:
    # Built once: it has no parameters, and building it costs more than running it.
    current = (db.select(Generation.playlist_id, sa.func.max(Generation.id).label("gid"))
               .group_by(Generation.playlist_id).subquery())
    return (
        db.select(current.c.playlist_id, sa.func.count())
        .select_from(SuggestedTrack)
        .join(current, current.c.gid == SuggestedTrack.generation_id)
        .where(SuggestedTrack.filler.is_(True),
               sa.or_(sa.and_(SuggestedTrack.override.is_(None), SuggestedTrack.matched_rating_key.is_not(None)),
                      sa.and_(SuggestedTrack.override == MatchOverride.TRACK,
                              SuggestedTrack.override_rating_key.is_not(None))))
        .group_by(current.c.playlist_id)
    )


