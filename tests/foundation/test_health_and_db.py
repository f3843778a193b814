"""/healthz, migrations from empty, no drift between models and migrations, locked SQLite."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from plex_completer.database import include_name
from plex_completer.extensions import db


def test_healthz_ok_with_scheduler_disabled(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json["database"] == "ok"
    assert r.json["scheduler"] == "disabled"
    assert r.json["version"]


def test_healthz_reports_running_scheduler(make_app):
    app = make_app(SCHEDULER_ENABLED=True, JOBS_INLINE=False)
    try:
        r = app.test_client().get("/healthz")
        assert r.status_code == 200 and r.json["scheduler"] == "running"
        app.extensions["job_runner"].shutdown()
        r = app.test_client().get("/healthz")
        assert r.status_code == 503 and r.json["scheduler"] == "stopped"
    finally:
        app.extensions["job_runner"].shutdown()


def test_healthz_503_when_database_unreachable(make_app, tmp_path):
    app = make_app()
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    with app.app_context():
        db.engine.dispose()
    # Point the engine at a directory that cannot hold a database file.
    bad = tmp_path / "gone"
    with app.app_context():
        db.session.remove()
        engines = app.extensions["sqlalchemy"]._app_engines[app]
        engines[None] = sa.create_engine(f"sqlite:///{bad}/nope/x.db")
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.json["database"] == "unreachable"


def test_migrations_build_the_schema_from_empty_and_match_the_models(make_app):
    app = make_app()
    with app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"playlists", "generations", "suggested_tracks", "library_tracks", "jobs", "ai_attempts", "alembic_version"} <= tables
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
            diff = compare_metadata(ctx, db.metadata)
        assert diff == [], f"models and migrations drifted: {diff}"


def test_flask_db_upgrade_on_empty_database_and_check(make_app):
    app = make_app(AUTO_MIGRATE=False)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    assert "No new upgrade operations detected" in result.output or result.output == ""


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0


def test_locked_database_is_a_503_page_not_a_500(make_app, tmp_path):
    app = make_app()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.testing = False

    @app.get("/_write_probe")
    def _write_probe():
        from plex_completer.models import AppSetting

        db.session.add(AppSetting(key="probe", value="1"))
        db.session.commit()
        return "written"

    with app.app_context():
        engines = app.extensions["sqlalchemy"]._app_engines[app]
        engines[None] = sa.create_engine(
            f"sqlite:///{tmp_path / 'test.db'}", connect_args={"timeout": 0.1}
        )
    holder = sqlite3.connect(tmp_path / "test.db")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        r = app.test_client().get("/_write_probe")
    finally:
        holder.rollback()
        holder.close()
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "5"
    assert "busy" in r.get_data(as_text=True).lower()
