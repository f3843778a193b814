"""Playlist pages: the "new playlist" form, a playlist's tracks and history, and its
actions (rescan, regenerate, write to Plex, edit, delete).

Every action is a POST with a CSRF token that starts a job or changes a record, then
redirects (Post/Redirect/Get): a refresh never repeats it. Jobs are deduplicated by the
service, so a double click or a second tab lands on the same job page.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from .. import limits
from ..errors import UserFacingError
from ..extensions import db
from ..limits import DEFAULT_TRACKS, MAX_PROMPT_CHARS, MAX_TRACKS, MIN_TRACKS
from ..logging_setup import redact
from ..models import Job, Playlist
from ..services import (
    duplicate_prompts,
    library_fill,
    playlist_actions,
    playlist_views,
    plex_edit_actions,
    plex_users,
)
from ..services.listening_seed import OWNER_ACCOUNT_ID
from . import charts, household

log = logging.getLogger(__name__)
bp = Blueprint("playlists", __name__, url_prefix="/playlists")

# Track count bounds of the form (the issue: 5-100; Gemini answers 100 tracks in one
# response well within its output token limit).
EXAMPLE_PROMPTS = (
    "Sunday morning coffee: mellow soul and jazz, nothing after 1975",
    "90s Britpop deep cuts, no Oasis or Blur singles",
    "Songs for a long night drive through the rain",
    "Upbeat 80s synth-pop for a kitchen dance party",
    "Acoustic covers of famous rock songs",
)


def get_playlist(playlist_id: int) -> Playlist:
    """The playlist or a 404 page."""
    playlist = db.session.get(Playlist, playlist_id)
    if playlist is None:
        abort(404, description="No such playlist. It may have been deleted.")
    return playlist


def _to_job_page(job: Job):
    return redirect(url_for("jobs.detail", job_id=job.id))


def _fail(message: str, target: str):
    flash(redact(message), "error")
    return redirect(target)


# -- new playlist ----------------------------------------------------------------------


def _parse_new_form(form) -> tuple[dict, dict[str, str]]:
    values = {
        "prompt": form.get("prompt", "").strip(),
        "count": form.get("count", str(DEFAULT_TRACKS)).strip(),
        "seed": form.get("seed", "").strip(),
        "fill_mode": form.get("fill_mode", "").strip() or current_app.config["SETTINGS"].FILL_MODE,
        "owner_id": form.get("owner_id", "").strip(),
        "listening": form.get("listening") == "1",
    }
    errors = limits.request_errors(limits.clean_prompt(values["prompt"]), values["count"])
    if values["fill_mode"] not in limits.FILL_MODES:
        errors["fill_mode"] = "Pick one of the choices."
    if "count" not in errors:
        values["count"] = limits.parse_count(values["count"])
    if values["seed"] and not (values["seed"].isascii() and values["seed"].isdigit()):
        errors["seed"] = "Pick a playlist from the list."
    values["owner_id"], owner_error = _chosen_owner(values["owner_id"])
    if owner_error:
        errors["owner_id"] = owner_error
    return values, errors


def _listening_account(values: dict) -> int:
    """The PMS accountID whose plays seed "based on what I've been playing": the owner the
    playlist is for (PMS files the server owner's plays as account 1, everyone else's under
    their plex.tv id)."""
    user = plex_users.get_user(values["owner_id"])
    return OWNER_ACCOUNT_ID if user is None or user.is_owner else int(user.plex_id)


def _chosen_owner(value: str) -> tuple[int | None, str | None]:
    """``(owner id, error)`` of the "for whom" field (issue 16): a Plex user always
    creates for themself; the admin and the server owner pick any user with access
    ("" or the owner: the server owner, stored as None)."""
    if not household.viewer().sees_all:
        return household.creates_for(), None
    if not value:
        return household.creates_for(), None
    if not (value.isascii() and value.isdigit() and len(value) < 12):
        return None, "Pick someone from the list."
    user = plex_users.get_user(int(value))
    if user is None or not user.has_access:
        return None, "Pick someone from the list."
    return (None if user.is_owner else user.id), None


def _render_new(values: dict, errors: dict | None = None, error: str | None = None, status: int = 200,
                duplicate: Playlist | None = None):
    settings = current_app.config["SETTINGS"]
    return render_template(
        "playlists/new.html",
        values=values,
        errors=errors or {},
        error=error,
        duplicate=duplicate,
        examples=EXAMPLE_PROMPTS,
        min_tracks=MIN_TRACKS,
        max_tracks=MAX_TRACKS,
        settings=settings,
        fill_modes=limits.FILL_MODES,
        owners=plex_users.users() if household.viewer().sees_all else [],
        seeds_inline=request.args.get("seeds") == "1",
        seed_state=seed_options() if request.args.get("seeds") == "1" else None,
    ), status


def seed_options() -> dict:
    """``{"playlists": [...], "error": str|None}``: the user's Plex playlists for the taste seed."""
    settings = current_app.config["SETTINGS"]
    if not settings.plex_configured:
        return {"playlists": [], "error": "Plex is not configured, so there are no playlists to pick from."}
    try:
        return {"playlists": list(playlist_actions.plex_playlists_for_seed(household.creates_for())), "error": None}
    except Exception as exc:  # noqa: BLE001 - Plex down must not block the form
        db.session.rollback()
        log.warning("Could not list Plex playlists for a taste seed: %s", redact(str(exc)))
        text = str(exc) if isinstance(exc, UserFacingError) else "Plex did not answer."
        return {"playlists": [], "error": redact(text) + " You can continue without a taste seed."}


