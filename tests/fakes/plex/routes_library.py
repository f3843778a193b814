"""Read-only PMS endpoints: server identity, library sections, section listings, metadata
(one or several ratingKeys, children, allLeaves) and hub search.

Each handler takes ``(emu, req)`` (the emulator, called with its lock held, and a
:class:`Request`) and returns a :class:`Response`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tests.fakes.plex import query as q
from tests.fakes.plex.meta import collections_meta_block, meta_block
from tests.fakes.plex.state import sort_fold
from tests.fakes.plex.xmlrender import (
    LIBRARY_IDENTIFIER,
    MEDIA_TAG_PREFIX,
    MEDIA_TAG_VERSION,
    Excludes,
    album_xml,
    artist_xml,
    document,
    esc,
    playlist_xml,
    section_xml,
    server_root,
    track_xml,
)

XML_TYPE = "text/xml;charset=utf-8"
HTML_TYPE = "text/html"
HUB_SEARCH_DEFAULT_LIMIT = 10  # per hub; PMS's own default is undocumented


@dataclass
class Request:
    """A parsed request as the routes see it: ``path`` without the query and without a
    trailing slash, ``query`` from ``parse_qs`` (blank values kept), ``token`` the
    authenticated Plex token."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: object
    token: str
    body: bytes = b""

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    loose_excludes: bool = False

    @property
    def excludes(self) -> Excludes:
        """The ``excludeElements``/``excludeFields`` of this request (matched loosely by a
        hostile emulator, see :class:`~tests.fakes.plex.state.Strictness`)."""
        found = Excludes.from_query(self.query)
        return found.loosened() if self.loose_excludes else found


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = XML_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def error_page(status: int, reason: str) -> Response:
    """The small HTML page PMS sends with an error status (it answers errors in HTML, not
    XML; see ``pms_401_root_unauthorized.html``)."""
    body = (f"<html><head><title>{reason}</title></head><body><h1>{status} {reason}</h1></body></html>")
    return Response(status, body.encode("utf-8"), HTML_TYPE)


def not_found() -> Response:
    return error_page(404, "Not Found")


def bad_request() -> Response:
    return error_page(400, "Bad Request")


def library_container(emu, **extra) -> list[tuple[str, object]]:
    """MediaContainer attributes shared by library responses."""
    pairs = [("allowSync", 1), ("identifier", LIBRARY_IDENTIFIER)]
    pairs += emu.ctx.section_attrs_on_container()
    pairs += [("mediaTagPrefix", MEDIA_TAG_PREFIX), ("mediaTagVersion", MEDIA_TAG_VERSION)]
    pairs += list(extra.items())
    return pairs


