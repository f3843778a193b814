"""Writes of the app's Plex playlists, and reads of the user's, for the playlist service.

Rules (from the issue "Plex: a fast library index and safe playlist writes"):

- The app only modifies or deletes playlists it created, known by ratingKey (the caller
  stores it), never found by title.
- A new playlist whose title an existing audio playlist already has (the user's own, say)
  gets the first free title of ``"Title (2)"``, ``"Title (3)"``, ... (compared without
  case, as Plex sorts and searches titles without case); the user's playlist is left alone.
- Long lists go in batches (create with the first batch, then add the rest) of at most
  :data:`BATCH_SIZE` ratingKeys and :data:`MAX_URI_CHARS` characters of URL-encoded
  ``uri``, so no request line nears the 4-8 KB limits of PMS and common reverse proxies
  (nginx ``large_client_header_buffers`` defaults to 8 KB) and none is answered 414.
- Replacing contents keeps the playlist (same ratingKey: pins, poster and Plexamp
  shortcuts survive) and uses the fewest requests: remove what is no longer wanted, add
  what is new, move only the items out of order (:mod:`.move_plan`), unless clearing and
  refilling the playlist takes more than :data:`EDIT_SLACK` requests fewer.
- A playlist deleted in Plex raises :class:`PlaylistGone` on the next write, or is
  recreated when ``recreate=True`` (the new ratingKey is returned for the caller to record).

Wire format: plexapi 4.18.3 ``Playlist._create``, ``addItems``, ``removeItems``,
``moveItem`` and the title/summary edit mixins (``title.value``/``summary.value``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from .errors import PlaylistEmpty, PlaylistGone, PlexError
from .gateway import PlexGateway, PlexNotFound, join_args
from .move_plan import plan_moves

log = logging.getLogger(__name__)

# Most ratingKeys per create/add request (the figure; PMS accepts more, proxies may not).
BATCH_SIZE = 200
# Budget for the URL-encoded uri of one request (each key costs its digits plus 3 for "%2C").
MAX_URI_CHARS = 2000
# Summaries go in the query string too; longer ones are cut (with an ellipsis) to this many
# characters so the edit request stays short whatever the prompt's length.
SUMMARY_MAX_CHARS = 1000
# Items read per request when listing a playlist's contents.
ITEMS_PAGE_SIZE = 1000
# Extra requests the item-by-item edit may cost before clearing and refilling is chosen:
# the edit keeps playlistItemIDs (a client's "playing from here" position) and never
# leaves the playlist empty between two requests, which is worth a few requests.
EDIT_SLACK = 3


@dataclass(frozen=True)
class PlexPlaylistRef:
    """A playlist the app created: its ``rating_key`` and the ``title`` it got in Plex."""

    rating_key: int
    title: str


@dataclass
class WriteResult:
    """Outcome of :func:`replace_playlist_items`.

    ``rating_key`` is the playlist's (new one when ``recreated``), ``title`` its title in
    Plex; ``added``/``removed``/``moved`` count playlist items; ``requests`` is the number
    of HTTP requests the write took (including the connection's identity request);
    ``strategy`` is ``"edit"`` (remove/add/move) or ``"refill"`` (clear and add) or
    ``"create"`` (recreated).
    """

    rating_key: int
    title: str
    recreated: bool = False
    added: int = 0
    removed: int = 0
    moved: int = 0
    requests: int = 0
    strategy: str = "edit"


@dataclass
class ConnectionReport:
    """Result of :func:`test_connection`: ``ok``, the server's ``server_name`` and
    ``version``, its ``sections`` as ``(key, title, type)``, and a ``message`` for the user."""

    ok: bool
    server_name: str = ""
    version: str = ""
    sections: list[tuple[int, str, str]] = field(default_factory=list)
    message: str = ""


# -- helpers -------------------------------------------------------------------------


def _dedupe(keys: Sequence[int]) -> list[int]:
    seen: set[int] = set()
    out = []
    for k in keys:
        k = int(k)
        if k not in seen:
            seen.add(k)
            out.append(k)
    return out


def _batches(gateway: PlexGateway, keys: list[int]) -> list[list[int]]:
    """Split ``keys`` so each batch has ≤ BATCH_SIZE keys and its encoded uri ≤ MAX_URI_CHARS."""
    base = len(quote(gateway.item_uri([]), safe=""))
    out: list[list[int]] = []
    current: list[int] = []
    size = base
    for k in keys:
        cost = len(str(k)) + 3
        if current and (len(current) >= BATCH_SIZE or size + cost > MAX_URI_CHARS):
            out.append(current)
            current, size = [], base
        current.append(k)
        size += cost
    if current:
        out.append(current)
    return out


def _clip_summary(summary: str) -> str:
    summary = summary or ""
    return summary if len(summary) <= SUMMARY_MAX_CHARS else summary[: SUMMARY_MAX_CHARS - 1].rstrip() + "…"


def _audio_playlists(gateway: PlexGateway) -> list[Any]:
    data = gateway.get("/playlists?playlistType=audio", what="list the playlists")
    return [e for e in data if e.tag == "Playlist"]


def _free_title(gateway: PlexGateway, title: str, exclude_key: int | None = None) -> str:
    """``title`` or the first of ``title (2)``, ``title (3)``... no other audio playlist has."""
    taken = {
        (e.attrib.get("title") or "").casefold()
        for e in _audio_playlists(gateway)
        if exclude_key is None or e.attrib.get("ratingKey") != str(exclude_key)
    }
    if title.casefold() not in taken:
        return title
    n = 2
    while f"{title} ({n})".casefold() in taken:
        n += 1
    return f"{title} ({n})"


def _is_variant(current: str, title: str) -> bool:
    """True when ``current`` is ``title`` or a de-duplicated ``title (n)`` of it."""
    if current == title:
        return True
    rest = current[len(title) :] if current.startswith(title) else ""
    return rest.startswith(" (") and rest.endswith(")") and rest[2:-1].isdigit()


def _edit(gateway: PlexGateway, rating_key: int, *, title: str | None = None, summary: str | None = None) -> None:
    args: dict[str, Any] = {}
    if title is not None:
        args.update({"title.value": title, "title.locked": 1})
    if summary is not None:
        args.update({"summary.value": _clip_summary(summary), "summary.locked": 1})
    if args:
        gateway.put(f"/playlists/{rating_key}{join_args(args)}", what="edit the playlist's title and summary")


def _add(gateway: PlexGateway, rating_key: int, keys: list[int]) -> None:
    for batch in _batches(gateway, keys):
        args = {"uri": gateway.item_uri(batch)}
        gateway.put(f"/playlists/{rating_key}/items{join_args(args)}", what="add tracks to the playlist")


def _read_items(gateway: PlexGateway, rating_key: int) -> tuple[dict[str, str], list[tuple[int, int]]]:
    """The playlist's container attributes and its items as ``(playlistItemID, ratingKey)``.

    Raises :class:`PlexNotFound` when the playlist does not exist.
    """
    items: list[tuple[int, int]] = []
    attrs: dict[str, str] = {}
    start = 0
    while True:
        headers = {"X-Plex-Container-Start": str(start), "X-Plex-Container-Size": str(ITEMS_PAGE_SIZE)}
        data = gateway.get(f"/playlists/{rating_key}/items", headers=headers, what="read the playlist")
        if not attrs:
            attrs = dict(data.attrib)
        page = [
            (int(e.attrib["playlistItemID"]), int(e.attrib["ratingKey"]))
            for e in data
            if e.attrib.get("playlistItemID", "").isdigit() and e.attrib.get("ratingKey", "").isdigit()
        ]
        items.extend(page)
        total = int(data.attrib.get("totalSize") or data.attrib.get("size") or 0)
        start += ITEMS_PAGE_SIZE
        if not page or start >= total:
            return attrs, items


def _create(gateway: PlexGateway, title: str, keys: list[int], summary: str | None) -> PlexPlaylistRef:
    if not keys:
        raise PlaylistEmpty()
    final_title = _free_title(gateway, title)
    first, *rest = _batches(gateway, keys)
    args = {"uri": gateway.item_uri(first), "type": "audio", "title": final_title, "smart": 0}
    data = gateway.post(f"/playlists{join_args(args)}", what="create the playlist")
    elem = next((e for e in (data if data is not None else []) if e.tag == "Playlist"), None)
    if elem is None or not (elem.attrib.get("ratingKey") or "").isdigit():
        raise PlexError("Plex did not return the new playlist after creating it. Try again.")
    rating_key = int(elem.attrib["ratingKey"])
    for batch in rest:
        _add(gateway, rating_key, batch)
    if summary:
        _edit(gateway, rating_key, summary=summary)
    log.info("Created Plex playlist %r (ratingKey %s, %d tracks)", final_title, rating_key, len(keys))
    return PlexPlaylistRef(rating_key, final_title)


# -- public API ----------------------------------------------------------------------


def create_playlist(settings: Any, title: str, rating_keys: list[int], summary: str = "") -> PlexPlaylistRef:
    """Create an audio playlist of ``rating_keys`` (in order, duplicates dropped) titled
    ``title`` (or ``title (n)`` when taken) with ``summary``.

    Raises :class:`PlaylistEmpty` for an empty list and other :class:`PlexError`s.
    """
    with PlexGateway.connect(settings) as gateway:
        return _create(gateway, title, _dedupe(rating_keys), summary)


def replace_playlist_items(
    settings: Any,
    rating_key: int,
    rating_keys: list[int],
    title: str | None = None,
    summary: str | None = None,
    recreate: bool = False,
) -> WriteResult:
    """Make playlist ``rating_key`` hold exactly ``rating_keys`` in that order, in place.

    ``title``/``summary``, when given, are written too (a title already de-duplicated as
    ``title (n)`` is kept). When the playlist no longer exists: with ``recreate`` a new
    one is created (``WriteResult.recreated``, new ``rating_key``; needs ``title``),
    otherwise :class:`PlaylistGone` is raised. Other failures raise :class:`PlexError`.
    """
    with PlexGateway.connect(settings) as gateway:
        return _replace(gateway, rating_key, _dedupe(rating_keys), title, summary, recreate)


def _replace(
    gateway: PlexGateway, rating_key: int, wanted: list[int], title: str | None, summary: str | None, recreate: bool
) -> WriteResult:
    try:
        attrs, items = _read_items(gateway, rating_key)
    except PlexNotFound:
        if not recreate or not title:
            raise PlaylistGone(rating_key) from None
        ref = _create(gateway, title, wanted, summary)
        log.warning("Plex playlist %s was deleted in Plex; recreated as %s", rating_key, ref.rating_key)
        return WriteResult(ref.rating_key, ref.title, True, len(wanted), 0, 0, gateway.requests, "create")
    try:
        result = _rewrite(gateway, rating_key, items, wanted)
        current_title = attrs.get("title") or ""
        new_title = None
        if title is not None and not _is_variant(current_title, title):
            new_title = _free_title(gateway, title, exclude_key=rating_key)
        _edit(gateway, rating_key, title=new_title, summary=summary)
    except PlexNotFound:
        raise PlaylistGone(rating_key) from None  # deleted while we were writing
    result.title = new_title or current_title
    result.requests = gateway.requests
    return result


def _rewrite(gateway: PlexGateway, rating_key: int, items: list[tuple[int, int]], wanted: list[int]) -> WriteResult:
    wanted_set = set(wanted)
    kept: dict[int, int] = {}  # ratingKey -> playlistItemID of the first occurrence kept
    to_remove: list[int] = []
    for item_id, key in items:
        if key in wanted_set and key not in kept:
            kept[key] = item_id
        else:
            to_remove.append(item_id)
    to_add = [k for k in wanted if k not in kept]
    # The order PMS will hold after the removals and the appends, before any move.
    after_add = [key for item_id, key in items if kept.get(key) == item_id] + to_add
    moves = plan_moves(after_add, wanted)
    add_requests = len(_batches(gateway, to_add)) if to_add else 0
    reread = 1 if to_add and moves else 0
    edit_cost = len(to_remove) + add_requests + reread + len(moves)
    refill_cost = 1 + (len(_batches(gateway, wanted)) if wanted else 0)
    result = WriteResult(rating_key, "", removed=len(items) - len(kept))
    if refill_cost + EDIT_SLACK < edit_cost:
        gateway.delete(f"/playlists/{rating_key}/items", what="clear the playlist")
        if wanted:
            _add(gateway, rating_key, wanted)
        result.strategy = "refill"
        result.added = len(to_add)
        result.moved = 0
        return result
    for item_id in to_remove:
        gateway.delete(f"/playlists/{rating_key}/items/{item_id}", what="remove a track from the playlist")
    if to_add:
        _add(gateway, rating_key, to_add)
    ids = dict(kept)
    if reread:
        _, fresh = _read_items(gateway, rating_key)
        ids = {}
        for item_id, key in fresh:
            ids.setdefault(key, item_id)
        # Plan again on what Plex really holds: a track deleted from the library since the
        # index was synced is skipped by PMS when added, so it has no item to move.
        target = [k for k in wanted if k in ids]
        present = set(target)
        moves = plan_moves([k for k in ids if k in present], target)
    for key, after in moves:
        suffix = f"?after={ids[after]}" if after is not None else ""
        gateway.put(f"/playlists/{rating_key}/items/{ids[key]}/move{suffix}", what="reorder the playlist")
    result.added = len(to_add)
    result.moved = len(moves)
    return result


def delete_playlist(settings: Any, rating_key: int) -> bool:
    """Delete the app's playlist ``rating_key`` (the caller guarantees it is the app's).

    Returns False when it was already gone. Raises :class:`PlexError` otherwise.
    """
    with PlexGateway.connect(settings) as gateway:
        try:
            gateway.delete(f"/playlists/{rating_key}", what="delete the playlist")
        except PlexNotFound:
            return False
    log.info("Deleted Plex playlist %s", rating_key)
    return True


def list_playlists(settings: Any) -> list[tuple[int, str, int]]:
    """The user's audio playlists as ``(rating_key, title, leaf_count)``, by title
    (radio stations and smart playlists without a count are left out)."""
    with PlexGateway.connect(settings) as gateway:
        elements = _audio_playlists(gateway)
    out = []
    for e in elements:
        a = e.attrib
        if a.get("radio") == "1" or not (a.get("ratingKey") or "").isdigit():
            continue
        out.append((int(a["ratingKey"]), a.get("title") or "", int(a.get("leafCount") or 0)))
    return sorted(out, key=lambda p: p[1].casefold())


def playlist_track_sample(settings: Any, rating_key: int, limit: int = 50) -> list[str]:
    """Up to ``limit`` lines ``"Artist – Title"`` from the start of playlist ``rating_key``
    (track artist ``originalTitle`` when set, else album artist ``grandparentTitle``).

    Raises :class:`PlaylistGone` when the playlist does not exist.
    """
    headers = {"X-Plex-Container-Start": "0", "X-Plex-Container-Size": str(max(int(limit), 0))}
    with PlexGateway.connect(settings) as gateway:
        try:
            data = gateway.get(f"/playlists/{rating_key}/items", headers=headers, what="read the playlist")
        except PlexNotFound:
            raise PlaylistGone(rating_key) from None
    lines = []
    for e in data:
        if e.tag != "Track":
            continue
        artist = e.attrib.get("originalTitle") or e.attrib.get("grandparentTitle") or ""
        lines.append(f"{artist} – {e.attrib.get('title') or ''}".strip(" –"))
    return lines[:limit]


def test_connection(settings: Any) -> ConnectionReport:
    """Connect, list the sections, find the music section and count its tracks.

    Never raises: failures come back as ``ok=False`` with the user-facing message (and
    whatever was learnt before the failure, e.g. the sections when the music section is
    missing).
    """
    report = ConnectionReport(False)
    try:
        with PlexGateway.connect(settings) as gateway:
            report.server_name, report.version = gateway.server_name, gateway.version
            report.sections = [(s.key, s.title, s.type) for s in gateway.sections()]
            section = gateway.music_section(settings.PLEX_MUSIC_SECTION)
            headers = {"X-Plex-Container-Start": "0", "X-Plex-Container-Size": "0"}
            data = gateway.get(
                f"/library/sections/{section.key}/all?type=10",
                headers=headers,
                what="count the music library's tracks",
            )
    except PlexError as exc:
        report.message = str(exc)
        return report
    tracks = int(data.attrib.get("totalSize") or data.attrib.get("size") or 0)
    report.ok = True
    report.message = (
        f"Connected to {report.server_name or 'Plex'} (Plex {report.version}): music section "
        f"{section.title!r} (key {section.key}) with {tracks} tracks."
    )
    return report
