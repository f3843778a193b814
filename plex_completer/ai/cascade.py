"""The AI cascade: Gemini slots in order, then Ollama, quota-aware and self-healing.

For each provider in :func:`~plex_completer.ai.chain.provider_chain` order the cascade
skips, without any network call, a model that is not configured, cooling down or
disabled for the current configuration (:mod:`plex_completer.ai.cooldowns`); otherwise
it asks the model, parses the answer (:mod:`plex_completer.ai.parsing`) and returns the
first usable draft. Within one provider:

* a Gemini slot whose model is retired or has no quota for the key is handed to its
  successor (:mod:`plex_completer.ai.successors`), at most one wasted request per
  retired model; the resolution is stored, so the next run asks the successor directly;
* a 500/502/503/504 from Gemini gets one quick retry on the same model after 1-3 s
  (jittered, :data:`TRANSIENT_RETRY_S`) before the cascade moves on;
* a 400 that rejects the thinking setting is retried once without it;
* a cut answer (``MAX_TOKENS``, ``SAFETY``, ``RECITATION``, Ollama ``length``) with
  fewer tracks than asked, or no text, is retried once with a larger cap and less
  thinking, then counts as a failure (outcome ``cut``). The longest cut list is kept
  and returned only when every provider fails (``CascadeResult.cut_note``).

:func:`pick_fillers` runs the same loop for a fill request (issue 18): another prompt,
the ``FillPicks`` schema and validated line numbers instead of a draft (a ``_Task``
says what differs).

Every attempt, skip included, becomes an ``AiAttempt`` row; failures set cooldowns in
``ProviderState`` so a restart does not hammer a provider that is out of quota. Log
lines start with the provider's display name, so
``docker logs plex-completer | grep -E "(Gemini|Ollama)"`` tells the story.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..config import Settings
from ..extensions import db
from ..logging_setup import redact
from ..models import AiAttempt, ProviderState, utcnow
from . import cooldowns, successors
from .base import Answer
from .chain import Clock, ProviderSpec, local_time, provider_chain, restrict_chain
from .classify import QUOTA_MESSAGES, one_line
from .errors import AllProvidersFailed, Outcome, ProviderFailure
from .generations import RequestPlan, plan_request
from .parsing import BadOutput, ParsedDraft, ParsedPicks, parse_answer, parse_picks
from .prompts import Prompt, build_fill_prompt, build_prompt
from .schema import FillPicks, FillRequest, GenerationRequest, PlaylistDraft, fill_json_schema

log = logging.getLogger(__name__)

# The quick retry after a Gemini 5xx: uniform 1-3 s ("Spikes in demand are usually
# temporary", continuedev/continue#10903; jitter spreads clients that failed together).
TRANSIENT_RETRY_S = (1.0, 3.0)
# Seconds for one models.list page while resolving a successor.
LISTING_TIMEOUT_S = 10.0
# Models that rejected a thinking setting in this process: the next request to them goes
# without a thinking config at once.
_rejected_thinking: set[str] = set()
_rejected_lock = threading.Lock()


def clear_rejected_thinking() -> None:
    """Forget which models rejected a thinking setting in this process (tests)."""
    with _rejected_lock:
        _rejected_thinking.clear()


def sleep_before_retry(seconds: float) -> None:
    """Wait ``seconds`` before the quick retry (tests replace this to record the delay)."""
    time.sleep(seconds)


def cut_note(tracks: int, requested: int) -> str:
    """``the AI's answer was cut: 43 of 100 tracks``."""
    return f"the AI's answer was cut: {tracks} of {requested} tracks"


@dataclass
class CascadeResult:
    """A usable draft and where it came from.

    ``provider`` is ``gemini``/``ollama``; ``model`` the model that answered, ``slot`` the
    configured model it stood in for; ``latency_ms`` the successful call's duration in
    milliseconds; ``attempts`` the summaries of every attempt in order (dicts with
    ``provider``, ``model``, ``slot``, ``display_name``, ``outcome``, ``message``,
    ``hint``, ``latency_ms``, ``cooldown_until`` as ISO text or None, ``finish_reason``,
    token counts). ``cut_note`` is set (and ``requested`` is the asked count) when every
    provider failed and this is the longest cut answer: "the AI's answer was cut: 43
    of 100 tracks". ``picks`` are the validated line numbers of a fill answer
    (:func:`pick_fillers`; ``draft`` is then empty), empty for a playlist draft.
    """

    draft: PlaylistDraft
    provider: str
    model: str
    display_name: str
    latency_ms: float
    attempts: list[dict[str, Any]] = field(default_factory=list)
    parse_method: str = ""
    dropped: int = 0
    slot: str = ""
    cut_note: str = ""
    requested: int = 0
    picks: list[int] = field(default_factory=list)


