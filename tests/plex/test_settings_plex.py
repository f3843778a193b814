"""Settings → "Test Plex connection" shows what the server supports, and a changed server
is confirmed there (CSRF off and login disabled in the test config)."""

from __future__ import annotations

from plex_completer.plex.library_sync import sync_library
from tests.fakes.plex.server import PlexEmulator
from tests.plex.conftest import START_EPOCH, make_tracks, with_settings


def test_connection_test_shows_capabilities_and_fallbacks(plex_app, emu):
    emu.set_strictness(hostile=True, hostile_page=70)
    html = plex_app.test_client().post("/settings/test-plex").get_data(as_text=True)
    assert "Connected." in html and 'id="plex-capabilities"' in html
    assert "id range filters" in html and "ignored → removed tracks found by listing every ratingKey" in html
    assert "70 items" in html and emu.token not in html
    # Stored: the plain page shows them too.
    assert 'id="plex-capabilities"' in plex_app.test_client().get("/settings").get_data(as_text=True)


def test_a_changed_server_is_shown_and_confirmed_on_settings(plex_app, settings, emu, monkeypatch):
    sync_library(settings, full=True)
    other = PlexEmulator(make_tracks(40, first_key=70_000), now=START_EPOCH, machine_identifier="c" * 40).start()
    try:
        plex_app.config["SETTINGS"] = with_settings(settings, PLEX_URL=other.url, PLEX_TOKEN=other.token)
        client = plex_app.test_client()
        html = client.post("/settings/test-plex").get_data(as_text=True)
        assert 'id="plex-server-changed"' in html and "Use the new Plex server" in html
        started = []
        monkeypatch.setattr("plex_completer.web.settings_page.start_plex_server_switch",
                            lambda: started.append(1) or type("J", (), {"id": 7})())
        html = client.post("/settings/confirm-plex-server").get_data(as_text=True)
        assert started == [1] and "Switching to the new Plex server (job 7)" in html
    finally:
        other.stop()
