"""The offline stack: Plex, plex.tv, Gemini and Ollama protocol emulators on loopback ports.

``python -m tests.fakes.stack [--library small|full|scaled] [--gemini-era today|2025]
[--gemini 429-day,404,ok]`` starts the servers, prints the environment lines that
point the app at them and serves until interrupted (Ctrl-C). The command line serves
today's Gemini API by default (2.x retired, 3.x models listed; ``GEMINI_MODELS`` is left
unset so the app's default applies and its successors are found). Also importable:
:func:`start_stack` returns a running :class:`Stack` for tests; it keeps the 2025 Gemini
API unless ``gemini_era="today"`` is passed, so suites written against 2.x models stay
as they are. The plex.tv emulator serves the scripted household of
:mod:`tests.fakes.plextv.household` (owner, a Plex Home member, a managed profile, a
friend, a home member without access); ``PLEX_TV_URL`` points the app at it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from dataclasses import dataclass, field

from tests.fakes.ai.gemini_server import GeminiEmulator
from tests.fakes.ai.ollama_server import OllamaEmulator
from tests.fakes.library.builder import build_library
from tests.fakes.plex.server import PlexEmulator
from tests.fakes.plextv.household import Household, build_household
from tests.fakes.plextv.server import PlexTvEmulator

PLEX_TOKEN = "stack-plex-token"
GEMINI_KEY = "stack-gemini-key"
OLLAMA_MODEL = "hermes3:8b"
GEMINI_MODELS = ("gemini-2.5-flash", "gemini-2.0-flash", "gemini-2.5-flash-lite")


@dataclass
class Stack:
    """Running emulators and the environment that points the app at them."""

    plex: PlexEmulator
    gemini: GeminiEmulator
    ollama: OllamaEmulator
    env: dict[str, str] = field(default_factory=dict)
    household: Household | None = None

    @property
    def plextv(self) -> PlexTvEmulator:
        """The plex.tv emulator (the household's)."""
        assert self.household is not None
        return self.household.tv

    def stop(self) -> None:
        """Stop all servers."""
        servers = [self.plex, self.gemini, self.ollama]
        if self.household is not None:
            servers.append(self.household.tv)
        for server in servers:
            server.stop()


def _parse_script(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def start_stack(
    library: str = "full",
    *,
    tracks: list | None = None,
    gemini_script: list[str] | None = None,
    gemini_flash_script: list[str] | None = None,
    ollama_script: list[str] | None = None,
    seed: int = 0,
    plex_hostile: bool = False,
    gemini_era: str = "2025",
) -> Stack:
    """Start the emulators; ``tracks`` overrides the built library.

    ``gemini_era`` is ``2025`` (gemini-2.5-flash and gemini-2.0-flash answer) or
    ``today`` (they answer 404 and the 3.x models are listed; see
    :mod:`tests.fakes.ai.gemini_server`). ``gemini_script`` scripts the first Flash
    model of the era (gemini-2.5-flash, or gemini-3.8-flash today, e.g. ``["429-day"]``),
    ``gemini_flash_script`` gemini-2.0-flash (2025) or gemini-3.7-flash (today),
    ``ollama_script`` the Ollama model. The Plex emulator holds clients to PMS's paging
    rules; ``plex_hostile`` also turns on its hostile mode (cut pages, ignored id filters,
    loosely matched excludeFields; see ``tests.fakes.plex.state.Strictness``).
    """
    library_tracks = tracks if tracks is not None else build_library(library, seed=seed)
    plex = PlexEmulator(library_tracks, token=PLEX_TOKEN).start()
    if plex_hostile:
        plex.set_strictness(hostile=True)
    answer_library = library_tracks
    if gemini_era == "today":
        gemini = GeminiEmulator(api_key=GEMINI_KEY, library=answer_library).start()
        first, second = "gemini-3.8-flash", "gemini-3.7-flash"
    else:
        gemini = GeminiEmulator(api_key=GEMINI_KEY, models=GEMINI_MODELS, library=answer_library, era="2025").start()
        first, second = "gemini-2.5-flash", "gemini-2.0-flash"
    ollama = OllamaEmulator(models=(OLLAMA_MODEL,), library=answer_library).start()
    if gemini_script:
        gemini.script(first, gemini_script)
    if gemini_flash_script:
        gemini.script(second, gemini_flash_script)
    if ollama_script:
        ollama.script(ollama_script)
    household = build_household(plex, seed=seed)
    env = {
        "PLEX_URL": plex.url,
        "PLEX_TOKEN": PLEX_TOKEN,
        "PLEX_TV_URL": household.tv.url,
        "GEMINI_API_KEY": GEMINI_KEY,
        "GEMINI_BASE_URL": gemini.url,
        "OLLAMA_URL": ollama.url,
        "OLLAMA_MODEL": OLLAMA_MODEL,
    }
    if gemini_era != "today":
        env["GEMINI_MODELS"] = "gemini-2.5-flash,gemini-2.0-flash"
    return Stack(plex=plex, gemini=gemini, ollama=ollama, env=env, household=household)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: start the stack, print the env lines, serve until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.stack", description=__doc__.splitlines()[0])
    parser.add_argument("--library", choices=("small", "full", "scaled"), default="full")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gemini-era", choices=("today", "2025"), default="today",
                        help="the Gemini API as it is today (2.x retired, 3.x listed) or as it was in 2025")
    parser.add_argument("--gemini", help="answers of the first Flash model (gemini-3.8-flash today, gemini-2.5-flash in 2025), e.g. 429-day,ok")
    parser.add_argument("--gemini-2-0", dest="gemini20", help="answers of the second Flash model (gemini-3.7-flash / gemini-2.0-flash), e.g. 404")
    parser.add_argument("--ollama", help="answers of Ollama, e.g. ok,500")
    parser.add_argument("--plex-hostile", action="store_true",
                        help="a Plex server that cuts pages, ignores id filters and drops excluded fields loosely")
    args = parser.parse_args(argv)
    print(f"Building the {args.library} library ...", file=sys.stderr, flush=True)
    stack = start_stack(
        args.library,
        seed=args.seed,
        gemini_script=_parse_script(args.gemini),
        gemini_flash_script=_parse_script(args.gemini20),
        ollama_script=_parse_script(args.ollama),
        plex_hostile=args.plex_hostile,
        gemini_era=args.gemini_era,
    )
    print(f"Plex emulator with {len(stack.plex.tracks)} tracks at {stack.plex.url}", file=sys.stderr)
    print(f"Gemini emulator at {stack.gemini.url}; Ollama emulator at {stack.ollama.url}", file=sys.stderr)
    members = ", ".join(f"{a.title} ({a.kind})" for a in stack.household.with_access)
    print(f"plex.tv emulator at {stack.plextv.url} (PLEX_TV_URL; household: {members})", file=sys.stderr)
    print("# Put these lines in .env (or export them), then run ./scripts/run.sh", file=sys.stderr)
    for key, value in stack.env.items():
        print(f"{key}={value}")
    sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