class _Task:
    """What one cascade run asks for: a playlist draft (:func:`generate_draft`).

    The cascade loop (gates, retries, successors, records) is the same for every task;
    a task only says how to prompt, which schema to ask for, how to parse and what a
    success is called in the logs.
    """

    noun = "tracks"
    answer_schema: Any = PlaylistDraft
    answer_format: dict[str, Any] | None = None

    def __init__(self, req: GenerationRequest) -> None:
        self.req = req
        self.count = req.track_count

    def prompt(self, compact: bool) -> Prompt:
        return build_prompt(self.req, compact=compact)

    def parse(self, answer: Answer, compact: bool) -> ParsedDraft | ParsedPicks:
        return parse_answer(answer.text, self.count, structured=answer.structured, truncated=answer.truncated)

    def done_line(self, display_name: str, seconds: float, n: int) -> str:
        return f"Playlist generated with {display_name} in {seconds:.1f} s, {n} tracks"


class _FillTask(_Task):
    """A grounded fill request (:func:`pick_fillers`): line numbers of a candidate list."""

    noun = "picks"
    answer_schema = FillPicks

    def __init__(self, req: FillRequest) -> None:
        self.fill = req
        self.count = req.pick_count
        self.answer_format = fill_json_schema()

    def prompt(self, compact: bool) -> Prompt:
        return build_fill_prompt(self.fill, compact=compact)

    def parse(self, answer: Answer, compact: bool) -> ParsedDraft | ParsedPicks:
        shown = self.fill.shown(compact)
        return parse_picks(answer.text, self.count, shown, structured=answer.structured, truncated=answer.truncated)

    def done_line(self, display_name: str, seconds: float, n: int) -> str:
        return f"Fillers picked with {display_name} in {seconds:.1f} s, {n} picks"


def _size(parsed: ParsedDraft | ParsedPicks) -> int:
    """Tracks of a draft or picks of a fill answer."""
    return len(parsed.picks) if isinstance(parsed, ParsedPicks) else len(parsed.draft.tracks)


def _result(parsed: ParsedDraft | ParsedPicks, spec: ProviderSpec, latency_ms: float, attempts: list[dict[str, Any]],
            note: str = "", requested: int = 0) -> CascadeResult:
    if isinstance(parsed, ParsedPicks):
        draft, picks = PlaylistDraft(title="", description="", tracks=[]), list(parsed.picks)
    else:
        draft, picks = parsed.draft, []
    return CascadeResult(draft, spec.kind, spec.model, spec.display_name, latency_ms, attempts, parsed.method,
                         parsed.dropped, spec.slot, note, requested, picks)


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
        final: bool = True,
    ) -> None:
        message = redact(message)
        self.pending.append(
            AiAttempt(
                job_id=self.job_id,
                provider=spec.kind,
                model=spec.model,
                slot=spec.slot if spec.is_successor else None,
                purpose=self.purpose,
                started_at=started,
                latency_ms=latency_ms,
                outcome=outcome,
                error_class=error_class,
                message=one_line(message + (f" {hint}" if hint else ""), 2000),
                prompt_tokens=answer.prompt_tokens if answer else None,
                output_tokens=answer.output_tokens if answer else None,
                total_tokens=answer.total_tokens if answer else None,
                thinking_tokens=answer.thinking_tokens if answer else None,
                finish_reason=answer.finish_reason if answer else None,
                track_count=tracks,
            )
        )
        self.summaries.append(
            {
                "provider": spec.kind,
                "model": spec.model,
                "slot": spec.slot,
                "origin": spec.origin,
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
                "final": final,
                "finish_reason": answer.finish_reason if answer else None,
                "thinking_tokens": answer.thinking_tokens if answer else None,
                "output_tokens": answer.output_tokens if answer else None,
            }
        )

    def flush(self) -> None:
        if self.pending:
            db.session.add_all(self.pending)
            self.pending = []
        db.session.commit()


