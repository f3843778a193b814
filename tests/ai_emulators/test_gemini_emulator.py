"""The Gemini emulator driven by the real google-genai SDK over loopback HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import httpx2
import json_repair
import pytest
from google.genai import errors, types
from pydantic import BaseModel

from tests.ai_emulators.conftest import GEMINI_KEY, RETIRED
from tests.fakes.ai import gemini_errors

FLASH = "gemini-2.5-flash"
PROMPT = "Make a playlist of 1986 hits.\nNumber of tracks: 7"


class Track(BaseModel):
    artist: str
    title: str
    album: str | None = None
    year: int | None = None


class Draft(BaseModel):
    title: str
    description: str = ""
    tracks: list[Track]


def _config(**kw) -> types.GenerateContentConfig:
    return types.GenerateContentConfig(response_mime_type="application/json", response_schema=Draft, **kw)


def _raw(url: str, method: str = "GET", body: dict | None = None, headers: dict | None = None):
    """(status, parsed JSON) of a plain urllib request (no SDK), for paths the SDK hides."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_schema_request_gets_parsed_draft_and_usage(gemini, genai_client):
    resp = genai_client.models.generate_content(
        model=FLASH, contents=PROMPT,
        config=_config(system_instruction="You are a DJ.",
                       thinking_config=types.ThinkingConfig(thinking_budget=1024)))
    assert isinstance(resp.parsed, Draft)
    assert len(resp.parsed.tracks) == 7
    assert resp.candidates[0].finish_reason == types.FinishReason.STOP
    usage = resp.usage_metadata
    assert usage.prompt_token_count > 0 and usage.candidates_token_count > 0
    assert usage.thoughts_token_count > 0
    assert usage.total_token_count == (usage.prompt_token_count + usage.candidates_token_count
                                       + usage.thoughts_token_count)
    assert resp.model_version == FLASH and resp.response_id
    call = gemini.last_call(FLASH)
    assert call.response_schema["type"] == "OBJECT"  # the SDK sends the OpenAPI-style schema
    assert call.thinking_budget == 1024 and call.system_text == "You are a DJ."
    assert gemini.last_prompt_text() == PROMPT
    assert gemini.generate_requests(FLASH)[-1].headers["x-goog-api-key"] == GEMINI_KEY


def test_thinking_budget_zero_and_2_0_models_report_no_thought_tokens(genai_client):
    for model, cfg in ((FLASH, _config(thinking_config=types.ThinkingConfig(thinking_budget=0))),
                       ("gemini-2.0-flash", _config())):
        usage = genai_client.models.generate_content(model=model, contents=PROMPT, config=cfg).usage_metadata
        assert usage.thoughts_token_count is None
        assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count


def test_thought_part_comes_first_and_text_skips_it(gemini, genai_client):
    gemini.script(FLASH, ["thoughts"])
    resp = genai_client.models.generate_content(model=FLASH, contents=PROMPT)
    parts = resp.candidates[0].content.parts
    assert parts[0].thought is True and not parts[1].thought
    assert len(json.loads(resp.text)["tracks"]) == 7


@pytest.mark.parametrize("behaviour", ["fenced", "prose", "broken"])
def test_messy_text_styles_need_repair(gemini, genai_client, behaviour):
    gemini.script(FLASH, [behaviour])
    resp = genai_client.models.generate_content(model=FLASH, contents=PROMPT)
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.text)
    assert len(json_repair.loads(resp.text)["tracks"]) == 7
    if behaviour == "fenced":
        assert resp.text.startswith("```json\n") and resp.text.endswith("\n```")


def test_truncated_answer_has_max_tokens_and_no_parsed(gemini, genai_client):
    gemini.script(FLASH, ["truncated"])
    resp = genai_client.models.generate_content(model=FLASH, contents=PROMPT, config=_config())
    assert resp.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS
    assert resp.parsed is None
    assert len(json_repair.loads(resp.text)["tracks"]) < 7


