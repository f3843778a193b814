"""The emulators' ``today`` era (December 2026) through the real google-genai and ollama
clients: what each behaviour looks like to an SDK, so the cascade tests rest on it."""

from __future__ import annotations

import json

import ollama
import pytest
from google.genai import errors, types

from tests.fakes.ai.ollama_server import DEFAULT_NUM_CTX, OllamaEmulator

PROMPT = "Make a playlist of 1986 hits.\nNumber of tracks: 20"


def _json_config(**kw) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(response_mime_type="application/json", **kw)


def test_listing_shows_3x_models_aliases_and_stale_2x_entries(today_client):
    names = {m.name.removeprefix("models/"): m for m in today_client.models.list(config={"page_size": 50})}
    for current in ("gemini-3.8-flash", "gemini-3.7-flash", "gemini-3.5-flash-lite", "gemini-flash-latest"):
        assert "generateContent" in names[current].supported_actions
    assert {"gemini-2.5-flash", "gemini-2.0-flash"} <= set(names), "retired models stay listed"
    assert names["gemini-embedding-001"].supported_actions == ["embedContent", "countTextTokens", "countTokens", "asyncBatchEmbedContent"]
    assert names["gemini-3.8-flash"].output_token_limit == 65_536


@pytest.mark.parametrize(
    "model, wording",
    [("gemini-2.0-flash", "is no longer available. Please update your code"),
     ("gemini-2.5-flash", "is no longer available to new users"),
     ("gemini-2.5-flash-lite", "is no longer available to new users")],
)
def test_retired_models_answer_404_in_their_wording(today_client, model, wording):
    with pytest.raises(errors.ClientError) as info:
        today_client.models.generate_content(model=model, contents=PROMPT)
    assert info.value.code == 404 and info.value.status == "NOT_FOUND"
    assert f"This model models/{model} {wording}" in info.value.message


def test_thinking_tokens_count_against_max_output_tokens(gemini_today, today_client):
    # Default level (medium from 3.5 on) thinks 2,400 tokens: a 2,500 cap leaves 100 for the answer.
    resp = today_client.models.generate_content(model="gemini-3.8-flash", contents=PROMPT, config=_json_config(max_output_tokens=2500))
    cand = resp.candidates[0]
    assert cand.finish_reason == types.FinishReason.MAX_TOKENS
    assert resp.usage_metadata.thoughts_token_count == 2400 and resp.usage_metadata.candidates_token_count <= 100
    # A cap below the thinking: no text at all (langchain-ai/langchain-google#1020).
    resp = today_client.models.generate_content(model="gemini-3.8-flash", contents=PROMPT, config=_json_config(max_output_tokens=1000))
    assert resp.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS and resp.text is None
    # With room, the answer is whole.
    resp = today_client.models.generate_content(
        model="gemini-3.8-flash", contents=PROMPT,
        config=_json_config(max_output_tokens=8000, thinking_config=types.ThinkingConfig(thinking_level=types.ThinkingLevel.LOW)))
    assert resp.candidates[0].finish_reason == types.FinishReason.STOP and len(json.loads(resp.text)["tracks"]) == 20
    assert resp.usage_metadata.thoughts_token_count == 700


def test_overthink_behaviours_cut_or_empty(gemini_today, today_client):
    gemini_today.script("gemini-3.8-flash", ["overthink", "overthink-half"])
    config = _json_config(max_output_tokens=6000)
    empty = today_client.models.generate_content(model="gemini-3.8-flash", contents=PROMPT, config=config)
    assert empty.text is None and empty.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    cut = today_client.models.generate_content(model="gemini-3.8-flash", contents=PROMPT, config=config)
    assert cut.text and cut.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.text)


def test_thinking_level_is_validated_per_model(today_client):
    minimal = types.ThinkingConfig(thinking_level=types.ThinkingLevel.MINIMAL)
    with pytest.raises(errors.ClientError) as info:
        today_client.models.generate_content(model="gemini-3.7-flash", contents=PROMPT, config=_json_config(thinking_config=minimal))
    assert info.value.code == 400 and "Allowed values are: medium, low, high" in info.value.message
    ok = today_client.models.generate_content(model="gemini-3.8-flash", contents=PROMPT, config=_json_config(thinking_config=minimal))
    assert ok.usage_metadata.thoughts_token_count == 64
    with pytest.raises(errors.ClientError) as budget:
        today_client.models.generate_content(
            model="gemini-3.8-flash", contents=PROMPT, config=_json_config(thinking_config=types.ThinkingConfig(thinking_budget=0)))
    assert budget.value.code == 400 and "thinking_budget" in budget.value.message


def test_503_reads_high_demand(gemini_today, today_client):
    gemini_today.script("gemini-3.8-flash", ["503"])
    with pytest.raises(errors.ServerError) as info:
        today_client.models.generate_content(model="gemini-3.8-flash", contents=PROMPT)
    assert info.value.code == 503 and "currently experiencing high demand" in info.value.message