@dataclass
class _Partial:
    """The longest cut answer seen so far (kept in case every provider fails)."""

    parsed: ParsedDraft | ParsedPicks
    spec: ProviderSpec
    latency_ms: float


class _Run:
    """One call of :func:`generate_draft`: its settings, prompt, recorder and clock."""

    def __init__(
        self,
        settings: Settings,
        task: _Task,
        rec: _Recorder,
        on_step: Callable[[str], None] | None,
        clock: Clock,
        timeout_cap_s: float | None,
        only: str | None,
        states: dict[str, ProviderState],
        chain: list[ProviderSpec],
    ) -> None:
        self.settings, self.rec, self.on_step, self.clock = settings, rec, on_step, clock
        self.timeout_cap_s, self.only, self.states = timeout_cap_s, only, states
        self.task = task
        self.count = task.count
        self.prompt = task.prompt(False)
        self._local_prompt: Prompt | None = None
        self.partial: _Partial | None = None
        # Models that may not fill another slot: every configured one and every model asked.
        self.in_chain: set[str] = set(settings.GEMINI_MODELS) | {s.model for s in chain if s.kind == "gemini"}

    @property
    def local_prompt(self) -> Prompt:
        if self._local_prompt is None:
            self._local_prompt = self.task.prompt(True)
        return self._local_prompt

    # -- one provider --------------------------------------------------------------

    def gate(self, spec: ProviderSpec, now: dt.datetime) -> cooldowns.Gate:
        fingerprint = cooldowns.config_fingerprint(self.settings, spec.kind, spec.model)
        return cooldowns.gate_for(self.states.get(spec.key), fingerprint, now)

    def skip(self, spec: ProviderSpec, gate: cooldowns.Gate, now: dt.datetime) -> None:
        if gate.disabled:
            text = f"{gate.reason}; skipped until the configuration changes"
            log.info("%s skipped: %s. %s", spec.display_name, redact(text), redact(gate.hint))
        else:
            text = f"{gate.reason}, cooling down until {local_time(gate.until, self.settings, now)} (local time)"
            log.info("%s skipped: %s", spec.display_name, redact(text))
        self.rec.add(spec, Outcome.SKIPPED, text, started=now, hint=gate.hint, until=gate.until, quota=gate.reason in QUOTA_MESSAGES)

    def ask_slot(self, spec: ProviderSpec) -> CascadeResult | None:
        """Ask ``spec`` (with its retries); on a retired model ask successors in turn."""
        now = self.clock()
        gate = self.gate(spec, now)
        replaced = 0
        auto = spec.kind == "gemini" and self.settings.GEMINI_AUTO_SUCCESSOR
        if not gate.open and not self.only:
            self.skip(spec, gate, now)
            if not (auto and gate.retired):
                return None
            reason = gate.reason
        else:
            result, failure = self.ask(spec)
            if result is not None or failure is None:
                return result
            if not (auto and failure.replaceable):
                if spec.is_successor and failure.disable:
                    successors.forget(spec.slot)
                return None
            reason = failure.message
        while replaced < successors.MAX_SUCCESSORS_PER_RUN:
            replaced += 1
            nxt = self.successor_for(spec, reason)
            if nxt is None:
                return None
            spec = nxt
            now = self.clock()
            gate = self.gate(spec, now)
            if not gate.open:
                self.skip(spec, gate, now)
                if not gate.retired:
                    return None
                reason = gate.reason
                continue
            result, failure = self.ask(spec)
            if result is not None or failure is None:
                return result
            if not failure.replaceable:
                return None
            reason = failure.message
        return None

    def successor_for(self, spec: ProviderSpec, reason: str) -> ProviderSpec | None:
        """Resolve, store and log the successor of ``spec``'s slot; None when there is none."""
        now = self.clock()
        gone = {
            state.key.split(":", 1)[1]
            for state in self.states.values()
            if state.disabled_outcome == Outcome.RETIRED
            and state.disabled_for == cooldowns.config_fingerprint(self.settings, "gemini", state.key.split(":", 1)[1])
        }
        self.in_chain.add(spec.model)
        exclude = self.in_chain | gone
        found = successors.resolve(self.settings, spec.slot, exclude, min(LISTING_TIMEOUT_S, spec.timeout_s), now, reason)
        if found is None:
            log.info("%s is retired and no successor of its kind is available; see /test_ai_services", spec.slot)
            successors.forget(spec.slot)
            return None
        successors.store(self.settings, found)
        self.in_chain.add(found.model)
        # The slot is not lost: its retired model's attempts no longer decide the outcome.
        for summary in self.rec.summaries:
            if summary["key"] == spec.key:
                summary["final"] = False
        # The successor's own state (it may have been disabled or cooled down before).
        key = cooldowns.provider_key("gemini", found.model)
        loaded = cooldowns.load_states([key])
        for state in loaded.values():
            db.session.expunge(state)
        db.session.commit()
        self.states.update(loaded)
        log.warning("%s is retired; using %s in its place", spec.slot, found.model)
        return dataclasses.replace(spec, model=found.model, origin=found.origin, output_token_limit=found.output_token_limit)

    def ask(self, spec: ProviderSpec) -> tuple[CascadeResult | None, ProviderFailure | None]:
        """Real calls of ``spec`` with its retries: ``(result, None)`` on success,
        ``(None, failure)`` after recording the final failure."""
        if self.on_step is not None:
            self.on_step(f"Asking {spec.display_name}")
        log.info("Trying %s…", spec.display_name)
        larger = transient_done = thinking_done = False
        while True:
            started = self.clock()
            t0 = time.perf_counter()
            answer: Answer | None = None
            parsed: ParsedDraft | ParsedPicks | None = None
            plan: RequestPlan | None = None
            try:
                plan = self.plan(spec, larger)
                answer = self.call(spec, plan, larger)
                parsed = self.task.parse(answer, spec.kind != "gemini")
                failure = None
            except ProviderFailure as exc:
                failure = exc
            except BadOutput as exc:
                failure = ProviderFailure(Outcome.BAD_OUTPUT, f"unusable answer: {exc}", error_class="BadOutput")
            latency_ms = (time.perf_counter() - t0) * 1000
            n = _size(parsed) if parsed else 0
            is_cut = answer is not None and answer.truncated and n < self.count
            if failure is None and parsed is not None and not is_cut:
                return self.succeed(spec, parsed, answer, started, latency_ms), None
            if is_cut:
                if parsed is not None and (self.partial is None or n > _size(self.partial.parsed)):
                    self.partial = _Partial(parsed, spec, latency_ms)
                finish = answer.finish_reason if answer else "?"
                failure = ProviderFailure(
                    Outcome.CUT,
                    f"answer cut ({finish}): {n} of {self.count} {self.task.noun}" + ("" if answer and answer.text else ", no text"),
                    error_class="Cut",
                )
                if not larger:
                    self.rec.add(spec, Outcome.CUT, failure.message + "; retrying once with a larger cap and less thinking",
                                 started=started, latency_ms=latency_ms, answer=answer, tracks=n, final=False)
                    log.info("%s: %s; retrying once with a larger cap", spec.display_name, failure.message)
                    larger = True
                    continue
            assert failure is not None
            if failure.rejected_thinking and not thinking_done and plan is not None and (plan.thinking_level or plan.thinking_budget is not None):
                thinking_done = True
                with _rejected_lock:
                    _rejected_thinking.add(spec.model)
                self.rec.add(spec, failure.outcome, failure.message + "; retrying once without a thinking setting",
                             started=started, latency_ms=latency_ms, error_class=failure.error_class, answer=answer, final=False)
                log.info("%s: %s; retrying without it", spec.display_name, redact(failure.message))
                continue
            if failure.transient and spec.kind == "gemini" and not transient_done:
                transient_done = True
                delay = random.uniform(*TRANSIENT_RETRY_S)
                self.rec.add(spec, failure.outcome, f"{failure.message}; retrying once in {delay:.1f} s",
                             started=started, latency_ms=latency_ms, error_class=failure.error_class, final=False)
                self.rec.flush()
                log.info("%s: %s; retrying once in %.1f s", spec.display_name, redact(failure.message), delay)
                sleep_before_retry(delay)
                continue
            self.fail(spec, failure, started, latency_ms, answer)
            return None, failure

    def plan(self, spec: ProviderSpec, larger: bool) -> RequestPlan | None:
        if spec.kind != "gemini":
            return None
        with _rejected_lock:
            rejected = spec.model in _rejected_thinking
        return plan_request(
            spec.model,
            self.count,
            level=self.settings.GEMINI_THINKING_LEVEL,
            output_token_limit=spec.output_token_limit,
            larger=larger,
            without_thinking=rejected,
        )

    def call(self, spec: ProviderSpec, plan: RequestPlan | None, larger: bool) -> Answer:
        timeout_s = min(spec.timeout_s, self.timeout_cap_s) if self.timeout_cap_s else spec.timeout_s
        # Imported here so that a cascade whose Gemini models are all cooling down never
        # pays for importing google-genai, and vice versa.
        if spec.kind == "gemini":
            from . import gemini

            assert plan is not None
            return gemini.generate(self.settings, spec.model, self.prompt, plan, timeout_s, self.clock(),
                                   answer_schema=self.task.answer_schema)
        from . import ollama_provider

        return ollama_provider.generate(self.settings, spec.model, self.local_prompt, self.count, larger=larger,
                                        timeout_cap_s=self.timeout_cap_s, answer_format=self.task.answer_format)

    def succeed(self, spec: ProviderSpec, parsed: ParsedDraft | ParsedPicks, answer: Answer, started: dt.datetime,
                latency_ms: float) -> CascadeResult:
        cooldowns.record_success(spec.key)
        n = _size(parsed)
        note = f", {parsed.method} JSON" + (f", {parsed.dropped} items dropped" if parsed.dropped else "")
        self.rec.add(spec, Outcome.OK, f"{n} {self.task.noun}{note}", started=started, latency_ms=latency_ms, answer=answer, tracks=n)
        self.rec.flush()
        log.info("%s", self.task.done_line(spec.display_name, latency_ms / 1000, n))
        return _result(parsed, spec, latency_ms, self.rec.summaries)

    def fail(self, spec: ProviderSpec, failure: ProviderFailure, started: dt.datetime, latency_ms: float, answer: Answer | None) -> None:
        now = self.clock()
        fingerprint = cooldowns.config_fingerprint(self.settings, spec.kind, spec.model)
        until = cooldowns.record_failure(spec.key, failure, fingerprint, now)
        if failure.disable:
            # Known from now on in this run too (a successor search must not pick it).
            self.states[spec.key] = ProviderState(key=spec.key, disabled_for=fingerprint, disabled_outcome=failure.outcome,
                                                  disabled_reason=failure.message)
        self.rec.add(
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
        self.rec.flush()
        _log_failure(self.settings, spec, failure, until, now)


def generate_draft(
    settings: Settings,
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

    Needs an app context. Writes ``AiAttempt``/``ProviderState``/``ModelSuccessor`` rows
    through ``db.session`` and commits it, once before the first network call (so no
    SQLite write lock is held while a provider thinks; pending changes of the caller are
    committed with it) and after each real attempt. ``purpose`` goes to
    ``AiAttempt.purpose`` (``generate``, ``test``).
    ``on_step("Asking Gemini 3.8 Flash")`` is called before each provider is asked.
    ``only`` (a key like ``gemini:gemini-2.5-flash``, a slot key, or ``gemini``/``ollama``)
    restricts the cascade and, being an explicit test, also asks a model that is cooling
    down or disabled. ``clock`` returns aware UTC now (tests inject one);
    ``timeout_cap_s`` caps each provider's timeout (seconds). Returns the first usable
    draft, or, when every provider failed but one gave a cut answer, the longest cut
    answer with ``cut_note`` set. Raises :class:`AllProvidersFailed` when nothing usable
    came back and ``ValueError`` for an unknown ``only``.
    """
    return _cascade(settings, _Task(req), job_id, on_step, only, clock=clock, purpose=purpose, timeout_cap_s=timeout_cap_s)


def pick_fillers(
    settings: Settings,
    req: FillRequest,
    job_id: int | None = None,
    on_step: Callable[[str], None] | None = None,
    *,
    clock: Clock | None = None,
    purpose: str = "fill",
    timeout_cap_s: float | None = None,
) -> CascadeResult:
    """Ask the providers in cascade order to pick fillers from a numbered candidate list
    (issue 18): one grounded request, answered with line numbers only.

    The same cascade as :func:`generate_draft` (gates and cooldowns, retries, successors,
    an ``AiAttempt`` row per attempt with ``purpose`` "fill", so scheduled fills count
    against the daily AI-call cap). Every pick is validated against the lines the
    provider was shown (all of ``req.candidates`` for Gemini, the first
    ``req.compact_lines`` for a local model): the result's ``picks`` are 1-based
    positions in ``req.candidates``, each once, in the AI's order, at most
    ``req.count``; ``draft`` is empty. Needs an app context. Raises
    :class:`AllProvidersFailed` when no provider gave a valid pick and ``ValueError``
    when ``req.candidates`` is empty.
    """
    if not req.candidates:
        raise ValueError("a fill request needs candidate lines")
    return _cascade(settings, _FillTask(req), job_id, on_step, None, clock=clock, purpose=purpose, timeout_cap_s=timeout_cap_s)


def _cascade(
    settings: Settings,
    task: _Task,
    job_id: int | None,
    on_step: Callable[[str], None] | None,
    only: str | None,
    *,
    clock: Clock | None,
    purpose: str,
    timeout_cap_s: float | None,
) -> CascadeResult:
    """The cascade loop shared by :func:`generate_draft` and :func:`pick_fillers`."""
    clock = clock or utcnow
    stored = successors.load(settings)
    chain = restrict_chain(provider_chain(settings, stored), only)
    rec = _Recorder(job_id, purpose)
    states = cooldowns.load_states(sorted({s.key for s in chain} | {s.slot_key for s in chain}))
    # Detach the rows (they keep their values) and end the transaction, so no lock is
    # held during network calls and no query is needed to skip a cooling-down model.
    for state in states.values():
        db.session.expunge(state)
    db.session.commit()
    run = _Run(settings, task, rec, on_step, clock, timeout_cap_s, only, states, chain)
    for spec in chain:
        if not spec.configured:
            log.info("%s skipped: not configured (%s)", spec.display_name, spec.missing)
            rec.add(spec, Outcome.SKIPPED, f"not configured: {spec.missing}", started=clock())
            continue
        result = run.ask_slot(spec)
        if result is not None:
            return result
    if run.partial is not None:
        return _partial_result(run)
    raise _all_failed(rec)


def _partial_result(run: _Run) -> CascadeResult:
    partial = run.partial
    assert partial is not None
    n = _size(partial.parsed)
    note = cut_note(n, run.count)
    run.rec.flush()
    log.warning("Every AI provider failed; keeping the cut answer of %s: %s", partial.spec.display_name, note)
    return _result(partial.parsed, partial.spec, partial.latency_ms, run.rec.summaries, note, run.count)


def _log_failure(settings: Settings, spec: ProviderSpec, failure: ProviderFailure, until: dt.datetime | None, now: dt.datetime) -> None:
    text = failure.message
    if failure.disable:
        text += "; skipping it until the configuration changes"
    elif until is not None:
        text += f", cooling down until {local_time(until, settings, now)} (local time)"
    if failure.hint:
        text += f". {failure.hint}"
    level = logging.INFO if failure.outcome in (Outcome.BAD_OUTPUT, Outcome.BLOCKED, Outcome.CUT) else logging.WARNING
    log.log(level, "%s failed: %s", spec.display_name, redact(text))


def _all_failed(rec: _Recorder) -> AllProvidersFailed:
    attempts = rec.summaries
    rec.flush()
    configured = [a for a in attempts if a["configured"] and a["final"]]
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
    # "Only 5xx": every provider answered a 5xx now, or is cooling down after one.
    server_only = all(
        a["outcome"] == Outcome.SERVER or (a["outcome"] == Outcome.SKIPPED and a["cooldown_until"] and a["message"].startswith("server error"))
        for a in configured
    )
    parts = []
    for a in configured:
        text = f"{a['display_name']}: {a['message']}"
        if a["hint"]:
            text += f" ({a['hint']})"
        parts.append(text)
    message = "No AI provider could write the playlist. " + "; ".join(parts)
    log.warning("AI cascade failed: %s", redact(message))
    return AllProvidersFailed(message, attempts, all_quota, min(quota_ends) if all_quota else None, server_only)
