"""CLI: ``flask --app app generate "PROMPT" --count N``, ``flask --app app rescan`` and
``flask --app app regenerate --playlist ID``.

They run the same services as the UI, synchronously, and exit non-zero with a one-line
reason on failure.
"""

from __future__ import annotations

import click

from ..extensions import db
from ..jobs import runner
from ..limits import FILL_MODES
from ..models import JobStatus, Playlist
from ..services import plex_users
from ..services.playlist_actions import rescan_dedupe_key, validate_request


def _finish(job) -> None:
    if job.status != JobStatus.DONE:
        raise click.ClickException(job.message or f"job {job.status}")


@click.command("generate")
@click.argument("prompt")
@click.option("--count", "-n", default=30, show_default=True, help="Number of tracks (5-100).")
@click.option("--owner", default=None, help="Optional owner name stored with the playlist.")
@click.option("--for", "for_user", default=None, metavar="NAME",
              help="The Plex user (name or plex.tv username) whose Plex account gets the playlist (default: the server owner).")
@click.option("--fill", "fill_mode", type=click.Choice(list(FILL_MODES)), default=None,
              help="fill: top up from your library (default: the FILL_MODE setting); library: only your tracks; wish: the AI's list only.")
def generate_command(prompt: str, count: int, owner: str | None, for_user: str | None, fill_mode: str | None) -> None:
    """Ask the AI for a playlist, match it against the library and write it to Plex."""
    try:
        prompt, count = validate_request(prompt, count)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    params = {"prompt": prompt, "count": count, "owner": owner}
    if fill_mode:
        params["fill_mode"] = fill_mode
    if for_user:
        user = plex_users.find_user(for_user)
        if user is None:
            known = ", ".join(u.display_name for u in plex_users.users()) or "none yet: sync the library first"
            raise click.ClickException(f"No Plex user '{for_user}' with access to this server (known: {known}).")
        if not user.is_owner:
            params["owner_id"] = user.id
    job = runner.run_now("generate", params)
    _finish(job)
    result = job.result or {}
    playlist = db.session.get(Playlist, result.get("playlist_id"))
    click.echo(f"Provider: {result.get('provider')}")
    click.echo(f"Playlist: {playlist.title} (id {playlist.id})")
    click.echo(f"Matched: {result.get('matched')} of {result.get('total')} ({result.get('total', 0) - result.get('matched', 0)} missing)")
    if result.get("fillers"):
        click.echo(f"From your library, to fill: {result['fillers']}")
    click.echo(f"Plex playlist ratingKey: {playlist.plex_rating_key or 'not yet in Plex'}")
    if playlist.status_message:
        click.echo(playlist.status_message)


@click.command("rescan")
@click.option("--playlist", "playlist_id", type=int, default=None, help="Only this playlist id (default: all).")
def rescan_command(playlist_id: int | None) -> None:
    """Re-match stored AI track lists against the library index (no AI calls)."""
    if playlist_id is not None and db.session.get(Playlist, playlist_id) is None:
        raise click.ClickException(f"Playlist {playlist_id} does not exist.")
    job = runner.run_now(
        "rescan", {"playlist_id": playlist_id}, playlist_id=playlist_id, dedupe_key=rescan_dedupe_key(playlist_id)
    )
    if job.status in JobStatus.ACTIVE:
        raise click.ClickException(f"A rescan is already running (job {job.id}); try again when it has finished.")
    _finish(job)
    click.echo(job.message)


@click.command("regenerate")
@click.option("--playlist", "playlist_id", type=int, required=True, help="The playlist id (see the playlist page's address).")
def regenerate_command(playlist_id: int) -> None:
    """Ask the AI again with a playlist's prompt ("Ask the AI again"): a new track list,
    matched and merged into the Plex playlist with the edits made in Plex kept."""
    if db.session.get(Playlist, playlist_id) is None:
        raise click.ClickException(f"Playlist {playlist_id} does not exist.")
    job = runner.run_now(
        "regenerate", {"playlist_id": playlist_id}, playlist_id=playlist_id, dedupe_key=f"regenerate:{playlist_id}"
    )
    if job.status in JobStatus.ACTIVE:
        raise click.ClickException(
            f"This playlist is already being regenerated (job {job.id}); try again when it has finished."
        )
    _finish(job)
    click.echo(job.message)
