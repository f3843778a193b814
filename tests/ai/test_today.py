"""The cascade against the Gemini and Ollama services as they are today (December 2026),
through the real google-genai and ollama clients and the emulators' ``today`` era:
successor models, Gemini 3 request settings, cut answers, transient errors, 429
variants, Ollama that can finish on a CPU."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from plex_completer.ai import AllProvidersFailed, GenerationRequest, cascade_status, generate_draft
from plex_completer.extensions import db
from plex_completer.models import AiAttempt, ModelSuccessor
from tests.ai.conftest import GEMINI_KEY, provider_env
from tests.fakes.ai.gemini_server import GeminiEmulator, GenerateCall
from tests.fakes.ai.ollama_server import OllamaEmulator

REQ = GenerationRequest("80s synth pop", 12)
OLLAMA = "hermes3:8b"


@pytest.fixture
def today():
    with GeminiEmulator(api_key=GEMINI_KEY) as emu:
        yield emu


@pytest.fixture
def env(today, ollama_emu):
    """Settings of a fresh install: no GEMINI_MODELS (the default 2.5 Flash, 2.0 Flash)."""
    return provider_env(today, ollama_emu)


def rows() -> list[tuple[str, str, str]]:
    return [(r.model, r.outcome, r.slot or "") for r in db.session.scalars(db.select(AiAttempt).order_by(AiAttempt.id))]


def list_calls(emu: GeminiEmulator) -> int:
    return sum(1 for r in emu.requests if r.method == "GET" and r.path.endswith("/models"))


# -- 1. successor models ------------------------------------------------------------------


def test_fresh_install_is_answered_by_a_3x_successor_then_asks_it_directly(make_app, env, today, ollama_emu, caplog):
    app = make_app(**env)
    with app.app_context(), caplog.at_level(logging.INFO, logger="plex_completer.ai"):
        settings = app.config["SETTINGS"]
        assert settings.GEMINI_MODELS == ("gemini-2.5-flash", "gemini-2.0-flash")
        result = generate_draft(settings, REQ)
        assert (result.provider, result.model, result.slot) == ("gemini", "gemini-3.8-flash", "gemini-2.5-flash")
        assert len(result.draft.tracks) == 12
        # One 404 for the retired model, one listing (no quota), then the successor.
        assert today.generate_calls("gemini-2.5-flash") == 1 and today.generate_calls("gemini-3.8-flash") == 1
        assert today.generate_calls("gemini-2.0-flash") == 0 and ollama_emu.chat_calls() == 0
        assert list_calls(today) == 1
        assert rows() == [("gemini-2.5-flash", "retired", ""), ("gemini-3.8-flash", "ok", "gemini-2.5-flash")]
        assert "gemini-2.5-flash is retired; using gemini-3.8-flash in its place" in caplog.text
        stored = db.session.get(ModelSuccessor, "gemini-2.5-flash")
        assert (stored.successor, stored.origin, stored.output_token_limit) == ("gemini-3.8-flash", "listing", 65_536)
        assert GEMINI_KEY not in stored.fingerprint
        # The second run asks the successor directly: no 404, no listing.
        assert generate_draft(settings, REQ).model == "gemini-3.8-flash"
        assert today.generate_calls("gemini-2.5-flash") == 1 and list_calls(today) == 1
        label = cascade_status(settings)[0].chain_label
        assert label == "Gemini 2.5 Flash → gemini-3.8-flash"
    restarted = make_app(**env)  # a new process on the same database
    with restarted.app_context():
        assert generate_draft(restarted.config["SETTINGS"], REQ).model == "gemini-3.8-flash"
    assert today.generate_calls("gemini-2.5-flash") == 1 and list_calls(today) == 1


def test_gemini_3_request_uses_thinking_level_low_and_temperature_1(make_app, env, today):
    app = make_app(**env, GEMINI_MODELS="gemini-3.8-flash")
    with app.app_context():
        generate_draft(app.config["SETTINGS"], REQ)
        row = db.session.scalars(db.select(AiAttempt)).one()
    call = today.last_call("gemini-3.8-flash")
    assert call.thinking_level == "low" and call.thinking_budget is None and call.temperature == 1.0
    # Room for the answer (512 + 60 per track) and for thinking at "low" (2048 tokens).
    assert call.max_output_tokens == 512 + 60 * 12 + 2048
    assert row.thinking_tokens == 700 and row.prompt_tokens and row.output_tokens and row.finish_reason == "STOP"


def test_each_slot_gets_its_own_successor_not_already_in_the_chain(make_app, env, today, clock):
    app = make_app(**env)
    today.script("gemini-3.8-flash", ["429-day"])  # the first successor is out of quota
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], REQ, clock=clock)
    # Slot 2 (2.0 Flash) gets the next newest Flash, not 3.8 again and not a Flash-Lite.
    assert (result.model, result.slot) == ("gemini-3.7-flash", "gemini-2.0-flash")
    assert today.generate_calls("gemini-2.0-flash") == 1


def test_a_successor_that_answers_404_is_replaced_in_turn(make_app, env, today):
    today.retire("gemini-3.8-flash")  # still listed, but gone: a listing proves nothing
    app = make_app(**env)
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], REQ)
        assert result.model == "gemini-3.7-flash"
        assert [r[:2] for r in rows()] == [
            ("gemini-2.5-flash", "retired"), ("gemini-3.8-flash", "retired"), ("gemini-3.7-flash", "ok")]
        assert db.session.get(ModelSuccessor, "gemini-2.5-flash").successor == "gemini-3.7-flash"


def test_flash_lite_is_replaced_by_flash_lite_and_previews_are_never_picked(make_app, env, today):
    app = make_app(**env, GEMINI_MODELS="gemini-2.5-flash-lite")
    with app.app_context():
        assert generate_draft(app.config["SETTINGS"], REQ).model == "gemini-3.5-flash-lite"
    app = make_app(**env, GEMINI_MODELS="gemini-2.5-flash")
    with app.app_context():
        # 3.9-flash-preview, 3.8-flash-image/-live/-preview-tts are listed but never picked.
        assert generate_draft(app.config["SETTINGS"], REQ).model == "gemini-3.8-flash"


def test_listing_failure_falls_back_to_the_latest_alias(make_app, env, today, monkeypatch):
    from plex_completer.ai import gemini as gemini_provider
    from plex_completer.ai.errors import Outcome, ProviderFailure

    def broken_listing(*_a, **_k):  # no emulator route fails models.list alone
        raise ProviderFailure(Outcome.SERVER, "server error 503 UNAVAILABLE", transient=True)

    monkeypatch.setattr(gemini_provider, "list_models", broken_listing)
    app = make_app(**env)
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], REQ)
        assert (result.model, result.slot) == ("gemini-flash-latest", "gemini-2.5-flash")
        assert db.session.get(ModelSuccessor, "gemini-2.5-flash").origin == "alias"
        status = cascade_status(app.config["SETTINGS"])[0]
        assert status.origin_text == "alias for gemini-2.5-flash (the model listing failed)"


def test_successors_can_be_switched_off(make_app, env, today, ollama_emu):
    app = make_app(**env, GEMINI_AUTO_SUCCESSOR="false")
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], REQ)
        assert result.provider == "ollama"
        assert today.generate_calls() == 2 and list_calls(today) == 0
        assert db.session.scalars(db.select(ModelSuccessor)).all() == []


def test_a_configuration_change_re_checks_the_successor(make_app, env, today):
    app = make_app(**env)
    with app.app_context():
        generate_draft(app.config["SETTINGS"], REQ)
    assert list_calls(today) == 1
    other = make_app(**env, GEMINI_MODELS="gemini-2.5-flash,gemini-3.5-flash")
    with other.app_context():
        # The stored resolution belongs to another configuration: the slot's model is
        # skipped (known retired, no request) and a successor is resolved again.
        assert generate_draft(other.config["SETTINGS"], REQ).model == "gemini-3.8-flash"
    assert today.generate_calls("gemini-2.5-flash") == 1 and list_calls(today) == 2


def test_limit_zero_429_is_handled_like_a_retired_model(make_app, env, today):
    app = make_app(**env, GEMINI_MODELS="gemini-3.8-flash")
    today.script("gemini-3.8-flash", ["429-limit0"])
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], REQ)
    assert (result.model, result.slot) == ("gemini-3.7-flash", "gemini-3.8-flash")
    first = result.attempts[0]
    assert first["outcome"] == "retired" and "limit: 0" in first["message"] and "billing" in first["hint"]
    assert first["cooldown_until"] is None


# -- 2. request settings ---------------------------------------------------------------


def test_a_rejected_thinking_level_is_avoided_and_a_rejection_is_retried_without_it(make_app, env, today, monkeypatch):
    app = make_app(**env, GEMINI_MODELS="gemini-3.7-flash", GEMINI_THINKING_LEVEL="minimal")
    with app.app_context():
        assert generate_draft(app.config["SETTINGS"], REQ).model == "gemini-3.7-flash"
    # The known rejection (3.7 refuses minimal) is never sent: low goes instead.
    assert today.last_call("gemini-3.7-flash").thinking_level == "low"
    # A rejection the table does not know yet: one 400, then once without thinking config.
    from plex_completer.ai import generations

    monkeypatch.setattr(generations, "REJECTED_LEVELS", {})
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], REQ)
    assert result.model == "gemini-3.7-flash"
    assert [a["outcome"] for a in result.attempts] == ["config", "ok"]
    assert "Allowed values are: medium, low, high" in result.attempts[0]["message"]
    assert today.last_call("gemini-3.7-flash").thinking_config_sent is False


# -- 3. cut answers ------------------------------------------------------------------------


@pytest.mark.parametrize("behaviour, text", [("overthink", False), ("overthink-half", True)])
def test_a_cut_answer_is_retried_once_with_a_larger_cap_and_less_thinking(make_app, env, today, behaviour, text):
    app = make_app(**env, GEMINI_MODELS="gemini-3.8-flash")
    today.script("gemini-3.8-flash", [behaviour])
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], REQ)
        cut = db.session.scalars(db.select(AiAttempt).order_by(AiAttempt.id)).first()
    assert result.model == "gemini-3.8-flash" and len(result.draft.tracks) == 12 and not result.cut_note
    assert [a["outcome"] for a in result.attempts] == ["cut", "ok"]
    assert cut.finish_reason == "MAX_TOKENS" and ("no text" in cut.message) is (not text)
    first, second = (GenerateCall.from_body(r.model, "v1beta", r.body) for r in today.generate_requests("gemini-3.8-flash"))
    assert second.max_output_tokens > first.max_output_tokens
    assert (first.thinking_level, second.thinking_level) == ("low", "minimal")


def test_a_cut_answer_twice_moves_to_the_next_provider(make_app, env, today, ollama_emu):
    app = make_app(**env, GEMINI_MODELS="gemini-3.8-flash")
    today.script("gemini-3.8-flash", ["overthink", "overthink"])
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], REQ)
    assert result.provider == "ollama" and not result.cut_note
    assert [a["outcome"] for a in result.attempts] == ["cut", "cut", "ok"]


def test_the_longest_cut_list_is_kept_only_when_every_provider_fails(make_app, env, today, ollama_emu):
    app = make_app(**env, GEMINI_MODELS="gemini-3.8-flash")
    today.script("gemini-3.8-flash", ["overthink-half", "overthink-half"])
    ollama_emu.script(["500"])
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], GenerationRequest("80s synth pop", 40))
    assert result.model == "gemini-3.8-flash"
    n = len(result.draft.tracks)
    assert 0 < n < 40 and result.cut_note == f"the AI's answer was cut: {n} of 40 tracks"


# -- 4. transient errors and 429 variants -------------------------------------------------------------


def test_503_high_demand_gets_one_quick_retry(make_app, env, today, retry_sleeps):
    app = make_app(**env, GEMINI_MODELS="gemini-3.8-flash")
    today.script("gemini-3.8-flash", ["503"])
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], REQ)
    assert result.model == "gemini-3.8-flash" and today.generate_calls("gemini-3.8-flash") == 2
    assert len(retry_sleeps) == 1 and 1.0 <= retry_sleeps[0] <= 3.0
    assert "experiencing high demand" in result.attempts[0]["message"]


def test_5xx_only_failures_are_marked_for_postponing(make_app, env, today, ollama_emu):
    app = make_app(**env, GEMINI_MODELS="gemini-3.8-flash")
    today.set_default("gemini-3.8-flash", "503")
    ollama_emu.script(["500"])
    with app.app_context(), pytest.raises(AllProvidersFailed) as info:
        generate_draft(app.config["SETTINGS"], REQ)
    assert info.value.server_errors_only and not info.value.all_quota_exhausted


@pytest.mark.parametrize(
    "behaviour, outcome, cooldown_s",
    [("429-multi", "quota", 60), ("429-help", "quota", 60), ("429-bare", "quota", 60), ("429-limit0", "retired", None)],
)
def test_each_429_variant_is_classified(make_app, env, today, clock, behaviour, outcome, cooldown_s):
    app = make_app(**env, GEMINI_MODELS="gemini-3.8-flash", GEMINI_AUTO_SUCCESSOR="false")
    today.script("gemini-3.8-flash", [behaviour])
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], REQ, clock=clock)
    first = result.attempts[0]
    assert first["outcome"] == outcome
    if cooldown_s is None:
        assert first["cooldown_until"] is None
    else:
        assert first["cooldown_until"] == (clock.now + dt.timedelta(seconds=cooldown_s)).isoformat()


# -- 5. Ollama -----------------------------------------------------------------------------


def _ollama_only(env: dict, **extra) -> dict:
    return {**env, "GEMINI_API_KEY": "", **extra}


def test_ollama_gets_num_ctx_num_predict_keep_alive_and_a_compact_prompt(make_app, env, ollama_emu):
    app = make_app(**_ollama_only(env))
    seed = [f"Artist {i} – A rather long song title number {i}" for i in range(60)]
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], GenerationRequest("80s synth pop", 30, taste_seed=seed))
    assert result.provider == "ollama" and len(result.draft.tracks) == 30
    body = ollama_emu.chat_requests()[-1].body
    options = body["options"]
    assert options["num_predict"] == 512 + 60 * 30 and options["num_ctx"] >= options["num_predict"] + 256
    assert options["num_ctx"] % 1024 == 0 and body["keep_alive"] == "10m" and body["stream"] is True
    assert "think" not in body  # hermes3 cannot think
    assert "Artist 14 –" in ollama_emu.last_prompt_text() and "Artist 15 –" not in ollama_emu.last_prompt_text()
    assert ollama_emu.truncated == [], "the prompt fits the context it asked for"


def test_a_thinking_ollama_model_is_told_not_to_think(make_app, env):
    with OllamaEmulator(models=("qwen3:4b",)) as emu:
        app = make_app(**_ollama_only(env, OLLAMA_URL=emu.url, OLLAMA_MODEL="qwen3:4b"))
        with app.app_context():
            generate_draft(app.config["SETTINGS"], REQ)
        assert emu.chat_requests()[-1].body["think"] is False


def test_ollama_out_of_memory_gets_a_clear_hint(make_app, env):
    with OllamaEmulator(models=(OLLAMA,), memory_gib=3.5) as emu:
        app = make_app(**_ollama_only(env, OLLAMA_URL=emu.url))
        with app.app_context(), pytest.raises(AllProvidersFailed) as info:
            generate_draft(app.config["SETTINGS"], REQ)
    last = info.value.attempts[-1]
    assert "model requires more system memory" in last["message"] and "than is available (3.5 GiB)" in last["message"]
    assert "smaller model" in last["hint"] and "free memory" in last["hint"]


@pytest.mark.parametrize("wording", ["current", "pull"])
def test_ollama_model_not_found_in_both_wordings(make_app, env, wording):
    with OllamaEmulator(models=("llama3.2:3b",), not_found_wording=wording) as emu:
        app = make_app(**_ollama_only(env, OLLAMA_URL=emu.url))
        with app.app_context(), pytest.raises(AllProvidersFailed) as info:
            generate_draft(app.config["SETTINGS"], REQ)
    assert "Run `ollama pull hermes3:8b`" in info.value.attempts[-1]["hint"]


def test_ollama_first_token_timeout(make_app, env, ollama_emu):
    ollama_emu.script(["slow:3"])
    app = make_app(**_ollama_only(env, OLLAMA_FIRST_TOKEN_TIMEOUT=0.3))
    with app.app_context(), pytest.raises(AllProvidersFailed) as info:
        generate_draft(app.config["SETTINGS"], REQ)
    last = info.value.attempts[-1]
    assert last["outcome"] == "transport" and "no answer within 0.3 s" in last["message"]


def test_ollama_cut_answer_is_retried_with_a_larger_num_predict(make_app, env, ollama_emu):
    ollama_emu.script(["truncated"])
    app = make_app(**_ollama_only(env))
    with app.app_context():
        result = generate_draft(app.config["SETTINGS"], REQ)
    assert [a["outcome"] for a in result.attempts[-2:]] == ["cut", "ok"]
    first, second = (r.body["options"]["num_predict"] for r in ollama_emu.chat_requests())
    assert second == 2 * first


# -- 7. diagnostics --------------------------------------------------------------------------


def test_diagnostics_show_the_resolved_chain_settings_and_local_times(make_app, env, today, ollama_emu):
    from plex_completer.ai.diagnostics import build_report

    app = make_app(**env, TZ="Europe/Berlin")
    with app.app_context():
        generate_draft(app.config["SETTINGS"], REQ)
        report = build_report(app.config["SETTINGS"], probe=False)
        client = app.test_client()
        html = client.get("/test_ai_services").get_data(as_text=True)
        dashboard = client.get("/").get_data(as_text=True)
    first, second, local = report["providers"]
    assert (first["model"], first["origin"], first["origin_text"]) == ("gemini-3.8-flash", "listing", "successor of gemini-2.5-flash")
    assert first["chain_label"] == "Gemini 2.5 Flash → gemini-3.8-flash"
    assert first["request_settings"].startswith("thinking_level low, cap 4,360 tokens, temperature 1")
    assert (second["model"], second["origin"]) == ("gemini-2.0-flash", "configured")
    assert second["request_settings"].startswith("no thinking config")
    assert "num_ctx" in local["request_settings"] and "keep_alive 10m" in local["request_settings"]
    last = first["today"]["last"]
    assert last["finish_reason"] == "STOP" and last["thinking_tokens"] == 700 and last["output_tokens"]
    assert last["at_local"].endswith(("CET", "CEST")) and report["generated_at_local"].endswith(("CET", "CEST"))
    assert "Gemini 2.5 Flash → gemini-3.8-flash" in html and "successor of gemini-2.5-flash" in html
    assert "finish reason STOP" in html and "700 thinking" in html and "(UTC)" not in html
    assert "Gemini 2.5 Flash → gemini-3.8-flash" in dashboard


def test_a_retired_slot_without_successor_is_not_listed_again_on_every_run(make_app, env, today, ollama_emu):
    app = make_app(**env, GEMINI_MODELS="gemini-2.5-pro")  # no Pro model is listed today
    with app.app_context():
        assert generate_draft(app.config["SETTINGS"], REQ).provider == "ollama"
        assert generate_draft(app.config["SETTINGS"], REQ).provider == "ollama"
    assert today.generate_calls("gemini-2.5-pro") == 1 and list_calls(today) == 1
