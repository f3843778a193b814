"""The Ollama emulator driven by the real ollama client over loopback HTTP."""

from __future__ import annotations

import json
import urllib.request

import httpx
import json_repair
import ollama
import pytest

from tests.fakes.ai.ollama_server import OllamaEmulator

MODEL = "hermes3:8b"
SCHEMA = {"type": "object", "properties": {"title": {"type": "string"}, "tracks": {"type": "array"}},
          "required": ["title", "tracks"]}
MESSAGES = [{"role": "system", "content": "Answer with JSON only."},
            {"role": "user", "content": "Songs from the 1990s. Number of tracks: 6"}]


def _chat(client, **kw):
    return client.chat(model=kw.pop("model", MODEL), messages=MESSAGES, **kw)


def test_chat_with_schema_returns_json_and_stats(ollama_emu, ollama_client):
    resp = _chat(ollama_client, format=SCHEMA, stream=False)
    assert len(json.loads(resp.message.content)["tracks"]) == 6
    assert resp.message.role == "assistant" and resp.done and resp.done_reason == "stop"
    assert resp.eval_count > 0 and resp.prompt_eval_count > 0
    assert resp.total_duration > resp.eval_duration + resp.prompt_eval_duration  # nanoseconds
    assert ollama_emu.last_format() == SCHEMA
    assert ollama_emu.chat_requests()[-1].body["stream"] is False
    assert "Number of tracks: 6" in ollama_emu.last_prompt_text()
    assert ollama_emu.chat_calls() == 1


def test_streaming_chat_chunks_join_to_the_answer(ollama_emu, ollama_client):
    chunks = list(_chat(ollama_client, format=SCHEMA, stream=True))
    assert len(chunks) > 3 and all(not c.done for c in chunks[:-1])
    assert chunks[-1].done and chunks[-1].done_reason == "stop" and chunks[-1].eval_count > 0
    assert len(json.loads("".join(c.message.content for c in chunks))["tracks"]) == 6


def test_list_show_ps_version(ollama_emu, ollama_client):
    assert [m.model for m in ollama_client.list().models] == [MODEL]
    assert ollama_client.list().models[0].details.parameter_size == "8.0B"
    shown = ollama_client.show(MODEL)
    assert shown.modelinfo["llama.context_length"] == 131_072 and "completion" in shown.capabilities
    assert ollama_client.ps().models == []  # nothing loaded before the first chat
    _chat(ollama_client)
    assert [m.model for m in ollama_client.ps().models] == [MODEL]
    with urllib.request.urlopen(ollama_emu.url + "/", timeout=5) as resp:
        assert resp.read() == b"Ollama is running"
    with urllib.request.urlopen(ollama_emu.url + "/api/version", timeout=5) as resp:
        assert json.loads(resp.read())["version"].count(".") == 2


def test_untagged_name_means_latest():
    with OllamaEmulator(models=("llama3.2",)) as emu, ollama.Client(host=emu.url, timeout=5) as client:
        assert client.list().models[0].model == "llama3.2:latest"
        assert _chat(client, model="llama3.2").done


def test_missing_model_and_404_behaviour_raise_response_error(ollama_emu, ollama_client):
    with pytest.raises(ollama.ResponseError) as info:
        _chat(ollama_client, model="mistral:7b")
    assert info.value.status_code == 404 and info.value.error == "model 'mistral:7b' not found"
    with pytest.raises(ollama.ResponseError) as info:
        ollama_client.show("mistral:7b")
    assert info.value.status_code == 404
    ollama_emu.script(["404"])
    with pytest.raises(ollama.ResponseError) as info:
        _chat(ollama_client)
    assert info.value.status_code == 404 and MODEL in info.value.error


def test_500_and_stream_error(ollama_emu, ollama_client):
    ollama_emu.script(["500", "stream-error"])
    with pytest.raises(ollama.ResponseError) as info:
        _chat(ollama_client)
    assert info.value.status_code == 500 and "runner" in info.value.error
    received = []
    with pytest.raises(ollama.ResponseError) as info:
        for chunk in _chat(ollama_client, stream=True):
            received.append(chunk)
    assert info.value.status_code == -1 and len(received) == 2  # error line after two chunks


@pytest.mark.parametrize("behaviour", ["fenced", "prose", "broken"])
def test_messy_text_styles_need_repair(ollama_emu, ollama_client, behaviour):
    ollama_emu.script([behaviour])
    text = _chat(ollama_client).message.content
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    assert len(json_repair.loads(text)["tracks"]) == 6


def test_truncated_answer_reports_length(ollama_emu, ollama_client):
    ollama_emu.script(["truncated"])
    resp = _chat(ollama_client)
    assert resp.done_reason == "length"
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.message.content)


def test_generate_endpoint(ollama_emu, ollama_client):
    resp = ollama_client.generate(model=MODEL, prompt="Number of tracks: 4", format="json")
    assert len(json.loads(resp.response)["tracks"]) == 4 and resp.done


def test_connection_refused_raises_builtin_connection_error():
    emu = OllamaEmulator().start()
    url = emu.url
    emu.stop()  # the port is free again: nothing listens
    with ollama.Client(host=url, timeout=2) as client:
        with pytest.raises(ConnectionError, match="Failed to connect to Ollama"):
            _chat(client)
        with pytest.raises(httpx.ConnectError):  # streaming calls are not wrapped
            list(_chat(client, stream=True))


def test_stop_cuts_pooled_connections():
    emu = OllamaEmulator().start()
    with ollama.Client(host=emu.url, timeout=2) as client:
        client.list()  # leaves a keep-alive connection in the pool
        emu.stop()
        with pytest.raises(ConnectionError):
            _chat(client)


def test_timeout_and_drop(ollama_emu):
    ollama_emu.script(["slow:2", "drop", "slow:0.05"])
    with ollama.Client(host=ollama_emu.url, timeout=0.4) as client:
        with pytest.raises(httpx.ReadTimeout):
            _chat(client)
        with pytest.raises(httpx.RemoteProtocolError):
            _chat(client)
        assert _chat(client).done  # slow but in time
    assert ollama_emu.chat_calls() == 3
