"""Error bodies of the Gemini API (generativelanguage.googleapis.com), as served in 2025-26.

Every error is ``{"error": {"code": <http status>, "message": str, "status": <google.rpc
code name>, "details": [ ... ]}}`` (``details`` only where Google sends it). Shapes and
wording are taken from real responses quoted in public issues:

* 429 quota: googleapis/python-genai#2044 and continuedev/continue#10066 (2026: a
  ``Help`` link, a ``QuotaFailure`` with ``quotaId`` such as
  ``GenerateRequestsPerDayPerProjectPerModel-FreeTier``, a ``RetryInfo`` with
  ``retryDelay`` like ``"37s"``; the message lists the metric and ends with "Please retry
  in N s."). Note that Google also sends a short ``RetryInfo`` for the *per-day* quota,
  so a client must read ``quotaId`` to tell a day quota from a minute quota.
* 400 API_KEY_INVALID: continuedev/continue#8516 (ErrorInfo + LocalizedMessage).
* 403 missing key: PublicAffairs/openai-gemini#92 ("Method doesn't allow unregistered
  callers ...").
* 404 unknown model: karthink/gptel#667 ("models/X is not found for API version v1beta,
  or is not supported for generateContent. Call ListModels ..."); retired model:
  sohzm/cheating-daddy#444 ("This model models/X is no longer available to new users.
  ...").
* 503 in 2025: google-gemini/gemini-cli#5191 ("The model is overloaded. Please try again
  later."); since 2026: "This model is currently experiencing high demand. Spikes in
  demand are usually temporary. Please try again later." (continuedev/continue#10903,
  google/adk-python#5937).
* 500: the INTERNAL message the API returns for transient backend failures.
* 404 after a shutdown: "This model models/gemini-2.0-flash is no longer available.
  Please update your code ..." (google/adk-docs#1840); before it, new keys got "... is no
  longer available to new users ..." (Pickle-Pixel/ApplyPilot#6, continuedev/continue#10756).
* 429 variants: several violations and no ``quotaValue`` (google-gemini/gemini-cli#8437);
  "limit: 0" only in the message text (continuedev/continue#12643); only a ``Help``
  detail (googleapis/python-genai#1427, gke-labs/gemini-for-kubernetes-development#1215);
  no details at all (googleapis/python-genai#2065).
* 400 for a thinking level a model rejects: "... Allowed values are: medium, low, high"
  (fishjar/kiss-translator#1048).
"""

from __future__ import annotations

from typing import Any

HELP_QUOTA = {
    "@type": "type.googleapis.com/google.rpc.Help",
    "links": [{"description": "Learn more about Gemini API quotas",
               "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}],
}
MINUTE_QUOTA_ID = "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"
DAY_QUOTA_ID = "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
FREE_TIER_METRIC = "generativelanguage.googleapis.com/generate_content_free_tier_requests"


def error_body(code: int, status: str, message: str, details: list | None = None) -> dict:
    """``{"error": {...}}`` in Google's JSON error format (google.rpc.Status)."""
    err: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        err["details"] = details
    return {"error": err}


def quota_exhausted(model: str, per: str = "minute", retry_delay_s: int = 37) -> dict:
    """429 RESOURCE_EXHAUSTED for the free-tier request quota ``per`` "minute" or "day".

    Limits: 10 requests/minute and 250 requests/day (the Gemini 2.5 Flash free tier
    published at ai.google.dev/gemini-api/docs/rate-limits in 2025).
    """
    quota_id, limit = (DAY_QUOTA_ID, "250") if per == "day" else (MINUTE_QUOTA_ID, "10")
    message = (
        "You exceeded your current quota, please check your plan and billing details. For more "
        "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. "
        "To monitor your current usage, head to: https://ai.dev/rate-limit. \n"
        f"* Quota exceeded for metric: {FREE_TIER_METRIC}, limit: {limit}, model: {model}\n"
        f"Please retry in {retry_delay_s}.417263918s."
    )
    return error_body(429, "RESOURCE_EXHAUSTED", message, [
        HELP_QUOTA,
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
         "violations": [{"quotaMetric": FREE_TIER_METRIC, "quotaId": quota_id,
                         "quotaDimensions": {"location": "global", "model": model},
                         "quotaValue": limit}]},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry_delay_s}s"},
    ])


