"""The ``<Meta>`` block PMS adds to ``/library/sections/N/all?includeMeta=1`` (and
``/collections?includeMeta=1``). plexapi's ``LibrarySection._loadFilters`` reads it before
any filtered or sorted ``search()`` to validate field names, operators and sort keys, so the
fields our app filters on (``title``, ``addedAt``, ``updatedAt``...) must be listed here.

Element and attribute names follow ``ha_library_section_music_all_includemeta.xml``
(Type/Filter/Sort/Field/FieldType/Operator); the lists below are our own, smaller selection
of what a music section offers. plexapi adds ``updatedAt``, ``id``, ``index``, ``duration``
and a few more fields and sorts on its side (``FilteringType._manualFields/_manualSorts``).
"""

from __future__ import annotations

from tests.fakes.plex.xmlrender import esc

# (filter, filterType, title) per libtype.
_FILTERS = {
    "artist": [("genre", "string", "Genre"), ("country", "string", "Country")],
    "album": [("genre", "string", "Genre"), ("year", "integer", "Year"), ("decade", "integer", "Decade")],
    "track": [("mood", "string", "Mood"), ("userRating", "string", "Rating")],
}
# (key, defaultDirection, title, is_default)
_SORTS = {
    "artist": [("titleSort", "asc", "Title", True), ("addedAt", "desc", "Date Added", False),
               ("lastViewedAt", "desc", "Date Played", False), ("random", "desc", "Randomly", False)],
    "album": [("titleSort", "asc", "Title", False),
              ("artist.titleSort,album.titleSort,album.index,album.id,album.originallyAvailableAt", "asc",
               "Album Artist", True),
              ("year", "desc", "Year", False), ("addedAt", "desc", "Date Added", False),
              ("random", "desc", "Randomly", False)],
    "track": [("titleSort", "asc", "Title", False),
              ("artist.titleSort,album.titleSort,album.year,track.absoluteIndex,track.index,track.titleSort,track.id",
               "asc", "Album Artist", True),
              ("originalTitle", "desc", "Track Artist", False), ("album.titleSort", "asc", "Album", False),
              ("duration", "desc", "Length", False), ("addedAt", "desc", "Date Added", False),
              ("lastViewedAt", "desc", "Date Played", False), ("random", "desc", "Randomly", False)],
}
# (key, type, title, subType)
_FIELDS = {
    "artist": [("artist.title", "string", "Artist Name", None), ("artist.genre", "tag", "Artist Genre", None),
               ("artist.addedAt", "date", "Artist Added", None)],
    "album": [("album.title", "string", "Album Name", None), ("album.year", "integer", "Album Year", "year"),
              ("album.genre", "tag", "Album Genre", None), ("album.addedAt", "date", "Album Added", None)],
    "track": [("track.title", "string", "Track Name", None), ("track.originalTitle", "string", "Track Artist", None),
              ("track.viewCount", "integer", "Track Plays", None),
              ("track.userRating", "integer", "Track Rating", "rating"),
              ("track.addedAt", "date", "Track Added", None), ("track.lastViewedAt", "date", "Track Played", None)],
}
# type -> [(operator key, title)]
_FIELD_TYPES = [
    ("tag", [("=", "is"), ("!=", "is not")]),
    ("integer", [("=", "is"), ("!=", "is not"), (">>=", "is greater than"), ("<<=", "is less than")]),
    ("string", [("=", "contains"), ("!=", "does not contain"), ("==", "is"), ("!==", "is not"),
                ("<=", "begins with"), (">=", "ends with")]),
    ("boolean", [("=", "is true"), ("!=", "is false")]),
    ("date", [("<<=", "is before"), (">>=", "is after")]),
]
_TYPE_NUM = {"artist": 8, "album": 9, "track": 10}
_TYPE_TITLE = {"artist": "Artists", "album": "Albums", "track": "Tracks"}


def _type_block(section_key: int, libtype: str, active: bool) -> list[str]:
    n = _TYPE_NUM[libtype]
    base = f"/library/sections/{section_key}"
    lines = [f'<Type key="{base}/all?type={n}" type="{libtype}" title="{_TYPE_TITLE[libtype]}" active="{int(active)}">']
    for filt, ftype, title in _FILTERS[libtype]:
        lines.append(f'<Filter filter="{filt}" filterType="{ftype}" key="{base}/{filt}?type={n}"'
                     f' title="{title}" type="filter" />')
    for key, direction, title, default in _SORTS[libtype]:
        first = key.split(",")[0]
        desc = f"{first}:desc" + key[len(first):]
        dflt = f' default="{direction}"' if default else ""
        lines.append(f'<Sort{dflt} defaultDirection="{direction}" descKey="{esc(desc)}"'
                     f' key="{esc(key)}" title="{title}" />')
    for key, ftype, title, sub in _FIELDS[libtype]:
        subtype = f' subType="{sub}"' if sub else ""
        lines.append(f'<Field key="{key}"{subtype} title="{title}" type="{ftype}" />')
    lines.append("</Type>")
    return lines


def _field_types() -> list[str]:
    lines = []
    for ftype, ops in _FIELD_TYPES:
        lines.append(f'<FieldType type="{ftype}">')
        lines.extend(f'<Operator key="{esc(k)}" title="{t}" />' for k, t in ops)
        lines.append("</FieldType>")
    return lines


def meta_block(section_key: int, active_type: int | None = None) -> str:
    """The music section's ``<Meta>`` (artist, album and track Types plus FieldTypes);
    ``active_type`` (8/9/10) marks the Type the listing was asked for."""
    active = {8: "artist", 9: "album", 10: "track"}.get(active_type or 8, "artist")
    lines = ["<Meta>"]
    for libtype in ("artist", "album", "track"):
        lines.extend(_type_block(section_key, libtype, libtype == active))
    lines.extend(_field_types())
    lines.append("</Meta>")
    return "\n".join(lines) + "\n"


def collections_meta_block(section_key: int) -> str:
    """The ``<Meta>`` of ``/collections?includeMeta=1``: one ``collection`` Type."""
    base = f"/library/sections/{section_key}"
    lines = [
        "<Meta>",
        f'<Type key="{base}/collections" type="collection" title="Collections" active="1">',
        '<Sort default="asc" defaultDirection="asc" descKey="titleSort:desc" key="titleSort" title="Title" />',
        '<Field key="collection.title" title="Collection Name" type="string" />',
        "</Type>",
        *_field_types(),
        "</Meta>",
    ]
    return "\n".join(lines) + "\n"
