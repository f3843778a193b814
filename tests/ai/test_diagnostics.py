"""The /test_ai_services page and its JSON: healthy, all down, a mix, and the test button."""

from __future__ import annotations

import re
import socket
import time

import pytest

from plex_completer.ai import AllProvidersFailed, GenerationRequest, generate_draft
from plex_completer.ai.diagnostics import build_report
from tests.ai.conftest import GEMINI_KEY, free_port
from tests.fakes.ai.gemini_server import GeminiEmulator
from tests.fakes.ai.ollama_server import OllamaEmulator

FLASH, FLASH2 = "gemini-2.5-flash", "gemini-2.0-flash"


@pytest.fixture
def black_hole():
    """A loopback port that accepts TCP connections (kernel backlog) and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def test_all_healthy(ai_app, gemini, ollama_emu):
    client = ai_app.test_client()
    report = client.get("/test_ai_services?format=json").get_json()
    assert [p["key"] for p in report["providers"]] == [f"gemini:{FLASH}", f"gemini:{FLASH2}", "ollama:hermes3:8b"]
    assert [p["probe"]["status"] for p in report["providers"]] == ["ok", "ok", "ok"]
    assert [p["level"] for p in report["providers"]] == ["ok", "ok", "ok"]
    assert report["next_in_line"] == f"gemini:{FLASH}"
    assert report["summary"] == "The next playlist will be asked of Gemini 2.5 Flash first."
    assert gemini.generate_calls() == 0 and ollama_emu.chat_calls() == 0, "probes spend no generation quota"
    assert report["providers"][2]["probe"]["details"]["version"]
    page = client.get("/test_ai_services")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for name in ("Gemini 2.5 Flash", "Gemini 2.0 Flash", "Ollama (hermes3:8b)"):
        assert name in html
    assert html.count('data-level="ok"') == 3
    assert 'action="/test_ai_services/gemini:gemini-2.5-flash/test"' in html
    assert "next in line" in html


def test_all_down_page_still_loads_fast(make_app, black_hole):
    app = make_app(
        GEMINI_API_KEY=GEMINI_KEY,
        GEMINI_BASE_URL=black_hole,
        OLLAMA_URL=f"http://127.0.0.1:{free_port()}",
        AI_PROBE_TIMEOUT_S=0.5,
    )
    with app.app_context():
        client = app.test_client()
        started = time.perf_counter()
        report = client.get("/test_ai_services?format=json").get_json()
        elapsed = time.perf_counter() - started
        html = client.get("/test_ai_services").get_data(as_text=True)
    assert elapsed < 2.0, "probes run concurrently with a short timeout"
    assert [p["probe"]["status"] for p in report["providers"]] == ["down", "down", "down"]
    assert [p["level"] for p in report["providers"]] == ["bad", "bad", "bad"]
    assert report["next_in_line"] is None and "No AI provider is usable" in report["summary"]
    assert "not running at" in report["providers"][2]["probe"]["message"]
    assert html.count('data-level="bad"') == 3 and "No AI provider is usable" in html


def test_nothing_configured(make_app):
    app = make_app()
    with app.app_context():
        client = app.test_client()
        report = client.get("/test_ai_services?format=json").get_json()
        html = client.get("/test_ai_services").get_data(as_text=True)
    assert [p["configured"] for p in report["providers"]] == [False, False, False]
    assert [p["probe"]["status"] for p in report["providers"]] == ["not_configured"] * 3
    assert "No AI provider is configured" in report["summary"]
    assert "GEMINI_API_KEY is not set" in html and "OLLAMA_URL is not set" in html
    assert "<form" not in html  # no test button for an unconfigured provider


def test_mix_retired_cooling_and_not_pulled(make_app):
    with GeminiEmulator(api_key=GEMINI_KEY, models=(FLASH,), retired=(FLASH2,)) as gemini, OllamaEmulator(models=("llama3.2:3b",)) as ollama_emu:
        gemini.script(FLASH, ["429-day"])
        app = make_app(GEMINI_API_KEY=GEMINI_KEY, GEMINI_BASE_URL=gemini.url, OLLAMA_URL=ollama_emu.url, GEMINI_TIMEOUT=2, OLLAMA_TIMEOUT=2)
        with app.app_context():
            settings = app.config["SETTINGS"]
            with pytest.raises(AllProvidersFailed):
                generate_draft(settings, GenerationRequest("x", 5))
            report = build_report(settings, probe_timeout_s=2)
            html = app.test_client().get("/test_ai_services").get_data(as_text=True)
    flash, flash2, local = report["providers"]
    assert flash["probe"]["status"] == "ok" and flash["cooldown_until"] and flash["level"] == "warn"
    assert flash["reason"] == "per-day quota exhausted"
    assert flash["today"]["attempts"] == 1 and flash["today"]["success_rate"] == 0.0
    assert flash2["probe"]["status"] == "missing" and flash2["disabled"] and flash2["level"] == "bad"
    assert "GEMINI_MODELS=gemini-2.5-flash,gemini-flash-latest" in flash2["hint"]
    assert local["probe"]["status"] == "missing" and "ollama pull qwen2.5:3b" in local["probe"]["hint"]
    assert "ollama pull qwen2.5:3b" in html and "GEMINI_MODELS=gemini-2.5-flash,gemini-flash-latest" in html
    assert f"until {flash['cooldown_until_local']} (local time)" in html


def test_today_stats_count_successes_and_median_latency(ai_app, gemini):
    settings = ai_app.config["SETTINGS"]
    gemini.script(FLASH, ["500", "500"])
    generate_draft(settings, GenerationRequest("x", 3))  # 500, quick retry 500 -> 2.0 Flash answers
    generate_draft(settings, GenerationRequest("x", 3), only=f"gemini:{FLASH}")
    generate_draft(settings, GenerationRequest("x", 3), only=f"gemini:{FLASH}")
    report = build_report(settings, probe=False)
    today = report["providers"][0]["today"]
    assert (today["attempts"], today["ok"]) == (4, 2)
    assert today["success_rate"] == pytest.approx(0.5, abs=0.001)
    assert today["median_latency_ms"] > 0


def test_test_button_runs_three_tracks_and_escapes_ai_text(ai_app, gemini, ollama_emu):
    evil = "<script>alert('x')</script>"
    ollama_emu.answer = lambda prompt, count: {
        "title": "Test <b>list</b>",
        "description": "",
        "tracks": [{"artist": f"Band {i}", "title": f"{evil} {i}", "album": None, "year": 1985} for i in range(count)],
    }
    client = ai_app.test_client()
    posted = client.post("/test_ai_services/ollama:hermes3:8b/test")
    assert posted.status_code == 303 and posted.location.startswith("/test_ai_services")
    resp = client.get(posted.location)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert ollama_emu.chat_calls() == 1 and gemini.generate_calls() == 0
    # A reload shows the page without the result and spends nothing.
    again = client.get(posted.location).get_data(as_text=True)
    assert 'id="diag-test"' not in again and ollama_emu.chat_calls() == 1
    assert "Number of tracks: 3" in ollama_emu.last_prompt_text()
    assert evil not in html and "&lt;script&gt;" in html and "<b>list</b>" not in html
    assert 'data-ok="true"' in html and html.count("Band ") == 3
    data = client.post("/test_ai_services/ollama:hermes3:8b/test?format=json").get_json()
    assert data["test"]["ok"] and len(data["test"]["tracks"]) == 3 and data["test"]["latency_ms"] > 0


def test_test_button_reports_failure(ai_app, gemini):
    gemini.script(FLASH, ["404-retired"])
    data = ai_app.test_client().post(f"/test_ai_services/gemini:{FLASH}/test?format=json").get_json()
    assert data["test"]["ok"] is False and data["test"]["outcome"] == "retired"
    assert "GEMINI_MODELS=" in data["test"]["message"]
    assert gemini.generate_calls(FLASH2) == 0


def test_test_button_unknown_provider_is_404(ai_app):
    assert ai_app.test_client().post("/test_ai_services/gemini:gemini-9/test").status_code == 404


def test_test_button_requires_csrf_token(make_app, wired, gemini):
    app = make_app(**wired, WTF_CSRF_ENABLED=True, AI_PROBE_TIMEOUT_S=2)
    with app.app_context():
        client = app.test_client()
        assert client.post(f"/test_ai_services/gemini:{FLASH}/test").status_code == 400
        assert gemini.generate_calls() == 0
        html = client.get("/test_ai_services").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        resp = client.post(f"/test_ai_services/gemini:{FLASH}/test", data={"csrf_token": token})
    assert resp.status_code == 303 and gemini.generate_calls(FLASH) == 1
