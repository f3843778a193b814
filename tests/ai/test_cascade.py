"""The cascade through the real google-genai and ollama clients against the emulators."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from plex_completer.ai import AllProvidersFailed, GenerationRequest, cascade_status, generate_draft
from plex_completer.ai.classify import quota_reset_at
from plex_completer.extensions import db
from plex_completer.models import AiAttempt, Job, ProviderState
from tests.ai.conftest import GEMINI_KEY, FakeClock, free_port

FLASH, FLASH2 = "gemini-2.5-flash", "gemini-2.0-flash"
REQ = GenerationRequest("80s synth pop", 12)


def attempts() -> list[tuple[str, str, str]]:
    rows = db.session.scalars(db.select(AiAttempt).order_by(AiAttempt.id)).all()
    return [(r.provider, r.model, r.outcome) for r in rows]


def state(key: str) -> ProviderState | None:
    db.session.expire_all()
    return db.session.get(ProviderState, key)


# -- order and success ------------------------------------------------------------------


def test_first_gemini_model_answers_with_structured_output(settings, gemini, ollama_emu):
    steps: list[str] = []
    result = generate_draft(settings, REQ, on_step=steps.append)
    assert (result.provider, result.model, result.display_name) == ("gemini", FLASH, "Gemini 2.5 Flash")
    assert len(result.draft.tracks) == 12 and result.draft.title
    assert steps == ["Asking Gemini 2.5 Flash"]
    assert gemini.generate_calls(FLASH) == 1 and gemini.generate_calls(FLASH2) == 0 and ollama_emu.chat_calls() == 0
    call = gemini.last_call(FLASH)
    assert call.response_mime_type == "application/json" and call.response_schema["required"] == ["title", "tracks"]
    assert call.thinking_budget == 0
    assert "80s synth pop" in call.prompt_text and "Number of tracks: 12" in call.prompt_text
    assert attempts() == [("gemini", FLASH, "ok")]
    row = db.session.scalars(db.select(AiAttempt)).one()
    assert row.prompt_tokens and row.output_tokens and row.total_tokens and row.track_count == 12 and row.latency_ms > 0


def test_gemini_2_0_gets_no_thinking_config(settings, gemini):
    gemini.script(FLASH, ["503", "503"])
    result = generate_draft(settings, REQ)
    assert result.model == FLASH2
    assert gemini.last_call(FLASH2).thinking_budget is None


def test_fallback_to_ollama_after_both_gemini_models_fail(settings, gemini, ollama_emu, caplog):
    gemini.script(FLASH, ["429-minute"])
    gemini.script(FLASH2, ["500", "500"])  # the quick retry gets a 500 too
    steps: list[str] = []
    with caplog.at_level(logging.INFO, logger="plex_completer.ai"):
        result = generate_draft(settings, REQ, on_step=steps.append)
    assert (result.provider, result.display_name) == ("ollama", "Ollama (hermes3:8b)")
    assert steps == ["Asking Gemini 2.5 Flash", "Asking Gemini 2.0 Flash", "Asking Ollama (hermes3:8b)"]
    assert [a["outcome"] for a in result.attempts] == ["quota", "server", "server", "ok"]
    assert isinstance(ollama_emu.last_format(), dict) and "tracks" in ollama_emu.last_format()["properties"]
    assert attempts() == [("gemini", FLASH, "quota"), ("gemini", FLASH2, "server"), ("gemini", FLASH2, "server"), ("ollama", "hermes3:8b", "ok")]
    text = caplog.text
    assert "Trying Gemini 2.5 Flash" in text and "Gemini 2.5 Flash failed: per-minute quota exhausted, cooling down until" in text
    assert "Playlist generated with Ollama (hermes3:8b) in" in text and "12 tracks" in text


def test_gemini_models_setting_overrides_the_order(make_app, wired, gemini):
    app = make_app(**wired, GEMINI_MODELS="gemini-2.5-flash-lite")
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], REQ)
    assert result.model == "gemini-2.5-flash-lite"
    assert gemini.generate_calls(FLASH) == 0


# -- each Gemini failure class ----------------------------------------------------------


@pytest.mark.parametrize(
    "behaviour, outcome, cooldown, disabled",
    [
        ("429-minute", "quota", "minute", False),
        ("429-day", "quota", "day", False),
        ("404", "retired", None, True),
        ("404-retired", "retired", None, True),
        ("400", "config", "short", False),
        ("400-key", "auth", None, True),
        ("401", "auth", None, True),
        ("403", "auth", None, True),
        ("500", "server", "short", False),
        ("503", "server", "short", False),
        ("drop", "transport", "short", False),
        ("safety", "blocked", None, False),
        ("empty", "bad_output", None, False),
    ],
)
def test_each_gemini_failure_is_classified_and_the_cascade_moves_on(settings, gemini, clock, behaviour, outcome, cooldown, disabled, retry_sleeps):
    transient = behaviour in ("500", "503")
    gemini.script(FLASH, [behaviour, behaviour] if transient else [behaviour])
    result = generate_draft(settings, REQ, clock=clock)
    assert result.model == FLASH2, "the next model answers"
    first = result.attempts[0]
    assert first["outcome"] == outcome
    # No SDK retry; only a 5xx gets the cascade's one quick retry, after 1-3 s.
    assert gemini.generate_calls(FLASH) == (2 if transient else 1)
    assert len(retry_sleeps) == (1 if transient else 0) and all(1.0 <= w <= 3.0 for w in retry_sleeps)
    row = state(f"gemini:{FLASH}")
    until = row.cooldown_until if row else None
    if cooldown == "minute":
        assert until == clock.now + dt.timedelta(seconds=37)
    elif cooldown == "day":
        assert until == quota_reset_at(clock.now)
    elif cooldown == "short":
        assert clock.now < until <= clock.now + dt.timedelta(minutes=5)
    else:
        assert until is None
    assert bool(row and row.disabled_for) is disabled


def test_gemini_timeout_is_a_transport_failure(make_app, wired, gemini):
    app = make_app(**{**wired, "GEMINI_TIMEOUT": 0.3})
    gemini.script(FLASH, ["slow:3"])
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], REQ)
        assert result.model == FLASH2
        first = result.attempts[0]
        assert first["outcome"] == "transport" and "no answer within 0.3 s" in first["message"]
        assert first["latency_ms"] < 2000


@pytest.mark.parametrize("behaviour, method", [("thoughts", "structured"), ("fenced", "extracted"), ("prose", "extracted"), ("broken", "repaired")])
def test_malformed_gemini_answers_are_still_used(settings, gemini, behaviour, method):
    gemini.script(FLASH, [behaviour])
    result = generate_draft(settings, REQ)
    assert result.model == FLASH and result.parse_method == method
    assert len(result.draft.tracks) >= 3
    assert all(t.artist and t.title for t in result.draft.tracks)
    if behaviour == "thoughts":
        assert "Curating" not in result.draft.title  # thought parts are not the answer


# -- Ollama failure classes -------------------------------------------------------------


def _gemini_down(gemini):
    for model in (FLASH, FLASH2):
        gemini.set_default(model, "503")


@pytest.mark.parametrize(
    "behaviour, outcome",
    [("500", "server"), ("drop", "transport"), ("stream-error", "server"), ("404", "config")],
)
def test_ollama_failures_are_classified(settings, gemini, ollama_emu, behaviour, outcome):
    _gemini_down(gemini)
    ollama_emu.script([behaviour])
    with pytest.raises(AllProvidersFailed) as info:
        generate_draft(settings, REQ)
    last = info.value.attempts[-1]
    assert (last["provider"], last["outcome"]) == ("ollama", outcome)
    if behaviour == "404":
        assert "ollama pull hermes3:8b" in last["hint"]
        assert "ollama pull hermes3:8b" in info.value.message


def test_ollama_model_not_pulled(make_app, wired, gemini, ollama_emu):
    _gemini_down(gemini)
    app = make_app(**{**wired, "OLLAMA_MODEL": "llama3.2:3b"})
    with app.app_context(), pytest.raises(AllProvidersFailed) as info:
        generate_draft(app.config["SETTINGS"], REQ)
    assert "Run `ollama pull llama3.2:3b`" in info.value.attempts[-1]["hint"]


def test_ollama_not_running(make_app, wired, gemini):
    _gemini_down(gemini)
    url = f"http://127.0.0.1:{free_port()}"
    app = make_app(**{**wired, "OLLAMA_URL": url})
    with app.app_context(), pytest.raises(AllProvidersFailed) as info:
        generate_draft(app.config["SETTINGS"], REQ)
    last = info.value.attempts[-1]
    assert last["outcome"] == "transport" and last["message"] == f"not running at {url}"
    assert not info.value.all_quota_exhausted


def test_ollama_timeout(make_app, wired, gemini, ollama_emu):
    _gemini_down(gemini)
    ollama_emu.script(["slow:3"])
    app = make_app(**{**wired, "OLLAMA_TIMEOUT": 0.3})
    with app.app_context(), pytest.raises(AllProvidersFailed) as info:
        generate_draft(app.config["SETTINGS"], REQ)
    assert info.value.attempts[-1]["outcome"] == "transport"
    assert "no answer within 0.3 s" in info.value.attempts[-1]["message"]


@pytest.mark.parametrize("behaviour", ["fenced", "prose", "broken"])
def test_malformed_ollama_answers_are_still_used(settings, gemini, ollama_emu, behaviour):
    _gemini_down(gemini)
    ollama_emu.script([behaviour])
    result = generate_draft(settings, REQ)
    assert result.provider == "ollama" and len(result.draft.tracks) >= 3


def test_bad_output_moves_on_without_cooldown(settings, gemini, ollama_emu):
    gemini.answer = lambda prompt, count: {"title": "x", "description": "", "tracks": [{"artist": "", "title": ""}]}
    result = generate_draft(settings, REQ)
    assert [a["outcome"] for a in result.attempts] == ["bad_output", "bad_output", "ok"]
    assert state(f"gemini:{FLASH}").cooldown_until is None


# -- cooldowns and disabled models ------------------------------------------------------


def test_cooled_down_and_retired_models_are_skipped_without_a_request(settings, gemini, ollama_emu, clock):
    gemini.script(FLASH, ["429-day"])
    gemini.script(FLASH2, ["404-retired"])
    generate_draft(settings, REQ, clock=clock)
    assert gemini.generate_calls() == 2
    steps: list[str] = []
    result = generate_draft(settings, REQ, clock=clock, on_step=steps.append)
    assert gemini.generate_calls() == 2, "no request to a model in cooldown or retired"
    assert result.provider == "ollama" and ollama_emu.chat_calls() == 2
    assert steps == ["Asking Ollama (hermes3:8b)"]
    skipped = result.attempts[:2]
    assert [a["outcome"] for a in skipped] == ["skipped", "skipped"]
    assert "cooling down until" in skipped[0]["message"]
    assert "until the configuration changes" in skipped[1]["message"]
    assert "GEMINI_MODELS=gemini-2.5-flash,gemini-flash-latest" in skipped[1]["hint"]


def test_cooldown_expires(settings, gemini, clock):
    gemini.script(FLASH, ["429-minute"])
    generate_draft(settings, REQ, clock=clock)
    clock.advance(36)
    assert generate_draft(settings, REQ, clock=clock).model == FLASH2
    assert gemini.generate_calls(FLASH) == 1
    clock.advance(2)
    assert generate_draft(settings, REQ, clock=clock).model == FLASH
    assert gemini.generate_calls(FLASH) == 2
    assert state(f"gemini:{FLASH}").cooldown_until is None, "success clears the cooldown"


def test_day_quota_lasts_until_pacific_midnight(settings, gemini, clock):
    gemini.script(FLASH, ["429-day"])
    generate_draft(settings, REQ, clock=clock)
    reset = quota_reset_at(clock.now)
    clock.now = reset - dt.timedelta(seconds=1)
    assert generate_draft(settings, REQ, clock=clock).model == FLASH2
    clock.now = reset
    assert generate_draft(settings, REQ, clock=clock).model == FLASH


def test_cooldowns_survive_a_restart(make_app, wired, gemini, ollama_emu):
    clock = FakeClock()
    gemini.script(FLASH, ["429-day"])
    gemini.script(FLASH2, ["403"])
    first = make_app(**wired)
    with first.app_context():
        assert generate_draft(first.config["SETTINGS"], REQ, clock=clock).provider == "ollama"
    second = make_app(**wired)  # a new process on the same database file
    with second.app_context():
        result = generate_draft(second.config["SETTINGS"], REQ, clock=clock)
        assert result.provider == "ollama"
        assert gemini.generate_calls() == 2
        statuses = cascade_status(second.config["SETTINGS"], clock=clock)
    assert [(s.available, s.next_in_line) for s in statuses] == [(False, False), (False, False), (True, True)]
    assert statuses[0].cooldown_until == quota_reset_at(clock.now)
    assert statuses[1].disabled and "GEMINI_API_KEY" in statuses[1].hint


def test_a_configuration_change_re_enables_a_disabled_model(make_app, wired, gemini):
    gemini.script(FLASH, ["404-retired"])
    app = make_app(**wired)
    with app.app_context():
        generate_draft(app.config["SETTINGS"], REQ)
        generate_draft(app.config["SETTINGS"], REQ)
    assert gemini.generate_calls(FLASH) == 1
    row_fp = None
    second = make_app(**{**wired, "GEMINI_API_KEY": GEMINI_KEY + "-new"})
    gemini.api_key = GEMINI_KEY + "-new"
    with second.app_context():
        row_fp = state(f"gemini:{FLASH}").disabled_for
        assert GEMINI_KEY not in row_fp and len(row_fp) == 32
        assert generate_draft(second.config["SETTINGS"], REQ).model == FLASH
    assert gemini.generate_calls(FLASH) == 2


def test_only_restricts_to_one_provider_and_ignores_its_cooldown(settings, gemini, ollama_emu, clock):
    gemini.script(FLASH, ["429-day"])
    generate_draft(settings, REQ, clock=clock)
    result = generate_draft(settings, REQ, clock=clock, only=f"gemini:{FLASH}")
    assert result.model == FLASH and gemini.generate_calls(FLASH) == 2
    assert [a["model"] for a in result.attempts] == [FLASH]
    assert generate_draft(settings, REQ, only="ollama").provider == "ollama"
    with pytest.raises(ValueError):
        generate_draft(settings, REQ, only="gemini:nope")


# -- all failed, configuration, records -------------------------------------------------


def test_all_quota_exhausted_tells_when_to_retry(settings, gemini, ollama_emu, clock):
    gemini.script(FLASH, ["429-day"])
    gemini.script(FLASH2, ["429-minute"])
    ollama_emu.script(["500"])
    with pytest.raises(AllProvidersFailed) as info:
        generate_draft(settings, REQ, clock=clock)
    exc = info.value
    assert exc.all_quota_exhausted
    assert exc.next_retry_at == clock.now + dt.timedelta(seconds=37)
    assert "Gemini 2.5 Flash: per-day quota exhausted" in exc.message
    assert "Ollama (hermes3:8b): server error 500" in exc.message
    # Second run: all three skipped or failing, still a quota wait.
    with pytest.raises(AllProvidersFailed) as again:
        generate_draft(settings, REQ, clock=clock)
    assert again.value.all_quota_exhausted and gemini.generate_calls() == 2


def test_nothing_configured(make_app):
    app = make_app(OLLAMA_URL="")
    with app.app_context(), pytest.raises(AllProvidersFailed) as info:
        generate_draft(app.config["SETTINGS"], REQ)
    assert "No AI provider is configured" in info.value.message
    assert [a["outcome"] for a in info.value.attempts] == ["skipped", "skipped", "skipped"]
    assert "GEMINI_API_KEY is not set" in info.value.attempts[0]["message"]


def test_unconfigured_gemini_is_skipped_and_ollama_answers(make_app, ollama_emu):
    app = make_app(OLLAMA_URL=ollama_emu.url, OLLAMA_TIMEOUT=2, OLLAMA_MODEL="hermes3:8b")
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], REQ)
        assert result.provider == "ollama"
        assert attempts() == [("gemini", FLASH, "skipped"), ("gemini", FLASH2, "skipped"), ("ollama", "hermes3:8b", "ok")]


def test_job_id_is_recorded(settings, gemini):
    job = Job(kind="generate")
    db.session.add(job)
    db.session.commit()
    generate_draft(settings, REQ, job_id=job.id)
    assert db.session.scalars(db.select(AiAttempt.job_id)).all() == [job.id]


def test_secrets_never_reach_logs_or_records(make_app, wired, gemini, ollama_emu, caplog, capsys):
    gemini.script(FLASH, ["400"])
    gemini.script(FLASH2, ["403"])
    app = make_app(**wired)
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        settings = app.config["SETTINGS"]
        generate_draft(settings, REQ)
        # A wrong key answer from the emulator: the key travels in a header and must not come back.
        gemini.api_key = "another-key"
        with pytest.raises(AllProvidersFailed) as info:
            generate_draft(settings, REQ, only=f"gemini:{FLASH}")
        messages = db.session.scalars(db.select(AiAttempt.message)).all()
        states = db.session.scalars(db.select(ProviderState)).all()
        client = app.test_client()
        page = client.get("/test_ai_services").get_data(as_text=True)
        report = client.get("/test_ai_services?format=json").get_data(as_text=True)
    out = capsys.readouterr()
    haystacks = [caplog.text, out.out, out.err, info.value.message, str(info.value.attempts), page, report, *messages]
    haystacks += [f"{s.last_error} {s.cooldown_reason} {s.disabled_reason} {s.disabled_for}" for s in states]
    for text in haystacks:
        assert GEMINI_KEY not in text


def test_cascade_status_needs_no_network(settings, gemini, ollama_emu, clock):
    gemini.script(FLASH, ["429-minute"])
    generate_draft(settings, REQ, clock=clock)
    before = len(gemini.requests) + len(ollama_emu.requests)
    statuses = cascade_status(settings, clock=clock)
    assert len(gemini.requests) + len(ollama_emu.requests) == before
    assert [s.key for s in statuses] == [f"gemini:{FLASH}", f"gemini:{FLASH2}", "ollama:hermes3:8b"]
    assert statuses[0].cooldown_until == clock.now + dt.timedelta(seconds=37) and not statuses[0].available
    assert statuses[1].next_in_line and not statuses[2].next_in_line
