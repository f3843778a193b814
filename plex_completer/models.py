"""Database models: playlists and their AI track lists, the library index, jobs, AI attempts.

All timestamps are stored as naive UTC in the database and returned as aware UTC
``datetime`` objects (see :class:`UTCDateTime`), because SQLite has no time zone type.
Schema changes go through Alembic (``migrations/``); a test checks models and
migrations never drift.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


def utcnow() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A DateTime column that stores naive UTC and always returns aware UTC.

    Raises ``ValueError`` when given a naive datetime, so local times never slip in.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class PlaylistStatus:
    """Values of ``Playlist.status``."""

    DRAFT = "draft"  # created in the app, AI track list not yet stored
    PENDING_PLEX = "pending_plex"  # track list stored, not yet written to Plex ("not yet in Plex")
    SYNCED = "synced"  # the Plex playlist matches the latest match results
    DELETED_IN_PLEX = "deleted_in_plex"  # the user deleted it in Plex and chose not to recreate


class PlexUserKind:
    """Values of ``PlexUser.kind`` (issue 16): the server owner, a Plex Home member, a
    managed user of the Home (no plex.tv login of their own), a friend the server is shared with."""

    OWNER = "owner"
    HOME = "home"
    MANAGED = "managed"
    SHARED = "shared"
    ALL = (OWNER, HOME, MANAGED, SHARED)


class PlexUser(db.Model):
    """A Plex account with access to this server, as plex.tv listed it (issue 16).

    ``plex_id`` is the plex.tv account id (unique); ``token_encrypted`` is the user's
    access token *for this server*, encrypted with a key derived from ``SECRET_KEY``
    (:mod:`plex_completer.services.token_crypto`); None for the owner (whose token is
    ``PLEX_TOKEN``) and until first needed. ``has_access`` turns False when plex.tv no
    longer lists the user for this server: their sessions end and their token is dropped.
    """

    __tablename__ = "plex_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    plex_id: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    uuid: Mapped[str] = mapped_column(sa.String(64), default="")
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    username: Mapped[str | None] = mapped_column(sa.String(200))
    thumb: Mapped[str | None] = mapped_column(sa.String(500))
    kind: Mapped[str] = mapped_column(sa.String(10), default=PlexUserKind.SHARED)
    token_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    token_refreshed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    has_access: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_owner(self) -> bool:
        """True for the server owner (whose token is ``PLEX_TOKEN``)."""
        return self.kind == PlexUserKind.OWNER

    @property
    def display_name(self) -> str:
        """The name shown on pages: the title, else the username, else "Plex user <id>"."""
        return self.title or self.username or f"Plex user {self.plex_id}"


class Playlist(db.Model):
    """A playlist the app made: the user's prompt and the Plex playlist it maintains.

    ``plex_rating_key`` is the ratingKey of the Plex playlist the app created; the app
    only ever modifies or deletes playlists known by this key (never by title).
    """

    __tablename__ = "playlists"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    prompt: Mapped[str] = mapped_column(sa.Text)
    track_count: Mapped[int] = mapped_column(default=30)
    # A free-text label from the CLI's ``--owner`` (kept for old rows); the Plex account the
    # playlist belongs to is ``owner_id`` (issue 16; None: the server owner, PLEX_TOKEN).
    owner: Mapped[str | None] = mapped_column(sa.String(100))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plex_users.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=PlaylistStatus.DRAFT, index=True)
    status_message: Mapped[str] = mapped_column(sa.Text, default="")
    plex_rating_key: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    plex_title: Mapped[str | None] = mapped_column(sa.String(200))
    # Identity of the Plex playlist, checked before every write or delete (ratingKeys are
    # per server and can be reused by another server): the server's machineIdentifier and
    # the playlist's guid and addedAt (epoch seconds) as Plex reported them at creation.
    plex_machine_identifier: Mapped[str | None] = mapped_column(sa.String(64))
    plex_guid: Mapped[str | None] = mapped_column(sa.String(200))
    plex_added_at: Mapped[int | None]
    recreate_if_deleted: Mapped[bool] = mapped_column(default=True)
    # How the playlist is filled (issue 18: "fill", "library", "wish"); None means the
    # FILL_MODE setting at the time (playlists made before migration 0009).
    fill_mode: Mapped[str | None] = mapped_column(sa.String(10))
    provider: Mapped[str | None] = mapped_column(sa.String(40))
    model: Mapped[str | None] = mapped_column(sa.String(80))
    matched_count: Mapped[int] = mapped_column(default=0)
    suggested_count: Mapped[int] = mapped_column(default=0)
    written_rating_keys: Mapped[list | None] = mapped_column(sa.JSON)
    # Edits made in Plex that the app keeps (issue 15, services/playlist_merge.py): the
    # ratingKeys the user removed ("removed by you in Plex", never written again until put
    # back) and added ("added by you in Plex"); the summary as last written (the base of
    # the description merge; plex_title is the title's); whether the user set the title,
    # the description or the order in Plex (then the app stops writing it); Plex's updatedAt
    # (epoch seconds) as read after the app's last write, so a later one means an edit.
    plex_removed_keys: Mapped[list | None] = mapped_column(sa.JSON)
    plex_added_keys: Mapped[list | None] = mapped_column(sa.JSON)
    plex_summary: Mapped[str | None] = mapped_column(sa.Text)
    title_set_in_plex: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    summary_set_in_plex: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    order_set_in_plex: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    plex_updated_at: Mapped[int | None]
    last_rescan_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_written_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    generations: Mapped[list[Generation]] = relationship(
        back_populates="playlist",
        cascade="all, delete-orphan",
        order_by="Generation.id",
    )
    rescans: Mapped[list[RescanRecord]] = relationship(
        back_populates="playlist", cascade="all, delete-orphan", order_by="RescanRecord.id"
    )
    owner_user: Mapped[PlexUser | None] = relationship()

    @property
    def current_generation(self) -> Generation | None:
        """The newest AI track list (the one rescans match), or None before the first."""
        return self.generations[-1] if self.generations else None


class Generation(db.Model):
    """One AI track list for a playlist, kept forever (regenerations add new ones)."""

    __tablename__ = "generations"

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(sa.ForeignKey("playlists.id", ondelete="CASCADE"), index=True)
    prompt: Mapped[str] = mapped_column(sa.Text)
    provider: Mapped[str] = mapped_column(sa.String(40))
    model: Mapped[str] = mapped_column(sa.String(80))
    ai_title: Mapped[str] = mapped_column(sa.String(200), default="")
    ai_description: Mapped[str] = mapped_column(sa.Text, default="")
    # Set when every AI provider failed and a cut answer was kept (plex_completer.ai):
    # "the AI's answer was cut: 43 of 100 tracks"; empty otherwise.
    ai_note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    playlist: Mapped[Playlist] = relationship(back_populates="generations")
    tracks: Mapped[list[SuggestedTrack]] = relationship(
        back_populates="generation", cascade="all, delete-orphan", order_by="SuggestedTrack.position"
    )


class MatchOverride:
    """Values of ``SuggestedTrack.override``."""

    NONE = None
    TRACK = "track"  # the user picked ``override_rating_key``
    ABSENT = "absent"  # the user said "not in my library"
    REMOVED = "removed"  # removed by the user in Plex (``override_rating_key`` is the track removed)


class SuggestedTrack(db.Model):
    """One track of an AI track list, in AI order, with its latest match result.

    ``artist``/``title``/``album``/``year`` are as the AI returned them (after cleaning).
    ``matched_rating_key`` is the library track chosen by the matcher or the user;
    ``score`` is 0-100 and ``reason`` is a sentence a user can read. ``filler`` marks a
    track picked from the library to fill the playlist (issue 18) rather than wished for.
    """

    __tablename__ = "suggested_tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation_id: Mapped[int] = mapped_column(sa.ForeignKey("generations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    artist: Mapped[str] = mapped_column(sa.String(300))
    title: Mapped[str] = mapped_column(sa.String(300))
    album: Mapped[str | None] = mapped_column(sa.String(300))
    year: Mapped[int | None]
    matched_rating_key: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    score: Mapped[float | None]
    reason: Mapped[str | None] = mapped_column(sa.Text)
    matched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    override: Mapped[str | None] = mapped_column(sa.String(10))
    override_rating_key: Mapped[int | None] = mapped_column(sa.Integer)
    # A library track the AI picked to fill the playlist (issue 18), not part of its wish
    # list: ``matched_rating_key`` is that track; rescans keep it while it is in the index.
    filler: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    generation: Mapped[Generation] = relationship(back_populates="tracks")

    @property
    def resolved_rating_key(self) -> int | None:
        """The library track this suggestion resolves to: the user's manual match first,
        None when the user said "not in my library", else the matcher's choice."""
        if self.override == MatchOverride.ABSENT:
            return None
        if self.override in (MatchOverride.TRACK, MatchOverride.REMOVED):
            return self.override_rating_key
        return self.matched_rating_key


