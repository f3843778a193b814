"""Database engine settings and schema upgrades at start-up.

SQLite is shared by web threads and scheduler threads: every connection gets WAL
journaling (readers never block the writer), foreign keys and a busy timeout
(https://www.sqlite.org/pragma.html). A lock that outlasts the timeout raises
``OperationalError('database is locked')``, which the web layer turns into a 503 page
with a retry hint instead of a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

# Milliseconds a connection waits for a lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 15_000
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def engine_options(url: str) -> dict[str, Any]:
    """SQLAlchemy engine options for ``url`` (SQLite gets a longer driver timeout)."""
    if url.startswith("sqlite"):
        # check_same_thread: connections are pooled per thread by SQLAlchemy; the
        # scheduler's threads get their own. timeout is the driver's lock wait in seconds.
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}}
    return {"pool_pre_ping": True}


#: SQL functions every SQLite connection gets: name -> (number of arguments, function).
#: Filled by :func:`register_sqlite_function` from higher layers at import time (the
#: library search index's normalisation: ``services/library_search.py``), so this module
#: imports nothing above it.
SQLITE_FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {}


def register_sqlite_function(name: str, nargs: int, func: Callable[..., Any]) -> None:
    """Make ``func`` callable from SQL as ``name(...)`` on every SQLite connection opened
    from now on (``sqlite3.Connection.create_function``, deterministic, so SQLite may use
    it in triggers and indexes: https://www.sqlite.org/deterministic.html). Register at
    import time, before the engine opens its first connection."""
    SQLITE_FUNCTIONS[name] = (nargs, func)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    for name, (nargs, func) in SQLITE_FUNCTIONS.items():
        dbapi_connection.create_function(name, nargs, func, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def install_sqlite_pragmas(engine: Engine) -> None:
    """Register :func:`_sqlite_pragmas` (pragmas and :data:`SQLITE_FUNCTIONS`) on every
    new connection of a SQLite ``engine``."""
    if engine.dialect.name == "sqlite" and not sa.event.contains(engine, "connect", _sqlite_pragmas):
        sa.event.listen(engine, "connect", _sqlite_pragmas)


#: Tables the migrations create outside the models (the search index of migration 0007,
#: an FTS5 table, its shadow tables and helpers): autogenerate must not report them.
UNMODELLED_TABLE_PREFIXES = ("library_search",)


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic ``include_name`` hook: skip :data:`UNMODELLED_TABLE_PREFIXES` tables (and
    their indexes) when comparing the models with the database."""
    if type_ == "table" and name:
        return not name.startswith(UNMODELLED_TABLE_PREFIXES)
    if parent_names and parent_names.get("table_name"):
        return not str(parent_names["table_name"]).startswith(UNMODELLED_TABLE_PREFIXES)
    return True


def is_locked_error(exc: BaseException) -> bool:
    """True when ``exc`` is SQLite's "database is locked" (or "busy")."""
    text = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, sa.exc.OperationalError) and ("locked" in text or "busy" in text)


def upgrade_schema(app: Flask) -> None:
    """Run Alembic migrations up to head (idempotent; called by ``create_app``)."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
