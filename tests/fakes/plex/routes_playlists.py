"""Playlist endpoints as plexapi 4.18.3's ``Playlist`` uses them (``playlist.py`` and the
edit/poster mixins):

- ``GET /playlists[?playlistType=audio&title=…]``, ``POST /playlists?type=audio&title=…&smart=0&uri=…``
- ``GET|PUT|DELETE /playlists/{k}`` (PUT takes ``title.value``/``summary.value`` as
  ``editTitle``/``editSummary`` send them, and plain ``title``/``summary``)
- ``GET /playlists/{k}/items``, ``PUT /playlists/{k}/items?uri=…`` (add),
  ``DELETE /playlists/{k}/items`` (clear), ``DELETE /playlists/{k}/items/{playlistItemID}``,
  ``PUT /playlists/{k}/items/{playlistItemID}/move[?after={playlistItemID}]``
- ``POST /library/metadata/{k}/posters`` (raw image bytes as the body, or ``?url=``)

Playlists are per user (plexinc/plex-media-player issue #84: "Playlists are per user";
Maintainerr issue #1058: "playlists are tied to a user account"; home-assistant.io issue
#14070: a managed user's playlists are not reachable with the admin's token): another
account's playlist is invisible (listing) and answers 404 (reading or changing it). The
account is the token's (``emu.account_of``: several tokens of one account share playlists);
the sources do not say which status PMS sends, so the emulator hides the playlist as if it
did not exist, the stricter answer. Add answers carry ``leafCountAdded``/``leafCountRequested`` as
documented on plexopedia.com ("Add an Item to a Playlist"). Only regular (``smart=0``)
audio playlists are supported; anything else answers 400.
"""

from __future__ import annotations

from tests.fakes.plex.routes_library import Request, Response, bad_request, not_found, paged
from tests.fakes.plex.xmlrender import document, playlist_stats, playlist_xml, track_xml


def _owned(emu, req: Request, key: int):
    pl = emu.playlists.get(key)
    return pl if pl is not None and emu.owns(pl, req.token) else None


def _one(emu, pl, **extra) -> Response:
    pairs = [("size", 1), *list(extra.items())]
    return Response(200, document(pairs, playlist_xml(pl, emu.lib)))


def list_playlists(emu, req: Request) -> Response:
    ptype = req.arg("playlistType")
    title = (req.arg("title") or "").casefold()
    smart = req.arg("smart")
    found = []
    if ptype in (None, "", "audio") and smart in (None, "", "0"):
        found = [pl for pl in emu.playlists.values()
                 if emu.owns(pl, req.token) and title in pl.title.casefold()]
    page, extra = paged(req, found, emu)
    return Response(200, document([("size", len(page)), *extra],
                                  [playlist_xml(pl, emu.lib) for pl in page]))


def create(emu, req: Request) -> Response:
    if req.arg("type") != "audio" or req.arg("smart", "0") != "0":
        return bad_request()
    keys = emu.parse_item_uri(req.arg("uri") or "")
    if not keys:
        return bad_request()
    rk = emu.new_playlist(req.arg("title") or "", keys, req.token)
    pl = emu.playlists[rk]
    return Response(200, document([("size", 1)], playlist_xml(pl, emu.lib, created=True)))


def get_one(emu, req: Request, key: int) -> Response:
    pl = _owned(emu, req, key)
    return _one(emu, pl) if pl else not_found()


def edit(emu, req: Request, key: int) -> Response:
    pl = _owned(emu, req, key)
    if pl is None:
        return not_found()
    title = req.arg("title.value", req.arg("title"))
    summary = req.arg("summary.value", req.arg("summary"))
    if title is not None:
        pl.title = title
    if summary is not None:
        pl.summary = summary
    pl.updated_at = int(emu.now)
    return Response(200)


def delete(emu, req: Request, key: int) -> Response:
    if _owned(emu, req, key) is None:
        return not_found()
    del emu.playlists[key]
    return Response(200)


