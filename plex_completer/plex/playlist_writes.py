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

Safety on a real server (issue "Plex: safe on a real server"):

- Identity: before any edit or delete the playlist is read (``GET /playlists/{k}``) and
  must be the app's: same server ``machineIdentifier``, ``guid`` and ``addedAt`` as
  recorded (:class:`PlaylistIdentity`). Anything else counts as gone: it is recreated
  under the app's identity or reported, never edited or deleted. A connection to another
  server than the index's raises :class:`PlexServerChanged` before any write.
- No orphans: the caller records the new ratingKey (``on_created``) right after the
  create request; the remaining batches and the summary edit are retried once.
- No 414: title and summary are bounded by URL-encoded length, and a 414 on the edit is
  retried once with a shorter summary.
- Writes verified: after each write the items are read back; a difference is planned and
  written once more, then reported (``problem``). PMS accepts a partly invalid add
  batch with 200 (MickyGX/curatorr issue #152), so the read-back is what counts. Only a
  404 on the playlist itself means it is gone; a 404 on one item is settled by it.

Wire format: plexapi 4.18.3 ``Playlist._create``, ``addItems``, ``removeItems``,
``moveItem`` and the title/summary edit mixins (``title.value``/``summary.value``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..config import Settings
from . import capabilities as plex_capabilities
from .capabilities import Capabilities
from .errors import PlaylistEmpty, PlaylistGone, PlexError, PlexRequestFailed, PlexServerChanged
from .gateway import PlexGateway, PlexNotFound, join_args
from .library_sync import index_server
from .listings import page_headers
from .move_plan import plan_moves

log = logging.getLogger(__name__)

# Most ratingKeys per create/add request (the figure; PMS accepts more, proxies may not).
BATCH_SIZE = 200
# Budget for the URL-encoded uri of one request (each key costs its digits plus 3 for "%2C").
MAX_URI_CHARS = 2000
# Summaries go in the query string too; longer ones are cut (with an ellipsis) to this many
# characters and, what bounds the request line, to SUMMARY_MAX_ENCODED bytes URL-encoded
# (a CJK character is 9 bytes encoded). Together with the title's bound the edit request
# stays under 4 KB, half the 8 KB line limit of PMS and nginx's default
# large_client_header_buffers. On a 414 anyway (a stricter proxy) the edit is retried
# once with SUMMARY_RETRY_ENCODED.
SUMMARY_MAX_CHARS = 1000
SUMMARY_MAX_ENCODED = 3000
SUMMARY_RETRY_ENCODED = 600
TITLE_MAX_ENCODED = 600
# Items read per request when listing a playlist's contents (PMS's page cap).
ITEMS_PAGE_SIZE = 1000
# Extra requests the item-by-item edit may cost before clearing and refilling is chosen:
# the edit keeps playlistItemIDs (a client's "playing from here" position) and never
# leaves the playlist empty between two requests, which is worth a few requests.
EDIT_SLACK = 3


@dataclass(frozen=True)
class PlaylistIdentity:
    """Who a Plex playlist is, beyond its ratingKey (which belongs to one server and can
    be handed to another playlist on another server: ellite/scrob issue #257,
    chrisbenincasa/tunarr issue #464): the server's ``machine_identifier`` and the
    playlist's ``guid`` and ``added_at`` (epoch seconds) as Plex reported them. None
    fields are unknown (a playlist recorded before the app stored them)."""

    machine_identifier: str | None = None
    guid: str | None = None
    added_at: int | None = None

    @property
    def known(self) -> bool:
        """True when the guid or addedAt was recorded (the playlist can be recognised)."""
        return bool(self.guid or self.added_at)


@dataclass(frozen=True)
class PlexPlaylistRef:
    """A playlist the app created: its ``rating_key``, the ``title`` it got in Plex and
    its ``identity``; ``problem`` is a sentence for the user when the write was verified
    and Plex does not hold exactly what was wanted ("" otherwise)."""

    rating_key: int
    title: str
    identity: PlaylistIdentity = field(default_factory=PlaylistIdentity)
    problem: str = ""


@dataclass
class WriteResult:
    """Outcome of :func:`replace_playlist_items`.

    ``rating_key`` is the playlist's (new one when ``recreated``), ``title`` its title in
    Plex; ``added``/``removed``/``moved`` count playlist items; ``requests`` is the number
    of HTTP requests the write took (including the connection's identity request);
    ``strategy`` is ``"edit"`` (remove/add/move) or ``"refill"`` (clear and add) or
    ``"create"`` (recreated); ``identity`` the playlist's identity as read from Plex;
    ``problem`` a sentence for the user when the read-back after the write (and one
    re-plan) still differs from what was wanted, else ""; ``keys`` the ratingKeys
    written (in order) and ``state`` the playlist as read before the write (None when
    recreated).
    """

    rating_key: int
    title: str
    recreated: bool = False
    added: int = 0
    removed: int = 0
    moved: int = 0
    requests: int = 0
    strategy: str = "edit"
    identity: PlaylistIdentity = field(default_factory=PlaylistIdentity)
    problem: str = ""
    keys: list[int] = field(default_factory=list)
    state: PlaylistState | None = None


@dataclass
class ConnectionReport:
    """Result of :func:`test_connection`: ``ok``, the server's ``server_name``,
    ``version`` and ``machine_identifier``, its ``sections`` as ``(key, title, type)``,
    ``capabilities`` (the probe results for the music section, None when not reached)
    and a ``message`` for the user."""

    ok: bool
    server_name: str = ""
    version: str = ""
    machine_identifier: str = ""
    sections: list[tuple[int, str, str]] = field(default_factory=list)
    capabilities: Capabilities | None = None
    message: str = ""


@dataclass(frozen=True)
class PlaylistState:
    """A Plex playlist as it is now (what the user may have edited): its items'
    ``keys`` in order (ratingKeys, duplicates kept), ``title``, ``summary`` and
    ``updated_at`` (Plex's epoch seconds, None when not reported)."""

    keys: list[int]
    title: str
    summary: str
    updated_at: int | None = None


@dataclass(frozen=True)
class WritePlan:
    """What to write, decided once the playlist was read (see ``plan`` of
    :func:`replace_playlist_items`): ``keys`` in order; ``title``/``summary`` None to
    leave the field alone."""

    keys: list[int]
    title: str | None = None
    summary: str | None = None


Created = Callable[[PlexPlaylistRef], None]
Planner = Callable[[PlaylistState | None], WritePlan]

__all__ = [
    "ConnectionReport",
    "PlaylistIdentity",
    "PlaylistState",
    "PlexPlaylistRef",
    "WritePlan",
    "WriteResult",
    "bound_encoded",
    "create_playlist",
    "delete_playlist",
    "index_server",
    "list_playlists",
    "playlist_track_sample",
    "playlist_updates",
    "read_playlist_state",
    "replace_playlist_items",
    "summary_as_written",
    "test_connection",
]


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


def bound_encoded(text: str, limit: int) -> str:
    """``text`` cut (with an ellipsis) so its URL-encoded form (UTF-8, percent-escaped as
    in the query string) is at most ``limit`` bytes. A CJK character costs 9 bytes
    encoded, so a bound in characters does not bound the request line (a 1,000-character
    non-ASCII summary is ~9 KB, over PMS's and nginx's 8 KB line limits: 414)."""
    text = text or ""
    if len(quote(text, safe="")) <= limit:
        return text
    ellipsis = len(quote("…", safe=""))
    out, used = [], 0
    for ch in text:
        cost = len(quote(ch, safe=""))
        if used + cost + ellipsis > limit:
            break
        out.append(ch)
        used += cost
    return "".join(out).rstrip() + "…"


def summary_as_written(summary: str) -> str:
    """``summary`` as the app sends it to Plex (cut to the bounds of :func:`_clip_summary`),
    so a later read can tell a change made in Plex from the app's own cut."""
    return _clip_summary(summary)


def _clip_summary(summary: str, limit: int | None = None) -> str:
    summary = summary or ""
    if len(summary) > SUMMARY_MAX_CHARS:
        summary = summary[: SUMMARY_MAX_CHARS - 1].rstrip() + "…"
    return bound_encoded(summary, SUMMARY_MAX_ENCODED if limit is None else limit)


def _paged_elements(gateway: PlexGateway, key: str, tag: str, what: str) -> tuple[dict[str, str], list[Any]]:
    """Container attributes and every ``tag`` child of listing ``key``, paged as PMS wants
    (size header always, ≤ 1,000 a page, next page after the items received, stop at
    ``totalSize`` or an empty page). Raises :class:`PlexNotFound` for a missing key."""
    out: list[Any] = []
    attrs: dict[str, str] = {}
    start = 0
    while True:
        data = gateway.get(key, headers=page_headers(start, ITEMS_PAGE_SIZE), what=what)
        if not attrs:
            attrs = dict(data.attrib)
        page = [e for e in data if e.tag == tag]
        out.extend(page)
        start += len(page)
        total = data.attrib.get("totalSize")
        if not page or (total is not None and total.isdigit() and start >= int(total)) or (
            total is None and len(page) < ITEMS_PAGE_SIZE
        ):
            return attrs, out


def _audio_playlists(gateway: PlexGateway) -> list[Any]:
    return _paged_elements(gateway, "/playlists?playlistType=audio", "Playlist", "list the playlists")[1]


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


def _status(exc: PlexError) -> int | None:
    return exc.status if isinstance(exc, PlexRequestFailed) else None


def _edit(gateway: PlexGateway, rating_key: int, *, title: str | None = None, summary: str | None = None) -> None:
    """PUT the title/summary, both bounded by URL-encoded length; on a 414 once more with
    the summary cut to :data:`SUMMARY_RETRY_ENCODED` (a proxy with a shorter line limit)."""

    def send(summary_limit: int | None) -> None:
        args: dict[str, Any] = {}
        if title is not None:
            args.update({"title.value": bound_encoded(title, TITLE_MAX_ENCODED), "title.locked": 1})
        if summary is not None:
            args.update({"summary.value": _clip_summary(summary, summary_limit), "summary.locked": 1})
        if args:
            gateway.put(f"/playlists/{rating_key}{join_args(args)}", what="edit the playlist's title and summary")

    try:
        send(None)
    except PlexRequestFailed as exc:
        if exc.status != 414 or summary is None:
            raise
        log.warning("Plex answered 414 to the playlist edit; retrying with a shorter summary")
        send(SUMMARY_RETRY_ENCODED)


def _add(gateway: PlexGateway, rating_key: int, keys: list[int]) -> int:
    """Add ``keys`` in batches; returns how many items PMS says it did not add
    (``leafCountRequested - leafCountAdded``; PMS accepts a partly invalid batch with 200,
    MickyGX/curatorr issue #152). The read-back after the write is what counts."""
    short = 0
    for batch in _batches(gateway, keys):
        args = {"uri": gateway.item_uri(batch)}
        try:
            data = gateway.put(f"/playlists/{rating_key}/items{join_args(args)}", what="add tracks to the playlist")
        except PlexRequestFailed as exc:
            if exc.status != 400:
                raise
            # PMS answers 400 when no key of the batch exists (all deleted from the library
            # since the index sync); the read-back reports them.
            short += len(batch)
            continue
        if data is not None:
            asked, added = data.attrib.get("leafCountRequested"), data.attrib.get("leafCountAdded")
            if asked and added and asked.isdigit() and added.isdigit() and int(added) < int(asked):
                short += int(asked) - int(added)
    if short:
        log.warning("Plex added %d fewer tracks than asked to playlist %s", short, rating_key)
    return short


def _read_items(gateway: PlexGateway, rating_key: int) -> tuple[dict[str, str], list[tuple[int, int]]]:
    """The playlist's container attributes and its items as ``(playlistItemID, ratingKey)``.

    Raises :class:`PlexNotFound` when the playlist does not exist.
    """
    attrs, elements = _paged_elements(gateway, f"/playlists/{rating_key}/items", "Track", "read the playlist")
    items = [
        (int(e.attrib["playlistItemID"]), int(e.attrib["ratingKey"]))
        for e in elements
        if e.attrib.get("playlistItemID", "").isdigit() and e.attrib.get("ratingKey", "").isdigit()
    ]
    return attrs, items


def _identity_of(gateway: PlexGateway, elem: Any) -> PlaylistIdentity:
    added = elem.attrib.get("addedAt") or ""
    return PlaylistIdentity(gateway.machine_identifier or None, elem.attrib.get("guid") or None,
                            int(added) if added.isdigit() else None)


def _int_attr(elem: Any, name: str) -> int | None:
    value = elem.attrib.get(name) or ""
    return int(value) if value.isdigit() else None


def _playlist_meta(gateway: PlexGateway, rating_key: int) -> Any:
    """The ``<Playlist>`` element of ``GET /playlists/{k}``; raises :class:`PlexNotFound`."""
    data = gateway.get(f"/playlists/{rating_key}", what="read the playlist")
    elem = next((e for e in data if e.tag == "Playlist"), None)
    if elem is None:
        raise PlexNotFound(404, "read the playlist")
    return elem


def _is_ours(gateway: PlexGateway, elem: Any, expected: PlaylistIdentity | None, title: str | None) -> bool:
    """True when playlist ``elem`` is the one the app recorded: same server, guid and
    addedAt where recorded. A playlist recorded without guid/addedAt (before the app stored
    them) is accepted only when it is an audio playlist whose title is the app's title or
    a ``title (n)`` of it."""
    found = _identity_of(gateway, elem)
    if elem.attrib.get("smart") == "1" or elem.attrib.get("playlistType") not in (None, "audio"):
        return False
    if expected is not None:
        if expected.machine_identifier and expected.machine_identifier != found.machine_identifier:
            return False
        if expected.known:
            return (not expected.guid or expected.guid == found.guid) and (
                not expected.added_at or expected.added_at == found.added_at
            )
    return bool(title) and _is_variant(elem.attrib.get("title") or "", title or "")


def _check_server(gateway: PlexGateway, known_server: str | None) -> None:
    current = gateway.machine_identifier
    if known_server and current and known_server != current:
        raise PlexServerChanged(known_server, current)


def _retry_once(step: Callable[[], Any], what: str) -> Any:
    try:
        return step()
    except (PlaylistGone, PlexServerChanged):
        raise
    except PlexError as exc:
        log.warning("Plex failed to %s (%s); trying once more", what, exc)
        return step()


def _create(
    gateway: PlexGateway, title: str, keys: list[int], summary: str | None, on_created: Created | None = None
) -> PlexPlaylistRef:
    if not keys:
        raise PlaylistEmpty()
    final_title = _free_title(gateway, bound_encoded(title, TITLE_MAX_ENCODED))
    first, *rest = _batches(gateway, keys)
    args = {"uri": gateway.item_uri(first), "type": "audio", "title": final_title, "smart": 0}
    data = gateway.post(f"/playlists{join_args(args)}", what="create the playlist")
    elem = next((e for e in (data if data is not None else []) if e.tag == "Playlist"), None)
    if elem is None or not (elem.attrib.get("ratingKey") or "").isdigit():
        raise PlexError("Plex did not return the new playlist after creating it. Try again.")
    rating_key = int(elem.attrib["ratingKey"])
    ref = PlexPlaylistRef(rating_key, final_title, _identity_of(gateway, elem))
    # Recorded before anything else can fail: a retry then updates this playlist in place
    # instead of creating "Title (2)" (the orphans of the issue "Plex: safe on a real server").
    if on_created is not None:
        on_created(ref)
    log.info("Created Plex playlist %r (ratingKey %s, %d tracks)", final_title, rating_key, len(keys))
    if rest:
        remaining = [k for batch in rest for k in batch]
        _retry_once(lambda: _add(gateway, rating_key, remaining), "add the remaining tracks")
    if summary:
        _retry_once(lambda: _edit(gateway, rating_key, summary=summary), "write the playlist's summary")
    problem = _verify(gateway, rating_key, keys)
    return PlexPlaylistRef(rating_key, final_title, ref.identity, problem)


def _verify(gateway: PlexGateway, rating_key: int, wanted: list[int]) -> str:
    """Read the playlist back; when it differs from ``wanted`` plan the difference once
    more and write it, read again, and describe what still differs ("" when nothing).
    Tracks deleted from the library since the index sync cannot be added (PMS skips them):
    they stay reported as not accepted until a sync and rescan drop them."""
    _, items = _read_items(gateway, rating_key)
    if [k for _, k in items] == wanted:
        return ""
    log.warning("Plex playlist %s differs from what was written; planning the difference again", rating_key)
    _rewrite(gateway, rating_key, items, wanted)
    _, items = _read_items(gateway, rating_key)
    held = [k for _, k in items]
    if held == wanted:
        return ""
    missing = [k for k in wanted if k not in set(held)]
    extra = len([k for k in held if k not in set(wanted)])
    parts = []
    if missing:
        parts.append(f"{len(missing)} of {len(wanted)} tracks were not accepted by Plex (gone from the library?)")
    if extra:
        parts.append(f"{extra} tracks that should not be there remain")
    if not parts:
        parts.append("the order differs from the wanted one")
    message = "Plex playlist checked after writing: " + "; ".join(parts) + "."
    log.warning("Plex playlist %s: %s", rating_key, message)
    return message


# -- public API ----------------------------------------------------------------------


def create_playlist(
    settings: Settings,
    title: str,
    rating_keys: list[int],
    summary: str = "",
    *,
    known_server: str | None = None,
    on_created: Created | None = None,
) -> PlexPlaylistRef:
    """Create an audio playlist of ``rating_keys`` (in order, duplicates dropped) titled
    ``title`` (or ``title (n)`` when taken; bounded by URL-encoded length) with
    ``summary``, then read it back (``PlexPlaylistRef.problem`` says what differs).

    ``on_created(ref)`` is called right after the create request, before the remaining
    batches and the summary edit, so the caller records the ratingKey even when a later
    step fails (each is retried once first). ``known_server`` is the machineIdentifier
    the index was read from: another server raises :class:`PlexServerChanged`.
    Raises :class:`PlaylistEmpty` for an empty list and other :class:`PlexError`s.
    """
    with PlexGateway.connect(settings) as gateway:
        _check_server(gateway, known_server)
        return _create(gateway, title, _dedupe(rating_keys), summary, on_created)


def replace_playlist_items(
    settings: Settings,
    rating_key: int,
    rating_keys: list[int],
    title: str | None = None,
    summary: str | None = None,
    recreate: bool = False,
    *,
    identity: PlaylistIdentity | None = None,
    known_server: str | None = None,
    on_created: Created | None = None,
    plan: Planner | None = None,
) -> WriteResult:
    """Make playlist ``rating_key`` hold exactly ``rating_keys`` in that order, in place,
    then read it back (one re-plan on a difference; ``WriteResult.problem`` says what
    still differs).

    ``plan``, when given, decides what to write from what Plex holds: it is called once
    with the playlist's :class:`PlaylistState` as read before any change (None when the
    playlist is gone or not the app's and is recreated) and its :class:`WritePlan`
    replaces ``rating_keys``/``title``/``summary`` (the three-way merge of edits made in
    Plex; ``WriteResult.state`` is the state it was given).

    Before any change the playlist must be the app's: same server, ``guid`` and
    ``addedAt`` as ``identity`` (see :func:`_is_ours` for playlists recorded without
    them). A playlist that is not, or is gone (only a 404 on the playlist itself means
    gone), is never edited: with ``recreate`` a new one is created
    (``WriteResult.recreated``, new ``rating_key``, ``on_created`` called as in
    :func:`create_playlist`; needs ``title``), otherwise :class:`PlaylistGone` is raised.
    ``title``/``summary``, when given, are written too (a title already de-duplicated as
    ``title (n)`` is kept). ``known_server``: see :func:`create_playlist`. Other failures
    raise :class:`PlexError`.
    """
    with PlexGateway.connect(settings) as gateway:
        _check_server(gateway, known_server)
        return _replace(gateway, rating_key, _dedupe(rating_keys), title, summary, recreate, identity, on_created, plan)


def _replace(
    gateway: PlexGateway,
    rating_key: int,
    wanted: list[int],
    title: str | None,
    summary: str | None,
    recreate: bool,
    identity: PlaylistIdentity | None,
    on_created: Created | None,
    plan: Planner | None = None,
) -> WriteResult:
    try:
        elem = _playlist_meta(gateway, rating_key)
        ours = _is_ours(gateway, elem, identity, title)
        if not ours:
            log.warning(
                "Plex playlist %s is not the app's (another server or another playlist with that ratingKey); "
                "it is left untouched",
                rating_key,
            )
        attrs, items = _read_items(gateway, rating_key) if ours else ({}, [])
    except PlexNotFound:
        ours = False
        elem = None
    state = None
    if ours:
        state = PlaylistState([k for _, k in items], attrs.get("title") or elem.attrib.get("title") or "",
                              elem.attrib.get("summary") or "", _int_attr(elem, "updatedAt"))
    if plan is not None and (ours or recreate):
        decided = plan(state)
        wanted = _dedupe(decided.keys)
        summary = decided.summary
        if ours or decided.title is not None:
            title = decided.title
    if not ours:
        if not recreate or not title:
            raise PlaylistGone(rating_key) from None
        ref = _create(gateway, title, wanted, summary, on_created)
        log.warning("Plex playlist %s is gone; recreated as %s", rating_key, ref.rating_key)
        return WriteResult(ref.rating_key, ref.title, True, len(wanted), 0, 0, gateway.requests, "create",
                           ref.identity, ref.problem, wanted)
    result = _rewrite(gateway, rating_key, items, wanted)
    current_title = attrs.get("title") or ""
    new_title = None
    try:
        if title is not None and not _is_variant(current_title, title):
            new_title = _free_title(gateway, bound_encoded(title, TITLE_MAX_ENCODED), exclude_key=rating_key)
        _edit(gateway, rating_key, title=new_title, summary=summary)
        result.problem = _verify(gateway, rating_key, wanted)
    except PlexNotFound:
        raise PlaylistGone(rating_key) from None  # deleted while we were writing
    result.title = new_title or current_title
    result.identity = _identity_of(gateway, elem)
    result.requests = gateway.requests
    result.keys = wanted
    result.state = state
    return result


def _item_request(gateway: PlexGateway, rating_key: int, send: Callable[[], Any]) -> None:
    """One item-level request (remove or move). A 404 there means the item is gone, not
    the playlist: only a 404 on the playlist itself (checked here) means the playlist is."""
    try:
        send()
    except PlexNotFound:
        try:
            _playlist_meta(gateway, rating_key)
        except PlexNotFound:
            raise PlaylistGone(rating_key) from None
        log.info("A playlist item of %s was already gone; the read-back settles it", rating_key)


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
        _item_request(
            gateway, rating_key,
            lambda item_id=item_id: gateway.delete(
                f"/playlists/{rating_key}/items/{item_id}", what="remove a track from the playlist"
            ),
        )
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
        _item_request(
            gateway, rating_key,
            lambda key=key, suffix=suffix: gateway.put(
                f"/playlists/{rating_key}/items/{ids[key]}/move{suffix}", what="reorder the playlist"
            ),
        )
    result.added = len(to_add)
    result.moved = len(moves)
    return result


def read_playlist_state(
    settings: Settings,
    rating_key: int,
    *,
    identity: PlaylistIdentity | None = None,
    title: str | None = None,
    known_server: str | None = None,
) -> PlaylistState | None:
    """The app's playlist ``rating_key`` as it is in Plex now (items, title, summary,
    updatedAt), read without changing anything; None when it is gone or not the app's
    (identity checked as for writes, see :func:`_is_ours`). Raises
    :class:`PlexServerChanged` for another server than ``known_server`` and
    :class:`PlexError` otherwise."""
    with PlexGateway.connect(settings) as gateway:
        _check_server(gateway, known_server)
        try:
            elem = _playlist_meta(gateway, rating_key)
            if not _is_ours(gateway, elem, identity, title):
                return None
            attrs, items = _read_items(gateway, rating_key)
        except PlexNotFound:
            return None
    return PlaylistState([k for _, k in items], attrs.get("title") or elem.attrib.get("title") or "",
                         elem.attrib.get("summary") or "", _int_attr(elem, "updatedAt"))


def playlist_updates(settings: Settings) -> dict[int, int | None]:
    """Every audio playlist's ``updatedAt`` (epoch seconds, None when not reported) by
    ratingKey, from one paged listing (``GET /playlists?playlistType=audio``); the caller
    picks the app's own. Raises :class:`PlexError`."""
    with PlexGateway.connect(settings) as gateway:
        elements = _audio_playlists(gateway)
    return {int(e.attrib["ratingKey"]): _int_attr(e, "updatedAt")
            for e in elements if (e.attrib.get("ratingKey") or "").isdigit()}


def delete_playlist(
    settings: Settings,
    rating_key: int,
    *,
    identity: PlaylistIdentity | None = None,
    title: str | None = None,
    known_server: str | None = None,
) -> bool:
    """Delete the app's playlist ``rating_key`` after checking it is the app's (server,
    guid, addedAt of ``identity``; ``title`` for playlists recorded without them, see
    :func:`_is_ours`).

    Returns False when it was already gone or is not the app's (then it is left alone).
    Raises :class:`PlexServerChanged` for another server than ``known_server`` and
    :class:`PlexError` otherwise.
    """
    with PlexGateway.connect(settings) as gateway:
        _check_server(gateway, known_server)
        try:
            elem = _playlist_meta(gateway, rating_key)
            if not _is_ours(gateway, elem, identity, title):
                log.warning("Plex playlist %s is not the app's; not deleting it", rating_key)
                return False
            gateway.delete(f"/playlists/{rating_key}", what="delete the playlist")
        except PlexNotFound:
            return False
    log.info("Deleted Plex playlist %s", rating_key)
    return True


def list_playlists(settings: Settings) -> list[tuple[int, str, int]]:
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


def playlist_track_sample(settings: Settings, rating_key: int, limit: int = 50) -> list[str]:
    """Up to ``limit`` lines ``"Artist – Title"`` from the start of playlist ``rating_key``
    (track artist ``originalTitle`` when set, else album artist ``grandparentTitle``).

    Raises :class:`PlaylistGone` when the playlist does not exist.
    """
    headers = page_headers(0, max(int(limit), 1))
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


def test_connection(settings: Settings) -> ConnectionReport:
    """Connect, list the sections, find the music section, count its tracks and run the
    capability probes (:mod:`.capabilities`; stored for the library sync and shown on
    Settings).

    Never raises: failures come back as ``ok=False`` with the user-facing message (and
    whatever was learnt before the failure, e.g. the sections when the music section is
    missing).
    """
    report = ConnectionReport(False)
    try:
        with PlexGateway.connect(settings) as gateway:
            report.server_name, report.version = gateway.server_name, gateway.version
            report.machine_identifier = gateway.machine_identifier
            report.sections = [(s.key, s.title, s.type) for s in gateway.sections()]
            section = gateway.music_section(settings.PLEX_MUSIC_SECTION)
            data = gateway.get(
                f"/library/sections/{section.key}/all?type=10",
                headers=page_headers(0, 0),
                what="count the music library's tracks",
            )
            report.capabilities = plex_capabilities.probe(gateway, section, settings.PLEX_PAGE_SIZE)
    except PlexError as exc:
        report.message = str(exc)
        return report
    plex_capabilities.save(report.capabilities)
    tracks = int(data.attrib.get("totalSize") or data.attrib.get("size") or 0)
    report.ok = True
    report.message = (
        f"Connected to {report.server_name or 'Plex'} (Plex {report.version}): music section "
        f"{section.title!r} (key {section.key}) with {tracks} tracks."
    )
    return report
