"""PMS-style XML for the emulator, built with string joins (no DOM) so a 1000-track page
renders in milliseconds.

Format as PMS writes it (README of ``/work/shared/plex-xml``): the declaration
``<?xml version="1.0" encoding="UTF-8"?>``, then one element per line without indentation,
attributes in double quotes, booleans as ``0``/``1``, dates as epoch seconds. Attribute
order follows the real (``sm_*``) captures: for a Track ``ratingKey key parentRatingKey
grandparentRatingKey guid parentGuid grandparentGuid type title grandparentKey parentKey
[librarySection*] grandparentTitle parentTitle [originalTitle] summary index parentIndex
parentYear thumb parentThumb grandparentThumb [playlistItemID] duration addedAt updatedAt``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from tests.fakes.library.model import FakeTrack
from tests.fakes.plex.state import AlbumInfo, ArtistInfo, FakePlaylist, FakeSection, LibraryState

XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
LIBRARY_IDENTIFIER = "com.plexapp.plugins.library"
MEDIA_TAG_PREFIX = "/system/bundle/media/flags/"
MEDIA_TAG_VERSION = "1700000000"
# Newlines and tabs become character references so every element stays on one line.
_ATTR_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
# codec, container and a typical bitrate (kbps) per file extension.
_CODECS = {"flac": ("flac", "flac", 900), "mp3": ("mp3", "mp3", 320),
           "m4a": ("aac", "mp4", 256), "ogg": ("vorbis", "ogg", 192), "opus": ("opus", "ogg", 160)}


def esc(value) -> str:
    """Escape ``value`` for a double-quoted XML attribute."""
    return escape(str(value), _ATTR_ENTITIES)


def attrs(pairs) -> str:
    """`` name="value"`` for each pair, skipping None; bools as 0/1."""
    out = []
    for name, value in pairs:
        if value is None:
            continue
        if value is True or value is False:
            value = int(value)
        out.append(f' {name}="{esc(value)}"')
    return "".join(out)


def document(container_pairs, children: list[str] | str = "") -> bytes:
    """A whole response: declaration, ``<MediaContainer>`` with ``container_pairs`` and the
    already-rendered child lines, UTF-8 encoded."""
    body = children if isinstance(children, str) else "".join(children)
    return (f"{XML_DECL}<MediaContainer{attrs(container_pairs)}>\n{body}</MediaContainer>\n"
            ).encode()


@dataclass
class RenderContext:
    """What item rendering needs besides the item: the music section and the library."""

    section: FakeSection
    lib: LibraryState

    def section_attrs_on_item(self) -> str:
        s = self.section
        return (f' librarySectionTitle="{esc(s.title)}" librarySectionID="{s.key}"'
                f' librarySectionKey="/library/sections/{s.key}"')

    def section_attrs_on_container(self) -> list[tuple[str, object]]:
        s = self.section
        return [("librarySectionID", s.key), ("librarySectionTitle", s.title),
                ("librarySectionUUID", s.uuid)]


@dataclass(frozen=True)
class Excludes:
    """What a request asked PMS to leave out of the items it lists: ``excludeElements``
    (child element names such as ``Media``, ``Part``, ``Genre``) and ``excludeFields``
    (attribute names such as ``summary``), each a comma list. plexapi sends both
    (``PlexPartialObject._EXCLUDES``); the WebTools-NG notes on PMS (issue #71) list
    ``Actor Collection Country Director Genre Label Mood Part Producer Similar Writer`` as
    excludable elements and ``file summary tagline`` as fields, and observe that leaving
    out ``Part`` adds ``partCount`` to its ``Media``. Fields are removed from the item and
    every element nested in it, never from the ``MediaContainer``. Names are
    case-sensitive; unknown names change nothing."""

    elements: frozenset = frozenset()
    fields: frozenset = frozenset()

    @classmethod
    def from_query(cls, query: dict[str, list[str]]) -> Excludes:
        def names(param: str) -> frozenset:
            return frozenset(n.strip() for v in query.get(param, []) for n in v.split(",") if n.strip())

        elements, fields = names("excludeElements"), names("excludeFields")
        return cls(elements, fields) if (elements or fields) else NO_EXCLUDES

    def loosened(self) -> Excludes:
        """These excludes as a hostile server matches them: a field name drops every
        attribute whose name ends with it, case-insensitively (``key`` drops ``ratingKey``
        and ``parentKey``, ``title`` drops ``grandparentTitle``), see ``Strictness``."""
        if not self.fields:
            return self
        names = {name for name, *_ in _TRACK_ATTRS} | _OTHER_ATTRS
        wanted = [f.casefold() for f in self.fields]
        loose = {n for n in names if any(n.casefold().endswith(w) for w in wanted)}
        return Excludes(self.elements, frozenset(self.fields | loose))

    @property
    def _field_pattern(self) -> re.Pattern:
        pattern = _FIELD_PATTERNS.get(self.fields)
        if pattern is None:
            alternatives = "|".join(re.escape(f) for f in sorted(self.fields))
            # Attribute values are escaped (no raw '"'), so [^"]* ends at the closing quote.
            pattern = _FIELD_PATTERNS[self.fields] = re.compile(f' (?:{alternatives})="[^"]*"')
        return pattern

    def strip_fields(self, rendered: str) -> str:
        """``rendered`` without the excluded attributes."""
        return self._field_pattern.sub("", rendered) if self.fields else rendered


NO_EXCLUDES = Excludes()
# Attribute names of album and artist Directories besides the track ones (loose matching).
_OTHER_ATTRS = {"parentGuid", "art", "year", "originallyAvailableAt", "leafCount", "viewedLeafCount",
                "loudnessAnalysisVersion", "parentTitle", "parentKey", "parentRatingKey"}


def media_id(rating_key: int) -> int:
    """The Media/Part id of a track: PMS numbers media items and parts in their own tables,
    so they differ from the track's ratingKey (``sm_section_all_tracks_type10.xml``:
    ratingKey 3609, Media and Part id 2800). A fixed scramble keeps it stable per track."""
    return (rating_key * 2_654_435_761) % 9_000_000 + 1_000_000


def play_stats(t: FakeTrack) -> tuple[str | None, int | None, int | None]:
    """``(userRating, viewCount, lastViewedAt)`` of a track, or None where PMS leaves the
    attribute out (unrated, never played). Real tracks carry them (``userRating`` and
    ``lastRatedAt`` in ``sm_section_all_tracks_type10.xml``, ``viewCount`` and
    ``lastViewedAt`` in ``ha_metadata_track.xml``); the emulator rates every 10th and
    plays every 5th track, derived from the ratingKey."""
    rated = "8.0" if t.rating_key % 10 == 0 else None
    played = t.rating_key % 5 == 0
    return rated, (t.rating_key % 7 + 1 if played else None), (t.added_at + 86_400 if played else None)
_FIELD_PATTERNS: dict[frozenset, re.Pattern] = {}


def _media_xml(t: FakeTrack, stream: bool, part_shown: bool = True) -> str:
    ext = t.file_path.rsplit(".", 1)[-1].lower() if "." in t.file_path else "flac"
    codec, container, bitrate = _CODECS.get(ext, ("flac", "flac", 900))
    size = t.duration_ms * bitrate // 8
    mid = media_id(t.rating_key)
    part_open = (f'<Part id="{mid}" key="/library/parts/{mid}/{t.updated_at}/file.{ext}"'
                 f' duration="{t.duration_ms}" file="{esc(t.file_path)}" size="{size}"'
                 f' container="{container}" hasThumbnail="0"')
    if stream:
        part = (f"{part_open}>\n<Stream id=\"{mid}\" streamType=\"2\" selected=\"1\" codec=\"{codec}\""
                f' index="0" channels="2" bitrate="{bitrate}" albumGain="-7.50" albumPeak="0.988000"'
                f' albumRange="6.500000" audioChannelLayout="stereo" gain="-7.50" loudness="-10.50"'
                f' lra="6.50" peak="0.988000" samplingRate="44100"'
                f' displayTitle="{codec.upper()} (Stereo)" extendedDisplayTitle="{codec.upper()} (Stereo)" />\n'
                f"</Part>\n")
    else:
        part = f"{part_open} />\n"
    head = (f'<Media id="{mid}" duration="{t.duration_ms}" bitrate="{bitrate}" audioChannels="2"'
            f' audioCodec="{codec}" container="{container}"')
    if not part_shown:
        return f'{head} partCount="1">\n</Media>\n'
    return f"{head}>\n{part}</Media>\n"


def track_xml(t: FakeTrack, ctx: RenderContext, *, section_attrs: bool = False,
              playlist_item_id: int | None = None, score: float | None = None,
              stream: bool = False, excludes: Excludes = NO_EXCLUDES) -> str:
    """One ``<Track>`` with its nested ``<Media><Part/></Media>``. ``section_attrs`` adds
    ``librarySection*`` (metadata, playlist items, hubs, not section listings); ``score``
    puts hub-search ``librarySectionTitle score`` first, as the plexopedia sample shows;
    ``stream`` nests an audio ``<Stream>`` in the Part (single-track metadata);
    ``excludes`` leaves out what the request's ``excludeElements``/``excludeFields`` name."""
    album = ctx.lib.albums.get(t.album_rating_key)
    album_ts = album.updated_at if album else t.updated_at
    artist = ctx.lib.artists.get(t.artist_rating_key)
    artist_ts = artist.updated_at if artist else t.updated_at
    if excludes.fields and "Media" in excludes.elements:
        # A listing that keeps a few attributes of many tracks (ratingKeys only, say) should
        # not cost a full render plus a strip per track: render only the kept attributes.
        render = _slim_track_renderer(excludes.fields)
        return render(t, ctx, score, section_attrs, playlist_item_id, album_ts, artist_ts)
    ak, rk = t.album_rating_key, t.artist_rating_key
    head = ""
    sect = ctx.section_attrs_on_item() if section_attrs else ""
    if score is not None:
        head = f' librarySectionTitle="{esc(ctx.section.title)}" score="{score:.5f}"'
        sect = f' librarySectionID="{ctx.section.key}" librarySectionKey="/library/sections/{ctx.section.key}"'
    orig = (f' originalTitle="{esc(t.track_artist)}"'
            if t.track_artist and t.track_artist != t.album_artist else "")
    index = f' index="{t.track_number}"' if t.track_number is not None else ""
    year = f' parentYear="{t.year}"' if t.year else ""
    pli = f' playlistItemID="{playlist_item_id}"' if playlist_item_id is not None else ""
    rated, views, viewed = play_stats(t)
    rating = f' userRating="{rated}" lastRatedAt="{t.added_at}"' if rated else ""
    plays = f' viewCount="{views}" lastViewedAt="{viewed}"' if views else ""
    out = (
        f'<Track{head} ratingKey="{t.rating_key}" key="/library/metadata/{t.rating_key}"'
        f' parentRatingKey="{ak}" grandparentRatingKey="{rk}" guid="{esc(t.guid)}"'
        f' parentGuid="plex://album/{ak:024x}" grandparentGuid="plex://artist/{rk:024x}"'
        f' type="track" title="{esc(t.title)}" grandparentKey="/library/metadata/{rk}"'
        f' parentKey="/library/metadata/{ak}"{sect} grandparentTitle="{esc(t.album_artist)}"'
        f' parentTitle="{esc(t.album)}"{orig} summary=""{index} parentIndex="{t.disc_number}"{rating}{year}'
        f' thumb="/library/metadata/{ak}/thumb/{album_ts}" parentThumb="/library/metadata/{ak}/thumb/{album_ts}"'
        f' grandparentThumb="/library/metadata/{rk}/thumb/{artist_ts}"{pli}{plays} duration="{t.duration_ms}"'
        f' addedAt="{t.added_at}" updatedAt="{t.updated_at}">\n'
    )
    if excludes is NO_EXCLUDES:
        return f"{out}{_media_xml(t, stream)}</Track>\n"
    gone = excludes.elements
    media = "" if "Media" in gone else _media_xml(t, stream and "Stream" not in gone, "Part" not in gone)
    return excludes.strip_fields(f"{out}{media}</Track>\n")