def items(emu, req: Request, key: int, listing: bool = True) -> Response:
    """``GET /playlists/{k}/items``: a listing (paging headers required, see
    ``Strictness``); ``listing=False`` for the move answer, which carries the items too."""
    pl = _owned(emu, req, key)
    if pl is None:
        return not_found()
    type_arg = req.arg("type")
    tracks = emu.lib.tracks
    rows = [(pid, tracks[rk]) for pid, rk in pl.items if rk in tracks] if type_arg in (None, "", "10") else []
    page, extra = paged(req, rows, emu if listing else None)
    leaf, duration_ms = playlist_stats(pl, emu.lib)
    pairs = [("size", len(page)), *extra]
    if leaf:
        pairs.append(("composite", f"/playlists/{key}/composite/{pl.updated_at}"))
    # duration here is in seconds, unlike Playlist@duration (ms); see sm_playlist_items_audio.xml.
    pairs += [("duration", duration_ms // 1000), ("leafCount", leaf), ("playlistType", "audio"),
              ("ratingKey", key), ("smart", 0), ("title", pl.title)]
    ctx = emu.ctx
    excludes = req.excludes
    return Response(200, document(pairs, [track_xml(t, ctx, section_attrs=True, playlist_item_id=pid,
                                                    excludes=excludes)
                                          for pid, t in page]))


def add_items(emu, req: Request, key: int) -> Response:
    pl = _owned(emu, req, key)
    if pl is None:
        return not_found()
    keys = emu.parse_item_uri(req.arg("uri") or "")
    if not keys:
        return bad_request()
    requested = len(keys)
    if emu.faults.partial_adds > 0:
        # PMS accepts a partly invalid add batch with 200 (MickyGX/curatorr issue #152).
        emu.faults.partial_adds -= 1
        keys = keys[:-1]
    emu.append_items(pl, keys)
    return _one(emu, pl, leafCountAdded=len(keys), leafCountRequested=requested)


def clear_items(emu, req: Request, key: int) -> Response:
    pl = _owned(emu, req, key)
    if pl is None:
        return not_found()
    pl.items.clear()
    pl.updated_at = int(emu.now)
    return _one(emu, pl)


def remove_item(emu, req: Request, key: int, item_id: int) -> Response:
    pl = _owned(emu, req, key)
    if pl is None or all(pid != item_id for pid, _ in pl.items):
        return not_found()
    pl.items[:] = [row for row in pl.items if row[0] != item_id]
    pl.updated_at = int(emu.now)
    return _one(emu, pl)


def move_item(emu, req: Request, key: int, item_id: int) -> Response:
    """Move a playlist item right after ``after`` (a playlistItemID), or to the top when
    ``after`` is missing or 0, as plexapi's ``moveItem`` sends it."""
    pl = _owned(emu, req, key)
    if pl is None:
        return not_found()
    row = next((r for r in pl.items if r[0] == item_id), None)
    after_s = req.arg("after", "") or ""
    after = int(after_s) if after_s.isdigit() else 0
    if row is None or (after and all(pid != after for pid, _ in pl.items)) or after == item_id:
        return not_found()
    pl.items.remove(row)
    pos = 0 if not after else next(i for i, r in enumerate(pl.items) if r[0] == after) + 1
    pl.items.insert(pos, row)
    pl.updated_at = int(emu.now)
    return items(emu, req, key, listing=False)


def upload_poster(emu, req: Request, key: int) -> Response:
    pl = _owned(emu, req, key)
    if pl is not None:
        url = req.arg("url")
        if url:
            pl.poster, pl.poster_url = None, url
        elif req.body:
            pl.poster, pl.poster_url = bytes(req.body), None
        else:
            return bad_request()
        pl.updated_at = int(emu.now)
        return Response(200)
    lib = emu.lib
    if key in lib.tracks or key in lib.albums or key in lib.artists:
        return Response(200)  # accepted; the emulator keeps no artwork for library items
    return not_found()
