"""library_search: the SQLite FTS5 search index over library_tracks, its triggers, built
from the existing rows

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 08:30:00

On PostgreSQL (or any other dialect) nothing is created: the search falls back to the
in-memory matcher there. See plex_completer/plex/index_store.py ("the search index").
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    from plex_completer.plex import index_store
    from plex_completer.services import library_search

    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    # The connection may have been opened before the functions were registered.
    library_search.install_functions(bind.connection.dbapi_connection)
    index_store.create_search_index(bind)


def downgrade():
    from plex_completer.plex import index_store

    index_store.drop_search_index(op.get_bind())