# (name, value expression, condition or None, needs escaping): every attribute track_xml
# writes, in its order. librarySectionTitle appears twice: first for hub search items
# (with score), after parentKey for metadata and playlist items.
_TRACK_ATTRS = (
    ("librarySectionTitle", "s.title", "score is not None", True),
    ("score", "format(score, '.5f')", "score is not None", False),
    ("ratingKey", "t.rating_key", None, False),
    ("key", "'/library/metadata/%d' % t.rating_key", None, False),
    ("parentRatingKey", "ak", None, False),
    ("grandparentRatingKey", "rk", None, False),
    ("guid", "t.guid", None, True),
    ("parentGuid", "'plex://album/%024x' % ak", None, False),
    ("grandparentGuid", "'plex://artist/%024x' % rk", None, False),
    ("type", "'track'", None, False),
    ("title", "t.title", None, True),
    ("grandparentKey", "'/library/metadata/%d' % rk", None, False),
    ("parentKey", "'/library/metadata/%d' % ak", None, False),
    ("librarySectionTitle", "s.title", "score is None and section_attrs", True),
    ("librarySectionID", "s.key", "score is not None or section_attrs", False),
    ("librarySectionKey", "'/library/sections/%d' % s.key", "score is not None or section_attrs", False),
    ("grandparentTitle", "t.album_artist", None, True),
    ("parentTitle", "t.album", None, True),
    ("originalTitle", "t.track_artist", "t.track_artist and t.track_artist != t.album_artist", True),
    ("summary", "''", None, False),
    ("index", "t.track_number", "t.track_number is not None", False),
    ("parentIndex", "t.disc_number", None, False),
    ("userRating", "'8.0'", "t.rating_key % 10 == 0", False),
    ("lastRatedAt", "t.added_at", "t.rating_key % 10 == 0", False),
    ("parentYear", "t.year", "t.year", False),
    ("thumb", "'/library/metadata/%d/thumb/%d' % (ak, album_ts)", None, False),
    ("parentThumb", "'/library/metadata/%d/thumb/%d' % (ak, album_ts)", None, False),
    ("grandparentThumb", "'/library/metadata/%d/thumb/%d' % (rk, artist_ts)", None, False),
    ("playlistItemID", "pli", "pli is not None", False),
    ("viewCount", "t.rating_key % 7 + 1", "t.rating_key % 5 == 0", False),
    ("lastViewedAt", "t.added_at + 86400", "t.rating_key % 5 == 0", False),
    ("duration", "t.duration_ms", None, False),
    ("addedAt", "t.added_at", None, False),
    ("updatedAt", "t.updated_at", None, False),
)
_SLIM_RENDERERS: dict[frozenset, object] = {}


