"""Playlist writes on a real server (issue "Plex: safe on a real server"): identity
before any edit or delete, a changed server stops writes, no orphans, no 414, writes
read back and repaired."""

from __future__ import annotations

import pytest

from plex_completer.extensions import db
from plex_completer.models import Generation, Playlist, PlaylistStatus, SuggestedTrack
from plex_completer.plex import playlist_writes as playlists
from plex_completer.plex.errors import PlexServerChanged
from plex_completer.plex.library_sync import sync_library
from plex_completer.services.match_and_write import write_to_plex
from tests.fakes.plex.server import PlexEmulator
from tests.plex.conftest import START_EPOCH, make_tracks, with_settings

OTHER_SERVER = "b" * 40


@pytest.fixture
def other(tracks):
    """A second server (another machineIdentifier) with the same library: its first
    playlist gets the same ratingKey as the first playlist on ``emu``."""
    emulator = PlexEmulator([t.__class__(**vars(t)) for t in tracks], now=START_EPOCH,
                            machine_identifier=OTHER_SERVER).start()
    yield emulator
    emulator.stop()


def _app_playlist(chosen, title: str = "Night Drive") -> Playlist:
    """An app playlist whose AI track list is ``chosen`` (FakeTracks), already matched."""
    playlist = Playlist(title=title, prompt="night drive", status=PlaylistStatus.PENDING_PLEX)
    generation = Generation(prompt="night drive", provider="test", model="test-model")
    generation.tracks = [
        SuggestedTrack(position=i, artist=t.track_artist or t.album_artist, title=t.title, album=t.album,
                       matched_rating_key=t.rating_key)
        for i, t in enumerate(chosen)
    ]
    playlist.generations.append(generation)
    db.session.add(playlist)
    db.session.commit()
    return playlist


def test_identity_is_recorded_and_a_foreign_playlist_with_our_ratingkey_is_never_touched(settings, emu, other, tracks):
    keys = [t.rating_key for t in tracks[:5]]
    ref = playlists.create_playlist(settings, "Ours", keys, "")
    assert ref.identity.machine_identifier == emu.machine_identifier
    assert ref.identity.guid and ref.identity.added_at == START_EPOCH
    wedding = other.create_user_playlist("Wedding songs", [t.rating_key for t in tracks[50:60]])
    assert wedding == ref.rating_key  # the premise: the same ratingKey on the other server
    before = list(other.playlists[wedding].items)
    moved = with_settings(settings, PLEX_URL=other.url, PLEX_TOKEN=other.token)

    # The index still belongs to the first server: every write stops.
    with pytest.raises(PlexServerChanged):
        playlists.replace_playlist_items(moved, ref.rating_key, keys, title="Ours", recreate=True,
                                         identity=ref.identity, known_server=emu.machine_identifier)
    assert playlists.delete_playlist(moved, ref.rating_key, identity=ref.identity) is False
    # After the user confirmed the new server: the ratingKey names someone else's
    # playlist there, so ours is recreated and theirs is left as it was.
    result = playlists.replace_playlist_items(moved, ref.rating_key, keys, title="Ours", recreate=True,
                                              identity=ref.identity, known_server=OTHER_SERVER)
    assert result.recreated and result.rating_key != wedding
    assert other.playlists[wedding].title == "Wedding songs" and other.playlists[wedding].items == before
    assert [k for _, k in other.playlists[result.rating_key].items] == keys
    assert result.identity.machine_identifier == OTHER_SERVER
    assert not [r for r in other.requests if r.method != "GET" and r.path.startswith(f"/playlists/{wedding}")]


def test_same_server_other_guid_counts_as_gone(settings, emu, tracks):
    keys = [t.rating_key for t in tracks[:3]]
    ref = playlists.create_playlist(settings, "Mine", keys, "")
    emu.playlists[ref.rating_key].guid = "com.plexapp.agents.none://restored-elsewhere"
    with pytest.raises(playlists.PlaylistGone):
        playlists.replace_playlist_items(settings, ref.rating_key, keys[:1], identity=ref.identity)
    assert playlists.delete_playlist(settings, ref.rating_key, identity=ref.identity) is False
    assert [k for _, k in emu.playlists[ref.rating_key].items] == keys  # untouched


def test_server_switch_end_to_end_leaves_the_users_playlist_and_recreates_ours(plex_app, settings, emu, other, tracks):
    """The issue's scenario: PLEX_URL moves to another server where the user's "Wedding
    songs" has our stored ratingKey. A rescan writes nothing; after the confirmation on
    Settings our playlist is recreated there and theirs is untouched."""
    sync_library(settings, full=True)
    playlist = _app_playlist(tracks[:6])
    assert write_to_plex(playlist).wrote
    db.session.commit()
    assert playlist.plex_machine_identifier == emu.machine_identifier and playlist.plex_guid
    wedding = other.create_user_playlist("Wedding songs", [t.rating_key for t in tracks[100:110]])
    assert str(wedding) == playlist.plex_rating_key
    before = list(other.playlists[wedding].items)

    plex_app.config["SETTINGS"] = with_settings(settings, PLEX_URL=other.url, PLEX_TOKEN=other.token)
    playlist.generations[-1].tracks[0].matched_rating_key = tracks[7].rating_key  # a rescan found a change
    outcome = write_to_plex(playlist)
    assert not outcome.wrote and "different Plex server" in playlist.status_message
    assert other.playlists[wedding].items == before and other.playlists[wedding].title == "Wedding songs"

    # Settings → "Use the new Plex server"
    from plex_completer.services import library_jobs

    class Ctx:
        def progress(self, *args, **kwargs):
            pass

    out = library_jobs.plex_server_switch_job(Ctx())
    assert out["recreated"] == 1
    db.session.expire_all()
    playlist = db.session.get(Playlist, playlist.id)
    assert playlist.plex_machine_identifier == OTHER_SERVER and playlist.status == PlaylistStatus.SYNCED, (playlist.status, playlist.status_message, out)
    assert int(playlist.plex_rating_key) != wedding
    assert other.playlists[wedding].items == before and other.playlists[wedding].title == "Wedding songs"
    assert len(emu.playlists) == 1  # the old server's playlist is not deleted either


