"""Unit tests of failure classification on the Gemini/Ollama error bodies the emulators serve."""

from __future__ import annotations

import datetime as dt

import pytest

from plex_completer.ai.classify import (
    CONFIG_COOLDOWN_S,
    SERVER_COOLDOWN_S,
    classify_gemini_api_error,
    classify_ollama_response,
    parse_duration,
    quota_info,
    quota_reset_at,
    replacement_hint,
)
from plex_completer.ai.errors import Outcome
from tests.fakes.ai import gemini_errors as E

NOW = dt.datetime(2026, 3, 10, 18, 0, tzinfo=dt.UTC)
MODELS = ("gemini-2.5-flash", "gemini-2.0-flash")


def classify(body, model="gemini-2.5-flash", now=NOW):
    err = body["error"]
    return classify_gemini_api_error(err["code"], err["status"], err["message"], body, model=model, configured_models=MODELS, now=now)


def test_per_minute_quota_uses_retry_delay():
    failure = classify(E.quota_exhausted("gemini-2.5-flash", "minute", retry_delay_s=37))
    assert failure.outcome == Outcome.QUOTA and failure.quota_scope == "minute"
    assert failure.cooldown_s == 37 and failure.cooldown_until is None
    assert not failure.disable


def test_per_minute_quota_without_retry_info_waits_a_minute():
    body = E.quota_exhausted("gemini-2.5-flash", "minute")
    body["error"]["details"] = [d for d in body["error"]["details"] if "RetryInfo" not in d["@type"]]
    assert classify(body).cooldown_s == 60


def test_per_day_quota_waits_for_pacific_midnight_despite_a_short_retry_delay():
    # Google sends a seconds-long RetryInfo even for the day quota: quotaId decides.
    failure = classify(E.quota_exhausted("gemini-2.5-flash", "day", retry_delay_s=14))
    assert failure.quota_scope == "day"
    # 18:00 UTC on 10 March 2026 is 11:00 PDT (DST began 8 March); midnight PDT is 07:00 UTC.
    assert failure.cooldown_until == dt.datetime(2026, 3, 11, 7, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "now, reset",
    [
        (dt.datetime(2026, 1, 15, 7, 59, tzinfo=dt.UTC), dt.datetime(2026, 1, 15, 8, 0, tzinfo=dt.UTC)),  # PST
        (dt.datetime(2026, 1, 15, 8, 0, tzinfo=dt.UTC), dt.datetime(2026, 1, 16, 8, 0, tzinfo=dt.UTC)),
        (dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC), dt.datetime(2026, 7, 2, 7, 0, tzinfo=dt.UTC)),  # PDT
    ],
)
def test_quota_reset_is_next_los_angeles_midnight(now, reset):
    assert quota_reset_at(now) == reset


def test_zero_quota_value_means_not_available_to_this_key():
    body = E.quota_exhausted("gemini-2.5-pro", "minute")
    body["error"]["details"][1]["violations"][0]["quotaValue"] = "0"
    failure = classify(body, model="gemini-2.5-pro")
    assert failure.outcome == Outcome.RETIRED and failure.replaceable and failure.disable
    assert failure.cooldown_s is None and "billing" in failure.hint


def test_limit_zero_only_in_the_message_text_is_not_a_minute_wait():
    # continuedev/continue#12643: no QuotaFailure, "limit: 0" only in the text.
    failure = classify(E.quota_limit_zero("gemini-3.8-flash"), model="gemini-3.8-flash")
    assert failure.outcome == Outcome.RETIRED and failure.replaceable
    assert "limit: 0" in failure.message and "billing" in failure.hint
    assert failure.quota_scope != "minute" and failure.cooldown_s is None


def test_several_violations_without_quota_value_are_a_minute_quota():
    # google-gemini/gemini-cli#8437: two per-minute violations, no quotaValue, no RetryInfo.
    failure = classify(E.quota_multi_violation("gemini-3.8-flash"))
    assert failure.outcome == Outcome.QUOTA and failure.quota_scope == "minute" and failure.cooldown_s == 60
    assert not failure.replaceable


@pytest.mark.parametrize("body", [E.quota_help_only(), E.quota_no_details()])
def test_429_without_usable_details_cools_down_60_s(body):
    failure = classify(body)
    assert failure.outcome == Outcome.QUOTA and failure.cooldown_s == 60 and not failure.replaceable


def test_quota_info_reads_ids_and_delay():
    scope, delay, ids, zero = quota_info(E.quota_exhausted("m", "day", retry_delay_s=14))
    assert (scope, delay, ids, zero) == ("day", 14.0, [E.DAY_QUOTA_ID], False)


