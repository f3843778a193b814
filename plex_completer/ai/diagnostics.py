"""Data for the ``/test_ai_services`` page: "why is my AI not working?" at a glance.

:func:`build_report` combines, per provider in cascade order, the configuration (never
the key), a live probe that spends no generation quota (Gemini ``models.get`` per
model, which also detects retired models; Ollama ``/api/version`` and ``list()``), the
stored cooldown/disabled state and today's ``AiAttempt`` figures. Probes run
concurrently with a short timeout so the page loads in seconds even when every
provider is down. :func:`run_test` makes a real 3-track generation through one provider.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any
from zoneinfo import ZoneInfo

from ..extensions import db
from ..logging_setup import redact
from ..models import AiAttempt, utcnow
from .base import Probe
from .cascade import generate_draft
from .chain import Clock, ProviderSpec, local_time, provider_chain, select
from .errors import AllProvidersFailed, Outcome
from .schema import GenerationRequest
from .status import cascade_status

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 4.0  # per probe; the page waits at most this plus a small margin
TEST_TIMEOUT_CAP_S = 60.0  # the test button runs inline in the request
TEST_PROMPT = "A short test playlist: three well-known upbeat pop songs from the 1980s."


def _probe(settings: Any, spec: ProviderSpec, timeout_s: float, now: dt.datetime) -> Probe:
    if spec.kind == "gemini":
        from . import gemini

        return gemini.probe_model(settings, spec.model, timeout_s, now)
    from . import ollama_provider

    return ollama_provider.probe(settings.OLLAMA_URL, spec.model, timeout_s)


def run_probes(settings: Any, chain: list[ProviderSpec], timeout_s: float, now: dt.datetime) -> dict[str, Probe]:
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


def _day_start(settings: Any, now: dt.datetime) -> dt.datetime:
    try:
        zone = ZoneInfo(settings.TZ) if settings.TZ else None
    except Exception:  # noqa: BLE001
        zone = None
    local = now.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def attempt_stats(settings: Any, now: dt.datetime) -> dict[tuple[str, str], dict[str, Any]]:
    """Today's (local day) attempts per ``(provider, model)``.

    Values: ``attempts`` (real calls, skips excluded), ``ok``, ``skipped``,
    ``success_rate`` (0-1 or None), ``median_latency_ms`` of successful calls, and the
    ``last`` attempt's outcome/message/time.
    """
    rows = db.session.scalars(
        db.select(AiAttempt).where(AiAttempt.started_at >= _day_start(settings, now)).order_by(AiAttempt.id)
    ).all()
    stats: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        entry = stats.setdefault((row.provider, row.model), {"attempts": 0, "ok": 0, "skipped": 0, "latencies": [], "last": None})
        if row.outcome == Outcome.SKIPPED:
            entry["skipped"] += 1
            continue
        entry["attempts"] += 1
        entry["last"] = {"outcome": row.outcome, "message": row.message, "at": row.started_at.isoformat(), "purpose": row.purpose}
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


def build_report(settings: Any, *, probe_timeout_s: float = PROBE_TIMEOUT_S, clock: Clock | None = None, probe: bool = True) -> dict[str, Any]:
    """The diagnostics report as JSON-ready data (no secrets, no AI text).

    ``{"generated_at", "providers": [...], "summary", "next_in_line"}``; each provider has
    ``key``, ``kind``, ``model``, ``display_name``, ``position`` (1-based cascade order),
    ``configured``, ``missing``, ``probe`` (``status``/``message``/``hint``/
    ``latency_ms``/``details``), ``cooldown_until`` (ISO UTC) and ``cooldown_until_local``,
    ``disabled``, ``reason``, ``hint``, ``last_error``, ``today`` (see
    :func:`attempt_stats`), ``next_in_line``, ``level`` and ``verdict``. Needs an app context.
    """
    now = (clock or utcnow)()
    chain = provider_chain(settings)
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
        "providers": providers,
        "next_in_line": first["key"] if first else None,
        "summary": summary,
    }


def run_test(settings: Any, provider: str, *, clock: Clock | None = None, timeout_cap_s: float = TEST_TIMEOUT_CAP_S) -> dict[str, Any]:
    """Run a real 3-track generation through ``provider`` alone (a key or kind).

    Returns ``{"ok", "provider", "display_name", "latency_ms", "title", "description",
    "tracks": [{artist, title, album, year}], "message", "attempts"}``; AI text is returned
    as data (the template escapes it). Raises ``ValueError`` for an unknown provider.
    """
    spec = select(provider_chain(settings), provider)[0]
    req = GenerationRequest(prompt=TEST_PROMPT, count=3)
    try:
        result = generate_draft(settings, req, only=spec.key, clock=clock, purpose="test", timeout_cap_s=timeout_cap_s)
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