@bp.get("/new")
def new():
    """The "new playlist" form; ``prompt``/``count`` in the query string prefill it."""
    count = limits.parse_count(request.args.get("count", "")) or DEFAULT_TRACKS
    values = {"prompt": request.args.get("prompt", "")[:MAX_PROMPT_CHARS], "count": min(max(count, MIN_TRACKS), MAX_TRACKS), "seed": "",
              "fill_mode": current_app.config["SETTINGS"].FILL_MODE, "owner_id": household.creates_for()}
    return _render_new(values)


@bp.get("/new/seeds")
def seeds():
    """The taste-seed ``<select>`` partial, loaded by htmx after the form shows (Plex may be slow)."""
    return render_template("partials/seed_select.html", seed_state=seed_options(), values={"seed": request.args.get("seed", "")})


@bp.post("/new")
def create():
    """Start generating a playlist and go to the job's progress page."""
    values, errors = _parse_new_form(request.form)
    if errors:
        return _render_new(values, errors=errors, status=400)
    if request.form.get("again") != "1":
        existing = duplicate_prompts.recent_playlist_for(values["prompt"])
        if existing is not None and not household.playlist_visible(existing):
            existing = None  # someone else's playlist: not a twin in this user's Plex, and not theirs to see
        if existing is not None and not plex_users.same_owner(existing.owner_id, values["owner_id"]):
            existing = None  # made for someone else: it is in their Plex account, not in this one
        if existing is not None:
            # Ask first: the same prompt right after the first playlist would make a twin in Plex.
            return _render_new(values, duplicate=existing, status=409)
    svc = playlist_actions
    try:
        job = svc.start_generation(values["prompt"], values["count"], taste_seed_rating_key=values["seed"] or None,
                                   fill_mode=values["fill_mode"], owner_id=values["owner_id"],
                                   listening_account_id=_listening_account(values) if values["listening"] else None)
    except (UserFacingError, ValueError) as exc:
        return _render_new(values, error=redact(str(exc)), status=400)
    return _to_job_page(job)


# -- one playlist ------------------------------------------------------------------------


def plex_link(playlist: Playlist) -> str | None:
    """The Plex Web address of the playlist, or None when unknown."""
    if not playlist.plex_rating_key:
        return None
    try:
        return playlist_actions.plex_web_url(playlist)
    except Exception:  # noqa: BLE001 - a missing link must not break the page
        db.session.rollback()
        return None


@bp.get("/<int:playlist_id>")
def detail(playlist_id: int):
    """A playlist's tracks (``show=missing|matched`` filters), actions and rescan history."""
    view = playlist_views.playlist_detail(get_playlist(playlist_id), request.args.get("show", "all"))
    return render_template(
        "playlists/detail.html",
        playlist=view.playlist,
        generation=view.generation,
        rows=view.rows,
        counts=view.counts,
        show=view.show,
        active_jobs=view.active_jobs,
        history=view.history,
        spark=charts.sparkline(view.chart_points),
        plex_url=plex_link(view.playlist),
        plex_edits=plex_edit_actions.edits_view(view.playlist),
        header=view.header,
        filled=view.filled,
        fill_mode=library_fill.fill_mode_label(view.playlist),
    )


@bp.post("/<int:playlist_id>/rescan")
def rescan(playlist_id: int):
    """Match the stored track list against the library again (no AI call)."""
    get_playlist(playlist_id)
    try:
        return _to_job_page(playlist_actions.start_rescan(playlist_id))
    except (UserFacingError, ValueError) as exc:
        return _fail(str(exc), url_for(".detail", playlist_id=playlist_id))