class RescanRecord(db.Model):
    """History of a playlist's match counts: one row per generate, rescan or manual change."""

    __tablename__ = "rescan_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(sa.ForeignKey("playlists.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(20), default="rescan")
    matched: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)
    removed: Mapped[int] = mapped_column(default=0)
    wrote_to_plex: Mapped[bool] = mapped_column(default=False)
    message: Mapped[str] = mapped_column(sa.Text, default="")

    playlist: Mapped[Playlist] = relationship(back_populates="rescans")


class LibraryTrack(db.Model):
    """One track of the Plex music library section (the library index).

    ``album_artist`` is Plex's ``grandparentTitle``; ``track_artist`` is ``originalTitle``
    (only set when it differs from the album artist). ``duration_ms`` is milliseconds;
    ``added_at``/``updated_at`` are Plex's epoch-second attributes as UTC datetimes.
    """

    __tablename__ = "library_tracks"

    rating_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    section_id: Mapped[int] = mapped_column(index=True)
    guid: Mapped[str | None] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(500))
    album_artist: Mapped[str] = mapped_column(sa.String(500), default="")
    track_artist: Mapped[str | None] = mapped_column(sa.String(500))
    album: Mapped[str] = mapped_column(sa.String(500), default="")
    year: Mapped[int | None]
    track_number: Mapped[int | None]
    disc_number: Mapped[int | None]
    duration_ms: Mapped[int | None]
    album_rating_key: Mapped[int | None]
    artist_rating_key: Mapped[int | None]
    added_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    synced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LibrarySyncState(db.Model):
    """Per library section: when it was last synced and the figures of that sync."""

    __tablename__ = "library_sync_state"

    section_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    section_title: Mapped[str] = mapped_column(sa.String(200), default="")
    section_uuid: Mapped[str | None] = mapped_column(sa.String(64))
    track_count: Mapped[int] = mapped_column(default=0)
    last_full_sync_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_incremental_sync_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_sync_figures: Mapped[dict | None] = mapped_column(sa.JSON)
    # Highest Plex addedAt/updatedAt seen (epoch seconds), the cursor of incremental syncs.
    max_added_at: Mapped[int | None]
    max_updated_at: Mapped[int | None]
    # Bumped on every successful sync so in-memory matchers know to rebuild.
    index_version: Mapped[int] = mapped_column(default=0)
    # machineIdentifier of the Plex server the index was read from.
    machine_identifier: Mapped[str | None] = mapped_column(sa.String(64))
    # Highest updatedAt (epoch seconds) of the artists and albums read for their tags:
    # the cursor of the incremental tag listings (library_tags).
    tags_updated_at: Mapped[int | None]


