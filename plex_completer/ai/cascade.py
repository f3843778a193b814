"""The AI cascade: Gemini models in order, then Ollama, quota-aware.

For each provider in :func:`~plex_completer.ai.chain.provider_chain` order the cascade skips, without any network
call, a model that is not configured, cooling down or disabled for the current
configuration (:mod:`plex_completer.ai.cooldowns`); otherwise it asks the model, parses
the answer (:mod:`plex_completer.ai.parsing`) and returns the first usable draft. Every
attempt, skip included, becomes an ``AiAttempt`` row; failures set cooldowns in
``ProviderState`` so a restart does not hammer a provider that is out of quota.

Log lines start with the provider's display name, so
``docker logs plex-completer | grep -E "(Gemini|Ollama)"`` tells the story.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..extensions import db
from ..logging_setup import redact
from ..models import AiAttempt, utcnow
from . import cooldowns
from .base import Answer
from .chain import Clock, ProviderSpec, local_time, provider_chain, select
from .classify import QUOTA_MESSAGES, short
from .errors import AllProvidersFailed, Outcome, ProviderFailure
from .parsing import BadOutput, ParsedDraft, parse_answer
from .prompts import Prompt, build_prompt
from .schema import GenerationRequest, PlaylistDraft

log = logging.getLogger(__name__)


@dataclass
class CascadeResult:
    """A usable draft and where it came from.

    ``provider`` is ``gemini``/``ollama``; ``latency_ms`` the successful call's duration in
    milliseconds; ``attempts`` the summaries of every attempt in order (dicts with
    ``provider``, ``model``, ``display_name``, ``outcome``, ``message``, ``hint``,
    ``latency_ms``, ``cooldown_until`` as ISO text or None).
    """

    draft: PlaylistDraft
    provider: str
    model: str
    display_name: str
    latency_ms: float
    attempts: list[dict[str, Any]] = field(default_factory=list)
    parse_method: str = ""
    dropped: int = 0


def _call(settings: Any, spec: ProviderSpec, prompt: Prompt, count: int, timeout_s: float, now: dt.datetime) -> Answer:
    # Imported here so that a cascade whose Gemini models are all cooling down never
    # pays for importing google-genai, and vice versa.
    if spec.kind == "gemini":
        from . import gemini

        return gemini.generate(settings, spec.model, prompt, count, timeout_s, now)
    from . import ollama_provider

    return ollama_provider.generate(settings.OLLAMA_URL, spec.model, prompt, count, timeout_s)


class _Recorder:
    """Collects AiAttempt rows and summaries; rows are written only after network calls,
    so a skip costs no database write before the next provider is asked."""

    def __init__(self, job_id: int | None, purpose: str) -> None:
        self.job_id, self.purpose = job_id, purpose
        self.pending: list[AiAttempt] = []
        self.summaries: list[dict[str, Any]] = []

    def add(
        self,
        spec: ProviderSpec,
        outcome: str,
        message: str,
        *,
        started: dt.datetime,
        latency_ms: float | None = None,
        error_class: str | None = None,
        hint: str = "",
        until: dt.datetime | None = None,
        answer: Answer | None = None,
        tracks: int | None = None,
        quota: bool = False,
    ) -> None:
        message = redact(message)
        self.pending.append(
            AiAttempt(
                job_id=self.job_id,
                provider=spec.kind,
                model=spec.model,
                purpose=self.purpose,
                started_at=started,
                latency_ms=latency_ms,
                outcome=outcome,
                error_class=error_class,
                message=short(message + (f" {hint}" if hint else ""), 2000),
                prompt_tokens=answer.prompt_tokens if answer else None,
                output_tokens=answer.output_tokens if answer else None,
                total_tokens=answer.total_tokens if answer else None,
                track_count=tracks,
            )
        )
        self.summaries.append(
            {
                "provider": spec.kind,
                "model": spec.model,
                "key": spec.key,
                "display_name": spec.display_name,
                "outcome": outcome,
                "message": message,
                "hint": redact(hint),
                "error_class": error_class,
                "latency_ms": round(latency_ms, 1) if latency_ms is not None else None,
                "cooldown_until": until.isoformat() if until else None,
                "quota": quota,
                "configured": spec.configured,
            }
        )

    def flush(self) -> None:
        if self.pending:
            db.session.add_all(self.pending)
            self.pending = []
        db.session.commit()


def generate_draft(
    settings: Any,
    req: GenerationRequest,
    job_id: int | None = None,
    on_step: Callable[[str], None] | None = None,
    only: str | None = None,
    *,
    clock: Clock | None = None,
    purpose: str = "generate",
    timeout_cap_s: float | None = None,
) -> CascadeResult:
    """Ask the providers in cascade order until one returns a usable playlist draft.

    Needs an app context. Writes ``AiAttempt``/``ProviderState`` rows through
    ``db.session`` and commits it, once before the first network call (so no SQLite
    write lock is held while a provider thinks; pending changes of the caller are
    committed with it) and after each real attempt. ``purpose`` goes to
    ``AiAttempt.purpose`` (``generate``, ``test``).
    ``on_step("Asking Gemini 2.5 Flash")`` is called before each real attempt.
    ``only`` (a key like ``gemini:gemini-2.5-flash``, or ``gemini``/``ollama``) restricts
    the cascade and, being an explicit test, also asks a model that is cooling down or
    disabled. ``clock`` returns aware UTC now (tests inject one); ``timeout_cap_s`` caps
    each provider's timeout (seconds). Raises :class:`AllProvidersFailed` when nothing
    usable came back and ``ValueError`` for an unknown ``only``.
    """
    clock = clock or utcnow
    chain = select(provider_chain(settings), only)
    count = req.track_count
    prompt = build_prompt(req)
    rec = _Recorder(job_id, purpose)
    states = cooldowns.load_states([s.key for s in chain])
    # Detach the rows (they keep their values) and end the transaction, so no lock is
    # held during network calls and no query is needed to skip a cooling-down model.
    for state in states.values():
        db.session.expunge(state)
    db.session.commit()
    for spec in chain:
        now = clock()
        if not spec.configured:
            log.info("%s skipped: not configured (%s)", spec.display_name, spec.missing)
            rec.add(spec, Outcome.SKIPPED, f"not configured: {spec.missing}", started=now)
            continue
        fingerprint = cooldowns.config_fingerprint(settings, spec.kind, spec.model)
        gate = cooldowns.gate_for(states.get(spec.key), fingerprint, now)
        if not gate.open and not only:
            if gate.disabled:
                text = f"{gate.reason}; skipped until the configuration changes"
                log.info("%s skipped: %s. %s", spec.display_name, redact(text), redact(gate.hint))
            else:
                text = f"{gate.reason}, cooling down until {local_time(gate.until, settings, now)} (local time)"
                log.info("%s skipped: %s", spec.display_name, redact(text))
            rec.add(spec, Outcome.SKIPPED, text, started=now, hint=gate.hint, until=gate.until, quota=gate.reason in QUOTA_MESSAGES)
            continue
        result = _attempt(settings, spec, prompt, count, rec, on_step, clock, fingerprint, timeout_cap_s)
        if result is not None:
            return result
    raise _all_failed(chain, rec)


def _attempt(
    settings: Any,
    spec: ProviderSpec,
    prompt: Prompt,
    count: int,
    rec: _Recorder,
    on_step: Callable[[str], None] | None,
    clock: Clock,
    fingerprint: str,
    timeout_cap_s: float | None,
) -> CascadeResult | None:
    """One real call of ``spec``; returns the result or None after recording the failure."""
    if on_step is not None:
        on_step(f"Asking {spec.display_name}")
    log.info("Trying %s…", spec.display_name)
    timeout_s = min(spec.timeout_s, timeout_cap_s) if timeout_cap_s else spec.timeout_s
    started = clock()
    t0 = time.perf_counter()
    answer: Answer | None = None
    try:
        answer = _call(settings, spec, prompt, count, timeout_s, started)
        parsed: ParsedDraft = parse_answer(answer.text, count, structured=answer.structured, truncated=answer.truncated)
    except ProviderFailure as exc:
        failure = exc
    except BadOutput as exc:
        failure = ProviderFailure(Outcome.BAD_OUTPUT, f"unusable answer: {exc}", error_class="BadOutput")
    else:
        latency_ms = (time.perf_counter() - t0) * 1000
        cooldowns.record_success(spec.key)
        n = len(parsed.draft.tracks)
        note = f", {parsed.method} JSON" + (f", {parsed.dropped} items dropped" if parsed.dropped else "")
        rec.add(spec, Outcome.OK, f"{n} tracks{note}", started=started, latency_ms=latency_ms, answer=answer, tracks=n)
        rec.flush()
        log.info("Playlist generated with %s in %.1f s, %d tracks", spec.display_name, latency_ms / 1000, n)
        return CascadeResult(parsed.draft, spec.kind, spec.model, spec.display_name, latency_ms, rec.summaries, parsed.method, parsed.dropped)
    latency_ms = (time.perf_counter() - t0) * 1000
    now = clock()
    until = cooldowns.record_failure(spec.key, failure, fingerprint, now)
    rec.add(
        spec,
        failure.outcome,
        failure.message,
        started=started,
        latency_ms=latency_ms,
        error_class=failure.error_class or None,
        hint=failure.hint,
        until=until,
        answer=answer,
        quota=failure.outcome == Outcome.QUOTA,
    )
    rec.flush()
    _log_failure(settings, spec, failure, until, now)
    return None


def _log_failure(settings: Any, spec: ProviderSpec, failure: ProviderFailure, until: dt.datetime | None, now: dt.datetime) -> None:
    text = failure.message
    if failure.disable:
        text += "; skipping it until the configuration changes"
    elif until is not None:
        text += f", cooling down until {local_time(until, settings, now)} (local time)"
    if failure.hint:
        text += f". {failure.hint}"
    level = logging.INFO if failure.outcome in (Outcome.BAD_OUTPUT, Outcome.BLOCKED) else logging.WARNING
    log.log(level, "%s failed: %s", spec.display_name, redact(text))


def _all_failed(chain: list[ProviderSpec], rec: _Recorder) -> AllProvidersFailed:
    attempts = rec.summaries
    rec.flush()
    configured = [a for a in attempts if a["configured"]]
    if not configured:
        message = "No AI provider is configured: set GEMINI_API_KEY (Gemini) or OLLAMA_URL and OLLAMA_MODEL (Ollama)."
        return AllProvidersFailed(message, attempts)
    # Waiting helps only when some provider is out of quota and the others failed for
    # reasons that pass (5xx, transport, cooldowns); the retry time is the end of the
    # earliest quota cooldown, the event that can actually change the answer.
    temporary = (Outcome.QUOTA, Outcome.SERVER, Outcome.TRANSPORT)
    quota_ends = [dt.datetime.fromisoformat(a["cooldown_until"]) for a in configured if a["quota"] and a["cooldown_until"]]
    waiting = all(
        a["outcome"] in temporary or (a["outcome"] == Outcome.SKIPPED and a["cooldown_until"]) for a in configured
    )
    all_quota = bool(quota_ends) and waiting
    parts = []
    for a in configured:
        text = f"{a['display_name']}: {a['message']}"
        if a["hint"]:
            text += f" ({a['hint']})"
        parts.append(text)
    message = "No AI provider could write the playlist. " + "; ".join(parts)
    log.warning("AI cascade failed: %s", redact(message))
    return AllProvidersFailed(message, attempts, all_quota, min(quota_ends) if all_quota else None)
