"""Artists known by more than one name, as the matcher's built-in alias table.

Pure data and one function. Each group lists names of one artist (a renamed act or a
shortened duo name) that no spelling rule links: "Puff Daddy" / "P. Diddy" / "Diddy".
Source: renamings whose every name appears in the shared Billboard Hot 100 or Billboard
200 credits (``/work/shared/data``; issue 14, class 6). Kept short on purpose: a wrong
alias makes false matches. A user's manual matches add more at run time
(``Matcher.set_aliases``).
"""

from __future__ import annotations

from collections.abc import Iterable

from .normalize import artist_keys

#: Groups of names of one artist (as an AI or a tag may write them).
KNOWN_ALIASES: tuple[tuple[str, ...], ...] = (
    ("Puff Daddy", "P. Diddy", "Diddy"),
    ("Snoop Doggy Dogg", "Snoop Dogg", "Snoop Lion"),
    ("Daryl Hall & John Oates", "Hall & Oates", "Daryl Hall John Oates"),
    ("Cat Stevens", "Yusuf"),
    ("John Cougar", "John Cougar Mellencamp", "John Mellencamp"),
    ("Dixie Chicks", "The Chicks"),
    ("Lady Antebellum", "Lady A"),
)


def alias_map(pairs: Iterable[tuple[str, str]] = (), *, builtin: bool = True) -> dict[str, frozenset[str]]:
    """``{artist key: keys of its other names}`` from :data:`KNOWN_ALIASES` (when
    ``builtin``) and from ``pairs`` of (name as suggested, name in the library); a learned
    pair links one way only: the suggested name to the library's."""
    out: dict[str, set[str]] = {}
    if builtin:
        for group in KNOWN_ALIASES:
            keys = {artist_keys(n)[0] for n in group if artist_keys(n)}
            for k in keys:
                out.setdefault(k, set()).update(keys - {k})
    for suggested, library in pairs:
        a, b = artist_keys(suggested or ""), artist_keys(library or "")
        if a and b and a[0] != b[0]:
            out.setdefault(a[0], set()).add(b[0])
    return {k: frozenset(v) for k, v in out.items() if v}
