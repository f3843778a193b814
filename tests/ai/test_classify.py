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


def test_zero_quota_limit_counts_as_a_day_quota_with_advice():
    body = E.quota_exhausted("gemini-2.5-pro", "minute")
    body["error"]["details"][1]["violations"][0]["quotaValue"] = "0"
    failure = classify(body, model="gemini-2.5-pro")
    assert failure.quota_scope == "day" and "limit 0" in failure.hint


def test_quota_info_reads_ids_and_delay():
    scope, delay, ids, zero = quota_info(E.quota_exhausted("m", "day", retry_delay_s=14))
    assert (scope, delay, ids, zero) == ("day", 14.0, [E.DAY_QUOTA_ID], False)


@pytest.mark.parametrize("value, seconds", [("46s", 46.0), ("0.5s", 0.5), (" 3s ", 3.0), ("soon", None), (None, None), (12, 12.0)])
def test_parse_duration(value, seconds):
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("body", [E.model_not_found("gemini-2.0-flash", "v1beta"), E.model_retired("gemini-2.0-flash")])
def test_404_means_retired_disable_and_name_a_replacement(body):
    failure = classify(body, model="gemini-2.0-flash")
    assert failure.outcome == Outcome.RETIRED and failure.disable
    assert "GEMINI_MODELS=gemini-2.5-flash,gemini-2.5-flash-lite" in failure.hint


def test_replacement_hint_when_the_replacement_itself_is_gone():
    hint = replacement_hint("gemini-2.5-flash-lite", ("gemini-2.5-flash-lite",))
    assert "GEMINI_MODELS" in hint and "gemini-2.5-flash-lite," not in hint


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


@pytest.mark.parametrize("body", [E.internal(), E.overloaded()])
def test_5xx_is_a_short_server_cooldown(body):
    failure = classify(body)
    assert failure.outcome == Outcome.SERVER and failure.cooldown_s == SERVER_COOLDOWN_S and not failure.disable


def test_ollama_404_tells_to_pull_the_model():
    failure = classify_ollama_response(404, "model 'hermes3:8b' not found", model="hermes3:8b")
    assert failure.outcome == Outcome.CONFIG and "ollama pull hermes3:8b" in failure.hint
    assert failure.cooldown_s is None and not failure.disable


def test_ollama_500_is_server():
    failure = classify_ollama_response(500, "llama runner process has terminated", model="m")
    assert failure.outcome == Outcome.SERVER and failure.cooldown_s == SERVER_COOLDOWN_S