def test_safety_block_and_empty_candidate(gemini, genai_client):
    gemini.script(FLASH, ["safety", "empty"])
    blocked = genai_client.models.generate_content(model=FLASH, contents=PROMPT)
    assert blocked.prompt_feedback.block_reason == types.BlockedReason.SAFETY
    assert blocked.candidates is None and blocked.text is None
    empty = genai_client.models.generate_content(model=FLASH, contents=PROMPT)
    assert empty.candidates[0].finish_reason == types.FinishReason.OTHER
    assert empty.text is None


@pytest.mark.parametrize("behaviour,exc,code,status", [
    ("429-minute", errors.ClientError, 429, "RESOURCE_EXHAUSTED"),
    ("429-day", errors.ClientError, 429, "RESOURCE_EXHAUSTED"),
    ("404", errors.ClientError, 404, "NOT_FOUND"),
    ("404-retired", errors.ClientError, 404, "NOT_FOUND"),
    ("400", errors.ClientError, 400, "INVALID_ARGUMENT"),
    ("400-key", errors.ClientError, 400, "INVALID_ARGUMENT"),
    ("401", errors.ClientError, 401, "UNAUTHENTICATED"),
    ("403", errors.ClientError, 403, "PERMISSION_DENIED"),
    ("500", errors.ServerError, 500, "INTERNAL"),
    ("503", errors.ServerError, 503, "UNAVAILABLE"),
])
def test_error_behaviours_raise_the_sdk_classes(gemini, genai_client, behaviour, exc, code, status):
    gemini.script(FLASH, [behaviour])
    with pytest.raises(exc) as info:
        genai_client.models.generate_content(model=FLASH, contents=PROMPT)
    e = info.value
    assert isinstance(e, errors.APIError)
    assert (e.code, e.status) == (code, status)
    assert e.details["error"]["code"] == code and e.message == e.details["error"]["message"]
    assert gemini.generate_calls(FLASH) == 1


@pytest.mark.parametrize("behaviour,quota_id", [
    ("429-minute", gemini_errors.MINUTE_QUOTA_ID), ("429-day", gemini_errors.DAY_QUOTA_ID)])
def test_quota_details_are_reachable_and_not_retried(gemini, new_genai_client, behaviour, quota_id):
    for retry in (types.HttpRetryOptions(attempts=1), None):
        gemini.script(FLASH, [behaviour])
        client = new_genai_client(retry=retry)
        before = gemini.generate_calls(FLASH)
        with pytest.raises(errors.ClientError) as info:
            client.models.generate_content(model=FLASH, contents=PROMPT)
        assert gemini.generate_calls(FLASH) == before + 1
        by_type = {d["@type"].rsplit(".", 1)[-1]: d for d in info.value.details["error"]["details"]}
        violation = by_type["QuotaFailure"]["violations"][0]
        assert violation["quotaId"] == quota_id
        assert violation["quotaDimensions"]["model"] == FLASH
        assert by_type["RetryInfo"]["retryDelay"].endswith("s")


def test_sdk_retry_options_retry_503_then_succeed(gemini, new_genai_client):
    gemini.script(FLASH, ["503", "503"])
    client = new_genai_client(retry=types.HttpRetryOptions(
        attempts=3, initial_delay=0.01, max_delay=0.02, jitter=0))
    resp = client.models.generate_content(model=FLASH, contents=PROMPT)
    assert len(json.loads(resp.text)["tracks"]) == 7
    assert [r.behaviour for r in gemini.generate_requests(FLASH)] == ["503", "503", "ok"]


def test_script_is_per_model_and_falls_back_to_default(gemini, genai_client):
    gemini.script("gemini-2.0-flash", ["500"])
    gemini.set_default(FLASH, "503")
    with pytest.raises(errors.ServerError):
        genai_client.models.generate_content(model="gemini-2.0-flash", contents=PROMPT)
    genai_client.models.generate_content(model="gemini-2.0-flash", contents=PROMPT)  # default ok
    for _ in range(2):
        with pytest.raises(errors.ServerError) as info:
            genai_client.models.generate_content(model=FLASH, contents=PROMPT)
        assert info.value.code == 503
    assert (gemini.generate_calls("gemini-2.0-flash"), gemini.generate_calls(FLASH), gemini.generate_calls()) == (2, 2, 4)
    with pytest.raises(ValueError):
        gemini.script(FLASH, ["teapot"])