def _slim_track_renderer(fields: frozenset):
    """A function rendering a ``<Track>`` (no children) without the attributes in
    ``fields``, generated once per set of names; checked against the full render with the
    attributes stripped in ``tests/plex_emulator``."""
    fn = _SLIM_RENDERERS.get(fields)
    if fn is not None:
        return fn
    lines = ["def render(t, ctx, score, section_attrs, pli, album_ts, artist_ts):",
             "    ak, rk, s = t.album_rating_key, t.artist_rating_key, ctx.section",
             "    out = ['<Track']"]
    for name, expr, cond, quote in _TRACK_ATTRS:
        if name in fields:
            continue
        value = f"esc({expr})" if quote else f"str({expr})"
        line = f"out.append(' {name}=\"' + {value} + '\"')"
        lines.append(f"    if {cond}: {line}" if cond else f"    {line}")
    lines.append("    out.append('>\\n</Track>\\n')")
    lines.append("    return ''.join(out)")
    scope: dict = {"esc": esc}
    exec("\n".join(lines), scope)  # noqa: S102 - code built above from constant names only
    fn = _SLIM_RENDERERS[fields] = scope["render"]
    return fn


# Tags of one kind an item shows in a section listing. A listing carries only the first
# few tags of each kind, the full /library/metadata/{id} all of them: python-plexapi issue
# #249 (a movie with 4 genres listed 2 of them in section items; reload() gave all) and
# #200 (section.all() items showed at most two collections). Those reports are about
# movies; the music listings are assumed to cut the same way (the stricter reading).
LISTING_TAGS_PER_KIND = 2
_TAG_ELEMENTS = ("Genre", "Style", "Mood")


