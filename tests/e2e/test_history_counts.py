"""One function gives every number (issue 15, "the playlist's own story, corrected"):
the header, the track filters and each history row of generate, rescan, manual match,
regenerate and scheduled refresh agree with what the playlist went through."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from plex_completer.extensions import db
from plex_completer.models import JobStatus, PlaylistRefresh, RescanRecord, utcnow
from plex_completer.scheduler.refreshes import run_due_refreshes, set_refresh
from plex_completer.services import playlist_actions as svc
from tests.e2e.test_plex_edits import NOT_IN_LIBRARY, _answer, _fresh, _generate, _pick

pytestmark = pytest.mark.timeout(120)

OTHER_MISSING = {"artist": "Nobody Either", "title": "Another Song Nobody Has", "album": None, "year": None}


def _rows(playlist) -> list[tuple[str, int, int, int, int, str]]:
    records = db.session.scalars(
        sa.select(RescanRecord).where(RescanRecord.playlist_id == playlist.id).order_by(RescanRecord.id)
    )
    return [(r.kind, r.matched, r.total, r.added, r.removed, r.message) for r in records]


def _header_and_filters(client, playlist) -> tuple[str, str, str]:
    page = client.get(f"/playlists/{playlist.id}").get_data(as_text=True)
    header = re.search(r'<span class="match-count">(\d+/\d+)</span>', page).group(1)
    missing = re.search(r'id="filter-missing">Missing <span class="count">(\d+)</span>', page).group(1)
    in_plex = re.search(r'>In Plex <span class="count">(\d+)</span>', page).group(1)
    return header, missing, in_plex


def test_every_history_row_and_the_header_count_what_happened(make_synced_app, stack):
    app = make_synced_app()
    with app.app_context():
        settings = app.config["SETTINGS"]
        client = app.test_client()
        a, b, c, d, y, z = _pick(stack, 6)

        # generate: 4 of 5 in the library
        playlist = _generate(stack, [a, b, c, d], extra=[NOT_IN_LIBRARY])
        assert _rows(playlist)[-1][:5] == ("generate", 4, 5, 4, 0)
        assert _rows(playlist)[-1][5].startswith("4 of 5 tracks in your library; 1 missing.")
        assert _header_and_filters(client, playlist) == ("4/5", "1", "4")

        # rescan with nothing new: no row
        assert svc.start_rescan(playlist.id).status == JobStatus.DONE
        assert len(_rows(_fresh(playlist.id))) == 1

        # manual match: 4 → 5 (it was logged "No change: 5 of 5" before)
        missing = next(t for t in playlist.current_generation.tracks if t.artist == NOT_IN_LIBRARY["artist"])
        assert svc.set_override(missing.id, "track", y.rating_key).status == JobStatus.DONE
        playlist = _fresh(playlist.id)
        kind, matched, total, added, removed, message = _rows(playlist)[-1]
        assert (kind, matched, total, added, removed) == ("rescan", 5, 5, 1, 0)
        assert "4 → 5 of 5 tracks in your library" in message and "No change" not in message
        assert _header_and_filters(client, playlist) == ("5/5", "0", "5")

        # regenerate: 5/5 → 4/5 (it was logged "4 of 0 missing tracks are now in your library … +4")
        _answer(stack, [a, b, c, z], extra=[OTHER_MISSING])
        assert svc.start_regenerate(playlist.id).status == JobStatus.DONE
        playlist = _fresh(playlist.id)
        kind, matched, total, added, removed, message = _rows(playlist)[-1]
        assert (kind, matched, total, added, removed) == ("regenerate", 4, 5, 0, 1)
        assert message.startswith("New track list: 4 of 5 tracks in your library (before: 5 of 5).")
        assert _header_and_filters(client, playlist) == ("4/5", "1", "4")

        # scheduled refresh: 4/5 → 5/5
        _answer(stack, [a, b, c, d, z])
        set_refresh(settings, playlist.id, "daily", hour=6)
        row = db.session.get(PlaylistRefresh, playlist.id)
        row.next_refresh_at = utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
        assert run_due_refreshes(settings) == {playlist.id: JobStatus.DONE}
        playlist = _fresh(playlist.id)
        kind, matched, total, added, removed, message = _rows(playlist)[-1]
        assert (kind, matched, total, added, removed) == ("refresh", 5, 5, 1, 0)
        assert message.startswith("New track list: 5 of 5 tracks in your library (before: 4 of 5).")
        assert _header_and_filters(client, playlist) == ("5/5", "0", "5")
        assert (playlist.matched_count, playlist.suggested_count) == (5, 5)
