"""Typed settings from environment variables and an optional ``.env`` file.

Settings are validated once at start-up by :func:`load_settings`. A wrong value stops
start-up with one :class:`ConfigError` line naming the variable; missing Plex or AI
settings do not (the UI says what to configure). Secrets (``PLEX_TOKEN``,
``GEMINI_API_KEY``, ``APP_PASSWORD``, ``SECRET_KEY``) are ``SecretStr`` so they never
render by accident; use :meth:`Settings.public_view` for display.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from .limits import FILL_MODES

DEFAULT_GEMINI_MODELS = ("gemini-2.5-flash", "gemini-2.0-flash")

# Model ids as listed by the Gemini API (`models/gemini-2.5-flash`, `gemini-2.5-flash-lite`,
# `gemini-2.5-flash-preview-09-2025`): lower-case letters, digits, dots and dashes.
_MODEL_ID = re.compile(r"^(models/)?[a-z0-9][a-z0-9.\-]*$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Gemini 3's thinking levels (https://ai.google.dev/gemini-api/docs/thinking).
THINKING_LEVELS = ("minimal", "low", "medium", "high")


def _choice(name: str, value: Any, allowed: Collection[str], default: str) -> str:
    """``value`` (``default`` when empty) trimmed and in the letter case of ``default``
    (the values of ``allowed`` share it); raises ``ValueError`` naming ``name`` and the
    allowed values otherwise. ``allowed`` is any collection of strings (a dict: its keys)."""
    text = str(value or default).strip()
    text = text.upper() if default.isupper() else text.lower()
    if text not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return text


class ConfigError(Exception):
    """A configuration value is wrong; ``str()`` is one line naming the variable."""


def _check_url(name: str, value: str | None) -> str | None:
    if value is None or value == "":
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name} must be a URL with http:// or https:// and a host, got {value!r}")
    return value.rstrip("/")


class Settings(BaseModel):
    """The application's effective configuration.

    Field names are the environment variable names. Durations are seconds.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    PLEX_URL: str | None = None
    PLEX_TOKEN: SecretStr | None = None
    PLEX_MUSIC_SECTION: str | None = None
    PLEX_TIMEOUT: float = Field(default=30.0, gt=0)
    # Items per listing request. PMS caps pages at 1,000 items and answers 400 without the
    # X-Plex-Container-Size header (sct/overseerr PR #3023, van-geaux/plex_nfo_exporter
    # issues #12 and #14); a lower value helps slow servers and proxies.
    PLEX_PAGE_SIZE: int = Field(default=1000, ge=1, le=1000)
    # Where the user's browser reaches Plex Web ("Open in Plex" links); PLEX_URL is often a
    # Docker-internal address. Unset: https://app.plex.tv/desktop, which finds the server.
    PLEX_PUBLIC_URL: str | None = None
    # plex.tv's base URL (household users, Sign in with Plex). Only for tests and the offline
    # stack (tests/fakes/plextv); leave it at https://plex.tv otherwise.
    PLEX_TV_URL: str = "https://plex.tv"

    GEMINI_API_KEY: SecretStr | None = None
    GEMINI_MODELS: tuple[str, ...] = DEFAULT_GEMINI_MODELS
    GEMINI_BASE_URL: str | None = None
    # Gemini Flash answers a 30-track list in ~5-20 s; past 60 s the cascade moves on.
    GEMINI_TIMEOUT: float = Field(default=60.0, gt=0)
    # A configured model that answers "retired / not available" (404, or 429 "limit: 0")
    # is replaced by the newest stable model of its kind found with models.list
    # (plex_completer.ai.successors). false pins GEMINI_MODELS exactly.
    GEMINI_AUTO_SUCCESSOR: bool = True
    # Gemini 3 thinking depth (thinking_level): minimal, low, medium or high. A level a
    # model rejects (gemini-3.7 rejects minimal) is replaced by the nearest it accepts.
    GEMINI_THINKING_LEVEL: str = "low"
    # How a new playlist is made unless the form or the CLI says otherwise (issue 18):
    # fill (the AI's wish list, then tracks from your library up to the length),
    # library (only tracks from your library) or wish (the wish list only).
    FILL_MODE: str = "fill"

    OLLAMA_URL: str | None = "http://localhost:11434"
    # A 3-4B instruct model finishes a JSON track list on a CPU; see README "Troubleshooting the AI".
    OLLAMA_MODEL: str = "qwen2.5:3b"
    # Seconds for the whole answer (a 3B model on a CPU writes a 30-track list in 40-120 s).
    OLLAMA_TIMEOUT: float = Field(default=180.0, gt=0)
    # Seconds until the first streamed token (loading the model from disk counts here).
    OLLAMA_FIRST_TOKEN_TIMEOUT: float = Field(default=90.0, gt=0)
    # How long Ollama keeps the model loaded after an answer (Ollama duration, e.g. 10m).
    OLLAMA_KEEP_ALIVE: str = "10m"

    DATA_DIR: Path = Path("./data")
    DATABASE_URL: str | None = Field(default=None, repr=False)  # may hold a password
    # Library search answers kept in memory until the library index changes
    # (services/search_cache.py); 0 turns the cache off.
    SEARCH_CACHE_ENTRIES: int = Field(default=512, ge=0, le=100_000)
    SECRET_KEY: SecretStr | None = None
    LOG_LEVEL: str = "INFO"
    TZ: str | None = None

    APP_USERNAME: str | None = None
    APP_PASSWORD: SecretStr | None = None
    AUTH_DISABLED: bool = False
    # Reverse proxies whose X-Forwarded-For/-Proto/-Host/-Port/-Prefix headers are believed
    # (werkzeug's ProxyFix, applied only to requests from these addresses): IP addresses or
    # networks, comma-separated; "*" trusts any sender. Empty: no proxy, headers ignored.
    TRUSTED_PROXIES: tuple[str, ...] = ()
    # Proxies in a chain in front of the app that each append to X-Forwarded-For.
    TRUSTED_PROXY_HOPS: int = Field(default=1, ge=1, le=10)
    # None ("auto"): the session cookie is Secure when the request came over HTTPS.
    SESSION_COOKIE_SECURE: bool | None = None

    SCHEDULER_ENABLED: bool = True
    # Scheduler defaults (plex_completer.scheduler): standard 5-field crontab expressions
    # in TZ (0 or 7 = Sunday in the day-of-week field); "off" starts the schedule disabled.
    SCHEDULE_LIBRARY_SYNC: str = "0 */6 * * *"
    SCHEDULE_FULL_SYNC: str = "30 3 * * 0"
    SCHEDULE_HOUSEKEEPING: str = "15 4 * * *"
    # AI calls scheduled refreshes may make per day (TZ calendar day). Keep it well under the
    # Gemini free tier's requests-per-day quota per model (https://ai.google.dev/gemini-api/docs/rate-limits;
    # a project's values are shown in AI Studio) so the user's own requests still get answers.
    # 0 turns scheduled refreshes off (they are postponed every day).
    # Default 10: free-tier requests-per-day quotas are per model and keep shrinking
    # (Gemini 2.5 Flash went from 250 to 20 RPD in December 2025,
    # sh2/extension-summarize-translate-gemini#36; a model may have no free quota at all,
    # "limit: 0", continuedev/continue#12643). 10 leaves most of a 20-request day to the user.
    SCHEDULER_AI_DAILY_CAP: int = Field(default=10, ge=0, le=10_000)
    # Days finished job rows and AI attempts are kept (playlists' history is kept forever).
    JOB_RETENTION_DAYS: int = Field(default=30, ge=1, le=3650)

    @field_validator("PLEX_URL", "PLEX_PUBLIC_URL", "GEMINI_BASE_URL", "OLLAMA_URL", mode="before")
    @classmethod
    def _url(cls, value: Any, info: Any) -> str | None:
        return _check_url(info.field_name, value)

    @field_validator("PLEX_TV_URL", mode="before")
    @classmethod
    def _plex_tv_url(cls, value: Any) -> str:
        return _check_url("PLEX_TV_URL", value) or "https://plex.tv"

    @field_validator("PLEX_TOKEN", "GEMINI_API_KEY", "APP_PASSWORD", "SECRET_KEY", mode="before")
    @classmethod
    def _empty_secret(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    @field_validator("PLEX_MUSIC_SECTION", mode="before")
    @classmethod
    def _section(cls, value: Any) -> str | None:
        if value is None or str(value).strip() == "":
            return None
        value = str(value).strip()
        if len(value) > 200 or any(ord(c) < 32 for c in value):
            raise ValueError("PLEX_MUSIC_SECTION must be a library section key (a number) or its name")
        return value

    @field_validator("GEMINI_MODELS", mode="before")
    @classmethod
    def _models(cls, value: Any) -> tuple[str, ...]:
        if value is None:
            return DEFAULT_GEMINI_MODELS
        if isinstance(value, str):
            items = [v.strip() for v in value.split(",")]
            if value.strip() == "":
                return ()
        else:
            items = [str(v).strip() for v in value]
        for item in items:
            if not _MODEL_ID.match(item):
                raise ValueError(
                    "GEMINI_MODELS must be a comma-separated list of model ids such as "
                    f"'gemini-2.5-flash,gemini-2.0-flash', got {value!r}"
                )
        return tuple(i.removeprefix("models/") for i in items)

    @field_validator("SCHEDULE_LIBRARY_SYNC", "SCHEDULE_FULL_SYNC", "SCHEDULE_HOUSEKEEPING", mode="before")
    @classmethod
    def _crontab(cls, value: Any, info: Any) -> str:
        from .cron import normalize_crontab

        return normalize_crontab(value, info.field_name)

    @field_validator("GEMINI_THINKING_LEVEL", mode="before")
    @classmethod
    def _thinking_level(cls, value: Any) -> str:
        return _choice("GEMINI_THINKING_LEVEL", value, THINKING_LEVELS, "low")

    @field_validator("FILL_MODE", mode="before")
    @classmethod
    def _fill_mode(cls, value: Any) -> str:
        return _choice("FILL_MODE", value, FILL_MODES, "fill")

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _level(cls, value: Any) -> str:
        return _choice("LOG_LEVEL", value, _LOG_LEVELS, "INFO")

    @field_validator("TRUSTED_PROXIES", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> tuple[str, ...]:
        import ipaddress

        if value is None:
            return ()
        items = value.split(",") if isinstance(value, str) else [str(v) for v in value]
        out = []
        for item in (i.strip() for i in items):
            if not item:
                continue
            if item == "*":
                out.append(item)
                continue
            try:
                out.append(str(ipaddress.ip_network(item, strict=False)))
            except ValueError:
                raise ValueError(
                    "TRUSTED_PROXIES must be IP addresses or networks separated by commas "
                    f"(e.g. '172.16.0.0/12,127.0.0.1') or '*', got {item!r}"
                ) from None
        return tuple(out)

    @field_validator("SESSION_COOKIE_SECURE", mode="before")
    @classmethod
    def _auto_bool(cls, value: Any, info: Any) -> bool | None:
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "auto")):
            return None
        try:
            return cls._bool(value, info)
        except ValueError:
            raise ValueError(f"SESSION_COOKIE_SECURE must be auto, true or false, got {value!r}") from None

    @field_validator("AUTH_DISABLED", "SCHEDULER_ENABLED", "GEMINI_AUTO_SUCCESSOR", mode="before")
    @classmethod
    def _bool(cls, value: Any, info: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"{info.field_name} must be true or false, got {value!r}")

    # -- derived values -------------------------------------------------------------

    @property
    def database_url(self) -> str:
        """The SQLAlchemy URL: ``DATABASE_URL`` or a SQLite file in ``DATA_DIR``."""
        if self.DATABASE_URL:
            return self.DATABASE_URL
        return f"sqlite:///{(self.DATA_DIR / 'plex_completer.db').resolve()}"

    @property
    def plex_configured(self) -> bool:
        """True when both ``PLEX_URL`` and ``PLEX_TOKEN`` are set."""
        return bool(self.PLEX_URL and self.PLEX_TOKEN)

    @property
    def gemini_configured(self) -> bool:
        """True when a Gemini API key is set and at least one model is listed."""
        return bool(self.GEMINI_API_KEY and self.GEMINI_MODELS)

    @property
    def ollama_configured(self) -> bool:
        """True when ``OLLAMA_URL`` and ``OLLAMA_MODEL`` are set."""
        return bool(self.OLLAMA_URL and self.OLLAMA_MODEL)

    def secret_values(self) -> list[str]:
        """The literal secret strings, for the log redaction filter."""
        out = []
        for field in ("PLEX_TOKEN", "GEMINI_API_KEY", "APP_PASSWORD", "SECRET_KEY"):
            value = getattr(self, field)
            if value is not None and len(value.get_secret_value()) >= 4:
                out.append(value.get_secret_value())
        password = urlsplit(self.DATABASE_URL).password if self.DATABASE_URL else None
        if password:
            out.append(password)
        return out

    def public_view(self) -> dict[str, str]:
        """The settings as display strings, secrets masked ("set" / "not set")."""
        out: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                out[name] = "set (hidden)"
            elif value is None:
                out[name] = "not set"
            elif isinstance(value, tuple):
                out[name] = ",".join(value)
            else:
                out[name] = str(value)
        out["DATABASE_URL"] = _mask_url_password(self.database_url)
        if self.SECRET_KEY is None:
            out["SECRET_KEY"] = f"generated, stored in {self.DATA_DIR / 'secret_key'}"
        from .timezones import zone_label  # the zone actually in use, named

        out["TZ"] = f"{self.TZ} (in use)" if self.TZ else f"not set: {zone_label(self)}"
        out["TRUSTED_PROXIES"] = ",".join(self.TRUSTED_PROXIES) or "none"
        if self.SESSION_COOKIE_SECURE is None:
            out["SESSION_COOKIE_SECURE"] = "auto (Secure over HTTPS)"
        return out


