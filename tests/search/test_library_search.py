"""The database-side library search (``services/library_search.py`` over the FTS5 index of
``plex/index_store.py``): the in-memory search's rules on the same hand-made tags, escaping,
filters, and the index following every write of ``library_tracks``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from plex_completer.extensions import db
from plex_completer.models import LibraryTrack
from plex_completer.plex import index_store
from plex_completer.services import library_search
from plex_completer.services.library_search import Filters, search
from tests.matching.test_matcher import LIBRARY

EXTRA = [
    (101, "Good Vibrations", "Beach Boys", None, "Smiley Smile", 1967),
    (102, "Good Vibrations - Live", "The Beach Boys", None, "Live in London", 1970),
    (103, "Highway to Hell", "AC/DC", None, "Highway to Hell", 1979),
    (104, "Déjà Vu", "Beyoncé", "Beyoncé feat. Jay-Z", "B'Day", 2006),
    (105, "Don't Stop Me Now", "Queen", None, "Jazz", 1978),
    (106, "(Sittin' On) The Dock of the Bay", "Otis Redding", None, "The Dock of the Bay", 1968),
    (107, "Born to Run", "Springsteen, Bruce", None, "Born to Run", 1975),
    (108, "Beach Boys Tribute Medley", "Tribute Band", None, "Covers", 1999),
]


def _add(key, title, album_artist, track_artist, album, year):
    db.session.add(LibraryTrack(rating_key=key, section_id=1, title=title, album_artist=album_artist,
                                track_artist=track_artist, album=album, year=year))


def fill_library() -> None:
    """Store the matcher tests' library and :data:`EXTRA` as library tracks (commits)."""
    for e in LIBRARY:
        _add(e.rating_key, e.title, e.album_artist, e.track_artist, e.album, e.year)
    for row in EXTRA:
        _add(*row)
    db.session.commit()


@pytest.fixture
def library(app):
    fill_library()
    return app


def keys(text, limit=20, **filters):
    return [e.rating_key for e in search(text, limit, Filters(**filters)).entries]


def test_the_in_memory_searchs_cases_hold(library):
    assert keys("crazy in lo")[:2] in ([1, 2], [2, 1])
    assert set(keys("beatles love")) == {6, 7, 25, 27}
    assert keys("GROSSEN glu") == [19]
    assert keys("  ") == [] and keys("zzzz") == [] and keys("alright supergrass") == []
    assert len(keys("love", limit=2)) == 2


def test_normalisation_folds_articles_diacritics_punctuation_and_joined_words(library):
    assert set(keys("The Beach Boys Good Vibrations")[:2]) == {101, 102}  # "Beach Boys" without "The"
    assert keys("good vibrations")[:1] in ([101], [102])  # title only
    assert set(keys("springsteen")) >= {107}  # artist only, inverted name
    assert keys("bruce springsteen born to run")[:1] == [107]
    assert keys("deja vu beyonce") == [104]  # diacritics
    assert keys("dont stop")[:1] == [105]  # apostrophe
    assert keys("acdc") == [103] and keys("ac dc")[:1] == [103] and keys("AC/DC highway") == [103]
    assert keys("sittin on the dock")[:1] == [106]
    assert set(keys("beachboys")) >= {101, 102}  # and, the last word being a prefix, "Beach Boys Tribute …"


def test_ranking_puts_a_title_hit_before_an_album_hit_and_counts_every_hit(library):
    page = search("love", 3)
    assert len(page.entries) == 3 and page.total == len(keys("love", limit=100)) and page.more == page.total - 3
    assert all("love" in e.title.lower() for e in page.entries)  # "Dangerously In Love" (album) comes later
    assert search("love", 2, offset=2).entries == search("love", 4).entries[2:]


@pytest.mark.parametrize("text", ['"', 'love" OR "x', "AC/DC", "NEAR(love one)", "*", "title:love", "and or not",
                                  "-", "^love", "love*", "{title}: x", "'", "\x00", "a" * 300])
def test_fts5_syntax_in_the_query_is_only_text(library, text):
    search(text, 5)  # never raises


def test_filters_by_artist_album_and_year_with_or_without_words(library):
    assert set(keys("", artist="beach boys")) == {101, 102}  # not "Beach Boys Tribute Medley"'s album artist
    assert keys("vibrations", artist="the beach boys", year_from=1968) == [102]
    assert keys("vibrations", year_to=1967) == [101]
    assert keys("", album="dock of the bay") == [106]
    assert set(keys("", year_from=1978, year_to=1979)) == {12, 103, 105}
    assert keys("love", artist="nobody") == []
    assert search("", 5).total == 0  # nothing asked


