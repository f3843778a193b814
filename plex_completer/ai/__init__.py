"""AI cascade: Gemini 2.5 Flash → Gemini 2.0 Flash → Ollama, quota-aware and self-healing.

A Gemini slot whose model Google has retired is filled by its successor (the newest
stable model of the same kind, found with ``models.list``; see
:mod:`plex_completer.ai.successors` and ``docs/ai-cascade.md``).

Public API (used by the playlist service and the diagnostics page)::

    from plex_completer.ai import generate_draft, GenerationRequest
    result = generate_draft(settings, GenerationRequest(prompt="80s synth pop", count=30), job_id=7)
    result.draft.tracks  # [DraftTrack(artist, title, album, year), ...]

:func:`pick_fillers` asks the same cascade to pick fillers from a numbered list of
library tracks (issue 18) and returns validated line numbers (``result.picks``).

:func:`generate_draft` raises :class:`AllProvidersFailed` when nothing usable came back;
:func:`cascade_status` reports cooldowns without any network call. Only
``ai/gemini.py`` imports google-genai and only ``ai/ollama_provider.py`` imports ollama;
both are imported lazily, when a provider is actually asked.
"""

from .cascade import CascadeResult, generate_draft, pick_fillers
from .chain import provider_chain
from .errors import AllProvidersFailed, Outcome, ProviderFailure
from .schema import DraftTrack, FillRequest, GenerationRequest, PlaylistDraft
from .status import ProviderStatus, cascade_status

__all__ = [
    "AllProvidersFailed",
    "CascadeResult",
    "DraftTrack",
    "FillRequest",
    "GenerationRequest",
    "Outcome",
    "PlaylistDraft",
    "ProviderFailure",
    "ProviderStatus",
    "cascade_status",
    "generate_draft",
    "pick_fillers",
    "provider_chain",
]