def tag_children(tags: tuple, excludes: Excludes, listing: bool) -> str:
    """``<Genre tag="…" />`` (then Style, Mood) child lines for ``(element, tag)`` pairs,
    as in ``ha_library_section_music_all_artists.xml`` (``<Genre tag="Electronic" />`` on a
    listed artist; plexapi reads Genre, Style and Mood of artists and albums,
    ``plexapi/audio.py``). ``listing`` keeps :data:`LISTING_TAGS_PER_KIND` of each kind;
    elements named in ``excludeElements`` are left out."""
    out = []
    for element in _TAG_ELEMENTS:
        if element in excludes.elements:
            continue
        values = [tag for kind, tag in tags if kind == element]
        if listing:
            values = values[:LISTING_TAGS_PER_KIND]
        out.extend(f'<{element} tag="{esc(tag)}" />\n' for tag in values)
    return "".join(out)


def album_xml(al: AlbumInfo, ctx: RenderContext, *, section_attrs: bool = False,
              counts: bool = False, excludes: Excludes = NO_EXCLUDES, listing: bool = False) -> str:
    """One album ``<Directory type="album">`` with its Genre/Style/Mood children
    (:func:`tag_children`; ``listing`` cuts them as a section listing does); ``counts``
    adds ``leafCount viewedLeafCount`` (single-album metadata)."""
    ak, rk = al.rating_key, al.artist_rating_key
    artist = ctx.lib.artists.get(rk)
    artist_ts = artist.updated_at if artist else al.updated_at
    sect = ctx.section_attrs_on_item() if section_attrs else ""
    year = f' year="{al.year}"' if al.year else ""
    released = f' originallyAvailableAt="{al.year}-01-01"' if al.year else ""
    cnt = f' leafCount="{len(al.track_keys)}" viewedLeafCount="0"' if counts else ""
    return excludes.strip_fields(
        f'<Directory ratingKey="{ak}" key="/library/metadata/{ak}/children" parentRatingKey="{rk}"'
        f' guid="plex://album/{ak:024x}" parentGuid="plex://artist/{rk:024x}" type="album"'
        f' title="{esc(al.title)}" parentKey="/library/metadata/{rk}"{sect}'
        f' parentTitle="{esc(al.artist_title)}" summary="" index="1"{year}'
        f' thumb="/library/metadata/{ak}/thumb/{al.updated_at}" art="/library/metadata/{rk}/art/{artist_ts}"'
        f' parentThumb="/library/metadata/{rk}/thumb/{artist_ts}"{released}{cnt}'
        f' addedAt="{al.added_at}" updatedAt="{al.updated_at}" loudnessAnalysisVersion="2">\n'
        f"{tag_children(al.tags, excludes, listing)}</Directory>\n"
    )


