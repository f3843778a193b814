"""PostgreSQL for the search tests: one throwaway cluster per session (``tests/pg_cluster.py``)
and a fresh database per test; skipped with the reason when PostgreSQL cannot start."""

from __future__ import annotations

import itertools

import pytest

from tests import pg_cluster

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres():
    """A running throwaway PostgreSQL cluster (:class:`tests.pg_cluster.Cluster`), or a skip
    saying why there is none."""
    try:
        cluster = pg_cluster.start()
    except pg_cluster.Unavailable as exc:
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield cluster
    pg_cluster.stop(cluster)


@pytest.fixture
def pg_url(postgres):
    """The SQLAlchemy URL of an empty database of its own on :func:`postgres`."""
    name = f"t{next(_names)}"
    postgres.psql(f"CREATE DATABASE {name}")
    yield postgres.url(name)
    postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def make_pg_app(make_app, pg_url):
    """Factory: ``make_pg_app(**overrides)`` is ``make_app`` on :func:`pg_url`; the apps'
    connections are closed before the database is dropped."""
    made = []

    def factory(**overrides):
        app = make_app(DATABASE_URL=pg_url, **overrides)
        made.append(app)
        return app

    yield factory
    from plex_completer.extensions import db

    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