def _mask_url_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def _format_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    name = ".".join(str(p) for p in err["loc"]) or "configuration"
    msg = err["msg"].removeprefix("Value error, ")
    if name.lower() not in msg.lower():
        msg = f"{name}: {msg}"
    return f"Invalid configuration: {msg}"


def load_settings(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build :class:`Settings` from ``environ`` (default ``os.environ``) and ``overrides``.

    A ``.env`` file in the working directory is read first (it never overrides real
    environment variables). ``overrides`` (the dict tests pass to ``create_app``) win.
    Raises :class:`ConfigError` with one line naming the wrong variable.
    """
    if environ is None:
        from dotenv import dotenv_values

        env_file = {k: v for k, v in dotenv_values(".env").items() if v is not None} if Path(".env").is_file() else {}
        environ = {**env_file, **os.environ}
    fields = Settings.model_fields
    data: dict[str, Any] = {k: v for k, v in environ.items() if k in fields}
    if overrides:
        data.update({k: v for k, v in overrides.items() if k in fields})
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc)) from None


def ensure_secret_key(settings: Settings) -> str:
    """Return ``SECRET_KEY`` or one generated once and kept in ``DATA_DIR/secret_key``."""
    if settings.SECRET_KEY is not None:
        return settings.SECRET_KEY.get_secret_value()
    path = settings.DATA_DIR / "secret_key"
    if path.is_file():
        key = path.read_text().strip()
        if key:
            return key
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def current_settings() -> Settings:
    """The running app's :class:`Settings` (``current_app.config["SETTINGS"]``); needs an
    app context, raises ``RuntimeError`` outside one (Flask's own error)."""
    from flask import current_app

    return current_app.config["SETTINGS"]
