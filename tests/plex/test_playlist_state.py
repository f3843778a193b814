"""The Plex side of the merge (issue 15): the playlist read once before the write and
handed to the caller's plan; reads of a playlist's state and of every playlist's updatedAt."""

from __future__ import annotations

from plex_completer.plex import playlist_writes as playlists
from plex_completer.plex.playlist_writes import PlaylistIdentity, WritePlan


def _order(emu, rating_key: int) -> list[int]:
    return [key for _, key in emu.playlists[rating_key].items]


def test_the_plan_sees_the_playlist_as_read_before_the_write_and_decides_what_is_written(settings, emu, tracks):
    a, b, c, d = (t.rating_key for t in tracks[:4])
    ref = playlists.create_playlist(settings, "Mix", [a, b, c], "app summary")
    pl = emu.playlists[ref.rating_key]
    emu.append_items(pl, [d])  # the user adds D in Plex
    pl.title = "User's mix"
    updated_before = pl.updated_at
    emu.advance(30)
    seen = []

    def plan(state):
        seen.append(state)
        return WritePlan([d, a, b], title=None, summary=None)

    emu.clear_requests()
    result = playlists.replace_playlist_items(settings, ref.rating_key, [a, b, c], title="Mix", summary="new",
                                              identity=ref.identity, plan=plan)

    assert len(seen) == 1
    state = seen[0]
    assert (state.keys, state.title, state.summary) == ([a, b, c, d], "User's mix", "app summary")
    assert state.updated_at == updated_before
    assert result.state == state and result.keys == [d, a, b]
    assert _order(emu, ref.rating_key) == [d, a, b]
    # title and summary left alone (the plan said None): no edit request
    assert (pl.title, pl.summary) == ("User's mix", "app summary")
    assert not [r for r in emu.requests if r.method == "PUT" and "title.value" in r.query]
    # one read of the playlist before the write (identity + items), as without a plan
    reads = [r.path for r in emu.requests if r.method == "GET"]
    assert reads[:3] == ["/", f"/playlists/{ref.rating_key}", f"/playlists/{ref.rating_key}/items"]


def test_a_gone_playlist_is_recreated_from_the_plan_without_a_state(settings, emu, tracks):
    a, b = (t.rating_key for t in tracks[:2])
    ref = playlists.create_playlist(settings, "Mix", [a], "")
    emu.delete_playlist(ref.rating_key)
    seen = []

    def plan(state):
        seen.append(state)
        return WritePlan([b, a], title="Mix", summary="s")

    result = playlists.replace_playlist_items(settings, ref.rating_key, [a], title="Mix", recreate=True,
                                              identity=ref.identity, plan=plan)
    assert seen == [None] and result.recreated
    assert _order(emu, result.rating_key) == [b, a]


def test_read_playlist_state_and_updates_never_touch_and_never_read_a_playlist_that_is_not_the_apps(
    settings, emu, tracks
):
    a, b = (t.rating_key for t in tracks[:2])
    ref = playlists.create_playlist(settings, "Mix", [a, b], "about")
    users = emu.create_user_playlist("Mine", [b])
    state = playlists.read_playlist_state(settings, ref.rating_key, identity=ref.identity)
    assert (state.keys, state.title, state.summary) == ([a, b], "Mix", "about")

    updates = playlists.playlist_updates(settings)
    assert set(updates) == {ref.rating_key, users}
    assert updates[ref.rating_key] == emu.playlists[ref.rating_key].updated_at

    # The user's playlist under the app's recorded identity: not the app's, so None.
    other = PlaylistIdentity(ref.identity.machine_identifier, "com.plexapp.agents.none://someone-else", 1)
    emu.clear_requests()
    assert playlists.read_playlist_state(settings, users, identity=other) is None
    assert not [r for r in emu.requests if r.path == f"/playlists/{users}/items"]
    assert {r.method for r in emu.requests} == {"GET"}
    assert playlists.read_playlist_state(settings, 999_999, identity=ref.identity) is None