def artist_xml(ar: ArtistInfo, ctx: RenderContext, *, section_attrs: bool = False,
               excludes: Excludes = NO_EXCLUDES, listing: bool = False) -> str:
    """One album artist ``<Directory type="artist">`` with its Genre/Style/Mood children
    (:func:`tag_children`)."""
    k = ar.rating_key
    sect = ctx.section_attrs_on_item() if section_attrs else ""
    return excludes.strip_fields(
        f'<Directory ratingKey="{k}" key="/library/metadata/{k}/children" guid="plex://artist/{k:024x}"'
        f' type="artist" title="{esc(ar.title)}"{sect} summary="" index="1"'
        f' thumb="/library/metadata/{k}/thumb/{ar.updated_at}" art="/library/metadata/{k}/art/{ar.updated_at}"'
        f' addedAt="{ar.added_at}" updatedAt="{ar.updated_at}">\n{tag_children(ar.tags, excludes, listing)}</Directory>\n'
    )


def playlist_stats(pl: FakePlaylist, lib: LibraryState) -> tuple[int, int]:
    """``(leafCount, duration in ms)`` over the items whose track still exists (PMS drops
    items of tracks removed from the library)."""
    tracks = lib.tracks
    present = [tracks[rk] for _, rk in pl.items if rk in tracks]
    return len(present), sum(t.duration_ms for t in present)


def playlist_xml(pl: FakePlaylist, lib: LibraryState, *, created: bool = False) -> str:
    """One ``<Playlist>``. ``created`` gives the POST answer's shape (no ``composite`` or
    ``duration``, and ``leafCount="0"`` whatever was added, as in
    ``sm_playlist_create_response.xml``).
    ``composite``/``duration`` appear once the playlist has items; ``thumb`` once a poster
    was uploaded."""
    leaf, duration = playlist_stats(pl, lib)
    k = pl.rating_key
    extra = ""
    if not created and leaf:
        extra = f' composite="/playlists/{k}/composite/{pl.updated_at}" duration="{duration}"'
    thumb = f' thumb="/library/metadata/{k}/thumb/{pl.updated_at}"' if (pl.poster or pl.poster_url) else ""
    return (
        f'<Playlist ratingKey="{k}" key="/playlists/{k}/items" guid="{esc(pl.guid)}" type="playlist"'
        f' title="{esc(pl.title)}" summary="{esc(pl.summary)}" smart="0" playlistType="audio"'
        f'{extra}{thumb} leafCount="{0 if created else leaf}" addedAt="{pl.added_at}" updatedAt="{pl.updated_at}">\n'
        f"</Playlist>\n"
    )


