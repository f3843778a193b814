"""Fidelity: the emulator's XML against the real PMS captures in ``../shared/plex-xml``.

For each endpoint with samples we request the emulator's answer and check:
- element kinds are a subset of those in that endpoint's samples, with ``Part`` nested in
  ``Media`` nested in ``Track`` (real PMS, README caveat 1);
- each element has every attribute the README calls "Always" for its kind (computed from
  the samples the same way), and no attribute absent from every sample except ``ALLOW``;
- the MediaContainer carries the attributes all of that endpoint's samples carry (minus
  ``OPTIONAL_CONTAINER``), and only names seen on some sample container (plus ``ALLOW``);
- attributes come in the order of the real (``sm_*``) captures;
- the text is the declaration, then one element per line, no indentation.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import requests

from tests.plex_emulator.conftest import SHARED_XML
from tests.plex_emulator.fidelity_support import attribute_sets, parse, walk

# Names the emulator may send that no sample has, each with its source:
ALLOW = {
    # hub search items start with "librarySectionTitle score" (plexopedia.com "Perform Search")
    "Track": {"score"},
    "Directory/artist": {"score"},
    "Directory/album": {"score"},
    # a playlist with an uploaded poster gets a thumb, like every other item with artwork
    "Playlist": {"thumb"},
    # add-items answer (plexopedia.com "Add an Item to a Playlist"); /identity's "claimed"
    "MediaContainer": {"leafCountAdded", "leafCountRequested", "claimed"},
}
# Container attributes some samples have that depend on server state or on the request:
OPTIONAL_CONTAINER = {"augmentationKey", "sortAsc", "requestParametersInCookie", "size"}


@pytest.fixture(scope="module")
def samples():
    if not SHARED_XML.is_dir():
        pytest.skip(f"shared PMS samples not found at {SHARED_XML}")
    return attribute_sets(SHARED_XML)


@pytest.fixture
def fetch(emu):
    s = requests.Session()
    s.headers["X-Plex-Token"] = emu.token
    # Listings need the paging headers on a real PMS (400 without, see Strictness).
    s.headers.update({"X-Plex-Container-Start": "0", "X-Plex-Container-Size": "1000"})

    def get(path: str, method: str = "GET", **params) -> bytes:
        r = s.request(method, emu.url + path, params=params, timeout=5)
        assert r.status_code == 200, (path, r.status_code)
        assert r.headers["Content-Type"] == "text/xml;charset=utf-8"
        return r.content

    yield get
    s.close()


def _playlist(emu) -> int:
    return emu.create_user_playlist("Fidelity ✓", [1001, 1013, 1007])


# name -> (request builder(emu) -> (method, path, params), sample files)
ENDPOINTS = {
    "server root": (lambda e: ("GET", "/", {}), ["ha_server_root.xml", "sm_server_root.xml"]),
    "library sections": (lambda e: ("GET", "/library/sections", {}),
                         ["ha_library_sections.xml", "sm_library_sections.xml",
                          "beets_library_sections_2014.xml"]),
    "section tracks": (lambda e: ("GET", "/library/sections/1/all",
                                  {"type": "10", "X-Plex-Container-Start": "0", "X-Plex-Container-Size": "6"}),
                       ["sm_section_all_tracks_type10.xml"]),
    "section albums": (lambda e: ("GET", "/library/sections/1/all",
                                  {"type": "9", "X-Plex-Container-Start": "0", "X-Plex-Container-Size": "6"}),
                       ["sm_section_all_albums_type9.xml"]),
    "section artists": (lambda e: ("GET", "/library/sections/1/all",
                                   {"type": "8", "X-Plex-Container-Start": "0", "X-Plex-Container-Size": "6"}),
                        ["sm_section_all_artists_type8.xml"]),
    "section meta": (lambda e: ("GET", "/library/sections/1/all",
                                {"includeMeta": "1", "includeAdvanced": "1", "X-Plex-Container-Start": "0",
                                 "X-Plex-Container-Size": "0"}),
                     ["ha_library_section_music_all_includemeta.xml"]),
    "metadata track": (lambda e: ("GET", "/library/metadata/1013", {"includeGuids": "1"}),
                       ["sm_metadata_track.xml", "ha_metadata_track.xml"]),
    "metadata album": (lambda e: ("GET", "/library/metadata/205", {}),
                       ["sm_metadata_album.xml", "ha_metadata_album.xml"]),
    "album children": (lambda e: ("GET", "/library/metadata/205/children", {}),
                       ["ha_metadata_album_children_tracks.xml"]),
    "playlists": (lambda e: (_playlist(e) and "GET", "/playlists", {"playlistType": "audio"}),
                  ["sm_playlists_audio.xml", "ha_playlists.xml"]),
    "playlist items": (lambda e: ("GET", f"/playlists/{_playlist(e)}/items", {}),
                       ["sm_playlist_items_audio.xml"]),
    "playlist create": (lambda e: ("POST", "/playlists", {
        "type": "audio", "title": "Neu", "smart": "0",
        "uri": f"server://{e.machine_identifier}/com.plexapp.plugins.library/library/metadata/1001,1002"}),
        ["sm_playlist_create_response.xml"]),
}


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_endpoint_matches_samples(name, emu, fetch, samples):
    always, seen = samples
    build, files = ENDPOINTS[name]
    method, path, params = build(emu)
    raw = fetch(path, method, **params)
    root = ET.fromstring(raw)
    sample_roots = [parse(SHARED_XML / f) for f in files]

    sample_kinds = {k for r in sample_roots for k, _ in walk(r)}
    ours = list(walk(root))
    assert ours or name == "section meta" or root.attrib.get("size") == "0"
    assert {k for k, _ in ours} <= sample_kinds, name

    for k, elem in ours:
        names = set(elem.attrib)
        missing = always[k] - names
        invented = names - seen.get(k, set()) - ALLOW.get(k, set())
        assert not missing, f"{name}: <{elem.tag}> lacks {sorted(missing)}"
        assert not invented, f"{name}: <{elem.tag}> invents {sorted(invented)}"

    wanted = set.intersection(*(set(r.attrib) for r in sample_roots)) - OPTIONAL_CONTAINER
    cont = set(root.attrib)
    assert "size" in cont
    assert wanted <= cont, f"{name}: container lacks {sorted(wanted - cont)}"
    assert not cont - seen["MediaContainer"] - ALLOW["MediaContainer"], name


def _nesting(root):
    parents = {child: parent for parent in root.iter() for child in parent}
    return {(parents[e].tag, e.tag) for e in root.iter() if e in parents and e.tag in ("Media", "Part", "Stream")}


def test_part_is_nested_in_media(emu, fetch):
    listing = ET.fromstring(fetch("/library/sections/1/all", type="10"))
    assert _nesting(listing) == {("Track", "Media"), ("Media", "Part")}
    single = ET.fromstring(fetch("/library/metadata/1001"))
    assert _nesting(single) == {("Track", "Media"), ("Media", "Part"), ("Part", "Stream")}


def _order_agrees(ours: ET.Element, real: ET.Element) -> list[str]:
    common = [a for a in real.attrib if a in ours.attrib]
    return [a for a in ours.attrib if a in common] == common and common


ORDER_CASES = {
    # name: (request, sample file, sample element kind)
    "listing track": (("/library/sections/1/all", {"type": "10"}), "sm_section_all_tracks_type10.xml", "Track"),
    "metadata track": (("/library/metadata/1013", {}), "sm_metadata_track.xml", "Track"),
    "album": (("/library/sections/1/all", {"type": "9"}), "sm_section_all_albums_type9.xml", "Directory/album"),
    "artist": (("/library/sections/1/all", {"type": "8"}), "sm_section_all_artists_type8.xml", "Directory/artist"),
    "section": (("/library/sections", {}), "sm_library_sections.xml", "Directory/section"),
    "playlist": (("/playlists", {}), "sm_playlists_audio.xml", "Playlist"),
    "part": (("/library/sections/1/all", {"type": "10"}), "sm_section_all_tracks_type10.xml", "Part"),
    "media": (("/library/sections/1/all", {"type": "10"}), "sm_section_all_tracks_type10.xml", "Media"),
}


@pytest.mark.parametrize("case", list(ORDER_CASES))
def test_attribute_order_follows_real_captures(case, emu, fetch, samples):
    (path, params), sample, k = ORDER_CASES[case]
    emu.create_user_playlist("Order", [1001, 1013])
    ours = next(e for kk, e in walk(ET.fromstring(fetch(path, **params))) if kk == k)
    real = next(e for kk, e in walk(parse(SHARED_XML / sample)) if kk == k)
    assert _order_agrees(ours, real), (list(ours.attrib), list(real.attrib))


def test_playlist_item_attribute_order(emu, fetch, samples):
    rk = emu.create_user_playlist("Order", [1013])
    ours = next(e for k, e in walk(ET.fromstring(fetch(f"/playlists/{rk}/items"))) if k == "Track")
    # The second sample Track has originalTitle, parentStudio and grandparentThumb like ours.
    real = [e for k, e in walk(parse(SHARED_XML / "sm_playlist_items_audio.xml")) if k == "Track"]
    assert all(_order_agrees(ours, r) for r in real)


def test_one_element_per_line_without_indentation(emu, fetch):
    rk = emu.create_user_playlist("Lines", [1001, 1002])
    for path in ("/", "/library/sections", f"/playlists/{rk}/items", "/library/metadata/1001",
                 "/library/sections/1/all?includeMeta=1&X-Plex-Container-Size=0"):
        text = fetch(path).decode("utf-8")
        lines = text.split("\n")
        assert lines[0] == '<?xml version="1.0" encoding="UTF-8"?>'
        assert lines[-1] == "" and lines[-2] == "</MediaContainer>"
        for line in lines[1:-1]:
            assert line.startswith("<") and line.count("<") == 1, (path, line)


def test_booleans_and_dates_are_numbers(emu, fetch):
    rk = emu.create_user_playlist("Flags", [1001])
    pl = ET.fromstring(fetch("/playlists")).find("Playlist")
    assert pl.get("smart") == "0" and pl.get("addedAt").isdigit() and pl.get("updatedAt").isdigit()
    sec = ET.fromstring(fetch("/library/sections")).find("Directory")
    assert {sec.get(a) for a in ("allowSync", "filters", "refreshing", "hidden")} <= {"0", "1"}
    assert all(sec.get(a).isdigit() for a in ("updatedAt", "createdAt", "scannedAt", "contentChangedAt"))
    assert rk


def test_endpoints_without_samples_invent_only_allowed_names(emu, fetch, samples):
    _, seen = samples
    rk = emu.create_user_playlist("Extra", [1001])
    uri = f"server://{emu.machine_identifier}/com.plexapp.plugins.library/library/metadata/1002"
    answers = [fetch("/hubs/search", query="b", limit="5"), fetch("/identity"),
               fetch(f"/playlists/{rk}/items", "PUT", uri=uri), fetch(f"/library/metadata/{rk}")]
    for raw in answers:
        root = ET.fromstring(raw)
        for k, elem in [("MediaContainer", root), *walk(root)]:
            assert not set(elem.attrib) - seen[k] - ALLOW.get(k, set()), (k, sorted(elem.attrib))