def test_414_on_the_summary_edit_leaves_exactly_one_recorded_playlist(settings, emu, tracks):
    """A 1,000-character non-ASCII description: bounded by its encoded length it fits;
    behind a proxy with a shorter line limit the edit gets 414 and is retried once with a
    shorter summary. One playlist, recorded as soon as it existed."""
    keys = [t.rating_key for t in tracks[:4]]
    summary = "夜晚的城市灯光" * 150
    recorded = []
    ref = playlists.create_playlist(settings, "夜晚", keys, summary, on_created=recorded.append)
    assert len(emu.playlists) == 1 and recorded[0].rating_key == ref.rating_key
    assert emu.playlists[ref.rating_key].summary.endswith("…")
    assert all(r.status != 414 for r in emu.requests)

    emu.max_request_line = 2500
    ref2 = playlists.create_playlist(settings, "夜晚", keys, summary, on_created=recorded.append)
    assert [r.status for r in emu.requests if r.method == "PUT"].count(414) == 1
    assert len(emu.playlists) == 2 and recorded[1].rating_key == ref2.rating_key
    assert 0 < len(emu.playlists[ref2.rating_key].summary) < len(emu.playlists[ref.rating_key].summary)


def test_failing_follow_up_never_leaves_an_orphan(plex_app, settings, emu, tracks):
    """The edit after the create keeps failing (a proxy limit below any summary): the
    playlist is recorded anyway, and the retry updates it in place instead of creating
    "夜晚 (2)"."""
    sync_library(settings, full=True)
    playlist = _app_playlist(tracks[:4], title="夜晚")
    playlist.prompt = "夜晚的城市灯光" * 150
    emu.max_request_line = 400
    outcome = write_to_plex(playlist)
    assert not outcome.wrote and playlist.status == PlaylistStatus.PENDING_PLEX
    assert len(emu.playlists) == 1 and playlist.plex_rating_key == str(next(iter(emu.playlists)))
    emu.max_request_line = 8192
    assert write_to_plex(playlist).wrote
    assert len(emu.playlists) == 1 and [p.title for p in emu.playlists.values()] == ["夜晚"]


def test_partly_applied_add_batch_is_detected_and_repaired(make_app):

    many = make_tracks(450, first_key=100_000)
    keys = [t.rating_key for t in many]
    with PlexEmulator(many) as emu:
        app = make_app(PLEX_URL=emu.url, PLEX_TOKEN=emu.token)
        with app.app_context():
            emu.faults.partial_adds = 1  # the first add batch silently drops a key (200)
            ref = playlists.create_playlist(app.config["SETTINGS"], "Everything", keys, "")
        assert [k for _, k in emu.playlists[ref.rating_key].items] == keys
        assert ref.problem == ""


def test_a_404_on_one_item_is_not_a_gone_playlist(settings, emu, tracks, monkeypatch):
    """Another client removes an item between our read and our delete: PMS answers 404
    to the item, the playlist is still there, and the write finishes in place."""
    from tests.fakes.plex import handler

    a, b, c, d = (t.rating_key for t in tracks[:4])
    ref = playlists.create_playlist(settings, "Items", [a, b, c, d], "")
    pl = emu.playlists[ref.rating_key]

    def racing_remove(emu_, req, key, item_id):
        pl.items[:] = [row for row in pl.items if row[0] != item_id]  # the other client was first
        return routes.remove_item(emu_, req, key, item_id)

    from tests.fakes.plex import routes_playlists as routes

    table = [(m, rx, racing_remove if h is routes.remove_item else h) for m, rx, h in handler._COMPILED]
    monkeypatch.setattr(handler, "_COMPILED", table)
    result = playlists.replace_playlist_items(settings, ref.rating_key, [a, c, d], identity=ref.identity)
    assert any(r.status == 404 for r in emu.requests if r.method == "DELETE")
    assert [k for _, k in pl.items] == [a, c, d] and not result.recreated and result.problem == ""
    assert emu.playlists[ref.rating_key] is pl


def test_long_playlist_on_a_hostile_server_reads_back_whole(make_app):
    """Playlist item pages cut to 70: the read-back pages by items received, so a
    450-track playlist verifies without a spurious re-plan, and a rewrite stays in place."""

    many = make_tracks(450, first_key=100_000)
    keys = [t.rating_key for t in many]
    with PlexEmulator(many) as emu:
        emu.set_strictness(hostile=True, hostile_page=70)
        app = make_app(PLEX_URL=emu.url, PLEX_TOKEN=emu.token)
        with app.app_context():
            settings = app.config["SETTINGS"]
            ref = playlists.create_playlist(settings, "Everything", keys, "")
            assert ref.problem == ""
            result = playlists.replace_playlist_items(settings, ref.rating_key, keys[::-1][:400],
                                                      identity=ref.identity)
        assert result.problem == "" and result.rating_key == ref.rating_key
        assert [k for _, k in emu.playlists[ref.rating_key].items] == keys[::-1][:400]
        assert all(int(r.headers.get("X-Plex-Container-Size", "0")) <= 1000
                   for r in emu.requests if r.path.endswith("/items") and r.method == "GET")
