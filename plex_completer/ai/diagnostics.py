"""Data for the ``/test_ai_services`` page: "why is my AI not working?" at a glance.

:func:`build_report` combines, per provider in cascade order, the configuration (never
the key), a live probe that spends no generation quota (Gemini ``models.get`` per
model, which also detects retired models; Ollama ``/api/version`` and ``list()``), the
stored cooldown/disabled state and today's ``AiAttempt`` figures. Probes run
concurrently with a short timeout so the page loads in seconds even when every
provider is down. Each Gemini entry shows where its model came from (configured,
successor of X, alias) from the stored resolutions, the request settings the cascade
would send (:mod:`plex_completer.ai.generations`) and the last finish reason and token
counts; times are in the user's zone (``TZ``). :func:`run_test` makes a real 3-track
generation through one provider.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from ..config import Settings
from ..extensions import db
from ..logging_setup import redact
from ..models import AiAttempt, utcnow
from ..timezones import day_start, scheduler_zone
from . import successors
from .base import Probe
from .cascade import generate_draft
from .chain import Clock, ProviderSpec, local_time, provider_chain, restrict_chain
from .errors import AllProvidersFailed, Outcome
from .generations import plan_request
from .prompts import build_prompt
from .schema import GenerationRequest
from .status import cascade_status

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 4.0  # per probe; the page waits at most this plus a small margin
TEST_TIMEOUT_CAP_S = 60.0  # the test button runs inline in the request
TEST_PROMPT = "A short test playlist: three well-known upbeat pop songs from the 1980s."
TYPICAL_COUNT = 30  # the track count the shown request settings are computed for


def local_stamp(moment: dt.datetime | None, settings: Settings) -> str | None:
    """``moment`` in the user's zone as ``2026-12-02 09:15 CET`` (None stays None)."""
    if moment is None:
        return None
    return moment.astimezone(scheduler_zone(settings)).strftime("%Y-%m-%d %H:%M %Z").strip()


def request_settings(settings: Settings, spec: ProviderSpec) -> str:
    """What the cascade sends ``spec`` for a 30-track list, as one line of text."""
    if spec.kind == "gemini":
        plan = plan_request(spec.model, TYPICAL_COUNT, level=settings.GEMINI_THINKING_LEVEL, output_token_limit=spec.output_token_limit)
        return plan.describe()
    from . import ollama_provider

    options = ollama_provider.request_options(build_prompt(GenerationRequest("x", TYPICAL_COUNT), compact=True), TYPICAL_COUNT)
    return (
        f"num_ctx {options['num_ctx']:,}, num_predict {options['num_predict']:,}, keep_alive {settings.OLLAMA_KEEP_ALIVE}, "
        f"think false when the model can think; first token within {min(settings.OLLAMA_FIRST_TOKEN_TIMEOUT, settings.OLLAMA_TIMEOUT):g} s, "
        f"whole answer within {settings.OLLAMA_TIMEOUT:g} s"
    )


def _probe(settings: Settings, spec: ProviderSpec, timeout_s: float, now: dt.datetime) -> Probe:
    if spec.kind == "gemini":
        from . import gemini

        return gemini.probe_model(settings, spec.model, timeout_s, now)
    from . import ollama_provider

    return ollama_provider.probe(settings.OLLAMA_URL, spec.model, timeout_s)


def run_probes(settings: Settings, chain: list[ProviderSpec], timeout_s: float, now: dt.datetime) -> dict[str, Probe]:
    """Probe every configured provider concurrently; return ``{key: Probe}``.

    A probe still running after ``timeout_s`` + 1 s is reported as ``down`` (the thread
    finishes in the background, bounded by its own HTTP timeout).
    """
    targets = [s for s in chain if s.configured]
    out: dict[str, Probe] = {s.key: Probe("not_configured", s.missing) for s in chain if not s.configured}
    if not targets:
        return out
    pool = ThreadPoolExecutor(max_workers=len(targets), thread_name_prefix="ai-probe")
    futures = {pool.submit(_probe, settings, s, timeout_s, now): s for s in targets}
    done, _ = wait(futures, timeout=timeout_s + 1.0)
    for future, spec in futures.items():
        if future in done:
            try:
                out[spec.key] = future.result()
            except Exception as exc:  # noqa: BLE001 - a probe must never break the page
                out[spec.key] = Probe("error", redact(f"{type(exc).__name__}: {exc}")[:300])
        else:
            out[spec.key] = Probe("down", f"no answer within {timeout_s:g} s")
    pool.shutdown(wait=False, cancel_futures=True)
    return out