class ListingRefused(Exception):
    """A listing request PMS answers with an error page (``response``)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def listing_window(emu, req: Request) -> tuple[int, int | None]:
    """``(start, size)`` of a listing under the emulator's :class:`Strictness`: raises
    :class:`ListingRefused` (400) without a size header or, with ``page_cap="error"``,
    for more than ``max_page`` items; otherwise cuts the size to ``max_page`` (and to
    ``hostile_page`` in hostile mode). Sources: see ``Strictness``."""
    strict = emu.strict
    start, size = q.paging(req.query, req.headers)
    if size is None:
        if strict.require_size:
            raise ListingRefused(error_page(400, "Missing X-Plex-Container-Size header"))
        return start, None
    if size > strict.max_page:
        if strict.page_cap == "error":
            raise ListingRefused(error_page(400, "Bad Request"))
        size = strict.max_page
    if strict.hostile:
        size = min(size, strict.hostile_page)
    return start, size


def paged(req: Request, items: list, emu=None) -> tuple[list, list[tuple[str, object]]]:
    """Slice ``items`` by the request's container paging; the ``totalSize``/``offset``
    pairs to add (only when paging was asked, as PMS does: without ``totalSize`` plexapi's
    ``fetchItems`` stops after the first page). With ``emu``, the request is a listing
    held to :func:`listing_window` (may raise :class:`ListingRefused`)."""
    if emu is not None:
        start, size = listing_window(emu, req)
        if size is None:
            return (items[start:] if start else items), ([("totalSize", len(items)), ("offset", start)]
                                                         if start else [])
        return items[start:start + size], [("totalSize", len(items)), ("offset", start)]
    start, size = q.paging(req.query, req.headers)
    if size is None:
        return (items[start:] if start else items), ([("totalSize", len(items)), ("offset", start)]
                                                     if start else [])
    return items[start:start + size], [("totalSize", len(items)), ("offset", start)]


# --- server ----------------------------------------------------------------------------------

def root(emu, req: Request) -> Response:
    return Response(200, server_root(emu.friendly_name, emu.machine_identifier, emu.version,
                                     emu.section.updated_at, emu.tokens.get(emu.token, "owner")))


def identity(emu, req: Request) -> Response:
    pairs = [("size", 0), ("claimed", 1), ("machineIdentifier", emu.machine_identifier),
             ("version", emu.version)]
    return Response(200, document(pairs))


def library(emu, req: Request) -> Response:
    children = ('<Directory key="sections" title="Library Sections" />\n'
                '<Directory key="recentlyAdded" title="Recently Added Content" />\n'
                '<Directory key="onDeck" title="On Deck Content" />\n')
    pairs = [("size", 3), ("allowSync", 0), ("art", "/:/resources/library-art.png"), ("content", ""),
             ("identifier", LIBRARY_IDENTIFIER), ("mediaTagPrefix", MEDIA_TAG_PREFIX),
             ("mediaTagVersion", MEDIA_TAG_VERSION), ("title1", "Plex Library"), ("title2", "")]
    return Response(200, document(pairs, children))


def sections(emu, req: Request) -> Response:
    secs = sorted(emu.all_sections(), key=lambda s: s.key)
    pairs = [("size", len(secs)), ("allowSync", 0), ("identifier", LIBRARY_IDENTIFIER),
             ("mediaTagPrefix", MEDIA_TAG_PREFIX), ("mediaTagVersion", MEDIA_TAG_VERSION),
             ("title1", "Plex Library")]
    return Response(200, document(pairs, [section_xml(s) for s in secs]))


# --- section listings --------------------------------------------------------------------------

_TITLE2 = {q.TYPE_ARTIST: "All Artists", q.TYPE_ALBUM: "All Albums", q.TYPE_TRACK: "All Tracks"}
_VIEW = {q.TYPE_ARTIST: ("artist", 65592), q.TYPE_ALBUM: ("album", 65592), q.TYPE_TRACK: ("track", 65593)}


def _render_items(emu, mtype: int, items: list, excludes: Excludes) -> list[str]:
    ctx = emu.ctx
    if mtype == q.TYPE_TRACK:
        return [track_xml(t, ctx, excludes=excludes) for t in items]
    if mtype == q.TYPE_ALBUM:
        return [album_xml(a, ctx, excludes=excludes, listing=True) for a in items]
    return [artist_xml(a, ctx, excludes=excludes, listing=True) for a in items]


def section_all(emu, req: Request, section_key: int, what: str = "all") -> Response:
    """``/library/sections/N/all`` (``type=8|9|10``, default 8), ``/albums`` and
    ``/collections``; section attributes sit on the container, not on the children."""
    sec = emu.find_section(section_key)
    if sec is None:
        return not_found()
    type_arg = req.arg("type", "")
    mtype = int(type_arg) if type_arg.isdigit() else q.TYPE_ARTIST
    if what == "albums":
        mtype = q.TYPE_ALBUM
    if mtype in emu.faults.fail_listing_types:
        return error_page(500, "Internal Server Error")
    music = sec is emu.section
    start, size = listing_window(emu, req)
    query = req.query
    if emu.strict.hostile:
        # PMS drops filters it does not know and answers 200 (issue "Plex: safe on a real
        # server"): the hostile server treats the id range filters so.
        query = {k: v for k, v in query.items() if not q.ID_BOUND.match(k)}
    if emu.strict.ignore_updated_filter:
        query = {k: v for k, v in query.items() if not k.removeprefix("track.").startswith("updatedAt")}
    # A size probe (X-Plex-Container-Size=0) only needs the count, not the order.
    items = q.select(emu.lib, mtype, query, int(emu.now), ordered=size != 0) if (
        music and what != "collections" and mtype in _TITLE2) else []
    if emu.strict.hostile and size != 0 and items:
        items = q.shuffle_ties(emu.lib, mtype, (query.get("sort") or [None])[0], list(items))
    page = items[start:] if size is None else items[start:start + size]
    if emu.strict.unstable_order and size != 0 and mtype == q.TYPE_TRACK:
        items = random.sample(list(items), len(items))
        page = items[start:] if size is None else items[start:start + size]
    stop = emu.strict.stop_listing_at
    if stop is not None and mtype == q.TYPE_TRACK:
        page = page[: max(0, stop - start)]
    view_group, view_mode = _VIEW.get(mtype, ("artist", 65592))
    pairs = [("size", len(page)), ("totalSize", len(items)), ("offset", start), ("allowSync", 1),
             ("art", "/:/resources/artist-fanart.jpg"), ("identifier", LIBRARY_IDENTIFIER),
             ("librarySectionID", sec.key), ("librarySectionTitle", sec.title),
             ("librarySectionUUID", sec.uuid), ("mediaTagPrefix", MEDIA_TAG_PREFIX),
             ("mediaTagVersion", MEDIA_TAG_VERSION), ("nocache", 1), ("thumb", "/:/resources/artist.png"),
             ("title1", sec.title), ("title2", _TITLE2.get(mtype, "All")), ("viewGroup", view_group),
             ("viewMode", view_mode)]
    head = ""
    if req.arg("includeMeta") == "1" and music:
        head = collections_meta_block(sec.key) if what == "collections" else meta_block(sec.key, mtype)
    return Response(200, document(pairs, head + "".join(_render_items(emu, mtype, page, req.excludes))))


# --- metadata ----------------------------------------------------------------------------------

def _metadata_item(emu, req: Request, key: int, single: bool, excludes: Excludes) -> str | None:
    lib, ctx = emu.lib, emu.ctx
    t = lib.tracks.get(key)
    if t is not None:
        return track_xml(t, ctx, section_attrs=True, stream=single, excludes=excludes)
    al = lib.albums.get(key)
    if al is not None:
        return album_xml(al, ctx, section_attrs=True, counts=True, excludes=excludes)
    ar = lib.artists.get(key)
    if ar is not None:
        return artist_xml(ar, ctx, section_attrs=True, excludes=excludes)
    pl = emu.playlists.get(key)
    if pl is not None and emu.owns(pl, req.token):
        return playlist_xml(pl, lib)
    return None


def metadata(emu, req: Request, keys_text: str) -> Response:
    """``/library/metadata/{k}`` or ``/{k1},{k2},…``: the items found, in the order asked;
    404 when none of the keys exists."""
    try:
        keys = [int(k) for k in keys_text.split(",") if k.strip()]
    except ValueError:
        return not_found()
    excludes = req.excludes
    rendered = [x for x in (_metadata_item(emu, req, k, len(keys) == 1, excludes) for k in keys) if x]
    if not rendered:
        return not_found()
    page, extra = paged(req, rendered)
    pairs = [("size", len(page)), *extra, *library_container(emu)]
    return Response(200, document(pairs, page))


def children(emu, req: Request, key: int, leaves: bool) -> Response:
    """``/library/metadata/{album}/children`` (tracks), ``/{artist}/children`` (albums) and
    ``/allLeaves`` (all tracks of an artist or album)."""
    lib, ctx, excludes = emu.lib, emu.ctx, req.excludes
    al, ar = lib.albums.get(key), lib.artists.get(key)
    if al is not None:
        tracks = [lib.tracks[k] for k in al.track_keys]
        artist = lib.artists.get(al.artist_rating_key)
        page, extra = paged(req, tracks)
        pairs = [("size", len(page)), *extra, *library_container(emu, art=f"/library/metadata/{al.artist_rating_key}/art/{artist.updated_at if artist else 0}", grandparentRatingKey=al.artist_rating_key, grandparentThumb=f"/library/metadata/{al.artist_rating_key}/thumb/{artist.updated_at if artist else 0}", grandparentTitle=al.artist_title, key=key, nocache=1, parentIndex=1, parentTitle=al.title, parentYear=al.year, thumb=f"/library/metadata/{key}/thumb/{al.updated_at}", title1=al.artist_title, title2=al.title, viewGroup="track", viewMode=65593)]
        return Response(200, document(pairs, [track_xml(t, ctx, section_attrs=True, excludes=excludes)
                                              for t in page]))
    if ar is not None:
        if leaves:
            items = [lib.tracks[k] for ak in ar.album_keys for k in lib.albums[ak].track_keys]
            render = lambda t: track_xml(t, ctx, section_attrs=True, excludes=excludes)  # noqa: E731
            group, mode = "track", 65593
        else:
            items = [lib.albums[ak] for ak in ar.album_keys]
            render = lambda a: album_xml(a, ctx, excludes=excludes, listing=True)  # noqa: E731
            group, mode = "album", 65592
        page, extra = paged(req, items)
        pairs = [("size", len(page)), *extra, *library_container(emu, art=f"/library/metadata/{key}/art/{ar.updated_at}", key=key, nocache=1, parentIndex=1, parentTitle=ar.title, summary="", thumb=f"/library/metadata/{key}/thumb/{ar.updated_at}", title1=emu.section.title, title2=ar.title, viewGroup=group, viewMode=mode)]
        return Response(200, document(pairs, [render(x) for x in page]))
    if key in lib.tracks:
        return Response(200, document([("size", 0), *library_container(emu)]))
    return not_found()


# --- hub search --------------------------------------------------------------------------------

def _score(needle: str, words: list[str], hay: str) -> float | None:
    """A match score in PMS's 0..1 style: exact 1.0, prefix 0.9, substring 0.8, all query
    words present 0.6; None when it does not match."""
    if hay == needle:
        return 1.0
    if hay.startswith(needle):
        return 0.9
    if needle in hay:
        return 0.8
    if words and all(w in hay for w in words):
        return 0.6
    return None


def _hub(title: str, htype: str, shown: list[str], total: int) -> str:
    return (f'<Hub title="{title}" type="{htype}" hubIdentifier="{htype}" context="" size="{len(shown)}"'
            f' more="{int(total > len(shown))}" style="shelf">\n{"".join(shown)}</Hub>\n')


def hub_search(emu, req: Request) -> Response:
    """``/hubs/search?query=…&limit=…[&sectionId=…]``: Artist, Album and Track hubs (only
    non-empty ones) with items ranked by score. Matching ignores case and accents."""
    needle = sort_fold(req.arg("query", "") or "").strip()
    limit_s = req.arg("limit", "") or ""
    limit = int(limit_s) if limit_s.isdigit() and int(limit_s) > 0 else HUB_SEARCH_DEFAULT_LIMIT
    section_id = req.arg("sectionId")
    hubs: list[str] = []
    if needle and (section_id in (None, "", str(emu.section.key))):
        words = needle.split()
        lib, ctx = emu.lib, emu.ctx
        head = lambda s: f'librarySectionTitle="{esc(ctx.section.title)}" score="{s:.5f}" '  # noqa: E731
        for title, htype, pool, render in (
            ("Artists", "artist", lib.artists.values(),
             lambda a, s: artist_xml(a, ctx, listing=True).replace("<Directory ", "<Directory " + head(s), 1)),
            ("Albums", "album", lib.albums.values(),
             lambda a, s: album_xml(a, ctx, listing=True).replace("<Directory ", "<Directory " + head(s), 1)),
            ("Tracks", "track", lib.tracks.values(), lambda t, s: track_xml(t, ctx, score=s)),
        ):
            scored = []
            for item in pool:
                s = _score(needle, words, sort_fold(item.title))
                if s is not None:
                    scored.append((-s, sort_fold(item.title), item.rating_key, item))
            if scored:
                scored.sort(key=lambda x: x[:3])
                shown = [render(it, -neg) for neg, _, _, it in scored[:limit]]
                hubs.append(_hub(title, htype, shown, len(scored)))
    pairs = [("size", len(hubs)), ("allowSync", 0), ("identifier", LIBRARY_IDENTIFIER)]
    return Response(200, document(pairs, hubs))
