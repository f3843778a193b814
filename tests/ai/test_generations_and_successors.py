"""Pure rules: request settings per Gemini generation, and which listed model succeeds which."""

from __future__ import annotations

import pytest

from plex_completer.ai.generations import THINKING_ROOM, accepted_level, answer_tokens, model_generation, plan_request
from plex_completer.ai.successors import model_kind, pick
from plex_completer.config import ConfigError, load_settings


def test_model_generation_reads_the_version_and_treats_aliases_as_unknown():
    assert model_generation("gemini-3.7-flash") == (3, 7)
    assert model_generation("models/gemini-2.5-flash-lite") == (2, 5)
    assert model_generation("gemini-3-flash") == (3, 0)
    assert model_generation("gemini-flash-latest") is None


@pytest.mark.parametrize(
    "model, family, budget, level, temperature",
    [
        ("gemini-2.0-flash", "2.0", None, None, 0.8),
        ("gemini-2.5-flash", "2.5", 0, None, 0.8),
        ("gemini-2.5-pro", "2.5", 128, None, 0.8),
        ("gemini-3.8-flash", "3", None, "low", 1.0),
        ("gemini-flash-latest", "3", None, "low", 1.0),
    ],
)
def test_plan_per_generation(model, family, budget, level, temperature):
    plan = plan_request(model, 30)
    assert (plan.family, plan.thinking_budget, plan.thinking_level, plan.temperature) == (family, budget, level, temperature)
    room = THINKING_ROOM["low"] if level else (budget or 0)
    assert plan.max_output_tokens == answer_tokens(30) + room


def test_cap_is_bounded_by_the_models_output_limit_and_2_0s_default():
    assert plan_request("gemini-3.8-flash", 100, level="high", output_token_limit=8000).max_output_tokens == 8000
    assert plan_request("gemini-2.0-flash", 100, larger=True).max_output_tokens == 8192


def test_larger_plan_doubles_the_answer_room_and_thinks_less_but_never_more():
    first, retry = plan_request("gemini-3.8-flash", 40), plan_request("gemini-3.8-flash", 40, larger=True)
    assert retry.max_output_tokens > first.max_output_tokens and retry.thinking_level == "minimal"
    # 3.7 rejects minimal: the retry thinks at low, the nearest level it accepts.
    assert plan_request("gemini-3.7-flash", 40, larger=True).thinking_level == "low"
    assert plan_request("gemini-2.5-flash", 40, larger=True).thinking_budget == 0


def test_rejected_levels_map_to_the_nearest_accepted_one():
    assert accepted_level("gemini-3.7-flash", "minimal") == "low"
    assert accepted_level("gemini-3.7-flash", "high") == "high"
    assert accepted_level("gemini-3.8-flash", "minimal") == "minimal"


def test_without_thinking_sends_no_thinking_config():
    plan = plan_request("gemini-3.7-flash", 20, without_thinking=True)
    assert plan.thinking_level is None and plan.thinking_budget is None and plan.describe().startswith("no thinking config")


def test_thinking_level_setting_is_validated():
    assert load_settings(environ={"GEMINI_THINKING_LEVEL": " Medium "}).GEMINI_THINKING_LEVEL == "medium"
    with pytest.raises(ConfigError, match="GEMINI_THINKING_LEVEL"):
        load_settings(environ={"GEMINI_THINKING_LEVEL": "extreme"})
    assert load_settings(environ={"GEMINI_AUTO_SUCCESSOR": "off"}).GEMINI_AUTO_SUCCESSOR is False


class Listed:
    def __init__(self, name: str, methods=("generateContent",), limit: int | None = 65_536) -> None:
        self.name, self.methods, self.output_token_limit = name, tuple(methods), limit


LISTING = [Listed(n) for n in (
    "gemini-2.5-flash", "gemini-3.5-flash", "gemini-3.8-flash", "gemini-3.7-flash", "gemini-3.10-flash-preview-01-2027",
    "gemini-3.9-flash-image", "gemini-3.9-flash-live", "gemini-3.9-flash-preview-tts", "gemini-3.5-flash-lite",
    "gemini-3.1-flash-lite", "gemini-3.9-flash-001", "gemini-flash-latest",
)] + [Listed("gemini-3.9-flash", methods=("countTokens",))]


def test_pick_takes_the_newest_stable_model_of_the_kind_that_generates():
    assert pick(LISTING, "flash", set()).name == "gemini-3.8-flash"
    assert pick(LISTING, "flash", {"gemini-3.8-flash"}).name == "gemini-3.7-flash"
    assert pick(LISTING, "flash-lite", set()).name == "gemini-3.5-flash-lite"
    assert pick(LISTING, "pro", set()) is None


def test_versions_compare_as_numbers():
    assert pick([Listed("gemini-3.9-flash"), Listed("gemini-3.10-flash")], "flash", set()).name == "gemini-3.10-flash"


@pytest.mark.parametrize(
    "model, kind",
    [("gemini-2.5-flash", "flash"), ("gemini-2.5-flash-lite", "flash-lite"), ("gemini-2.5-pro", "pro"),
     ("gemini-flash-lite-latest", "flash-lite"), ("gemini-embedding-001", None)],
)
def test_model_kind(model, kind):
    assert model_kind(model) == kind