def section_xml(s: FakeSection) -> str:
    """One library section ``<Directory>`` of ``/library/sections`` with its ``<Location>``."""
    art = {"artist": "artist-fanart", "movie": "movie-fanart", "show": "show-fanart"}.get(s.type, "movie-fanart")
    thumb = {"artist": "artist", "movie": "movie", "show": "show", "photo": "photo"}.get(s.type, "movie")
    return (
        f'<Directory allowSync="1" art="/:/resources/{art}.jpg" composite="/library/sections/{s.key}/composite/{s.updated_at}"'
        f' filters="1" refreshing="0" thumb="/:/resources/{thumb}.png" key="{s.key}" type="{s.type}"'
        f' title="{esc(s.title)}" agent="{s.agent}" scanner="{s.scanner}" language="en-US" uuid="{s.uuid}"'
        f' updatedAt="{s.updated_at}" createdAt="{s.created_at}" scannedAt="{s.scanned_at}" content="1"'
        f' directory="1" contentChangedAt="{s.content_changed_at}" hidden="0">\n'
        f'<Location id="{s.key}" path="{esc(s.location)}" />\n</Directory>\n'
    )


# Root directory keys a PMS lists under GET / (names from the README's server-root samples).
ROOT_DIRECTORIES = ("activities", "butler", "channels", "clients", "devices", "diagnostics", "hubs",
                    "library", "livetv", "media", "metadata", "neighborhood", "playQueues", "player",
                    "playlists", "resources", "search", "server", "servers", "statistics", "system",
                    "transcode", "updater", "user")


def server_root(friendly_name: str, machine_identifier: str, version: str, updated_at: int,
                username: str) -> bytes:
    """``GET /``: the server's capability flags and its root directories."""
    pairs = [
        ("size", len(ROOT_DIRECTORIES)), ("allowCameraUpload", 0), ("allowChannelAccess", 1),
        ("allowMediaDeletion", 1), ("allowSharing", 1), ("allowSync", 1), ("allowTuners", 0),
        ("backgroundProcessing", 1), ("certificate", 0), ("companionProxy", 1), ("countryCode", "usa"),
        ("diagnostics", "logs,databases,streaminglogs"), ("eventStream", 1), ("friendlyName", friendly_name),
        ("hubSearch", 1), ("itemClusters", 1), ("livetv", 7), ("machineIdentifier", machine_identifier),
        ("mediaProviders", 1), ("multiuser", 1), ("musicAnalysis", 2), ("myPlex", 1),
        ("myPlexMappingState", "mapped"), ("myPlexSigninState", "ok"), ("myPlexSubscription", 0),
        ("myPlexUsername", username), ("offlineTranscode", 1),
        ("ownerFeatures", "federated-auth,home,loudness,lyrics,music-analysis,radio,server-manager,webhooks"),
        ("photoAutoTag", 0), ("platform", "Linux"), ("platformVersion", "6.1.0"), ("pluginHost", 1),
        ("pushNotifications", 0), ("readOnlyLibraries", 0), ("streamingBrainABRVersion", 3),
        ("streamingBrainVersion", 2), ("sync", 1), ("transcoderActiveVideoSessions", 0),
        ("transcoderAudio", 1), ("transcoderLyrics", 1), ("transcoderPhoto", 1), ("transcoderSubtitles", 1),
        ("transcoderVideo", 1), ("transcoderVideoBitrates", "64,96,208,320,720,1500,2000,3000,4000,8000"),
        ("transcoderVideoQualities", "0,1,2,3,4,5,6,7,8,9"),
        ("transcoderVideoRemuxOnly", 1),
        ("transcoderVideoResolutions", "128,128,160,240,320,480,768,720,720,1080"),
        ("updatedAt", updated_at), ("updater", 1), ("version", version), ("voiceSearch", 1),
    ]
    children = "".join(f'<Directory count="1" key="{k}" title="{k}" />\n' for k in ROOT_DIRECTORIES)
    return document(pairs, children)