@bp.post("/rescan-all")
def rescan_all():
    """Rescan every playlist (a Plex user's: all of theirs)."""
    try:
        return _to_job_page(playlist_actions.start_rescan(None, owner_id=household.scope()))
    except (UserFacingError, ValueError) as exc:
        return _fail(str(exc), url_for("pages.dashboard"))


@bp.post("/<int:playlist_id>/regenerate")
def regenerate(playlist_id: int):
    """Ask the AI for a new track list for the same prompt (the old one stays in the history)."""
    get_playlist(playlist_id)
    try:
        return _to_job_page(playlist_actions.start_regenerate(playlist_id))
    except (UserFacingError, ValueError) as exc:
        return _fail(str(exc), url_for(".detail", playlist_id=playlist_id))


@bp.post("/<int:playlist_id>/write")
def write(playlist_id: int):
    """Write a playlist that is "not yet in Plex" now."""
    get_playlist(playlist_id)
    try:
        return _to_job_page(playlist_actions.start_write_retry(playlist_id))
    except (UserFacingError, ValueError) as exc:
        return _fail(str(exc), url_for(".detail", playlist_id=playlist_id))


@bp.post("/<int:playlist_id>/put-back/<int:rating_key>")
def put_back(playlist_id: int, rating_key: int):
    """Put a track the user removed in Plex back into the playlist (a write job)."""
    get_playlist(playlist_id)
    try:
        return _to_job_page(plex_edit_actions.put_back(playlist_id, rating_key))
    except (UserFacingError, ValueError) as exc:
        return _fail(str(exc), url_for(".detail", playlist_id=playlist_id))


@bp.route("/<int:playlist_id>/reset", methods=["GET", "POST"])
def reset(playlist_id: int):
    """Confirm, then drop the user's Plex edits: the Plex playlist becomes the AI's list."""
    playlist = get_playlist(playlist_id)
    if request.method == "POST":
        try:
            return _to_job_page(plex_edit_actions.reset_to_ai_list(playlist_id))
        except (UserFacingError, ValueError) as exc:
            return _fail(str(exc), url_for(".detail", playlist_id=playlist_id))
    return render_template("playlists/reset.html", playlist=playlist,
                           plex_edits=plex_edit_actions.edits_view(playlist))


@bp.route("/<int:playlist_id>/edit", methods=["GET", "POST"])
def edit(playlist_id: int):
    """Edit title and description (the Plex playlist is renamed too)."""
    playlist = get_playlist(playlist_id)
    values = {"title": playlist.title, "description": playlist.description or "",
              "owner_id": None if plex_users.is_server_owner(playlist.owner_id) else playlist.owner_id}
    errors: dict[str, str] = {}
    error = None
    moved = None
    if request.method == "POST":
        values = {"title": request.form.get("title", "").strip(), "description": request.form.get("description", "").strip(),
                  "owner_id": values["owner_id"]}
        errors = limits.details_errors(values["title"], values["description"])
        new_owner, owner_error = _chosen_owner(request.form.get("owner_id", "").strip())
        if owner_error:
            errors["owner_id"] = owner_error
        if not errors:
            try:
                playlist_actions.update_details(playlist_id, values["title"], values["description"])
                if household.viewer().sees_all and "owner_id" in request.form and new_owner != values["owner_id"]:
                    moved = playlist_actions.change_owner(playlist_id, new_owner)
            except (UserFacingError, ValueError) as exc:
                error = redact(str(exc))
            else:
                flash("Saved." + (f" {moved}" if moved else ""), "ok")
                return redirect(url_for(".detail", playlist_id=playlist_id))
    status = 400 if (errors or error) else 200
    owners = plex_users.users() if household.viewer().sees_all else []
    return render_template("playlists/edit.html", playlist=playlist, values=values, errors=errors, error=error,
                           owners=owners), status


@bp.route("/<int:playlist_id>/delete", methods=["GET", "POST"])
def delete(playlist_id: int):
    """Confirm, then delete the app's record and, if chosen, the Plex playlist."""
    playlist = get_playlist(playlist_id)
    error = None
    if request.method == "POST":
        from_plex = request.form.get("from_plex") == "1"
        title = playlist.title
        try:
            playlist_actions.delete(playlist_id, from_plex=from_plex)
        except (UserFacingError, ValueError) as exc:
            error = redact(str(exc))
        else:
            flash(f"Deleted “{title}”" + (" here and in Plex." if from_plex else " here; the Plex playlist was kept."), "ok")
            return redirect(url_for("pages.dashboard"))
    return render_template("playlists/delete.html", playlist=playlist, error=error), (400 if error else 200)