def test_the_index_follows_inserts_updates_and_deletes_in_the_same_transaction(library):
    _add(900, "Brand New Tune", "New Artist", None, "Fresh", 2024)
    db.session.flush()
    assert keys("brand new tune") == [900]  # seen inside the transaction
    db.session.rollback()
    assert keys("brand new tune") == []  # and gone with it
    track = db.session.get(LibraryTrack, 105)
    track.title = "Bohemian Rhapsody"
    db.session.commit()
    assert keys("dont stop") == [] and keys("bohemian") == [105]
    db.session.delete(db.session.get(LibraryTrack, 105))
    db.session.commit()
    assert keys("bohemian") == []
    assert library_search.indexed_count() == db.session.scalar(sa.select(sa.func.count()).select_from(LibraryTrack))


def test_reindex_command_rebuilds_a_lost_index(library, cli_runner):
    conn = db.session.connection()
    index_store.drop_search_index(conn)
    db.session.commit()
    assert keys("highway") == [103]  # falls back to the in-memory search
    assert keys("vibrations", year_to=1967) == [101]  # with the filters applied
    result = cli_runner.invoke(args=["reindex-search"])
    assert result.exit_code == 0, result.output
    assert f"Search index: {len(LIBRARY) + len(EXTRA)} tracks" in result.output
    assert index_store.has_search_index(db.session.connection())
    assert library_search.indexed_count() == len(LIBRARY) + len(EXTRA)
    _add(901, "After Rebuild", "Someone", None, "Later", 2020)
    db.session.commit()
    assert keys("after rebuild") == [901]  # the triggers are back too


def down_without_index_and_up(revision):
    """Migrate down to ``revision`` (which has no search index), then up to head; check the
    index holds the rows that were there."""
    from flask_migrate import downgrade, upgrade

    from plex_completer.database import MIGRATIONS_DIR

    db.session.remove()
    downgrade(directory=str(MIGRATIONS_DIR), revision=revision)
    assert not index_store.has_search_index(db.session.connection())
    db.session.remove()
    upgrade(directory=str(MIGRATIONS_DIR))
    assert library_search.indexed_count() == len(LIBRARY) + len(EXTRA)
    assert keys("GROSSEN glu") == [19]


def test_migration_0007_indexes_the_rows_already_there(library):
    down_without_index_and_up("0006")


def test_a_learned_artist_alias_finds_the_librarys_spelling(library):
    from plex_completer.models import ArtistAlias

    assert 107 not in keys("The Boss Born to Run")[:1]
    db.session.add(ArtistAlias(alias="The Boss", alias_key="boss", library_artist="Springsteen, Bruce"))
    db.session.commit()
    assert keys("The Boss Born to Run")[:1] == [107]
    assert keys("the boss")[:1] == [107]


def test_library_page_searches_with_filters_and_survives_fts5_syntax(library, client):
    html = client.get("/library", query_string={"q": "vibrations", "year_from": "1968"}).get_data(as_text=True)
    assert "Live in London" in html and "Smiley Smile" not in html
    html = client.get("/library", query_string={"q": "vibrations", "artist": "beach boys", "year_to": "1967"}).get_data(
        as_text=True)
    assert "Smiley Smile" in html and "Live in London" not in html
    for text in ('AC/DC"', 'NEAR("x"', "title:*"):
        assert client.get("/library", query_string={"q": text}).status_code == 200


def _triggers(conn) -> set[str]:
    return {r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'library_search_%'")}


def test_paused_triggers_are_gone_only_inside_the_transaction(library):
    """A bulk writer drops the per-row triggers in its transaction and creates them again;
    another connection never sees them gone, a rollback brings them back, and after a
    resume every write is indexed again."""
    every = {"library_search_ai", "library_search_ad", "library_search_au"}
    conn = db.session.connection()
    index_store.pause_search_triggers(conn, True)
    assert _triggers(conn) == set()
    _add(902, "Unindexed While Paused", "Someone", None, "Bulk", 2020)
    db.session.flush()
    with db.engine.connect() as other:  # another connection still reads the old schema
        assert _triggers(other) == every
    assert keys("unindexed paused") == []
    db.session.rollback()
    assert _triggers(db.session.connection()) == every
    conn = db.session.connection()
    index_store.pause_search_triggers(conn, True)
    index_store.pause_search_triggers(conn, False)
    db.session.commit()
    assert _triggers(db.session.connection()) == every
    _add(903, "Indexed After Resume", "Someone", None, "Later", 2021)
    db.session.commit()
    assert keys("indexed after resume") == [903]