@pytest.mark.parametrize("value, seconds", [("46s", 46.0), ("0.5s", 0.5), (" 3s ", 3.0), ("soon", None), (None, None), (12, 12.0)])
def test_parse_duration(value, seconds):
    assert parse_duration(value) == seconds


@pytest.mark.parametrize(
    "body",
    [E.model_not_found("gemini-2.0-flash", "v1beta"), E.model_retired("gemini-2.0-flash"), E.model_shut_down("gemini-2.0-flash")],
)
def test_404_means_retired_replaceable_and_the_hint_names_a_model_that_exists(body):
    failure = classify(body, model="gemini-2.0-flash")
    assert failure.outcome == Outcome.RETIRED and failure.disable and failure.replaceable
    # No dated model that is itself closed to new keys (2.5-flash-lite) is recommended.
    assert "gemini-2.5-flash-lite" not in failure.hint
    assert "GEMINI_MODELS=gemini-2.5-flash,gemini-flash-latest" in failure.hint
    assert "GEMINI_AUTO_SUCCESSOR" in failure.hint


def test_replacement_hint_when_only_the_retired_model_is_configured():
    hint = replacement_hint("gemini-2.5-flash", ("gemini-2.5-flash",))
    assert "GEMINI_MODELS=gemini-flash-latest " in hint


def test_rejected_thinking_level_is_flagged_for_a_retry_without_it():
    failure = classify(E.thinking_level_rejected("minimal", ("medium", "low", "high")), model="gemini-3.7-flash")
    assert failure.outcome == Outcome.CONFIG and failure.rejected_thinking
    assert "Allowed values are: medium, low, high" in failure.message


@pytest.mark.parametrize("body, transient", [(E.high_demand(), True), (E.overloaded(), True), (E.internal(), True)])
def test_5xx_are_transient(body, transient):
    assert classify(body).transient is transient


def test_400_api_key_invalid_is_auth_not_config():
    failure = classify(E.api_key_invalid())
    assert failure.outcome == Outcome.AUTH and failure.disable


def test_400_invalid_argument_is_config_with_verbatim_message():
    failure = classify(E.invalid_argument())
    assert failure.outcome == Outcome.CONFIG
    assert "Request contains an invalid argument." in failure.message
    assert failure.cooldown_s == CONFIG_COOLDOWN_S and not failure.disable


def test_config_message_is_redacted():
    from plex_completer.logging_setup import redactor

    redactor.add_secret("super-secret-key-123")
    body = E.error_body(400, "INVALID_ARGUMENT", "bad request for key super-secret-key-123 at ?key=abcdef")
    failure = classify(body)
    assert "super-secret-key-123" not in failure.message and "abcdef" not in failure.message


@pytest.mark.parametrize("body", [E.unauthenticated(), E.permission_denied(), E.unregistered_caller()])
def test_401_403_are_auth_and_disable(body):
    failure = classify(body)
    assert failure.outcome == Outcome.AUTH and failure.disable and "GEMINI_API_KEY" in failure.hint


@pytest.mark.parametrize("body", [E.internal(), E.overloaded(), E.high_demand()])
def test_5xx_is_a_short_server_cooldown(body):
    failure = classify(body)
    assert failure.outcome == Outcome.SERVER and failure.cooldown_s == SERVER_COOLDOWN_S and not failure.disable


@pytest.mark.parametrize("text", ["model 'hermes3:8b' not found", 'model "hermes3:8b" not found, try pulling it first'])
def test_ollama_404_tells_to_pull_the_model_in_both_wordings(text):
    failure = classify_ollama_response(404, text, model="hermes3:8b")
    assert failure.outcome == Outcome.CONFIG and "ollama pull hermes3:8b" in failure.hint
    assert failure.cooldown_s is None and not failure.disable


def test_ollama_out_of_memory_names_a_smaller_model():
    text = "model requires more system memory (5.3 GiB) than is available (3.5 GiB)"
    failure = classify_ollama_response(500, text, model="hermes3:8b")
    assert failure.outcome == Outcome.SERVER and "not enough memory" in failure.message
    assert "smaller model" in failure.hint and "free memory" in failure.hint
    assert failure.cooldown_s == CONFIG_COOLDOWN_S


def test_ollama_500_is_server():
    failure = classify_ollama_response(500, "llama runner process has terminated", model="m")
    assert failure.outcome == Outcome.SERVER and failure.cooldown_s == SERVER_COOLDOWN_S
