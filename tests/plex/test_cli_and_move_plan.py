"""The ``sync-library`` command, and the move planner checked against a brute-force bound."""

from __future__ import annotations

import random

import pytest

from plex_completer.extensions import db
from plex_completer.models import Job, JobStatus
from plex_completer.plex.move_plan import apply_moves, longest_increasing_subsequence, plan_moves
from tests.plex.conftest import TRACK_COUNT, make_tracks


def test_cli_sync_library_prints_progress_and_summary(plex_app, emu):
    runner = plex_app.test_cli_runner()
    first = runner.invoke(args=["sync-library"])
    assert first.exit_code == 0, first.output
    assert "Reading tracks from Plex" in first.output
    assert f"Full library sync: +{TRACK_COUNT} tracks, 0 updated, 0 removed in " in first.output
    assert "A full sync ran because this is the first sync of the music section." in first.output
    job = db.session.scalars(db.select(Job).order_by(Job.id.desc())).first()  # the CLI leaves a job row too
    assert (job.kind, job.trigger, job.status) == ("library_sync", "cli", JobStatus.DONE) and job.result["added"] == TRACK_COUNT

    emu.advance(120)
    emu.add_tracks(make_tracks(4, first_key=50_000))
    second = runner.invoke(args=["sync-library"])
    assert second.exit_code == 0, second.output
    assert second.output.strip().splitlines()[-1].startswith("Library sync: +4 tracks, 0 updated, 0 removed in ")

    full = runner.invoke(args=["sync-library", "--full"])
    assert "Full library sync: +0 tracks" in full.output and "ran because" not in full.output  # asked for


def test_cli_sync_library_fails_with_one_line(plex_app, emu):
    emu.set_fault(fail_status=401)
    result = plex_app.test_cli_runner().invoke(args=["sync-library"])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "401" in errors[0] and emu.token not in result.output


def _lis_length_quadratic(values):
    best = [1] * len(values)
    for i in range(len(values)):
        for j in range(i):
            if values[j] < values[i]:
                best[i] = max(best[i], best[j] + 1)
    return max(best, default=0)


@pytest.mark.parametrize("seed", range(40))
def test_plan_moves_reaches_the_order_with_the_fewest_moves(seed):
    rng = random.Random(seed)
    n = rng.randint(0, 25)
    current = list(range(n))
    wanted = current[:]
    for _ in range(rng.randint(0, 4)):  # a few local changes, like a rescan makes
        if n > 1:
            i, j = rng.randrange(n), rng.randrange(n)
            wanted.insert(j, wanted.pop(i))
    moves = plan_moves(current, wanted)
    assert apply_moves(current, moves) == wanted
    ranks = [wanted.index(x) for x in current]
    assert len(moves) == n - _lis_length_quadratic(ranks)
    assert len(longest_increasing_subsequence(ranks)) == _lis_length_quadratic(ranks)


def test_plan_moves_rejects_different_items():
    with pytest.raises(ValueError):
        plan_moves([1, 2], [1, 3])
