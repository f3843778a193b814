"""Log lines are one per event and never carry the Plex token or the Gemini key."""

from __future__ import annotations

import logging

from plex_completer.logging_setup import Redactor

TOKEN = "xP1exT0kenValue42"
KEY = "AIzaSyD3adb33fD3adb33fD3adb33fD3adb33f0"


def test_redactor_masks_named_and_shaped_secrets():
    r = Redactor(["literal-secret-value"])
    assert "abc123" not in r.redact("GET http://nas:32400/library/sections?X-Plex-Token=abc123&type=10")
    assert "tok999" not in r.redact("headers={'X-Plex-Token': 'tok999'}")
    assert "AQ.Ab8RN6Jq" not in r.redact("key AQ.Ab8RN6JqVeryLongKeyValue12345 rejected")
    assert "AIzaSy" not in r.redact("?key=AIzaSyAnotherKeyAnotherKeyAnotherKey12")
    assert r.redact("literal-secret-value in text") == "*** in text"
    assert r.redact("prompt_tokens=12, 30 tracks") == "prompt_tokens=12, 30 tracks"


def test_log_records_from_any_logger_are_redacted(make_app, capsys):
    make_app(PLEX_TOKEN=TOKEN, PLEX_URL="http://nas:32400", GEMINI_API_KEY=KEY)
    capsys.readouterr()
    log = logging.getLogger("plexapi")
    log.warning("GET http://nas:32400/library?X-Plex-Token=%s", TOKEN)
    logging.getLogger("google_genai").error("key %s refused", KEY)
    try:
        raise RuntimeError(f"request failed with token {TOKEN}")
    except RuntimeError:
        logging.getLogger("plex_completer.test").exception("wrapped")
    out = capsys.readouterr().out
    assert TOKEN not in out and KEY not in out
    assert out.count("***") >= 3
    lines = [line for line in out.splitlines() if line.strip()]
    assert any(" WARNING plexapi: GET http://nas:32400/library?X-Plex-Token=***" in line for line in lines)
