"""The genre filter of library search (issue 19, with the tags of issue 18 point 6): a
track matches when its album or its album artist carries the genre, style or mood."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from plex_completer.extensions import db
from plex_completer.models import LibraryTag, LibraryTrack
from plex_completer.plex.tag_rows import normalize_tag
from plex_completer.services import library_search
from plex_completer.services.library_search import Filters, genre_clause, search

# (ratingKey, title, album artist, album, year, album ratingKey, artist ratingKey)
TRACKS = [
    (1, "So What", "Miles Davis", "Kind of Blue", 1959, 100, 10),
    (2, "Freddie Freeloader", "Miles Davis", "Kind of Blue", 1959, 100, 10),
    (3, "Bitches Brew", "Miles Davis", "Bitches Brew", 1970, 101, 10),
    (4, "Enjoy the Silence", "Depeche Mode", "Violator", 1990, 102, 11),
    (5, "Crazy in Love", "Beyoncé", "Dangerously in Love", 2003, 103, 12),
    (6, "Respect", "Aretha Franklin", "I Never Loved a Man", 1967, 104, 13),
]
# (ratingKey, level, kind, tag)
TAGS = [
    (10, "artist", "genre", "Jazz"), (101, "album", "style", "Jazz-Rock"), (101, "album", "genre", "Fusion"),
    (11, "artist", "genre", "Electronic"), (12, "artist", "genre", "R&B"), (104, "album", "genre", "R&B"),
    (104, "album", "mood", "Soulful"),
]


def add_rows() -> None:
    """Store :data:`TRACKS` and :data:`TAGS` in the app's database (commits)."""
    for key, title, artist, album, year, album_key, artist_key in TRACKS:
        db.session.add(LibraryTrack(rating_key=key, section_id=1, title=title, album_artist=artist, album=album,
                                    year=year, album_rating_key=album_key, artist_rating_key=artist_key))
    for key, level, kind, tag in TAGS:
        db.session.add(LibraryTag(section_id=1, rating_key=key, level=level, kind=kind, tag=tag,
                                  tag_norm=normalize_tag(tag)))
    db.session.commit()


@pytest.fixture
def library(app):
    add_rows()
    return app


def keys(text, **filters):
    return sorted(e.rating_key for e in search(text, 20, Filters(**filters)).entries)


def test_the_genre_of_the_album_artist_or_of_the_album_matches(library):
    assert keys("", genre="jazz") == [1, 2, 3]  # the artist's genre covers every album
    assert keys("", genre="Fusion") == [3]  # the album's own
    assert keys("", genre="r&b") == keys("", genre="R & B") == [5, 6]
    assert keys("", genre="soulful") == [6]  # moods count too
    assert keys("", genre="polka") == []


def test_the_genre_narrows_words_artist_and_years(library):
    assert keys("brew", genre="jazz") == [3]
    assert keys("crazy", genre="r and b") == [5]
    assert keys("", genre="jazz", year_to=1960) == [1, 2]
    assert keys("", genre="jazz", artist="depeche mode") == []
    assert not Filters(genre="jazz").empty and Filters(genre=" !! ").empty


def test_genre_clause_is_a_plain_sqlalchemy_condition(library):
    t = LibraryTrack.__table__
    found = db.session.scalars(sa.select(t.c.rating_key).where(genre_clause("jazz")).order_by(t.c.rating_key)).all()
    assert found == [1, 2, 3]
    sql = str(genre_clause("jazz").compile(dialect=sa.dialects.postgresql.dialect()))
    assert "library_tags.tag_norm" in sql and "IN" in sql


def test_without_the_search_index_the_fallback_filters_by_genre_too(library, monkeypatch):
    from plex_completer.plex import index_store

    monkeypatch.setattr(index_store, "has_search_index", lambda conn: False)
    assert keys("love", genre="r&b") == [5, 6] and keys("love", genre="jazz") == []
    assert library_search.search("love", 20, Filters()).total >= 2


def test_the_library_page_offers_the_genres_and_filters_by_one(library):
    client = library.test_client()
    page = client.get("/library").get_data(as_text=True)
    assert '<select id="library-genre" name="genre">' in page
    assert '<option value="Jazz">Jazz</option>' in page and '<option value="R&amp;B">R&amp;B</option>' in page
    assert "Soulful" not in page  # moods filter but are not offered as genres
    page = client.get("/library?genre=Jazz").get_data(as_text=True)
    assert "So What" in page and "Bitches Brew" in page and "Enjoy the Silence" not in page
    assert '<option value="Jazz" selected>' in page
    page = client.get("/library?q=respect&genre=Jazz").get_data(as_text=True)
    assert "No track in the index matches “respect” in Jazz." in page