def api_key_invalid() -> dict:
    """400 INVALID_ARGUMENT with ErrorInfo reason API_KEY_INVALID (wrong key)."""
    msg = "API key not valid. Please pass a valid API key."
    return error_body(400, "INVALID_ARGUMENT", msg, [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
         "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}},
        {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": msg},
    ])


def unregistered_caller() -> dict:
    """403 PERMISSION_DENIED when no API key is sent at all."""
    return error_body(403, "PERMISSION_DENIED",
                      "Method doesn't allow unregistered callers (callers without established "
                      "identity). Please use API Key or other form of API consumer identity to "
                      "call this API.")


def invalid_argument() -> dict:
    """400 INVALID_ARGUMENT for a malformed request (e.g. an unsupported schema)."""
    return error_body(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")


def unauthenticated() -> dict:
    """401 UNAUTHENTICATED (an OAuth token where an API key was expected, or none valid)."""
    return error_body(401, "UNAUTHENTICATED",
                      "Request had invalid authentication credentials. Expected OAuth 2 access "
                      "token, login cookie or other valid authentication credential. See "
                      "https://developers.google.com/identity/sign-in/web/devconsole-project.", [
                          {"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                           "reason": "ACCESS_TOKEN_TYPE_UNSUPPORTED", "domain": "googleapis.com",
                           "metadata": {"service": "generativelanguage.googleapis.com",
                                        "method": "google.ai.generativelanguage.v1beta."
                                                  "GenerativeService.GenerateContent"}}])


def permission_denied() -> dict:
    """403 PERMISSION_DENIED as sent for a key Google flagged as leaked."""
    return error_body(403, "PERMISSION_DENIED",
                      "Your API key was reported as leaked. Please use another API key.")


def model_not_found(model: str, api_version: str, method: str = "generateContent") -> dict:
    """404 NOT_FOUND for a model name the API does not know."""
    return error_body(404, "NOT_FOUND",
                      f"models/{model} is not found for API version {api_version}, or is not "
                      f"supported for {method}. Call ListModels to see the list of available "
                      "models and their supported methods.")


def model_shut_down(model: str) -> dict:
    """404 NOT_FOUND for a model Google has shut down for everyone (google/adk-docs#1840)."""
    return error_body(404, "NOT_FOUND",
                      f"This model models/{model} is no longer available. Please update your code "
                      "to use a newer model for the latest features and improvements.")


def model_retired(model: str) -> dict:
    """404 NOT_FOUND for a model Google has closed to new users (sohzm/cheating-daddy#476)."""
    return error_body(404, "NOT_FOUND",
                      f"This model models/{model} is no longer available to new users. Please "
                      "update your code to use a newer model for the latest features and "
                      "improvements.")


def internal() -> dict:
    """500 INTERNAL (transient backend failure)."""
    return error_body(500, "INTERNAL",
                      "An internal error has occurred. Please retry or report in "
                      "https://developers.generativeai.google/guide/troubleshooting")


def overloaded() -> dict:
    """503 UNAVAILABLE as worded in 2025 (google-gemini/gemini-cli#5191)."""
    return error_body(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")


def high_demand() -> dict:
    """503 UNAVAILABLE as worded since 2026 (continuedev/continue#10903, google/adk-python#5937)."""
    return error_body(503, "UNAVAILABLE",
                      "This model is currently experiencing high demand. Spikes in demand are usually "
                      "temporary. Please try again later.")


def quota_multi_violation(model: str) -> dict:
    """429 with several QuotaFailure violations and no ``quotaValue`` (gemini-cli#8437):
    the per-minute request and input-token quotas at once, no RetryInfo."""
    message = (
        "You exceeded your current quota, please check your plan and billing details. For more "
        "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\n"
        f"* Quota exceeded for metric: {FREE_TIER_METRIC}, model: {model}\n"
        "* Quota exceeded for metric: generativelanguage.googleapis.com/"
        f"generate_content_free_tier_input_token_count, model: {model}"
    )
    return error_body(429, "RESOURCE_EXHAUSTED", message, [
        {"@type": "type.googleapis.com/google.rpc.QuotaFailure",
         "violations": [
             {"quotaMetric": FREE_TIER_METRIC, "quotaId": MINUTE_QUOTA_ID,
              "quotaDimensions": {"location": "global", "model": model}},
             {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count",
              "quotaId": "GenerateContentInputTokensPerModelPerMinute-FreeTier",
              "quotaDimensions": {"location": "global", "model": model}},
         ]},
        HELP_QUOTA,
    ])


def quota_limit_zero(model: str) -> dict:
    """429 for a model this key has no quota for: "limit: 0" only in the message text
    (continuedev/continue#12643, akshayaggarwal99/nodenest#1); a Help detail, no
    QuotaFailure, no RetryInfo."""
    message = (
        "You exceeded your current quota, please check your plan and billing details. For more "
        "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. "
        "To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. \n"
        f"* Quota exceeded for metric: {FREE_TIER_METRIC}, limit: 0, model: {model}"
    )
    return error_body(429, "RESOURCE_EXHAUSTED", message, [HELP_QUOTA])


def quota_help_only() -> dict:
    """429 with only a Help detail (googleapis/python-genai#1427)."""
    message = (
        "You exceeded your current quota, please check your plan and billing details. For more "
        "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. "
        "To monitor your current usage, head to: https://ai.dev/rate-limit. "
    )
    return error_body(429, "RESOURCE_EXHAUSTED", message, [HELP_QUOTA])


def quota_no_details() -> dict:
    """429 with no details at all (googleapis/python-genai#2065)."""
    return error_body(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).")


def thinking_level_rejected(level: str, allowed: tuple[str, ...]) -> dict:
    """400 INVALID_ARGUMENT for a thinking level the model does not accept
    (fishjar/kiss-translator#1048: "Allowed values are: medium, low, high")."""
    return error_body(400, "INVALID_ARGUMENT",
                      "Invalid value at 'generation_config.thinking_config.thinking_level' "
                      f"(type.googleapis.com/google.ai.generativelanguage.v1beta.ThinkingLevel), \"{level.upper()}\". "
                      f"Allowed values are: {', '.join(allowed)}")


def thinking_budget_unsupported(model: str) -> dict:
    """400 INVALID_ARGUMENT for ``thinking_budget`` on a model that only takes a level
    (google-genai 3.4.0 types: "Starting from Gemini 3.5 models, the old thinking_budget
    will no longer be supported and will result in a user error if set")."""
    return error_body(400, "INVALID_ARGUMENT",
                      f"thinking_budget is not supported by models/{model}; use thinking_level instead.")
