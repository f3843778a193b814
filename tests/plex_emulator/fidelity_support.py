"""Reading the real PMS captures in ``../shared/plex-xml`` for the fidelity test: element
kinds, and per kind the attribute names present in every sample ("Always", as the README
defines it) and in any sample."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

# One sample (sm_metadata_artist.xml) has raw "&" in attribute values (README caveat 2).
_BARE_AMP = re.compile(r"&(?!#?\w+;)")


def parse(path: Path) -> ET.Element:
    return ET.fromstring(_BARE_AMP.sub("&amp;", path.read_text(encoding="utf-8")).encode("utf-8"))


def kind(elem: ET.Element, parent: ET.Element | None) -> str:
    """An element's kind: its tag, with Directory split by meaning (README "Directory")."""
    if elem.tag != "Directory":
        return elem.tag
    a = elem.attrib
    if "agent" in a or "scanner" in a:
        return "Directory/section"
    if a.get("type") in ("artist", "album") and "ratingKey" in a:
        return f"Directory/{a['type']}"
    if parent is not None and parent.tag == "MediaContainer" and set(a) <= {"key", "title", "count"}:
        return "Directory/navigation"
    return "Directory/other"


def walk(root: ET.Element):
    """``(kind, element)`` for every element below ``root`` (not root itself)."""
    stack = [(root, None)]
    while stack:
        elem, parent = stack.pop()
        if parent is not None:
            yield kind(elem, parent), elem
        stack.extend((child, elem) for child in elem)


def attribute_sets(folder: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """``(always, seen)``: per element kind, the names in every sample element of that kind
    and the names in any of them, over all XML files of ``folder``."""
    always: dict[str, set[str]] = {}
    seen: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.xml")):
        if path.name.startswith("sm_plextv"):
            continue  # plex.tv, not PMS
        root = parse(path)
        for k, elem in [("MediaContainer", root), *walk(root)]:
            names = set(elem.attrib)
            always[k] = always[k] & names if k in always else set(names)
            seen.setdefault(k, set()).update(names)
    return always, seen