class LibraryTag(db.Model):
    """A genre, style or mood of an album artist or album of the music section (issue 18).

    ``rating_key`` is the artist's or album's ratingKey (a track's
    ``artist_rating_key``/``album_rating_key``), ``level`` says which ("artist" or
    "album"), ``kind`` is "genre", "style" or "mood", ``tag`` the text as Plex shows it
    and ``tag_norm`` its normalised form (:func:`plex_completer.plex.tag_rows.normalize_tag`)
    that filters and the fill sampler compare. A track's tags are those of its album and
    of its album artist. Read from the artist and album listings, which carry only the
    first few tags of each kind (see ``docs/library-sync.md``).
    """

    __tablename__ = "library_tags"
    __table_args__ = (sa.UniqueConstraint("rating_key", "kind", "tag", name="uq_library_tags_key_kind_tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(index=True)
    rating_key: Mapped[int]
    level: Mapped[str] = mapped_column(sa.String(10))
    kind: Mapped[str] = mapped_column(sa.String(10))
    tag: Mapped[str] = mapped_column(sa.String(200))
    tag_norm: Mapped[str] = mapped_column(sa.String(200), index=True)


class JobStatus:
    """Values of ``Job.status``: QUEUED and RUNNING are active; every job ends DONE, FAILED,
    INTERRUPTED (the process stopped under it) or POSTPONED (a quota or the AI call cap:
    it can be retried later)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    POSTPONED = "postponed"
    ACTIVE = (QUEUED, RUNNING)
    FINAL = (DONE, FAILED, INTERRUPTED, POSTPONED)


class Job(db.Model):
    """A unit of background work (generate, rescan, library sync, ...) with its progress.

    ``progress_done``/``progress_total`` are counts of ``step`` units; ``dedupe_key``
    identifies identical requests so a double click returns the running job.
    """

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=JobStatus.QUEUED, index=True)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), index=True)
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    result: Mapped[dict | None] = mapped_column(sa.JSON)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    step: Mapped[str] = mapped_column(sa.String(200), default="")
    message: Mapped[str] = mapped_column(sa.Text, default="")
    trigger: Mapped[str] = mapped_column(sa.String(20), default="user")  # user, schedule, cli
    # The signed-in account that asked for it (None for schedules, the CLI and AUTH_DISABLED).
    started_by: Mapped[str | None] = mapped_column(sa.String(100))
    playlist_id: Mapped[int | None] = mapped_column(sa.ForeignKey("playlists.id", ondelete="SET NULL"), index=True)
    # The Plex user the job works for (issue 16): set for jobs a signed-in Plex user asked
    # for and for jobs of a playlist; None for the server owner's and the app-wide ones.
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plex_users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to finish, or None while queued/running."""
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class AiAttempt(db.Model):
    """One call (or skip) of one AI provider/model, as the cascade made it.

    ``outcome`` is one of ``ok``, ``skipped``, ``quota``, ``retired``, ``auth``,
    ``config``, ``server``, ``transport``, ``bad_output``, ``blocked``, ``cut``.
    ``latency_ms`` is milliseconds; token counts are as the provider reported them
    (``thinking_tokens``: Gemini ``thoughtsTokenCount``); ``finish_reason`` is the
    provider's (``STOP``, ``MAX_TOKENS``, Ollama ``stop``/``length``); ``slot`` is the
    configured model this attempt stood in for when a successor was asked.
    """

    __tablename__ = "ai_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"), index=True)
    provider: Mapped[str] = mapped_column(sa.String(20))
    model: Mapped[str] = mapped_column(sa.String(80))
    purpose: Mapped[str] = mapped_column(sa.String(20), default="generate")  # generate, test
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    latency_ms: Mapped[float | None]
    outcome: Mapped[str] = mapped_column(sa.String(20))
    error_class: Mapped[str | None] = mapped_column(sa.String(100))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    prompt_tokens: Mapped[int | None]
    output_tokens: Mapped[int | None]
    total_tokens: Mapped[int | None]
    thinking_tokens: Mapped[int | None]
    finish_reason: Mapped[str | None] = mapped_column(sa.String(30))
    slot: Mapped[str | None] = mapped_column(sa.String(80))
    track_count: Mapped[int | None]


