"""Search answers are kept until the library index changes (``services/search_cache.py``):
a repeated question does not reach the search index, and every kind of change that can
alter an answer (a write through the ORM, a sync in another process, a new artist alias,
new tags) is seen at the next question."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from plex_completer.extensions import db
from plex_completer.models import ArtistAlias, LibrarySyncState, LibraryTag, LibraryTrack
from plex_completer.services import library_tags, search_cache
from plex_completer.services.library_search import Filters, search

from .test_library_search import _add, fill_library, keys


@pytest.fixture
def library(app):
    fill_library()
    return app


@pytest.fixture
def statements(app):
    """The SQL statements the app runs (a list, filled while the test runs)."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", note)


def _index_reads(seen: list[str]) -> list[str]:
    return [s for s in seen if "MATCH" in s or "library_search_vocab" in s]


def test_a_repeated_search_does_not_reach_the_index(library, statements):
    first = keys("love")
    assert _index_reads(statements)
    statements.clear()
    assert keys("love") == first
    assert not _index_reads(statements)
    assert keys("love", limit=3) == first[:3]  # another page is another question
    assert _index_reads(statements)


def test_uncommitted_rows_are_seen_by_their_transaction_only_and_a_rollback_ends_them(library):
    _add(900, "Brand New Tune", "New Artist", None, "Fresh", 2024)
    db.session.flush()
    assert keys("brand new tune") == [900]
    db.session.rollback()
    assert keys("brand new tune") == []


def test_a_kept_answer_is_not_shared_with_the_caller(library):
    page = search("love", 20, Filters())
    page.entries.clear()
    assert search("love", 20, Filters()).entries


def test_a_write_through_the_app_is_seen_at_once(library):
    assert 101 in keys("vibrations")
    track = db.session.get(LibraryTrack, 101)
    track.title = "Heroes and Villains"
    db.session.commit()
    assert 101 not in keys("vibrations") and 101 in keys("villains")
    db.session.delete(db.session.get(LibraryTrack, 102))
    db.session.commit()
    assert keys("vibrations") == []


def test_a_sync_by_another_process_is_seen(library, app):
    """Another process (the CLI's sync) writes the same database file: its rows and the
    sync state's index_version change, and this process's kept answers do not apply."""
    assert keys("villains") == []
    path = db.engine.url.database
    db.session.add(LibrarySyncState(section_id=1, section_title="Music", index_version=1))
    db.session.commit()
    search_cache.cached(("warm",), lambda: None)
    assert keys("villains") == []
    # Write like another process: a plain sqlite3 connection, invisible to this engine's
    # events. (The search index triggers need the app's SQL functions, so the new title goes
    # in through the index's own table here.)
    other = sqlite3.connect(path)
    other.execute("UPDATE library_search SET title = 'heroes and villains' WHERE rowid = 101")
    other.execute("UPDATE library_sync_state SET index_version = index_version + 1")
    other.commit()
    other.close()
    db.session.remove()
    assert keys("villains") == [101]


def test_a_new_artist_alias_and_new_tags_are_seen(library):
    stamp = search_cache.stamp()
    db.session.add(ArtistAlias(alias="Fab Four", alias_key="fab four", library_artist="The Beatles"))
    db.session.commit()
    assert search_cache.stamp() != stamp
    assert library_tags.genre_choices() == []
    db.session.add(LibraryTag(section_id=1, rating_key=1, level="artist", kind="genre", tag="Jazz", tag_norm="jazz"))
    db.session.commit()
    assert [tag for _norm, tag, _n in library_tags.genre_choices()] == ["Jazz"]


def test_an_answer_computed_during_a_write_is_not_served_after_its_commit(library):
    calls = []

    def compute():
        calls.append(1)
        db.session.execute(sa.text("UPDATE library_tracks SET year = year WHERE rating_key = 101"))
        return "answer"

    assert search_cache.cached(("racy",), compute) == "answer"
    db.session.commit()
    assert search_cache.cached(("racy",), compute) == "answer"
    assert len(calls) == 2


def test_the_cache_can_be_turned_off(make_app):
    app = make_app(SEARCH_CACHE_ENTRIES=0)
    with app.app_context():
        _add(101, "Good Vibrations", "Beach Boys", None, "Smiley Smile", 1967)
        db.session.commit()
        assert keys("vibrations") == [101]
        seen: list[str] = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
        assert keys("vibrations") == [101]
        assert _index_reads(seen)


def _stamp_reads(seen: list[str]) -> list[str]:
    return [s for s in seen if "library_sync_state" in s and "artist_aliases" in s]


def test_a_web_request_reads_the_stamp_once_and_the_next_request_sees_another_process(library, app, statements):
    """The Library page with a search asks for the stamp three times (the search, the genre
    list, the index count): one statement. A sync by another process between two requests
    is seen by the second."""
    db.session.add(LibrarySyncState(section_id=1, section_title="Music", index_version=1))
    db.session.commit()
    client = app.test_client()
    statements.clear()
    assert b"Good Vibrations" not in client.get("/library?q=villains").data
    assert len(_stamp_reads(statements)) == 1
    # Another process, unseen by this engine's events (as in the test above, the new words
    # go in through the index's own table: the triggers need the app's SQL functions).
    other = sqlite3.connect(db.engine.url.database)
    other.execute("UPDATE library_search SET title = 'heroes and villains' WHERE rowid = 101")
    other.execute("UPDATE library_sync_state SET index_version = index_version + 1")
    other.commit()
    other.close()
    db.session.remove()
    statements.clear()
    assert b"Good Vibrations" in client.get("/library?q=villains").data
    assert len(_stamp_reads(statements)) == 1


def test_outside_a_request_the_stamp_is_read_each_time(library, statements):
    search_cache.stamp()
    search_cache.stamp()
    assert len(_stamp_reads(statements)) == 2


def test_alias_pairs_are_kept_until_an_alias_changes(library, statements):
    from plex_completer.services import artist_aliases

    assert artist_aliases.pairs() == []
    statements.clear()
    assert artist_aliases.pairs() == []
    assert not [s for s in statements if "FROM artist_aliases" in s and "max(" not in s]
    db.session.add(ArtistAlias(alias="Fab Four", alias_key="fab four", library_artist="The Beatles"))
    db.session.commit()
    assert artist_aliases.pairs() == [("Fab Four", "The Beatles")]