def attempt_stats(settings: Settings, now: dt.datetime) -> dict[tuple[str, str], dict[str, Any]]:
    """Today's (local day in ``TZ``) attempts per ``(provider, model)``.

    Values: ``attempts`` (real calls, skips excluded), ``ok``, ``skipped``,
    ``success_rate`` (0-1 or None), ``median_latency_ms`` of successful calls, and the
    ``last`` attempt's ``outcome``/``message``/``at`` (ISO UTC)/``at_local``/
    ``finish_reason``/``prompt_tokens``/``output_tokens``/``thinking_tokens``.
    """
    rows = db.session.scalars(
        db.select(AiAttempt).where(AiAttempt.started_at >= day_start(now, scheduler_zone(settings))).order_by(AiAttempt.id)
    ).all()
    stats: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        entry = stats.setdefault((row.provider, row.model), {"attempts": 0, "ok": 0, "skipped": 0, "latencies": [], "last": None})
        if row.outcome == Outcome.SKIPPED:
            entry["skipped"] += 1
            continue
        entry["attempts"] += 1
        entry["last"] = {
            "outcome": row.outcome,
            "message": row.message,
            "at": row.started_at.isoformat(),
            "at_local": local_stamp(row.started_at, settings),
            "purpose": row.purpose,
            "finish_reason": row.finish_reason,
            "prompt_tokens": row.prompt_tokens,
            "output_tokens": row.output_tokens,
            "thinking_tokens": row.thinking_tokens,
        }
        if row.outcome == Outcome.OK:
            entry["ok"] += 1
            if row.latency_ms is not None:
                entry["latencies"].append(row.latency_ms)
    for entry in stats.values():
        entry["success_rate"] = round(entry["ok"] / entry["attempts"], 3) if entry["attempts"] else None
        latencies = entry.pop("latencies")
        entry["median_latency_ms"] = round(statistics.median(latencies), 1) if latencies else None
    return stats


def _verdict(item: dict[str, Any]) -> tuple[str, str]:
    """``(level, sentence)`` for one provider; level is ok/warn/bad/off."""
    probe = item["probe"]

    def sentence(text: str) -> str:
        return text.rstrip(". ") + "."

    if not item["configured"]:
        return "off", sentence(f"Not configured: {item['missing']}")
    if item["disabled"]:
        return "bad", "Skipped until the configuration changes (see below what to do)."
    if probe["status"] in ("missing", "auth"):
        return "bad", sentence(probe["message"])
    if probe["status"] == "down":
        return "bad", sentence(f"Not reachable: {probe['message']}")
    if item["cooldown_until"]:
        return "warn", sentence(f"Cooling down until {item['cooldown_until_local']} (local time): {item['reason']}")
    if probe["status"] == "error":
        return "warn", sentence(probe["message"])
    return "ok", "Ready."


