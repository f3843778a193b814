"""``GET /status/sessions/history/all``: the server's play history, as plexapi's
``PlexServer.history`` asks for it (``sort=viewedAt:desc``, ``accountID``, ``viewedAt>``,
``metadataItemID``, ``librarySectionID``; paged with ``X-Plex-Container-Start``/``-Size``).

Sources: plexopedia.com "Get Session History" (cited by sikelio/plexmanager issue #62):
``<MediaContainer size>`` of ``historyKey key ratingKey librarySectionID [parentKey
grandparentKey] title [grandparentTitle] type thumb viewedAt accountID`` rows, the owner as
``accountID="1"``; a track row is a ``<Track>`` with ``type="track"`` (public client tests
parse ``<Track historyKey=… type="track" viewedAt=… accountID=…>``), with ``deviceID`` as
plexapi's ``PlexHistory`` reads it. Entries of deleted tracks keep their title but lose
``key``/``ratingKey`` (plexopedia's sample).

Only the server admin may read it: a shared or Home user's token answers 401
(python-plexapi issue #1392, JonnyWong16: "Shared users do not have access to your Plex
Dashboard. It's only accessible by the admin"; issue #1506: ``history()`` after
``switchUser`` raises 401). Without ``sort`` the rows come oldest first (the sources do
not say; a client that wants the newest first must ask).
"""

from __future__ import annotations

from tests.fakes.plex.routes_library import HTML_TYPE, Request, Response, paged
from tests.fakes.plex.xmlrender import attrs, document


def _row(emu, play) -> str:
    t = emu.lib.tracks.get(play.rating_key)
    pairs = [("historyKey", f"/status/sessions/history/{play.history_id}")]
    if t is not None:
        pairs += [
            ("key", f"/library/metadata/{t.rating_key}"), ("ratingKey", t.rating_key),
            ("librarySectionID", emu.section.key), ("parentKey", f"/library/metadata/{t.album_rating_key}"),
            ("grandparentKey", f"/library/metadata/{t.artist_rating_key}"), ("title", t.title),
            ("grandparentTitle", t.album_artist), ("parentTitle", t.album),
            ("originalTitle", t.track_artist if t.track_artist and t.track_artist != t.album_artist else None),
            ("type", "track"), ("thumb", f"/library/metadata/{t.album_rating_key}/thumb/{t.updated_at}"),
            ("index", t.track_number), ("parentIndex", t.disc_number),
        ]
    else:
        pairs += [("librarySectionID", emu.section.key), ("title", f"Deleted track {play.rating_key}"),
                  ("type", "track")]
    pairs += [("viewedAt", play.viewed_at), ("accountID", play.account_id), ("deviceID", play.device_id)]
    return f"<Track{attrs(pairs)} />\n"


def _unauthorized() -> Response:
    from tests.fakes.plex.handler import UNAUTHORIZED_BODY  # the handler imports this module

    return Response(401, UNAUTHORIZED_BODY, HTML_TYPE)


def _int_arg(req: Request, name: str) -> int | None:
    value = req.arg(name)
    return int(value) if value is not None and value.lstrip("-").isdigit() else None


def history(emu, req: Request) -> Response:
    if emu.account_of(req.token) != 1:
        return _unauthorized()
    rows = list(emu.plays)
    account = _int_arg(req, "accountID")
    if account is not None:
        rows = [p for p in rows if p.account_id == account]
    after = _int_arg(req, "viewedAt>")
    if after is not None:
        rows = [p for p in rows if p.viewed_at > after]
    before = _int_arg(req, "viewedAt<")
    if before is not None:
        rows = [p for p in rows if p.viewed_at < before]
    item = _int_arg(req, "metadataItemID")
    if item is not None:
        rows = [p for p in rows if p.rating_key == item]
    section = _int_arg(req, "librarySectionID")
    if section is not None and section != emu.section.key:
        rows = []
    sort = req.arg("sort") or ""
    if sort.startswith("viewedAt"):
        rows.sort(key=lambda p: (p.viewed_at, p.history_id), reverse=sort.endswith(":desc"))
    page, extra = paged(req, rows, emu)
    return Response(200, document([("size", len(page)), *extra], [_row(emu, p) for p in page]))