@pytest.mark.parametrize(
    "behaviour, detail_types, text",
    [("429-multi", ["QuotaFailure", "Help"], "Quota exceeded for metric"),
     ("429-limit0", ["Help"], "limit: 0"),
     ("429-help", ["Help"], "You exceeded your current quota"),
     ("429-bare", [], "Resource has been exhausted")],
)
def test_429_variants_reach_the_sdk_as_sent(gemini_today, today_client, behaviour, detail_types, text):
    gemini_today.script("gemini-3.8-flash", [behaviour])
    with pytest.raises(errors.ClientError) as info:
        today_client.models.generate_content(model="gemini-3.8-flash", contents=PROMPT)
    err = info.value
    assert err.code == 429 and text in err.message
    details = err.details["error"].get("details", [])
    assert [d["@type"].rsplit(".", 1)[-1] for d in details] == detail_types
    if behaviour == "429-multi":
        violations = details[0]["violations"]
        assert len(violations) == 2 and all("quotaValue" not in v for v in violations)


def test_2025_era_keeps_the_old_service():
    from tests.ai_emulators.conftest import GEMINI_KEY, make_genai_client
    from tests.fakes.ai.gemini_server import GeminiEmulator

    with GeminiEmulator(api_key=GEMINI_KEY, era="2025") as emu:
        client = make_genai_client(emu.url, retry=types.HttpRetryOptions(attempts=1))
        try:
            resp = client.models.generate_content(model="gemini-2.5-flash", contents=PROMPT, config=_json_config(max_output_tokens=100))
            assert resp.candidates[0].finish_reason == types.FinishReason.STOP, "2025: thinking came on top of the cap"
            emu.script("gemini-2.5-flash", ["503"])
            with pytest.raises(errors.ServerError) as info:
                client.models.generate_content(model="gemini-2.5-flash", contents=PROMPT)
            assert "overloaded" in info.value.message
            assert "gemini-3.8-flash" not in [m.name.removeprefix("models/") for m in client.models.list()]
        finally:
            client.close()


# -- Ollama -------------------------------------------------------------------------------

MESSAGES = [{"role": "system", "content": "SYSTEM RULES: answer with JSON only."},
            {"role": "user", "content": "Songs from the 1990s. Number of tracks: 6"}]


def test_ollama_drops_the_start_of_a_prompt_longer_than_the_context():
    long_user = "Songs from the 1990s. Number of tracks: 6\n" + "filler line of the taste seed\n" * 1200
    messages = [MESSAGES[0], {"role": "user", "content": long_user}]
    with OllamaEmulator(models=("hermes3:8b",)) as emu, ollama.Client(host=emu.url, timeout=5) as client:
        client.chat(model="hermes3:8b", messages=messages, format="json", stream=False)
        assert len(emu.truncated) == 1, f"longer than the default {DEFAULT_NUM_CTX} tokens"
        client.chat(model="hermes3:8b", messages=messages, format="json", stream=False, options={"num_ctx": 16384})
        assert len(emu.truncated) == 1, "a large enough num_ctx keeps the system instruction"


def test_ollama_num_predict_cuts_the_answer():
    with OllamaEmulator(models=("hermes3:8b",)) as emu, ollama.Client(host=emu.url, timeout=5) as client:
        resp = client.chat(model="hermes3:8b", messages=MESSAGES, stream=False, options={"num_predict": 20})
        assert resp.done_reason == "length" and len(resp.message.content) <= 80


def test_ollama_out_of_memory_and_both_not_found_wordings():
    with OllamaEmulator(models=("hermes3:8b",), memory_gib=3.5) as emu, ollama.Client(host=emu.url, timeout=5) as client:
        with pytest.raises(ollama.ResponseError) as info:
            client.chat(model="hermes3:8b", messages=MESSAGES, stream=False)
        assert info.value.status_code == 500
        assert info.value.error.startswith("model requires more system memory (") and "than is available (3.5 GiB)" in info.value.error
    for wording, text in (("current", "model 'nope' not found"), ("pull", 'model "nope" not found, try pulling it first')):
        with OllamaEmulator(not_found_wording=wording) as emu, ollama.Client(host=emu.url, timeout=5) as client:
            with pytest.raises(ollama.ResponseError) as info:
                client.chat(model="nope", messages=MESSAGES, stream=False)
            assert info.value.status_code == 404 and info.value.error == text


def test_ollama_show_lists_thinking_for_thinking_models():
    with OllamaEmulator(models=("qwen3:4b", "qwen2.5:3b")) as emu, ollama.Client(host=emu.url, timeout=5) as client:
        assert "thinking" in client.show("qwen3:4b").capabilities
        assert "thinking" not in client.show("qwen2.5:3b").capabilities
