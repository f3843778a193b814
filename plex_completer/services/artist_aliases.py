"""Artist aliases learned from manual matches (issue 14, class 6).

When the user picks, on the manual-match page, a library track whose artist the matcher
does not link to the suggested artist ("The Boss" -> "Springsteen, Bruce"), the pair is
stored in ``artist_aliases``; :func:`pairs` feeds the matcher (``Matcher.set_aliases``)
and the Library page lists the aliases with a "remove" button.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from ..extensions import db
from ..matching import Matcher, Suggestion, artist_keys, titles_agree
from ..models import ArtistAlias, LibraryTrack
from . import search_cache

log = logging.getLogger(__name__)


def pairs() -> list[tuple[str, str]]:
    """Every stored alias as (artist as suggested, artist as the library writes it). Kept
    between calls until an alias changes (``search_cache``: every uncached search asks)."""
    def read() -> tuple[tuple[str, str], ...]:
        return tuple((a, b) for a, b in db.session.execute(sa.select(ArtistAlias.alias, ArtistAlias.library_artist)))

    return list(search_cache.cached(("artist_alias_pairs",), read))


def list_aliases() -> list[ArtistAlias]:
    """The stored aliases, by suggested name."""
    return list(db.session.scalars(sa.select(ArtistAlias).order_by(ArtistAlias.alias)))


def remove(alias_id: int) -> bool:
    """Delete one alias; False when it was already gone."""
    alias = db.session.get(ArtistAlias, alias_id)
    if alias is None:
        return False
    db.session.delete(alias)
    db.session.commit()
    log.info("Removed artist alias '%s' -> '%s'", alias.alias, alias.library_artist)
    return True


def learn_from_manual_match(suggested_artist: str, suggested_title: str, track: LibraryTrack,
                            matcher: Matcher | None = None) -> ArtistAlias | None:
    """Record ``suggested_artist`` -> the chosen track's artist when the user picked the
    same song (the titles agree by the matcher's rules: a different song is a substitute,
    not an alias) under an artist written differently, and the matcher (when given) would
    not already find that track for the suggestion. Returns the new or updated alias, or
    None when nothing was learned."""
    library_artist = track.track_artist or track.album_artist or ""
    a, b = artist_keys(suggested_artist or ""), artist_keys(library_artist)
    if not a or not b or a[0] == b[0] or b[0] == "variousartists":
        return None
    if not titles_agree(suggested_title or "", track.title or ""):
        return None
    if matcher is not None and matcher.match(Suggestion(suggested_artist, suggested_title)).rating_key == track.rating_key:
        return None
    alias = db.session.scalars(sa.select(ArtistAlias).where(ArtistAlias.alias_key == a[0])).first()
    if alias is None:
        alias = ArtistAlias(alias=suggested_artist.strip()[:500], alias_key=a[0][:500])
        db.session.add(alias)
    alias.library_artist = library_artist[:500]
    db.session.commit()
    log.info("Learned artist alias '%s' -> '%s'", alias.alias, alias.library_artist)
    return alias
