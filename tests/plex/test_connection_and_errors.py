"""Section selection, connection test and user-facing errors (never with the token)."""

from __future__ import annotations

import logging

import pytest

from plex_completer.plex import playlist_writes as playlists
from plex_completer.plex.errors import (
    TOKEN_HELP_URL,
    PlexNotConfigured,
    PlexSectionNotFound,
    PlexTimeout,
    PlexUnauthorized,
    PlexUnreachable,
    safe_url,
)
from plex_completer.plex.library_sync import sync_library
from tests.plex.conftest import TRACK_COUNT, with_settings


@pytest.mark.parametrize("wanted", ["Music", "music", "1"])
def test_music_section_by_name_or_key(settings, emu, wanted):
    emu.add_section(2, "Movies", "movie")
    result = sync_library(with_settings(settings, PLEX_MUSIC_SECTION=wanted))
    assert result.total == TRACK_COUNT


def test_first_artist_section_is_the_default(settings, emu):
    emu.add_section(0, "Movies", "movie")  # listed first, not music
    assert sync_library(settings).total == TRACK_COUNT


@pytest.mark.parametrize("wanted", ["Podcasts", "2", "9"])
def test_missing_or_non_music_section_lists_the_sections(settings, emu, wanted):
    emu.add_section(2, "Movies", "movie")
    with pytest.raises(PlexSectionNotFound) as info:
        sync_library(with_settings(settings, PLEX_MUSIC_SECTION=wanted))
    message = str(info.value)
    assert repr(wanted) in message
    assert "1: Music (artist)" in message and "2: Movies (movie)" in message


def test_wrong_token_explains_how_to_get_one(settings, emu, caplog):
    caplog.set_level(logging.DEBUG)
    bad = "wrong-token-1234567"
    with pytest.raises(PlexUnauthorized) as info:
        sync_library(with_settings(settings, PLEX_TOKEN=bad))
    message = str(info.value)
    assert "401" in message and TOKEN_HELP_URL in message and emu.url in message
    assert bad not in message and bad not in caplog.text


def test_unreachable_server_shows_the_url_without_secrets(settings, emu):
    emu.set_fault(refuse_connections=True)
    url = emu.url + "/?X-Plex-Token=" + emu.token
    with pytest.raises(PlexUnreachable) as info:
        playlists.list_playlists(with_settings(settings, PLEX_URL=url))
    message = str(info.value)
    assert emu.url in message and emu.token not in message


def test_stopped_server_is_unreachable(settings, emu):
    emu.stop()
    with pytest.raises(PlexUnreachable) as info:
        sync_library(settings)
    assert "connection refused" in str(info.value)


def test_slow_server_times_out(settings, emu):
    emu.set_fault(delay_s=1.5)
    with pytest.raises(PlexTimeout) as info:
        sync_library(with_settings(settings, PLEX_TIMEOUT=0.5))
    assert "0.5 s" in str(info.value)


def test_not_configured(settings):
    with pytest.raises(PlexNotConfigured):
        playlists.list_playlists(with_settings(settings, PLEX_URL=None))


def test_no_token_in_logs_of_a_whole_sync_and_write(settings, emu, tracks, caplog, capsys):
    for name in (None, "plexapi", "urllib3"):
        caplog.set_level(logging.DEBUG, logger=name)
    sync_library(settings, full=True)
    ref = playlists.create_playlist(settings, "Logged", [tracks[0].rating_key], "summary")
    playlists.replace_playlist_items(settings, ref.rating_key, [tracks[1].rating_key], identity=ref.identity)
    assert any("/library/sections" in r.getMessage() for r in caplog.records)  # plexapi/urllib3 did log URLs
    assert emu.token not in caplog.text
    assert emu.token not in capsys.readouterr().out


def test_connection_report(settings, emu):
    emu.add_section(2, "Movies", "movie")
    report = playlists.test_connection(settings)
    assert report.ok and report.server_name == emu.friendly_name and report.version == emu.version
    assert report.sections == [(1, "Music", "artist"), (2, "Movies", "movie")]
    assert f"with {TRACK_COUNT} tracks" in report.message

    failed = playlists.test_connection(with_settings(settings, PLEX_MUSIC_SECTION="Nope"))
    assert not failed.ok and failed.sections and "Sections on this server" in failed.message

    emu.set_fault(fail_status=401)
    denied = playlists.test_connection(settings)
    assert not denied.ok and "401" in denied.message and emu.token not in denied.message


def test_safe_url_drops_query_and_credentials():
    assert safe_url("http://user:pw@plex.local:32400/?X-Plex-Token=abc") == "http://plex.local:32400/"