def build_report(settings: Settings, *, probe_timeout_s: float = PROBE_TIMEOUT_S, clock: Clock | None = None, probe: bool = True) -> dict[str, Any]:
    """The diagnostics report as JSON-ready data (no secrets, no AI text).

    ``{"generated_at", "providers": [...], "summary", "next_in_line"}``; each provider has
    ``key``, ``kind``, ``model``, ``display_name``, ``position`` (1-based cascade order),
    ``configured``, ``missing``, ``probe`` (``status``/``message``/``hint``/
    ``latency_ms``/``details``), ``cooldown_until`` (ISO UTC) and ``cooldown_until_local``,
    ``disabled``, ``reason``, ``hint``, ``last_error``, ``last_error_at_local``, ``today``
    (see :func:`attempt_stats`), ``next_in_line``, ``level``, ``verdict``, ``slot``,
    ``origin``, ``origin_text``, ``chain_label`` and ``request_settings``; the report
    also has ``generated_at_local``. Needs an app context; no successor is resolved
    here (stored resolutions only), so the page spends no quota and lists nothing.
    """
    now = (clock or utcnow)()
    chain = provider_chain(settings, successors.load(settings))
    statuses = {s.key: s for s in cascade_status(settings, clock=lambda: now)}
    probes = run_probes(settings, chain, probe_timeout_s, now) if probe else {}
    stats = attempt_stats(settings, now)
    providers = []
    for position, spec in enumerate(chain, start=1):
        status = statuses[spec.key]
        result = probes.get(spec.key) or Probe("unchecked", "")
        item = {
            "key": spec.key,
            "kind": spec.kind,
            "model": spec.model,
            "display_name": spec.display_name,
            "position": position,
            "configured": spec.configured,
            "missing": spec.missing,
            "timeout_s": spec.timeout_s,
            "probe": {
                "status": result.status,
                "message": redact(result.message),
                "hint": redact(result.hint),
                "latency_ms": round(result.latency_ms, 1) if result.latency_ms is not None else None,
                "details": result.details,
            },
            "cooldown_until": status.cooldown_until.isoformat() if status.cooldown_until else None,
            "cooldown_until_local": local_time(status.cooldown_until, settings, now) if status.cooldown_until else None,
            "disabled": status.disabled,
            "reason": redact(status.reason) if spec.configured else "",
            "hint": redact(status.hint or result.hint),
            "last_error": redact(status.last_error),
            "last_error_at": status.last_error_at.isoformat() if status.last_error_at else None,
            "last_error_at_local": local_stamp(status.last_error_at, settings),
            "slot": spec.slot,
            "origin": spec.origin,
            "origin_text": spec.origin_text,
            "chain_label": spec.chain_label,
            "request_settings": request_settings(settings, spec),
            "today": stats.get((spec.kind, spec.model), {"attempts": 0, "ok": 0, "skipped": 0, "success_rate": None, "median_latency_ms": None, "last": None}),
            "next_in_line": status.next_in_line,
        }
        item["level"], item["verdict"] = _verdict(item)
        providers.append(item)
    first = next((p for p in providers if p["level"] == "ok"), None)
    if first is not None:
        summary = f"The next playlist will be asked of {first['display_name']} first."
    elif any(p["configured"] for p in providers):
        summary = "No AI provider is usable right now; see each provider below for the reason and what to do."
    else:
        summary = "No AI provider is configured: set GEMINI_API_KEY (Gemini) or OLLAMA_URL and OLLAMA_MODEL (Ollama)."
    return {
        "generated_at": now.isoformat(),
        "generated_at_local": local_stamp(now, settings),
        "providers": providers,
        "next_in_line": first["key"] if first else None,
        "summary": summary,
    }


def run_test(settings: Settings, provider: str, *, clock: Clock | None = None, timeout_cap_s: float = TEST_TIMEOUT_CAP_S) -> dict[str, Any]:
    """Run a real 3-track generation through ``provider`` alone (a key or kind).

    Returns ``{"ok", "provider", "display_name", "latency_ms", "title", "description",
    "tracks": [{artist, title, album, year}], "message", "attempts"}``; AI text is returned
    as data (the template escapes it). Raises ``ValueError`` for an unknown provider.
    """
    spec = restrict_chain(provider_chain(settings, successors.load(settings)), provider)[0]
    req = GenerationRequest(prompt=TEST_PROMPT, count=3)
    try:
        result = generate_draft(settings, req, only=spec.slot_key, clock=clock, purpose="test", timeout_cap_s=timeout_cap_s)
    except AllProvidersFailed as exc:
        attempt = exc.attempts[-1] if exc.attempts else {}
        message = attempt.get("message") or exc.message
        if attempt.get("hint"):
            message += f" {attempt['hint']}"
        return {
            "ok": False,
            "provider": spec.key,
            "display_name": spec.display_name,
            "latency_ms": attempt.get("latency_ms"),
            "title": "",
            "description": "",
            "tracks": [],
            "message": redact(message),
            "outcome": attempt.get("outcome"),
            "attempts": exc.attempts,
        }
    return {
        "ok": True,
        "provider": spec.key,
        "display_name": result.display_name,
        "latency_ms": round(result.latency_ms, 1),
        "title": result.draft.title,
        "description": result.draft.description,
        "tracks": [t.model_dump() for t in result.draft.tracks],
        "message": f"{len(result.draft.tracks)} tracks in {result.latency_ms / 1000:.1f} s",
        "outcome": Outcome.OK,
        "attempts": result.attempts,
    }