def test_wrong_missing_and_query_api_keys(gemini, new_genai_client):
    wrong = new_genai_client(key="not-the-key")
    with pytest.raises(errors.ClientError) as info:
        wrong.models.generate_content(model=FLASH, contents=PROMPT)
    assert info.value.code == 400
    assert info.value.details["error"]["details"][0]["reason"] == "API_KEY_INVALID"
    path = f"{gemini.url}/v1beta/models/{FLASH}:generateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": PROMPT}]}]}
    status, err = _raw(path, "POST", body)
    assert status == 403 and err["error"]["status"] == "PERMISSION_DENIED"
    status, ok = _raw(f"{path}?key={GEMINI_KEY}", "POST", body)
    assert status == 200 and ok["candidates"][0]["finishReason"] == "STOP"
    assert gemini.generate_calls(FLASH) == 3  # every request is recorded, whatever the outcome


def test_snake_case_v1beta_request_is_normalised(gemini):
    body = {"contents": [{"role": "user", "parts": [{"text": "3 tracks of 80s"}]}],
            "system_instruction": {"parts": [{"text": "sys"}]},
            "generation_config": {"response_mime_type": "application/json",
                                  "response_json_schema": {"type": "object"},
                                  "thinking_config": {"thinking_budget": 0}, "max_output_tokens": 900}}
    status, resp = _raw(f"{gemini.url}/v1beta/models/{FLASH}:generateContent", "POST", body,
                        {"x-goog-api-key": GEMINI_KEY})
    assert status == 200
    assert len(json.loads(resp["candidates"][0]["content"]["parts"][0]["text"])["tracks"]) == 3
    call = gemini.last_call()
    assert (call.api_version, call.system_text, call.thinking_budget, call.max_output_tokens) == ("v1beta", "sys", 0, 900)
    assert call.response_schema == {"type": "object"} and call.response_mime_type == "application/json"


def test_models_get_and_list(gemini, genai_client):
    model = genai_client.models.get(model=FLASH)
    assert model.name == f"models/{FLASH}" and model.output_token_limit == 65_536 and model.thinking
    assert "generateContent" in model.supported_actions
    for name, words in ((RETIRED, "no longer available"), ("gemini-9-ultra", "is not found")):
        with pytest.raises(errors.ClientError) as info:
            genai_client.models.get(model=name)
        assert info.value.code == 404 and words in info.value.message
    names = [m.name for m in genai_client.models.list(config={"page_size": 2})]
    assert names == [f"models/{m}" for m in gemini.models]
    assert any(r.query.get("pageToken") for r in gemini.requests if r.path.endswith("/models"))


def test_v1beta_via_sdk_and_retired_generate(gemini, new_genai_client):
    client = new_genai_client(api_version="v1beta")
    client.models.generate_content(model=FLASH, contents=PROMPT)
    assert gemini.generate_requests(FLASH)[-1].path.startswith("/v1beta/")
    with pytest.raises(errors.ClientError) as info:
        client.models.generate_content(model=RETIRED, contents=PROMPT)
    assert info.value.code == 404 and "no longer available to new users" in info.value.message


def test_streaming_chunks_join_to_the_answer(genai_client):
    chunks = list(genai_client.models.generate_content_stream(model=FLASH, contents=PROMPT))
    assert len(chunks) == 3 and chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP
    assert len(json.loads("".join(c.text for c in chunks))["tracks"]) == 7


def test_drop_and_timeout_surface_as_httpx2_errors(gemini, new_genai_client):
    gemini.script(FLASH, ["drop", "slow:2", "slow:0.05"])
    client = new_genai_client(timeout_ms=400)
    with pytest.raises(httpx2.RemoteProtocolError):
        client.models.generate_content(model=FLASH, contents=PROMPT)
    with pytest.raises(httpx2.ReadTimeout):
        client.models.generate_content(model=FLASH, contents=PROMPT)
    resp = client.models.generate_content(model=FLASH, contents=PROMPT)  # slow but in time
    assert len(json.loads(resp.text)["tracks"]) == 7