class ProviderState(db.Model):
    """Cooldown and disabled state of one provider/model, kept across restarts.

    ``cooldown_until`` (aware UTC) skips the model without a network call until then;
    ``disabled_for`` holds a fingerprint of the configuration (never the key itself)
    under which the model was found retired or unauthorised; a change of configuration
    re-enables it.
    """

    __tablename__ = "provider_states"

    key: Mapped[str] = mapped_column(sa.String(120), primary_key=True)  # "gemini:gemini-2.5-flash"
    cooldown_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cooldown_reason: Mapped[str] = mapped_column(sa.Text, default="")
    disabled_for: Mapped[str | None] = mapped_column(sa.String(64))
    disabled_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # The outcome that disabled the model (``retired`` for 404 / 429 "limit: 0", ``auth``):
    # a retired slot is handed to its successor without another request.
    disabled_outcome: Mapped[str | None] = mapped_column(sa.String(20))
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    last_error_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ModelSuccessor(db.Model):
    """The Gemini model that stands in for a configured one that is retired or has no quota.

    ``slot`` is the configured model id (``gemini-2.5-flash``), ``successor`` the model
    asked in its place (``gemini-3.8-flash``), ``origin`` how it was found (``listing``:
    ``models.list``; ``alias``: a ``-latest`` alias because the listing failed).
    ``fingerprint`` is :func:`plex_completer.ai.successors.slot_fingerprint` (base URL,
    API-key hash, ``GEMINI_MODELS``; never the key): a row whose fingerprint differs
    from the current configuration is ignored, so a configuration change re-checks.
    ``output_token_limit`` is the successor's ``outputTokenLimit`` (tokens) when listed.
    """

    __tablename__ = "ai_model_successors"

    slot: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    successor: Mapped[str] = mapped_column(sa.String(80))
    origin: Mapped[str] = mapped_column(sa.String(20), default="listing")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    output_token_limit: Mapped[int | None]
    resolved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppSetting(db.Model):
    """Small key/value settings the app writes itself (e.g. the admin password hash)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ArtistAlias(db.Model):
    """An artist the AI names one way and the library another ("The Boss" -> "Springsteen,
    Bruce"), learned from a manual match (issue 14, class 6); the matcher uses it for
    later suggestions. ``alias_key`` is the matcher's artist key of ``alias`` (unique)."""

    __tablename__ = "artist_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    alias: Mapped[str] = mapped_column(sa.String(500))
    alias_key: Mapped[str] = mapped_column(sa.String(500), unique=True)
    library_artist: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# -- scheduler (plex_completer.scheduler) -----------------------------------------------


class Schedule(db.Model):
    """One recurring job of the background scheduler (library sync, full sync, housekeeping).

    ``key`` names the schedule (see ``plex_completer.scheduler.schedules.SCHEDULE_DEFS``);
    ``cron`` is a standard 5-field crontab expression evaluated in ``TZ``. While
    ``cron_is_custom`` is False the expression follows its environment variable (e.g.
    ``SCHEDULE_LIBRARY_SYNC``); an edit on the Schedules page makes it custom.
    ``run_requested_at`` is a "run now" waiting for the process that holds the scheduler
    lock. ``last_*`` describe the latest run (``last_duration_s`` in seconds).
    """

    __tablename__ = "schedules"

    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    cron: Mapped[str] = mapped_column(sa.String(120))
    cron_is_custom: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    run_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str | None] = mapped_column(sa.String(20))
    last_message: Mapped[str] = mapped_column(sa.Text, default="")
    last_duration_s: Mapped[float | None]
    # Not a foreign key: housekeeping prunes old job rows, the schedule keeps its summary.
    last_job_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SchedulerLock(db.Model):
    """A lease that makes exactly one process per database run the scheduled jobs.

    ``holder`` is the process's id (host, pid, start time, random part); the lease is valid
    until ``expires_at`` (aware UTC) and is renewed well before (see
    ``plex_completer.scheduler.lock``).
    """

    __tablename__ = "scheduler_locks"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(200))
    acquired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    renewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# Python's weekday() order (0 = Monday), as PlaylistRefresh.weekday stores it.
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class RefreshFrequency:
    """Values of ``PlaylistRefresh.frequency``."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    ALL = (DAILY, WEEKLY, MONTHLY)


class PlaylistRefresh(db.Model):
    """A recurring playlist: ask the AI again with the stored prompt on a timer.

    Kept in its own table (one row per recurring playlist) so playlists that never
    refresh carry nothing. ``weekday`` is 0 = Monday … 6 = Sunday (weekly only);
    ``hour`` is 0-23 in ``TZ``; monthly refreshes run on the 1st. ``keep_share`` (0-0.9)
    is the share of the previous track list the AI is asked to keep for continuity.
    ``next_refresh_at`` is aware UTC; a postponed refresh moves it to its retry time.
    """

    __tablename__ = "playlist_refreshes"

    playlist_id: Mapped[int] = mapped_column(
        sa.ForeignKey("playlists.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    frequency: Mapped[str] = mapped_column(sa.String(10))
    weekday: Mapped[int | None]
    hour: Mapped[int] = mapped_column(default=6)
    keep_share: Mapped[float] = mapped_column(default=0.0)
    next_refresh_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    last_refresh_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str | None] = mapped_column(sa.String(20))
    last_message: Mapped[str] = mapped_column(sa.Text, default="")
    last_job_id: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # No back-reference on Playlist: deleting a playlist removes this row by ON DELETE CASCADE.
    playlist: Mapped[Playlist] = relationship()

    @property
    def description(self) -> str:
        """"Daily at 06:00", "Weekly on Monday at 06:00" or "Monthly on the 1st at 06:00"."""
        at = f"at {int(self.hour):02d}:00"
        if self.frequency == RefreshFrequency.DAILY:
            return f"Daily {at}"
        if self.frequency == RefreshFrequency.WEEKLY:
            return f"Weekly on {WEEKDAY_NAMES[int(self.weekday or 0)]} {at}"
        return f"Monthly on the 1st {at}"
